import { markerEnvironment, Target } from './target';
import { isTable, lineOf, Table, tableAt } from './toml';
import { normalizePackageName } from '../core/names';
import { Problems } from '../core/problems';
import { evaluateMarker, MarkerSyntaxError, parseMarker } from '../core/requirement-grammar';

/**
 * Where a pyproject.toml binds a package to come from, other than the default index: uv's
 * `[tool.uv.sources]` (an index of `[[tool.uv.index]]`, a path, git, a url, a workspace member)
 * and Poetry's `source = "<name>"` of a dependency (a `[[tool.poetry.source]]`), or a lock's
 * record of the index each package came from. Such a package is never installed from the
 * image's default index (`PIP_INDEX_URL`): anyone can register its name there.
 */

/** A package's source other than the default index. */
export interface PackageSource {
  readonly kind: 'index' | 'path' | 'git' | 'url' | 'workspace';
  /** The index's name in the project (uv's index name, Poetry's source name), when it has one. */
  readonly name?: string;
  /** The index url, the path, the git or archive url (`workspace`: the member's name). */
  readonly location: string;
  /** Where it is declared: `pyproject.toml:14`, or the lock. */
  readonly at: string;
}

/** The sources a pyproject.toml declares, by normalized package name, and its own default index. */
export interface DeclaredSources {
  readonly byPackage: ReadonlyMap<string, PackageSource>;
  /** Every index the project declares, by name (`[[tool.uv.index]]`, `[[tool.poetry.source]]`). */
  readonly indexes: ReadonlyMap<string, string>;
  /**
   * An index the project makes its default (uv's `default = true`, Poetry's primary source), replacing PyPI.
   */
  readonly defaultIndex?: string;
}

/** PyPI's simple index, the default of pip, uv and Poetry. */
const PYPI = /^https:\/\/(pypi\.org|pypi\.python\.org)\/simple\/?$/;

/** A PyPI index url (what a lock records for packages from the default index). */
export function isPypi(url: string): boolean {
  return PYPI.test(url);
}

/** Reads the sources of a parsed pyproject.toml, with the entries whose markers apply to the image. */
export function readDeclaredSources(
  problems: Problems, file: string, text: string, doc: Table, target: Target,
): DeclaredSources {
  const byPackage = new Map<string, PackageSource>();
  const at = (needle: string, header: string) => `${file}:${lineOf(text, needle, header)}`;
  const uv = tableAt(doc, 'tool', 'uv');
  const indexes = new Map<string, { url: string; explicit: boolean; isDefault: boolean }>();
  for (const index of Array.isArray(uv?.index) ? uv!.index.filter(isTable) : []) {
    if (typeof index.name === 'string' && typeof index.url === 'string') {
      indexes.set(index.name, {
        url: index.url, explicit: index.explicit === true, isDefault: index.default === true,
      });
    }
  }
  let defaultIndex = [...indexes.values()].find((i) => i.isDefault)?.url;
  for (const [name, raw] of Object.entries(tableAt(doc, 'tool', 'uv', 'sources') ?? {})) {
    const where = at(name, '[tool.uv.sources]');
    const entries = (Array.isArray(raw) ? raw : [raw]).filter(isTable);
    const entry = entries.find((e) => markerHolds(problems, where, e.marker, target));
    if (!entry) continue;
    const source = uvSource(entry, indexes, where);
    if (typeof source === 'string') problems.add(`${where} [tool.uv.sources] ${name} ${source}`, entry, 'an index named in [[tool.uv.index]]');
    else if (source) byPackage.set(normalizePackageName(name), source);
  }
  const poetry = tableAt(doc, 'tool', 'poetry');
  const sources = new Map<string, { url: string; priority: string }>();
  for (const s of Array.isArray(poetry?.source) ? poetry!.source.filter(isTable) : []) {
    if (typeof s.name !== 'string') continue;
    const priority = typeof s.priority === 'string' ? s.priority : s.default === true ? 'default' : s.secondary === true ? 'secondary' : 'primary';
    sources.set(s.name, { url: typeof s.url === 'string' ? s.url : '', priority });
  }
  // a primary (or default) source replaces PyPI as where every unbound package comes from
  defaultIndex ??= [...sources.values()].find((s) => (s.priority === 'primary' || s.priority === 'default') && s.url !== '')?.url;
  const tables: Array<[Table | undefined, string]> = [[tableAt(poetry ?? {}, 'dependencies'), '[tool.poetry.dependencies]'],
    [tableAt(poetry ?? {}, 'dev-dependencies'), '[tool.poetry.dev-dependencies]'],
    ...Object.entries(tableAt(poetry ?? {}, 'group') ?? {}).map(([g, body]): [Table | undefined, string] =>
      [isTable(body) ? tableAt(body, 'dependencies') : undefined, `[tool.poetry.group.${g}.dependencies]`])];
  for (const [table, header] of tables) {
    for (const [name, raw] of Object.entries(table ?? {})) {
      const bound = (Array.isArray(raw) ? raw : [raw]).filter(isTable).find((e) => typeof e.source === 'string');
      if (!bound) continue;
      const source = sources.get(bound.source as string);
      const where = at(name, header);
      if (!source) {
        problems.add(`${where} ${name} names a source pyproject.toml does not declare`, bound.source, `a name of [[tool.poetry.source]]: ${[...sources.keys()].join(', ') || 'none'}`);
        continue;
      }
      if (source.url === '' || isPypi(source.url)) continue;
      byPackage.set(normalizePackageName(name), { kind: 'index', name: bound.source as string, location: source.url, at: where });
    }
  }
  const declared = new Map<string, string>([...indexes].map(([name, i]) => [name, i.url]));
  for (const [name, s] of sources) if (s.url !== '') declared.set(name, s.url);
  return { byPackage, defaultIndex, indexes: declared };
}

function uvSource(
  entry: Table, indexes: ReadonlyMap<string, { url: string }>, at: string,
): PackageSource | string | undefined {
  if (typeof entry.index === 'string') {
    const index = indexes.get(entry.index);
    if (!index) return `names the index ${JSON.stringify(entry.index)}, which [[tool.uv.index]] does not declare`;
    return isPypi(index.url) ? undefined : { kind: 'index', name: entry.index, location: index.url, at };
  }
  if (typeof entry.path === 'string') return { kind: 'path', location: entry.path, at };
  if (typeof entry.git === 'string') return { kind: 'git', location: entry.git, at };
  if (typeof entry.url === 'string') return { kind: 'url', location: entry.url, at };
  if (entry.workspace === true) return { kind: 'workspace', location: 'workspace = true', at };
  return undefined;
}

function markerHolds(problems: Problems, at: string, marker: unknown, target: Target): boolean {
  if (typeof marker !== 'string') return true;
  try {
    return evaluateMarker(parseMarker(marker), markerEnvironment(target));
  } catch (e) {
    if (!(e instanceof MarkerSyntaxError)) throw e;
    problems.add(`${at} has an invalid marker (${e.message})`, marker, 'a pep 508 marker');
    return false;
  }
}
