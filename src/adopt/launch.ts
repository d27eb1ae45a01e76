import { DockerfileFacts, FileCommand, commandWords } from './read-docker';
import { Place, placeText } from './repo';
import { RepoFacts } from './repo-facts';
import { logicalLines, scriptDefaults, shellWords } from './shell-words';

/**
 * What a service really runs, followed through the files: a Dockerfile's shell-form `CMD`, a
 * compose `command`, an entrypoint script's launch line, `sh -c "..."`, with the variables the
 * files give written out. Pure over the facts.
 */

/** A command as words, with every place it was read from (the CMD, then the script's line). */
export interface Launch {
  readonly words: string[];
  readonly from: Place[];
  /** Variables written out, with their value and where it was set. */
  readonly expanded: ReadonlyArray<{ readonly name: string; readonly value: string }>;
  /** Why the command could not be followed further (it stays as the script), if it could not. */
  readonly stuck?: string;
  /**
   * Folders a script creates before it starts the program (`mkdir -p nginx/static/audio`): the program
   * writes there.
   */
  readonly prepared?: ReadonlyArray<{ readonly path: string; readonly at: Place }>;
}

/** Programs a launch line of a script starts with (what is not setup: mkdir, echo, cd...). */
const LAUNCHERS = new RegExp(`^(${[
  'python[0-9.]*', 'gunicorn', 'uvicorn', 'hypercorn', 'celery', 'streamlit', 'torchrun', 'accelerate',
  'deepspeed', 'flask', 'waitress-serve', 'daphne', 'granian', 'fastapi', 'cog', 'huggingface-cli',
  '\\./.*', '/.*\\.sh', '.*\\.sh',
].join('|')})$`);
/** Shell builtins and setup programs of a script (never its launch line). */
const SETUP = new Set([
  'mkdir', 'echo', 'cd', 'export', 'set', 'source', '.', 'if', 'then', 'else', 'fi', 'for', 'do', 'done',
  'while', 'trap', 'sleep', 'test', '[', 'rm', 'cp', 'mv', 'chmod', 'chown', 'touch', 'ln', 'cat',
  'printf', 'true', 'false', 'exit', 'wait', 'ulimit', 'umask', 'nvidia-smi', 'local', 'declare', 'shift',
  'case', 'esac', 'unset', 'readonly', 'return',
]);

/**
 * The repository path of a script the command names, from the working directory (`/app/x.sh` with WORKDIR
 * /app).
 */
function scriptPath(facts: RepoFacts, word: string, workdir: string | undefined): string | undefined {
  const candidates = [word.replace(/^\.\//, '')];
  if (workdir && word.startsWith(`${workdir}/`)) candidates.push(word.slice(workdir.length + 1));
  if (word.startsWith('/app/')) candidates.push(word.slice(5));
  return candidates.find(
    (c) =>
      !c.startsWith('/') &&
      facts.repo.has(c) &&
      /(\.sh|^[^.]+)$/.test(c) &&
      /^#!.*\b(ba|da|z)?sh\b/.test(facts.repo.text(c)?.split('\n')[0] ?? ''),
  );
}

/** The launch line of a script: its last command that runs a program (not a setup step). */
function launchLine(text: string): { readonly line: number; readonly text: string } | undefined {
  let found: { line: number; text: string } | undefined;
  for (const l of logicalLines(text)) {
    const t = l.text.trim();
    if (t === '' || t.startsWith('#')) continue;
    const first = t.split(/\s+/).find((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w) && w !== 'exec');
    if (!first || SETUP.has(first)) continue;
    if (LAUNCHERS.test(first) || /^[a-z][a-z0-9_-]*$/.test(first)) found = l;
  }
  return found;
}

/**
 * Follows a command: a script of the repository to its launch line (twice at most), `sh -c`
 * to its text. `vars` are the variables the Dockerfile or compose file gives.
 */
export function followLaunch(
  facts: RepoFacts,
  first: { words: string[]; from: Place },
  vars: Readonly<Record<string, string>>,
  workdir: string | undefined,
): Launch {
  let words = first.words;
  const from = [first.from];
  const expanded: Array<{ name: string; value: string }> = [];
  const prepared: Array<{ path: string; at: Place }> = [];
  for (let depth = 0; depth < 3; depth++) {
    if (
      (words[0] === 'sh' || words[0] === 'bash' || words[0] === '/bin/sh' || words[0] === '/bin/bash') &&
      words[1] === '-c' &&
      words[2] !== undefined
    ) {
      const inner = shellWords(words[2], vars);
      if ('unreadable' in inner) {
        return {
          words,
          from,
          expanded,
          prepared,
          stuck: 'its sh -c text has '
        + `${inner.unreadable}`,
        };
      }
      words = inner.words;
      continue;
    }
    const script = words[0] !== undefined ? scriptPath(facts, words[0], workdir) : undefined;
    if (!script) break;
    const text = facts.repo.text(script) ?? '';
    const line = launchLine(text);
    if (!line) {
      return {
        words,
        from,
        expanded,
        prepared,
        stuck: `${script} has no line that starts a `
      + 'program',
      };
    }
    for (const l of logicalLines(text)) {
      const m = /^[ \t]*mkdir[ \t]+(?:-p[ \t]+)?(.+)$/s.exec(l.text);
      if (m && l.line < line.line) {
        for (const path of m[1].split(/\s+/).filter((w) => !w.startsWith('-') && !w.includes('$'))) {
          prepared.push({ path, at: { file: script, line: l.line } });
        }
      }
    }
    const defaults = scriptDefaults(
      text
        .split(/\r?\n/)
        .slice(0, line.line - 1)
        .join('\n'),
      vars,
    );
    const parsed = shellWords(line.text, defaults);
    if ('unreadable' in parsed) {
      return { words, from, expanded, prepared, stuck: `${script}:${line.line} has ${parsed.unreadable}` };
    }
    for (const [name, value] of Object.entries(defaults)) {
      if (!(name in vars) && new RegExp(`\\$\\{?${name}\\b`).test(line.text)) {
        expanded.push({ name, value });
      }
    }
    if (words.length > 1) parsed.words.push(...words.slice(1).filter(() => /"\$@"|\$@/.test(line.text)));
    from.push({ file: script, line: line.line });
    words = parsed.words;
  }
  return { words, from, expanded, prepared };
}

/** A Dockerfile's command: ENTRYPOINT and CMD together, as the engine runs them. */
export function dockerfileLaunch(
  facts: RepoFacts,
  dockerfile: DockerfileFacts,
): Launch | { readonly stuck: string; readonly from: Place[] } | undefined {
  const parts: FileCommand[] = [dockerfile.entrypoint, dockerfile.cmd].filter(
    (c): c is FileCommand => c !== undefined,
  );
  if (parts.length === 0) return undefined;
  const words: string[] = [];
  for (const part of parts) {
    const w = commandWords(part, dockerfile.vars);
    if ('unreadable' in w) return { stuck: `${placeText(part.at)} has ${w.unreadable}`, from: [part.at] };
    words.push(...w.words);
    // a shell-form ENTRYPOINT ignores CMD
    if (part === dockerfile.entrypoint && part.shell !== undefined) break;
  }
  const expanded = Object.entries(dockerfile.vars)
    .filter(([name]) =>
      parts.some((p) => p.shell !== undefined && new RegExp(`\\$\\{?${name}\\b`).test(p.shell)),
    )
    .map(([name, value]) => ({ name, value }));
  const followed = followLaunch(
    facts,
    { words, from: parts[parts.length - 1].at },
    dockerfile.vars,
    dockerfile.workdir?.path,
  );
  return { ...followed, expanded: [...expanded, ...followed.expanded] };
}
