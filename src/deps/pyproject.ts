import { markerEnvironment, Target } from './target';
import { isTable, lineOf, Table, tableAt } from './toml';
import { normalizePackageName } from '../core/names';
import { Problems } from '../core/problems';
import {
  evaluateMarker, MarkerEvaluationError, MarkerNode, MarkerSyntaxError, NAME, parseMarker,
  parseRequirementText, parseSpecifier, releaseOf, RequirementSyntaxError, satisfiesClauses,
} from '../core/requirement-grammar';
import { URL_CREDENTIALS_EXPECTED, urlCredentialKind } from '../core/secrets';

/** A dependency the project declares (a root of the install). */
export interface RootDependency {
  readonly name: string;
  readonly key: string;
  readonly extras: string[];
  /**
   * The allowed versions: any of these clause lists (more than one only for Poetry's `||`);
   * `[[]]` when any version is allowed.
   */
  readonly alternatives: string[][];
  /** The url of a direct reference (`name @ url`), accepted with allowDirectReferences. */
  readonly url?: string;
  /** Poetry's `python` of the dependency, as clause lists (any of them): the Pythons it is declared for. */
  readonly python?: string[][];
  /** The index the project binds the dependency to, when not the default one. */
  readonly index?: { readonly name: string; readonly url: string };
  /** Where it is declared: `pyproject.toml:12`. */
  readonly at: string;
  /** As declared, for messages. */
  readonly text: string;
}

/** What a pyproject.toml declares, markers already evaluated for the image. */
export interface PyprojectContent {
  readonly name?: string;
  /** `poetry` when the dependencies come from `[tool.poetry]`. */
  readonly flavor: 'pep621' | 'poetry';
  readonly main: RootDependency[];
  /** By normalized extra name. */
  readonly extras: Map<string, RootDependency[]>;
  /** By normalized group name, `{include-group}` expanded. */
  readonly groups: Map<string, RootDependency[]>;
  /** The Python versions the project supports, as clause lists (any of them), with where it says so. */
  readonly requiresPython?: { readonly alternatives: string[][]; readonly text: string; readonly at: string };
}

const DIRECT = 'a dependency from the package index; direct references (url, git, path) bypass the index and the hashes (publish the package, copy it with `sources` and installProject, or set allowDirectReferences)';

/**
 * Poetry's version constraints as PEP 440 clause lists, one list per `||` alternative:
 * `^1.2.3` is `>=1.2.3,<2.0.0`, `^0.2` is `>=0.2,<0.3`, `~1.2` is `>=1.2,<1.3`, `1.2.*`
 * is `==1.2.*`, a bare version is `==`, `*` allows any.
 */
export function poetryConstraint(text: string): string[][] {
  return text.split('||').map((alt) => {
    const out: string[] = [];
    const parts = alt.trim().split(/\s*,\s*|\s+(?=[<>=!~^])/).filter((p) => p !== '');
    for (const part of parts) {
      if (part === '*' || part === '') continue;
      const caret = /^\^\s*(\S+)$/.exec(part);
      const tilde = /^~(?!=)\s*(\S+)$/.exec(part);
      if (caret || tilde) {
        const version = (caret ?? tilde)![1];
        const release = releaseOf(version);
        if (!release) throw new RequirementSyntaxError(`"${version}" is not a pep 440 version`);
        let upper: number[];
        if (caret) {
          const firstNonZero = release.findIndex((n) => n !== 0);
          const at = firstNonZero < 0 ? Math.max(release.length - 1, 0) : firstNonZero;
          upper = release.slice(0, at + 1);
          upper[at]++;
        } else {
          upper = release.length === 1 ? [release[0] + 1] : [release[0], release[1] + 1];
        }
        out.push(`>=${version}`, `<${upper.join('.')}`);
      } else if (/^(===|==|~=|!=|<=|>=|<|>)/.test(part)) {
        out.push(...parseSpecifier(part));
      } else {
        out.push(...parseSpecifier(`==${part}`));
      }
    }
    return out;
  });
}

function markerApplies(marker: MarkerNode | undefined, target: Target): boolean {
  if (!marker) return true;
  return evaluateMarker(marker, markerEnvironment(target));
}

/**
 * Reads the dependency tables of a pyproject.toml: PEP 621 `[project]` (dependencies,
 * optional-dependencies), PEP 735 `[dependency-groups]`, uv's `[tool.uv] dev-dependencies`
 * (the group `dev`), Poetry's `[tool.poetry.dependencies]`, `[tool.poetry.extras]`,
 * `[tool.poetry.group.<name>.dependencies]` and `[tool.poetry.dev-dependencies]`.
 */
export class PyprojectReader {
  constructor(
    private readonly problems: Problems, private readonly file: string, private readonly text: string,
    private readonly target: Target, private readonly allowDirect = false,
  ) {}

  public read(doc: Table): PyprojectContent | undefined {
    const before = this.problems.count;
    const project = tableAt(doc, 'project');
    const poetry = tableAt(doc, 'tool', 'poetry');
    const name = typeof project?.name === 'string' ? project.name : typeof poetry?.name === 'string' ? poetry.name : undefined;
    const usePoetry = !(project && Array.isArray(project.dependencies))
      && poetry !== undefined && isTable(poetry.dependencies);
    if (project && Array.isArray(project.dynamic) && project.dynamic.includes('dependencies') && !usePoetry) {
      this.problems.add(`${this.file} declares its dependencies as dynamic`, 'dynamic = ["dependencies"]',
        'dependencies listed in [project] (or give the requirement files with Dependencies.fromRequirementsFiles)');
      return undefined;
    }
    let main: RootDependency[] = [];
    const extras = new Map<string, RootDependency[]>();
    const groups = new Map<string, RootDependency[]>();
    if (usePoetry) {
      const all = this.poetryTable(poetry!.dependencies as Table, '[tool.poetry.dependencies]');
      main = all.filter((d) => !d.optional).map((d) => d.dep);
      const poetryExtras = tableAt(poetry!, 'extras') ?? {};
      for (const [extra, members] of Object.entries(poetryExtras)) {
        const list = Array.isArray(members) ? members.map(String) : [];
        extras.set(normalizePackageName(extra),
          all.filter((d) => list.map(normalizePackageName).includes(d.dep.key)).map((d) => d.dep));
      }
    } else if (project) {
      main = this.pep508List(project.dependencies, 'dependencies', '[project]');
      for (const [extra, list] of Object.entries(tableAt(project, 'optional-dependencies') ?? {})) {
        extras.set(normalizePackageName(extra), this.pep508List(list, `optional-dependencies.${extra}`, '[project.optional-dependencies]'));
      }
    } else {
      this.problems.add(`${this.file} declares no dependencies`, this.file, 'a [project] table with dependencies, or [tool.poetry.dependencies]');
      return undefined;
    }
    // Poetry's groups stand beside [tool.poetry.dependencies] and, in Poetry 2, beside [project]
    if (poetry) this.poetryGroups(poetry, groups);
    const uvDev = tableAt(doc, 'tool', 'uv')?.['dev-dependencies'];
    if (uvDev !== undefined) groups.set('dev', [...(groups.get('dev') ?? []), ...this.pep508List(uvDev, 'tool.uv.dev-dependencies', '[tool.uv]')]);
    const pep735 = tableAt(doc, 'dependency-groups');
    if (pep735) {
      const names = Object.keys(pep735);
      for (const group of names) {
        const list = this.expandGroup(pep735, group, []);
        groups.set(normalizePackageName(group),
          [...(groups.get(normalizePackageName(group)) ?? []), ...list]);
      }
    }
    if (this.problems.count > before) return undefined;
    let requiresPython: PyprojectContent['requiresPython'];
    const declared = usePoetry ? (poetry!.dependencies as Table).python : project?.['requires-python'];
    if (typeof declared === 'string') {
      const at = this.at(usePoetry ? 'python' : 'requires-python', usePoetry ? '[tool.poetry.dependencies]' : '[project]');
      try {
        requiresPython = {
          alternatives: usePoetry ? poetryConstraint(declared) : [parseSpecifier(declared)],
          text: declared,
          at,
        };
      } catch (e) {
        if (!(e instanceof RequirementSyntaxError)) throw e;
        this.problems.add(`${at} has an invalid python version range (${e.message})`, declared, 'a version specifier such as ">=3.10"');
        return undefined;
      }
    }
    return { name, flavor: usePoetry ? 'poetry' : 'pep621', main, extras, groups, requiresPython };
  }

  /**
   * `[tool.poetry.group.<name>.dependencies]` and the older `[tool.poetry.dev-dependencies]` (the group
   * `dev`).
   */
  private poetryGroups(poetry: Table, groups: Map<string, RootDependency[]>): void {
    const legacyDev = tableAt(poetry, 'dev-dependencies');
    if (legacyDev) groups.set('dev', this.poetryTable(legacyDev, '[tool.poetry.dev-dependencies]').map((d) => d.dep));
    for (const [group, body] of Object.entries(tableAt(poetry, 'group') ?? {})) {
      const deps = isTable(body) && isTable(body.dependencies) ? body.dependencies : {};
      const list = this.poetryTable(deps, `[tool.poetry.group.${group}.dependencies]`).map((d) => d.dep);
      groups.set(normalizePackageName(group), [...(groups.get(normalizePackageName(group)) ?? []), ...list]);
    }
  }

  private expandGroup(table: Table, group: string, stack: string[]): RootDependency[] {
    const key = Object.keys(table).find((k) => normalizePackageName(k) === normalizePackageName(group));
    if (key === undefined) {
      this.problems.add(`${this.file} [dependency-groups].${stack[stack.length - 1]} includes an unknown group`, group,
        `one of: ${Object.keys(table).join(', ')}`);
      return [];
    }
    if (stack.map(normalizePackageName).includes(normalizePackageName(key))) {
      this.problems.add(`${this.file} [dependency-groups] includes groups in a cycle`, [...stack, key].join(' -> '), 'groups that do not include each other');
      return [];
    }
    const list = table[key];
    if (!Array.isArray(list)) {
      this.problems.add(`${this.file} [dependency-groups].${key} is not a list`, list, 'a list of pep 508 strings and {include-group = "name"} tables');
      return [];
    }
    const out: RootDependency[] = [];
    for (const item of list) {
      if (isTable(item) && typeof item['include-group'] === 'string' && Object.keys(item).length === 1) {
        out.push(...this.expandGroup(table, item['include-group'], [...stack, key]));
      } else {
        out.push(...this.pep508List([item], `[dependency-groups].${key}`, '[dependency-groups]'));
      }
    }
    return out;
  }

  private at(needle: string, after?: string): string {
    return `${this.file}:${lineOf(this.text, needle, after)}`;
  }

  private pep508List(list: unknown, field: string, header: string): RootDependency[] {
    if (!Array.isArray(list)) {
      this.problems.add(`${this.file} ${field} is not a list`, list, 'a list of pep 508 strings such as "numpy>=1.26"');
      return [];
    }
    const out: RootDependency[] = [];
    for (const item of list) {
      if (typeof item !== 'string') {
        this.problems.add(`${this.file} ${field} has an entry that is not a string`, item, 'pep 508 strings such as "numpy>=1.26"');
        continue;
      }
      const at = this.at(item, header);
      const credential = urlCredentialKind(item);
      if (credential) {
        this.problems.addRaw(`${at} has ${credential}`, '(value hidden)', URL_CREDENTIALS_EXPECTED);
        continue;
      }
      try {
        const req = parseRequirementText(item);
        if (req.url !== undefined && !(this.allowDirect && /^(git\+)?https:\/\//.test(req.url))) {
          this.problems.add(`${at} is a direct reference`, item, this.allowDirect ? 'a dependency from the package index, or a named https reference' : DIRECT);
          continue;
        }
        if (!markerApplies(req.marker, this.target)) continue;
        out.push({
          name: req.name,
          key: req.key,
          extras: req.extras,
          alternatives: [req.clauses],
          url: req.url,
          at,
          text: item,
        });
      } catch (e) {
        if (!(e instanceof RequirementSyntaxError) && !(e instanceof MarkerEvaluationError)) throw e;
        this.problems.add(`${at} is not a pep 508 requirement (${e.message})`, item, 'a requirement such as \'numpy>=1.26,<3; python_version >= "3.10"\'');
      }
    }
    return out;
  }

  private poetryTable(table: Table, header: string): Array<{ dep: RootDependency; optional: boolean }> {
    const out: Array<{ dep: RootDependency; optional: boolean }> = [];
    for (const [name, raw] of Object.entries(table)) {
      if (name === 'python') continue;
      const at = this.at(name, header);
      if (!NAME.test(name)) {
        this.problems.add(`${at} ${header} has a key that is not a package name`, name,
          'a pep 508 package name (ascii letters and digits, with ".", "_" or "-" inside)');
        continue;
      }
      const entries = Array.isArray(raw) ? raw : [raw];
      for (const value of entries) {
        const credential = urlCredentialKind(JSON.stringify(value) ?? '');
        if (credential) {
          this.problems.addRaw(`${at} ${name} has ${credential}`, '(value hidden)', URL_CREDENTIALS_EXPECTED);
          continue;
        }
        try {
          const spec = typeof value === 'string' ? { version: value } : isTable(value) ? value : undefined;
          if (!spec) {
            this.problems.add(`${at} ${name} is not a poetry dependency`, value, 'a version constraint string or a table with "version"');
            continue;
          }
          if (['git', 'path', 'url', 'file'].some((k) => spec[k] !== undefined)) {
            this.problems.add(`${at} ${name} is a direct reference`, value, DIRECT);
            continue;
          }
          if (!this.poetryApplies(spec)) continue;
          const extras = Array.isArray(spec.extras) ? spec.extras.map(String) : [];
          const badExtra = extras.find((e) => !NAME.test(e));
          if (badExtra !== undefined) {
            this.problems.add(`${at} ${name} has an extra that is not an extra name`, badExtra, 'a pep 508 name such as "standard"');
            continue;
          }
          const version = typeof spec.version === 'string' ? spec.version : '*';
          out.push({
            dep: {
              name,
              key: normalizePackageName(name),
              extras,
              alternatives: poetryConstraint(version),
              at,
              text: `${name} = ${JSON.stringify(value)}`,
              python: typeof spec.python === 'string' ? poetryConstraint(spec.python) : undefined,
            },
            optional: spec.optional === true,
          });
        } catch (e) {
          if (!(e instanceof RequirementSyntaxError) && !(e instanceof MarkerSyntaxError)
            && !(e instanceof MarkerEvaluationError)) throw e;
          this.problems.add(`${at} ${name} has a constraint poetry-style versions do not allow (${e.message})`, value, 'a constraint such as "^1.2.3", "~1.2", ">=1,<2"');
        }
      }
    }
    return out;
  }

  private poetryApplies(spec: Table): boolean {
    if (typeof spec.markers === 'string' && !markerApplies(parseMarker(spec.markers), this.target)) return false;
    if (typeof spec.python === 'string') {
      const full = this.target.pythonVersion;
      if (!poetryConstraint(spec.python).some((alt) => satisfiesClauses(full, alt))) return false;
    }
    if (typeof spec.platform === 'string' && spec.platform !== 'linux') return false;
    return true;
  }
}
