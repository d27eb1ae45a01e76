import {
  markerLint, parseRequirementText, pipLineProblem, Requirement, RequirementSyntaxError, SHA256,
} from './requirement-grammar';

/**
 * One requirement of a generated requirement file (a tier, the torch tier, the constraints):
 * the only way text reaches those files. Whatever it came from (a typed list, a requirement
 * file, a pyproject.toml, a lock, a cog.yaml), it is checked here as pip will read it: one line
 * that is one PEP 508 requirement (a name, extras, PEP 440 versions or one word of printable
 * ASCII after `===`, a marker pip evaluates, or an https url), with no line break in any Unicode
 * sense, no control character, comment, `${VAR}`, backslash or word starting with `-`; and each
 * hash exactly 64 lowercase hex digits, written as its own `--hash=sha256:` line. A text that
 * fails is never written: the reader that produced it reports why.
 */
export class TierRequirement {
  /**
   * Checks a requirement line and its hashes. Returns the requirement, written as given
   * (surrounding spaces removed), or the reason pip would read the text otherwise.
   */
  public static check(text: string, hashes: readonly string[] = []): TierRequirement | string {
    const line = text.replace(/^ +| +$/g, '');
    if (line === '') return 'is empty';
    const pip = pipLineProblem(line);
    if (pip) return pip;
    let req: Requirement;
    try {
      req = parseRequirementText(line);
    } catch (e) {
      if (!(e instanceof RequirementSyntaxError)) throw e;
      return `is not a pep 508 requirement (${e.message})`;
    }
    if (req.marker) {
      const lint = markerLint(req.marker);
      if (lint.length) return `has an environment marker pip reads differently (${lint.join('; ')})`;
    }
    if (req.url !== undefined && !/^(git\+)?https:\/\/[!-~]+$/.test(req.url)) return 'is a direct reference that is not an https url';
    const bad = hashes.find((h) => !SHA256.test(h));
    if (bad !== undefined) return `has a hash that is not 64 lowercase hex digits (${JSON.stringify(bad)})`;
    return new TierRequirement(req, line, [...hashes]);
  }

  /**
   * A requirement the library wrote itself (a torch pin from the wheel matrix, a line already
   * checked by its reader): checked the same way; a failure is a defect of this library, never
   * of the input, and stops the synth before anything is written.
   */
  public static of(text: string, hashes: readonly string[] = []): TierRequirement {
    const checked = TierRequirement.check(text, hashes);
    if (typeof checked === 'string') throw new Error(`internal error: a generated requirement ${JSON.stringify(text)} ${checked}`);
    return checked;
  }

  /** The PEP 503 normalized name. */
  public readonly key: string;
  public readonly name: string;
  /** The requirement as it stands on its first line. */
  public readonly text: string;
  /** The parsed requirement. */
  public readonly requirement: Requirement;
  /** sha256 digests, lowercase hex, in the order written. */
  public readonly hashes: readonly string[];

  private constructor(requirement: Requirement, text: string, hashes: string[]) {
    this.requirement = requirement;
    this.key = requirement.key;
    this.name = requirement.name;
    this.text = text;
    this.hashes = hashes;
  }

  /** The file lines: the requirement, then one `--hash` per line, joined by pip's `\` continuations. */
  public lines(): string[] {
    if (this.hashes.length === 0) return [this.text];
    const last = this.hashes.length - 1;
    return [`${this.text} \\`, ...this.hashes.map((h, i) => `    --hash=sha256:${h}${i < last ? ' \\' : ''}`)];
  }
}
