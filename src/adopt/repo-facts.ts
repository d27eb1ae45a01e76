import {
  AppObject,
  CodeFacts,
  DocCommand,
  docCommands,
  docFiles,
  readCode,
  workflowPythons,
} from './read-code';
import { ComposeFacts, DockerfileFacts, readCompose, readDockerfile } from './read-docker';
import { Place, Repo } from './repo';
import { normalizePackageName } from '../core/names';
import { Problems } from '../core/problems';
import { YAML } from '../core/yaml';
import { Table, isTable, parseToml, tableAt } from '../deps/toml';

/**
 * Everything adoption reads of a repository, gathered once: its Dockerfiles and compose files,
 * cog.yaml, pyproject.toml and lock, requirement files, setup.py, `.python-version`, CI
 * workflows, code and documents. The decisions (decide-*.ts) read only this.
 */

/** A dependency a project declares, with the file and line. */
export interface DeclaredDependency {
  /** PEP 503-normalized name. */
  readonly name: string;
  readonly text: string;
  readonly at: Place;
}

export interface PyprojectFacts {
  readonly file: string;
  readonly name?: string;
  readonly poetry: boolean;
  readonly requiresPython?: { readonly text: string; readonly at: Place };
  /** `[project.scripts]` or `[tool.poetry.scripts]`: name -> `module:function`. */
  readonly scripts: Readonly<Record<string, { readonly target: string; readonly at: Place }>>;
  readonly dependencies: readonly DeclaredDependency[];
  /** Extras (`[project.optional-dependencies]`, `[tool.poetry.extras]`) by name. */
  readonly extras: readonly string[];
  /** Dependency groups (PEP 735, Poetry groups, uv dev-dependencies as `dev`). */
  readonly groups: readonly string[];
  readonly buildBackend?: string;
  readonly buildRequires: readonly string[];
}

/** A lock's entries by name: versions (several when markers fork), with their lines. */
export interface LockFacts {
  readonly file: string;
  readonly kind: 'uv' | 'poetry';
  readonly versions: ReadonlyMap<string, ReadonlyArray<{ readonly version: string; readonly at: Place }>>;
}

export interface CogFacts {
  readonly file: string;
  readonly gpu?: { readonly value: boolean; readonly at: Place };
  readonly pythonVersion?: { readonly value: string; readonly at: Place };
  readonly predict?: { readonly value: string; readonly at: Place };
  readonly train?: { readonly value: string; readonly at: Place };
  readonly packages: ReadonlyArray<{ readonly text: string; readonly at: Place }>;
  readonly steps: ReadonlyArray<{ readonly command: string; readonly at: Place }>;
}

export interface SetupPyFacts {
  readonly file: string;
  /** `install_requires` reads a requirements file (`requirements.txt`) rather than a literal list. */
  readonly readsRequirements?: string;
  readonly pythonRequires?: { readonly text: string; readonly at: Place };
  /** Whether it builds extensions (`ext_modules`, `CUDAExtension`, `BuildExtension`). */
  readonly extensions: boolean;
  /** Literal requirement strings it names (for the report). */
  readonly literals: ReadonlyArray<{ readonly text: string; readonly at: Place }>;
}

export interface RepoFacts {
  readonly repo: Repo;
  readonly folder: string;
  readonly dockerfiles: readonly DockerfileFacts[];
  readonly composes: readonly ComposeFacts[];
  readonly cog?: CogFacts;
  readonly pyproject?: PyprojectFacts;
  readonly lock?: LockFacts;
  /** Requirement files at the root or in `requirements/`, by role. */
  readonly requirementFiles: ReadonlyArray<{
    readonly file: string;
    readonly role: 'main' | 'dev' | 'other';
  }>;
  readonly setupPy?: SetupPyFacts;
  readonly pythonVersionFile?: { readonly value: string; readonly at: Place };
  readonly workflowPythons: ReadonlyArray<{ readonly version: string; readonly at: Place }>;
  readonly code: CodeFacts;
  readonly docs: readonly DocCommand[];
  /**
   * The command lines of the docs grouped by block: the lines written together (an install line before a
   * run line).
   */
  readonly docBlocks: ReadonlyArray<readonly DocCommand[]>;
}

const DOCKERFILE = /(^|\/)(Dockerfile(\.[^/]+)?|[^/]+\.[Dd]ockerfile)$/;
const COMPOSE = /^(docker-)?compose(\.[^/]+)?\.ya?ml$/;

export function gatherFacts(root: string, folder: string): RepoFacts {
  const repo = new Repo(root);
  const dockerfiles = repo
    .find(DOCKERFILE)
    .filter((f) => !f.startsWith('docker/') || !isGenerated(repo, f))
    .map((f) => readDockerfile(f, repo.text(f) ?? ''));
  const composes = repo.files.filter((f) => COMPOSE.test(f)).map((f) => readCompose(f, repo.text(f) ?? ''));
  const docsByFile = docFiles(repo).map((f) => docCommands(f, repo.text(f) ?? ''));
  const docBlocks: DocCommand[][] = [];
  for (const commands of docsByFile) {
    let block: DocCommand[] = [];
    for (const c of commands) {
      const last = block[block.length - 1];
      if (last && (c.at.line ?? 0) - (last.at.line ?? 0) > 3) {
        docBlocks.push(block);
        block = [];
      }
      block.push(c);
    }
    if (block.length > 0) docBlocks.push(block);
  }
  const pythonVersionText = repo.has('.python-version') ? repo.text('.python-version') : undefined;
  const pyVersion = /^\s*(?:cpython-)?(3\.\d{1,2})(?:\.\d+)?\s*$/m.exec(pythonVersionText ?? '');
  return {
    repo,
    folder,
    dockerfiles,
    composes,
    cog: repo.has('cog.yaml') ? readCog(repo.text('cog.yaml') ?? '') : undefined,
    pyproject: repo.has('pyproject.toml')
      ? readPyprojectFacts(repo.text('pyproject.toml') ?? '')
      : undefined,
    lock: readLock(repo),
    requirementFiles: repo.files
      .filter((f) => /^(requirements[^/]*\.txt|requirements\/[^/]+\.txt)$/.test(f))
      .map((f) => ({
        file: f,
        role: /(dev|test|lint|doc)/i.test(f)
          ? /doc/i.test(f)
            ? ('other' as const)
            : ('dev' as const)
          : /(^|[-_/])(requirements|main|base|prod|core)([-_.]|\.txt$)/.test(f)
            ? ('main' as const)
            : ('other' as const),
      })),
    setupPy: repo.has('setup.py') ? readSetupPy(repo.text('setup.py') ?? '') : undefined,
    pythonVersionFile: pyVersion
      ? {
        value: pyVersion[1],
        at: { file: '.python-version', line: lineNumber(pythonVersionText!, pyVersion.index) },
      }
      : undefined,
    workflowPythons: repo
      .find(/^\.github\/workflows\/[^/]+\.ya?ml$/)
      .flatMap((f) => workflowPythons(f, repo.text(f) ?? '')),
    code: readCode(repo),
    docs: docsByFile.flat(),
    docBlocks,
  };
}

function isGenerated(repo: Repo, file: string): boolean {
  return (repo.text(file) ?? '').includes('~~ Generated by projen');
}

function lineNumber(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

function lineOfText(text: string, needle: RegExp): number | undefined {
  const m = needle.exec(text);
  return m ? lineNumber(text, m.index) : undefined;
}

function readCog(text: string): CogFacts {
  const counter = new YAML.LineCounter();
  let json: any;
  let doc: ReturnType<typeof YAML.parseDocument> | undefined;
  try {
    doc = YAML.parseDocument(text, { lineCounter: counter, uniqueKeys: false, prettyErrors: false });
    json = doc.errors.length === 0 ? doc.toJSON() : undefined;
  } catch {
    json = undefined;
  }
  const file = 'cog.yaml';
  const at = (path: Array<string | number>): Place => {
    const node = doc?.getIn(path, true) as { range?: [number, number, number] } | undefined;
    return { file, line: node?.range ? counter.linePos(node.range[0]).line : undefined };
  };
  if (!json || typeof json !== 'object') return { file, packages: [], steps: [] };
  const build = json.build && typeof json.build === 'object' ? json.build : {};
  const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);
  const list = (v: unknown) => (Array.isArray(v) ? v : []);
  return {
    file,
    gpu: typeof build.gpu === 'boolean' ? { value: build.gpu, at: at(['build', 'gpu']) } : undefined,
    pythonVersion: str(build.python_version)
      ? { value: str(build.python_version)!, at: at(['build', 'python_version']) }
      : undefined,
    predict: str(json.predict) ? { value: str(json.predict)!, at: at(['predict']) } : undefined,
    train: str(json.train) ? { value: str(json.train)!, at: at(['train']) } : undefined,
    packages: list(build.python_packages).map((p: unknown, i: number) => ({
      text: String(p),
      at: at(['build', 'python_packages', i]),
    })),
    steps: list(build.run).map((s: unknown, i: number) => ({
      command: typeof s === 'string' ? s : String((s as { command?: unknown })?.command ?? ''),
      at: at(['build', 'run', i]),
    })),
  };
}

function requirementName(text: string): string | undefined {
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(text);
  return m ? normalizePackageName(m[1]) : undefined;
}

function readPyprojectFacts(text: string): PyprojectFacts {
  const file = 'pyproject.toml';
  const doc: Table = parseToml(new Problems('pyproject.toml'), file, text) ?? {};
  const project = tableAt(doc, 'project') ?? {};
  const poetry = tableAt(doc, 'tool', 'poetry');
  const scripts: Record<string, { target: string; at: Place }> = {};
  const scriptTable = tableAt(doc, 'project', 'scripts') ?? tableAt(doc, 'tool', 'poetry', 'scripts') ?? {};
  for (const [name, target] of Object.entries(scriptTable)) {
    if (typeof target === 'string') {
      scripts[name] = {
        target,
        at: { file, line: lineOfText(text, new RegExp(`^\\s*["']?${escapeRe(name)}["']?\\s*=`, 'm')) },
      };
    }
  }
  const dependencies: DeclaredDependency[] = [];
  const add = (spec: string, key?: string) => {
    const name = requirementName(key ?? spec);
    if (name) {
      dependencies.push({
        name,
        text: key ? `${key} ${spec}` : spec,
        at: { file, line: lineOfText(text, new RegExp(`^\\s*["']?${escapeRe(key ?? spec)}`, 'm')) },
      });
    }
  };
  if (Array.isArray(project.dependencies)) {
    project.dependencies.forEach((d: unknown) => typeof d === 'string' && add(d));
  }
  const poetryDeps = tableAt(doc, 'tool', 'poetry', 'dependencies');
  if (poetryDeps) {
    for (const [key, value] of Object.entries(poetryDeps)) {
      if (key === 'python' || (isTable(value) && value.optional === true)) continue;
      add(typeof value === 'string' ? value : JSON.stringify(value), key);
    }
  }
  const extras = Object.keys(
    tableAt(doc, 'project', 'optional-dependencies') ?? tableAt(doc, 'tool', 'poetry', 'extras') ?? {},
  );
  const groups = [
    ...Object.keys(tableAt(doc, 'dependency-groups') ?? {}),
    ...Object.keys(tableAt(doc, 'tool', 'poetry', 'group') ?? {}),
    ...(Array.isArray(tableAt(doc, 'tool', 'uv')?.['dev-dependencies']) ? ['dev'] : []),
  ];
  const requiresPython =
    typeof project['requires-python'] === 'string'
      ? (project['requires-python'] as string)
      : typeof poetryDeps?.python === 'string'
        ? (poetryDeps.python as string)
        : undefined;
  const build = tableAt(doc, 'build-system') ?? {};
  return {
    file,
    name:
      typeof project.name === 'string'
        ? project.name
        : typeof poetry?.name === 'string'
          ? (poetry.name as string)
          : undefined,
    poetry: poetry !== undefined,
    requiresPython:
      requiresPython !== undefined
        ? {
          text: requiresPython,
          at: { file, line: lineOfText(text, /^\s*(requires-python|python)\s*=/m) },
        }
        : undefined,
    scripts,
    dependencies,
    extras,
    groups: [...new Set(groups)],
    buildBackend:
      typeof build['build-backend'] === 'string' ? (build['build-backend'] as string) : undefined,
    buildRequires: Array.isArray(build.requires)
      ? build.requires.filter((r): r is string => typeof r === 'string')
      : [],
  };
}

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The lock beside pyproject.toml, read for versions (the resolution itself is the deps room's). */
function readLock(repo: Repo): LockFacts | undefined {
  const kind = repo.has('uv.lock') ? 'uv' : repo.has('poetry.lock') ? 'poetry' : undefined;
  if (!kind || !repo.has('pyproject.toml')) return undefined;
  const file = kind === 'uv' ? 'uv.lock' : 'poetry.lock';
  const text = repo.text(file);
  if (text === undefined) return undefined;
  const doc = parseToml(new Problems(file), file, text);
  const packages = Array.isArray(doc?.package) ? (doc!.package as Table[]) : [];
  const versions = new Map<string, Array<{ version: string; at: Place }>>();
  const starts: number[] = [];
  for (const m of text.matchAll(/^\[\[package\]\]\s*$/gm)) starts.push(lineNumber(text, m.index!));
  packages.forEach((p, i) => {
    if (typeof p.name !== 'string' || typeof p.version !== 'string') return;
    const name = normalizePackageName(p.name);
    const list = versions.get(name) ?? [];
    list.push({
      version: p.version,
      at: { file, line: starts[i] !== undefined ? starts[i] + 2 : undefined },
    });
    versions.set(name, list);
  });
  return { file, kind, versions };
}

function readSetupPy(text: string): SetupPyFacts {
  const file = 'setup.py';
  const reads =
    /open\(\s*['"]([^'"]*requirements[^'"]*\.txt)['"]/.exec(text) ??
    /['"]([^'"]*requirements[^'"]*\.txt)['"]/.exec(text);
  const literals: Array<{ text: string; at: Place }> = [];
  for (const m of text.matchAll(
    /['"]([A-Za-z0-9][A-Za-z0-9._-]*(?:\[[^\]]*\])?\s*(?:[<>=!~]=?|===)\s*[0-9][^'"]*)['"]/g,
  )) {
    literals.push({ text: m[1], at: { file, line: lineNumber(text, m.index!) } });
  }
  const pyReq = /python_requires\s*=\s*['"]([^'"]+)['"]/.exec(text);
  return {
    file,
    readsRequirements: reads?.[1],
    pythonRequires: pyReq
      ? { text: pyReq[1], at: { file, line: lineNumber(text, pyReq.index) } }
      : undefined,
    extensions: /\b(ext_modules|CUDAExtension|CppExtension|BuildExtension)\b/.test(text),
    literals,
  };
}

/** The app object a module defines, if any. */
export function appIn(facts: RepoFacts, file: string): AppObject | undefined {
  return facts.code.apps.find((a) => a.file === file);
}
