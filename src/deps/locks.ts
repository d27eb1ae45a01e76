import { poetryConstraint } from './pyproject';
import { isTable, Table } from './toml';
import { normalizePackageName } from '../core/names';
import { Problems } from '../core/problems';
import {
  isVersion, MarkerNode, MarkerSyntaxError, NAME, parseMarker, requirementName, RequirementSyntaxError,
} from '../core/requirement-grammar';

/** An edge of a lock's dependency graph. */
export interface LockEdge {
  readonly key: string;
  readonly extras: string[];
  readonly marker?: MarkerNode;
  /** The version, when the lock names one (uv, when a package has several). */
  readonly version?: string;
  /** The versions the edge allows, as clause lists (any of them): poetry's constraint of the dependency. */
  readonly constraint?: string[][];
}

/** One file of a locked package. */
export interface LockArtifact {
  /** The file name (`numpy-2.1.3-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl`). */
  readonly file: string;
  /** Lowercase hex sha256, undefined when the lock has none. */
  readonly sha256?: string;
}

/** One package of a lock. */
export interface LockPackage {
  readonly name: string;
  readonly key: string;
  readonly version: string;
  readonly artifacts: LockArtifact[];
  readonly deps: LockEdge[];
  /** By normalized extra name: what the extra adds. */
  readonly extraDeps: Map<string, LockEdge[]>;
  /** Markers of the package itself (pylock), evaluated for the image. */
  readonly marker?: MarkerNode;
  readonly requiresPython?: string;
  /** Poetry's `python-versions` of the package, as clause lists (any of them): the Pythons it installs on. */
  readonly pythonAlternatives?: string[][];
  /**
   * Poetry 2's groups of the package (lock-version 2.1) and the marker under which each group
   * installs it: the lock says itself which packages an environment gets.
   */
  readonly groups?: ReadonlyMap<string, MarkerNode | undefined>;
  /** Why the package cannot be installed from an index (a git, url, path or directory source). */
  readonly direct?: string;
  /** The archive url of a package locked from one (uv's `source = { url = ... }`). */
  readonly directUrl?: string;
  /**
   * The index the lock took the package from (uv's `source.registry`, poetry's legacy source, pylock's
   * `index`).
   */
  readonly index?: string;
  /** The project itself (uv's editable or virtual root). */
  readonly isProject?: boolean;
}

/** A lock, read into one graph for every lock format. */
export interface LockGraph {
  readonly packages: Map<string, LockPackage[]>;
  /** False when the lock has no dependency edges (pylock without `dependencies`). */
  readonly hasGraph: boolean;
  readonly requiresPython?: string;
  /** PEP 751 `environments`, when listed. */
  readonly environments?: MarkerNode[];
  /** Poetry's lock-version 2.1 and later: every package carries its groups and markers. */
  readonly groupsAndMarkers?: boolean;
}

function fileName(url: string): string {
  const path = url.split(/[?#]/)[0];
  return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
}

function hashOf(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^sha256:([0-9a-fA-F]{64})$/.exec(text);
  return m ? m[1].toLowerCase() : undefined;
}

class LockReader {
  public readonly packages = new Map<string, LockPackage[]>();

  constructor(protected readonly problems: Problems, protected readonly file: string) {}

  protected marker(text: unknown, where: string): MarkerNode | undefined {
    if (typeof text !== 'string' || text.trim() === '') return undefined;
    try {
      return parseMarker(text);
    } catch (e) {
      if (!(e instanceof MarkerSyntaxError)) throw e;
      this.problems.add(`${this.file} ${where} has an invalid marker (${e.message})`, text, 'a pep 508 marker');
      return undefined;
    }
  }

  protected add(pkg: LockPackage): void {
    this.packages.set(pkg.key, [...(this.packages.get(pkg.key) ?? []), pkg]);
  }

  protected packageList(doc: Table, key: string): Table[] {
    const list = doc[key];
    if (!Array.isArray(list) || list.some((p) => !isTable(p) || typeof p.name !== 'string' || (p.version !== undefined && typeof p.version !== 'string'))) {
      this.problems.add(`${this.file} has no valid [[${key}]] list`, Array.isArray(list) ? `${list.length} entries` : list,
        `[[${key}]] tables each with a name and a version`);
      return [];
    }
    // names and versions reach the tier files: each is checked here, where the message can say which entry
    return (list as Table[]).filter((p) => {
      if (!NAME.test(p.name as string)) {
        this.problems.add(`${this.file} [[${key}]] has a name that is not a package name`, p.name, NAME_EXPECTED);
        return false;
      }
      if (p.version !== undefined && !isVersion(p.version as string)) {
        this.problems.add(`${this.file} package ${p.name} has a version that is not a pep 440 version`, p.version,
          'a version such as "2.1.3" (letters, digits and ".+!-_" only, no space or line break)');
        return false;
      }
      return true;
    });
  }
}

const NAME_EXPECTED = 'a pep 508 package name (ascii letters and digits, with ".", "_" or "-" inside)';

/** uv.lock (version 1): `[[package]]` with `dependencies`, `optional-dependencies`, `sdist`, `wheels`. */
export function readUvLock(problems: Problems, file: string, doc: Table): LockGraph | undefined {
  const reader = new (class extends LockReader {
    public run(): void {
      if (doc.version !== 1) {
        this.problems.add(`${this.file} has a lock version this library does not read`, doc.version, 'version = 1 (uv 0.4 and later)');
        return;
      }
      for (const p of this.packageList(doc, 'package')) {
        const name = String(p.name);
        const where = `package ${name}`;
        const edges = (list: unknown): LockEdge[] =>
          (Array.isArray(list) ? list : []).filter(isTable).map((d) => ({
            key: normalizePackageName(String(d.name)),
            extras: Array.isArray(d.extra) ? d.extra.map(String) : [],
            marker: this.marker(d.marker, where),
            version: typeof d.version === 'string' ? d.version : undefined,
          }));
        const extraDeps = new Map<string, LockEdge[]>();
        for (const [extra, list] of Object.entries(isTable(p['optional-dependencies']) ? p['optional-dependencies'] : {})) {
          extraDeps.set(normalizePackageName(extra), edges(list));
        }
        const source = isTable(p.source) ? p.source : {};
        const isProject = source.editable === '.' || source.virtual === '.';
        const directKind = ['git', 'url', 'path', 'directory', 'editable', 'virtual'].find((k) => source[k] !== undefined);
        const artifacts: LockArtifact[] = [];
        const sdist = isTable(p.sdist) ? p.sdist : undefined;
        if (sdist) artifacts.push({ file: typeof sdist.url === 'string' ? fileName(sdist.url) : `${name}-${p.version}.tar.gz`, sha256: hashOf(sdist.hash) });
        for (const w of Array.isArray(p.wheels) ? p.wheels.filter(isTable) : []) {
          artifacts.push({ file: fileName(String(w.url ?? w.filename ?? w.path ?? '')), sha256: hashOf(w.hash) });
        }
        // a package locked at several versions (a fork) says for which environments each one is
        const forks = Array.isArray(p['resolution-markers']) ? p['resolution-markers'].map(String) : [];
        this.add({
          name,
          key: normalizePackageName(name),
          version: String(p.version ?? ''),
          artifacts,
          deps: edges(p.dependencies),
          extraDeps,
          marker: forks.length ? this.marker(forks.map((m) => `(${m})`).join(' or '), where) : undefined,
          direct: !isProject && directKind ? `${directKind} = ${JSON.stringify(source[directKind])}` : undefined,
          directUrl: typeof source.url === 'string' && /^https:\/\//.test(source.url) ? source.url : undefined,
          index: typeof source.registry === 'string' ? source.registry : undefined,
          isProject,
        });
      }
    }
  })(problems, file);
  reader.run();
  return { packages: reader.packages, hasGraph: true, requiresPython: typeof doc['requires-python'] === 'string' ? doc['requires-python'] : undefined };
}

/** poetry.lock (lock-version 1.1 and 2.x): `[[package]]` with `files` and `[package.dependencies]`. */
export function readPoetryLock(problems: Problems, file: string, doc: Table): LockGraph | undefined {
  let groupsAndMarkers = false;
  const reader = new (class extends LockReader {
    public run(): void {
      const version = String(tableAt2(doc, 'metadata')?.['lock-version'] ?? '');
      if (!/^(1\.1|2\.\d+)$/.test(version)) {
        this.problems.add(`${this.file} has a lock-version this library does not read`, version, 'lock-version "1.1" or "2.x" (poetry 1.1 and later)');
        return;
      }
      groupsAndMarkers = /^2\.([1-9]|\d\d)/.test(version);
      const legacyFiles = tableAt2(doc, 'metadata', 'files');
      for (const p of this.packageList(doc, 'package')) {
        const name = String(p.name);
        const where = `package ${name}`;
        const optional: Array<{ edge: LockEdge; name: string }> = [];
        const deps: LockEdge[] = [];
        for (const [dep, raw] of Object.entries(isTable(p.dependencies) ? p.dependencies : {})) {
          for (const spec of Array.isArray(raw) ? raw : [raw]) {
            const table: Table = isTable(spec) ? spec : { version: spec };
            const markerParts: string[] = [];
            if (typeof table.markers === 'string') markerParts.push(`(${table.markers})`);
            if (typeof table.python === 'string') markerParts.push(...pythonMarkers(table.python));
            const edge: LockEdge = {
              key: normalizePackageName(dep),
              extras: Array.isArray(table.extras) ? table.extras.map(String) : [],
              marker: this.marker(markerParts.length ? markerParts.join(' and ') : undefined, where),
              constraint: this.constraint(table.version, `${where} dependency ${dep}`),
            };
            if (table.optional === true) optional.push({ edge, name: dep });
            else deps.push(edge);
          }
        }
        const extraDeps = new Map<string, LockEdge[]>();
        for (const [extra, list] of Object.entries(isTable(p.extras) ? p.extras : {})) {
          const names = (Array.isArray(list) ? list : []).map((s) => requirementName(String(s))?.name);
          extraDeps.set(normalizePackageName(extra),
            optional.filter((o) => names.includes(o.edge.key)).map((o) => o.edge));
        }
        const files = Array.isArray(p.files) ? p.files
          : Array.isArray(legacyFiles?.[name]) ? legacyFiles![name] as unknown[] : [];
        const artifacts = files.filter(isTable).map((f) => ({ file: String(f.file ?? ''), sha256: hashOf(f.hash) }));
        const source = isTable(p.source) ? p.source : undefined;
        const direct = source && ['git', 'url', 'file', 'directory'].includes(String(source.type)) ? `source type ${JSON.stringify(source.type)}` : undefined;
        this.add({
          name,
          key: normalizePackageName(name),
          version: String(p.version ?? ''),
          artifacts,
          deps,
          extraDeps,
          direct,
          index: source && source.type === 'legacy' && typeof source.url === 'string' ? source.url : undefined,
          pythonAlternatives: this.constraint(p['python-versions'], `${where} python-versions`),
          groups: groupsAndMarkers ? this.groupMarkers(p, where) : undefined,
        });
      }
    }

    /** A poetry constraint (`^3.10`, `>=1.2,<2`, `*`) as clause lists; undefined when absent or `*`. */
    private constraint(text: unknown, where: string): string[][] | undefined {
      if (typeof text !== 'string' || text.trim() === '*' || text.trim() === '') return undefined;
      try {
        return poetryConstraint(text);
      } catch (e) {
        if (!(e instanceof RequirementSyntaxError)) throw e;
        this.problems.add(`${this.file} ${where} is not a version constraint poetry writes (${e.message})`, text, 'a constraint such as ">=3.10" or "^1.2"');
        return undefined;
      }
    }

    /** Lock-version 2.1's `groups` and `markers` (one marker, or one per group). */
    private groupMarkers(p: Table, where: string): Map<string, MarkerNode | undefined> {
      const groups = Array.isArray(p.groups) ? p.groups.map((g) => normalizePackageName(String(g))) : ['main'];
      const markers = p.markers;
      const out = new Map<string, MarkerNode | undefined>();
      for (const group of groups) {
        const text = isTable(markers)
          ? Object.entries(markers).find(([g]) => normalizePackageName(g) === group)?.[1]
          : markers;
        out.set(group, this.marker(text, `${where} markers`));
      }
      return out;
    }
  })(problems, file);
  reader.run();
  return { packages: reader.packages, hasGraph: true, groupsAndMarkers };
}

/** PEP 751 pylock.toml (lock-version 1.x): `[[packages]]` with markers, `wheels`, `sdist`. */
export function readPylock(problems: Problems, file: string, doc: Table): LockGraph | undefined {
  let hasGraph = true;
  let environments: MarkerNode[] | undefined;
  const reader = new (class extends LockReader {
    public run(): void {
      if (!/^1(\.\d+)?$/.test(String(doc['lock-version'] ?? ''))) {
        this.problems.add(`${this.file} has a lock-version this library does not read`, doc['lock-version'], 'lock-version = "1.0" (pep 751)');
        return;
      }
      if (Array.isArray(doc.environments)) {
        environments = doc.environments.map((e) => this.marker(e, 'environments')).filter((m): m is MarkerNode => m !== undefined);
      }
      const list = this.packageList(doc, 'packages');
      if (list.some((p) => p.dependencies === undefined)) hasGraph = false;
      for (const p of list) {
        const name = String(p.name);
        const where = `package ${name}`;
        const artifacts: LockArtifact[] = [];
        const sdist = isTable(p.sdist) ? p.sdist : undefined;
        const sha = (hashes: unknown): string | undefined => {
          const v = isTable(hashes) ? hashes.sha256 : undefined;
          return typeof v === 'string' && /^[0-9a-fA-F]{64}$/.test(v) ? v.toLowerCase() : undefined;
        };
        if (sdist) artifacts.push({ file: String(sdist.name ?? fileName(String(sdist.url ?? sdist.path ?? ''))), sha256: sha(sdist.hashes) });
        for (const w of Array.isArray(p.wheels) ? p.wheels.filter(isTable) : []) {
          artifacts.push({ file: String(w.name ?? fileName(String(w.url ?? w.path ?? ''))), sha256: sha(w.hashes) });
        }
        const directKind = ['vcs', 'directory', 'archive'].find((k) => p[k] !== undefined);
        const deps = (Array.isArray(p.dependencies) ? p.dependencies : []).filter(isTable).map((d) => ({
          key: normalizePackageName(String(d.name)), extras: [], version: typeof d.version === 'string' ? d.version : undefined,
        }));
        this.add({
          name,
          key: normalizePackageName(name),
          version: String(p.version ?? ''),
          artifacts,
          deps,
          extraDeps: new Map(),
          marker: this.marker(p.marker, where),
          requiresPython: typeof p['requires-python'] === 'string' ? p['requires-python'] : undefined,
          direct: directKind ? `[packages.${directKind}]` : undefined,
          index: typeof p.index === 'string' ? p.index : undefined,
        });
      }
    }
  })(problems, file);
  reader.run();
  return {
    packages: reader.packages,
    hasGraph,
    environments,
    requiresPython: typeof doc['requires-python'] === 'string' ? doc['requires-python'] : undefined,
  };
}

function tableAt2(doc: Table, ...keys: string[]): Table | undefined {
  let cur: unknown = doc;
  for (const k of keys) cur = isTable(cur) ? cur[k] : undefined;
  return isTable(cur) ? cur : undefined;
}

/** Poetry's `python = ">=3.8,<3.11"` (or `^3.8`) of a dependency, as one marker clause. */
function pythonMarkers(constraint: string): string[] {
  const alternatives = poetryConstraint(constraint)
    .map((alt) => alt.map((c) => {
      const m = /^(===|==|~=|!=|<=|>=|<|>)(.+)$/.exec(c)!;
      return `python_full_version ${m[1]} "${m[2]}"`;
    }))
    .filter((alt) => alt.length > 0);
  if (alternatives.length === 0) return [];
  return [`(${alternatives.map((alt) => `(${alt.join(' and ')})`).join(' or ')})`];
}
