import { DependenciesPlan } from './plan';
import { placeText } from './repo';
import { RepoFacts } from './repo-facts';
import { loadData } from '../core/data';
import { normalizePackageName } from '../core/names';
import { satisfiesRange } from '../core/requirement-grammar';
import { SetupPyRequirement } from '../deps/setup-py';

/**
 * The environment of an adopted project: its Python, its dependency files and its torch, each
 * from the repository's own files, in the order its tools read them, or written as a choice
 * with a TODO when the files leave it open. Pure over the facts.
 */

/** A decided value and where it came from; a choice the files left open carries a TODO. */
export interface Decided<T> {
  readonly value: T;
  readonly from: string;
  readonly todo?: string;
}

interface PythonImageTags {
  readonly slimBookworm: Record<string, string>;
}

interface AdoptionData {
  readonly baseImagePython: ReadonlyArray<{
    readonly image: string;
    readonly python: string;
    readonly source: string;
  }>;
  readonly servingPackages: ReadonlyArray<{ readonly name: string; readonly source: string }>;
  readonly runtimeSystemPackages: ReadonlyArray<{
    readonly name: string;
    readonly debian: string[];
    readonly source: string;
  }>;
  readonly buildOnlySystemPackages: {
    readonly names: string[];
    readonly suffixes: string[];
    readonly source: string;
  };
  readonly servers: ReadonlyArray<{
    readonly module: string;
    readonly port: number;
    readonly healthPath: string;
    readonly source: string;
  }>;
  readonly cudaBuildPackages: ReadonlyArray<{ readonly name: string; readonly source: string }>;
  readonly hubTokenPackages: ReadonlyArray<{ readonly name: string; readonly source: string }>;
  readonly poetryCore: ReadonlyArray<{
    readonly poetry: string;
    readonly poetryCore: string;
    readonly source: string;
  }>;
}

export function adoptionData(): AdoptionData {
  return loadData<AdoptionData>('adoption.json');
}

interface TorchRow {
  readonly torch: string;
  readonly cuda: string | null;
  readonly pythons: string[];
}

/** The Python minors the generated images offer. */
export function offeredPythons(): string[] {
  return Object.keys(loadData<PythonImageTags>('python-image-tags.json').slimBookworm);
}

/** The project's default Python when the files leave it open. */
const DEFAULT_PYTHON = '3.11';

/** A requires-python range as PEP 440 (Poetry's `^3.10` and `~3.10` too). */
function pep440Range(text: string): string {
  return text
    .split(',')
    .map((part) => {
      const p = part.trim();
      const caret = /^\^(\d+)\.(\d+)/.exec(p);
      if (caret) return `>=${caret[1]}.${caret[2]},<${Number(caret[1]) + 1}`;
      const tilde = /^~(\d+)\.(\d+)$/.exec(p);
      if (tilde) return `>=${tilde[1]}.${tilde[2]},<${tilde[1]}.${Number(tilde[2]) + 1}`;
      return p;
    })
    .join(',');
}

function admits(range: string | undefined, minor: string): boolean {
  if (range === undefined) return true;
  try {
    return (
      satisfiesRange(`${minor}.0`, pep440Range(range)) || satisfiesRange(`${minor}.99`, pep440Range(range))
    );
  } catch {
    return true;
  }
}

/**
 * The project's Python: `.python-version`, then cog.yaml, then the base image of the
 * repository's own Dockerfile (`python:X.Y...`, or an image the data knows), then the CI
 * workflows when they all agree; otherwise a choice admitted by `requires-python`.
 */
export function decidePython(
  facts: RepoFacts,
  baseImage?: { readonly image: string; readonly at: string },
): Decided<string> {
  const offered = offeredPythons();
  const range = facts.pyproject?.requiresPython?.text ?? facts.setupPy?.pythonRequires?.text;
  const rangeFrom = facts.pyproject?.requiresPython
    ? placeText(facts.pyproject.requiresPython.at)
    : facts.setupPy?.pythonRequires
      ? placeText(facts.setupPy.pythonRequires.at)
      : undefined;
  const found: Array<{ value: string; from: string }> = [];
  if (facts.pythonVersionFile) {
    found.push({
      value: facts.pythonVersionFile.value,
      from: `${placeText(facts.pythonVersionFile.at)} (the repository's own choice)`,
    });
  }
  if (facts.cog?.pythonVersion) {
    found.push({
      value: facts.cog.pythonVersion.value,
      from: `${placeText(facts.cog.pythonVersion.at)} build.python_version`,
    });
  }
  if (baseImage) {
    const py = /^(?:docker\.io\/)?(?:library\/)?python:(3\.\d+)/.exec(baseImage.image);
    const known = adoptionData().baseImagePython.find((row) => baseImage.image.startsWith(row.image));
    if (py) {found.push({ value: py[1], from: `${baseImage.at} FROM ${baseImage.image}` });} else if (known) {
      found.push({ value: known.python, from: `${baseImage.at} FROM ${baseImage.image}: ${known.source}` });
    }
  }
  const ci = [...new Set(facts.workflowPythons.map((w) => w.version))];
  if (ci.length === 1) {
    found.push({
      value: ci[0],
      from: `the CI workflows all set up Python ${ci[0]} `
        + `(${[...new Set(facts.workflowPythons.map((w) => w.at.file))].join(', ')})`,
    });
  }
  for (const f of found) {
    const minor = /^3\.\d+/.exec(f.value)?.[0];
    if (minor && offered.includes(minor)) {
      const todo = !admits(range, minor)
        ? `pythonVersion ${minor} (${f.from}) is outside ${rangeFrom}'s range ${range}: check which is right`
        : undefined;
      return { value: minor, from: f.from, todo };
    }
  }
  const admitted = offered.filter((m) => admits(range, m));
  const choice = admitted.includes(DEFAULT_PYTHON) ? DEFAULT_PYTHON : (admitted[0] ?? DEFAULT_PYTHON);
  const seen = found.map((f) => `${f.value} (${f.from})`);
  return {
    value: choice,
    from: range
      ? `a choice: ${rangeFrom} admits ${range}`
      : 'a choice: no file of the repository names a Python version',
    todo: [
      `pythonVersion ${choice} is a choice, not the repository's`,
      seen.length ? `; the files name ${seen.join(', ')}, which the images do not offer` : '',
      `: set the version you run (offered: ${offered.join(', ')})`,
    ].join(''),
  };
}

/** Distributions of the torch release, installed by the torch tier (never in `mlPackages`). */
const TORCH_FAMILY = new Set(['torch', 'torchvision', 'torchaudio', 'triton', 'pytorch-triton']);

export function isServingPackage(name: string): boolean {
  return adoptionData().servingPackages.some((p) => p.name === normalizePackageName(name));
}

/** The distribution a requirement string names (`Flask-Cors>=5.0.0` -> `Flask-Cors`), or ''. */
function requirementNameOf(text: string): string {
  return /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(text)?.[1] ?? '';
}

/**
 * setup.py's lists as `Dependencies.fromSetupPy`: `install_requires`, plus the extras a Dockerfile
 * installs the project with (`pip install -e ".[interactive-demo]"`), as written (lower bounds stay
 * lower bounds: the pins are the user's); the serving layer in the core tier, the rest in the ML
 * tier (mlPackages), torch and its companions in the torch tier.
 */
export function setupPyPlan(
  deps: DecidedDependencies,
  projectExtras: ReadonlyArray<{
    readonly extras: readonly string[];
    readonly at: { file: string; line?: number };
  }>,
): DecidedDependencies {
  if (!deps.setupPy) return deps;
  const todos = [...deps.todos];
  const chosen: Array<{ name: string; at: string }> = [];
  for (const install of projectExtras) {
    for (const extra of install.extras) {
      if (chosen.some((c) => c.name === extra)) continue;
      if (deps.setupPy.extras[extra]) chosen.push({ name: extra, at: placeText(install.at) });
      else todos.push(`${placeText(install.at)} installs the extra "${extra}", which setup.py lacks`);
    }
  }
  const installed = [deps.setupPy.install, ...chosen.map((c) => deps.setupPy!.extras[c.name])].flat();
  const names = [...new Set(installed.map((r) => normalizePackageName(requirementNameOf(r.text))))]
    .filter((n) => n !== '');
  const ml = mlNames(names);
  const unpinned = installed.filter((r) => !/===?/.test(r.text));
  if (unpinned.length > 0) {
    todos.push(
      `setup.py gives ${unpinned.length} of the requirements installed as ranges, not pins (a warning each `
        + 'at every synth, an error with strictPins): the versions you run are yours to pin',
    );
  }
  const first = deps.setupPy.install[0]?.line;
  return {
    ...deps,
    plan: {
      factory: 'fromSetupPy',
      options: {
        ...(chosen.length ? { extras: chosen.map((c) => c.name) } : {}),
        ...(ml.length ? { mlPackages: ml } : {}),
      },
    },
    from: [`setup.py${first ? `:${first}` : ''} install_requires`,
      ...chosen.map((c) => `extras_require["${c.name}"] (${c.at} installs it)`)].join(' and ')
      + ', read as literals',
    todos,
    names,
  };
}

/** Packages of the ML tier among declared ones: everything but the serving layer and torch's own. */
export function mlNames(names: readonly string[]): string[] {
  return [...new Set(names.map(normalizePackageName))]
    .filter((n) => !isServingPackage(n) && !TORCH_FAMILY.has(n) && !n.startsWith('nvidia-'))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The dependency files as `dependencies`, never retyped. */
export interface DecidedDependencies {
  readonly plan?: DependenciesPlan;
  readonly from: string;
  readonly todos: readonly string[];
  /** Every requirement name the files declare (for the GPU decision and the serving check). */
  readonly names: readonly string[];
  /**
   * setup.py's literal lists, when they are the only dependency files: no Dependencies factory reads
   * setup.py, so each service gets them as typed requirements (see `setupPyRequirements`).
   */
  readonly setupPy?: {
    readonly install: readonly SetupPyRequirement[];
    readonly extras: Readonly<Record<string, readonly SetupPyRequirement[]>>;
  };
}

/**
 * The dependency files: cog.yaml; pyproject.toml with its lock (uv.lock, poetry.lock);
 * pyproject.toml's declared ranges; the requirement files at the root (`requirements/` too).
 * A setup.py with literal lists is reported: no reader takes it yet.
 */
export function decideDependencies(facts: RepoFacts): DecidedDependencies {
  const todos: string[] = [];
  if (facts.cog) {
    const names = facts.cog.packages
      .map((p) => /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(p.text)?.[1])
      .filter((n): n is string => !!n);
    const handled = facts.cog.steps.filter(
      (s) =>
        !/^\s*(--\S+\s+)*(python3?\s+-m\s+)?pip3?\s+install\s/.test(s.command) ||
        /(^|\s)(-e|--editable|-r)\s|&&|;|\|/.test(s.command),
    );
    for (const step of handled) {
      todos.push(
        `${placeText(step.at)} runs ${JSON.stringify(step.command)} while Cog builds its image: not a `
          + 'dependency; it is left out of this image ' +
          '(listed in handledRunSteps). Give the image what it provides another way (buildSteps, '
            + 'aptPackages, a mounted model folder) if the code needs it',
      );
    }
    const unpinned = facts.cog.packages.filter((p) => !/==/.test(p.text));
    for (const p of unpinned) {
      todos.push(
        `${placeText(p.at)} "${p.text}" is not pinned: the build resolves it (a warning at every synth; `
          + 'an error with strictPins)',
      );
    }
    const ml = mlNames(names).filter((n) => names.map(normalizePackageName).includes(n));
    return {
      plan: {
        factory: 'fromCogYaml',
        options: {
          path: 'cog.yaml',
          ...(ml.length ? { mlPackages: ml } : {}),
          ...(handled.length ? { handledRunSteps: handled.map((s) => s.command) } : {}),
        },
      },
      from: 'cog.yaml build.python_packages and the pip install lines of build.run',
      todos,
      names,
    };
  }
  const py = facts.pyproject;
  if (py && (facts.lock || py.dependencies.length > 0)) {
    const names = py.dependencies.map((d) => d.name);
    const ml = mlNames(names);
    const options: Record<string, unknown> = {};
    if (facts.lock && facts.lock.file !== 'uv.lock' && facts.lock.file !== 'poetry.lock') {
      options.lockFile = facts.lock.file;
    }
    if (facts.lock?.kind === 'poetry' && facts.repo.has('uv.lock')) options.lockFile = 'poetry.lock';
    if (ml.length) options.mlPackages = ml;
    if (py.extras.includes('dev') && !py.groups.includes('dev')) options.devExtras = ['dev'];
    if (!facts.lock) {
      todos.push(
        'pyproject.toml has no lock beside it: its ranges are installed as they are (a warning each); '
          + 'lock them (uv lock, poetry lock) for the same image every build',
      );
    }
    return {
      plan: { factory: 'fromPyproject', options },
      from: facts.lock
        ? `${py.file} and ${facts.lock.file} (exact pins with hashes for the image's platform and Python)`
        : py.file,
      todos,
      names,
    };
  }
  const main = facts.requirementFiles.filter((r) => r.role === 'main');
  const dev = facts.requirementFiles.filter((r) => r.role === 'dev');
  if (main.length > 0) {
    const names: string[] = [];
    let unpinned = 0;
    for (const r of main) {
      for (const line of (facts.repo.text(r.file) ?? '').split(/\r?\n/)) {
        const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(line);
        if (!m) continue;
        names.push(m[1]);
        if (!/(===?|@)/.test(line)) unpinned++;
      }
    }
    if (unpinned > 0) {
      todos.push(
        `${main.map((r) => r.file).join(', ')}: ${unpinned} `
          + `requirement${unpinned === 1 ? ' is' : 's are'} not pinned to one version ` +
          '(a warning each at every synth, an error with strictPins): the pins are yours to choose, or a '
            + 'lock (pip-compile --generate-hashes)',
      );
    }
    const split = names.some((n) => isServingPackage(n)) && mlNames(names).length > 0;
    if (split) {
      todos.push(
        `${main.map((r) => r.file).join(', ')} holds both the model's packages and the serving layer: `
          + 'one file is one tier, so both are in the ml tier ' +
          '(one cached layer); split the file in two (ml and core) to rebuild less when a server pin moves',
      );
    }
    if (facts.setupPy?.readsRequirements && main.some((r) => r.file === facts.setupPy!.readsRequirements)) {
      // setup.py installs the same file: nothing more to read
    }
    return {
      plan: {
        factory: 'fromRequirementsFiles',
        options: { ml: main.map((r) => r.file), ...(dev.length ? { dev: dev.map((r) => r.file) } : {}) },
      },
      from: main.map((r) => r.file).join(', '),
      todos,
      names,
    };
  }
  const lists = facts.setupPy?.lists;
  if (lists?.installRequires && lists.unread.length === 0) {
    const extras = lists.extrasRequire ?? {};
    const all = [...lists.installRequires, ...Object.values(extras).flat()];
    return {
      from: 'setup.py (install_requires and extras_require, read as literals)',
      todos,
      names: [...new Set(all.map((r) => requirementNameOf(r.text)).filter((n) => n !== ''))],
      setupPy: { install: lists.installRequires, extras },
    };
  }
  if (facts.setupPy && facts.setupPy.literals.length > 0) {
    todos.push(
      `setup.py declares its requirements in Python lists (${facts.setupPy.literals
        .slice(0, 12)
        .map((l) => `"${l.text}"`)
        .join(', ')}` +
        `${facts.setupPy.literals.length > 12 ? ', ...' : ''})`
        + (lists?.unread.length ? ` the adoption cannot read as literals (${lists.unread.join('; ')})` : '')
        + ': '
          + 'write them into a requirements file ' +
        'with the versions you run and give it to Dependencies.fromRequirementsFiles',
    );
    return {
      from: 'setup.py (not read)',
      todos,
      names: facts.setupPy.literals.map((l) => /^[A-Za-z0-9._-]+/.exec(l.text)?.[0] ?? ''),
    };
  }
  return { from: 'none', todos, names: [] };
}

/**
 * A torch decision: the version, the companions the files install, the CUDA variant when the files fix
 * one.
 */
export interface DecidedTorch {
  readonly version?: Decided<string>;
  readonly packages: readonly string[];
  readonly packagesFrom?: string;
  readonly cuda?: Decided<string>;
}

function lockVersion(facts: RepoFacts, name: string): { version: string; at: string } | undefined {
  const list = facts.lock?.versions.get(name) ?? [];
  const pick =
    list.find((v) => /\+cu\d+/.test(v.version)) ?? list.find((v) => !/\+cpu/.test(v.version)) ?? list[0];
  return pick ? { version: pick.version, at: placeText(pick.at) } : undefined;
}

function pinIn(text: string | undefined, name: string): { version: string; line: number } | undefined {
  const lines = (text ?? '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = new RegExp(`^\\s*${name}\\s*==\\s*([0-9][^\\s;#]*)`, 'i').exec(lines[i]);
    if (m) return { version: m[1], line: i + 1 };
  }
  return undefined;
}

function cudaFromRuntime(version: string): string | undefined {
  const m = /^(\d+)\.(\d+)\./.exec(version);
  return m ? `${m[1]}.${m[2]}` : undefined;
}

/**
 * torch: the lock's (its `+cuXYZ` variant for Linux x86_64), a Dockerfile's `pip install
 * torch==X`, cog.yaml's or a requirement file's pin, a `pytorch/pytorch:X-cudaY` base image;
 * with only ranges, the newest release of the wheel matrix the range admits, as a choice.
 */
export function decideTorch(
  facts: RepoFacts,
  python: string,
  names: readonly string[],
  dockerfile?: {
    readonly pipInstalls: ReadonlyArray<{
      readonly packages: string[];
      readonly at: { readonly file: string; readonly line?: number };
    }>;
    readonly from?: {
      readonly image: string;
      readonly at: { readonly file: string; readonly line?: number };
    };
  },
): DecidedTorch {
  const wanted = names.map(normalizePackageName);
  const companions = new Set<string>();
  let packagesFrom: string | undefined;
  let version: Decided<string> | undefined;
  let cuda: Decided<string> | undefined;
  const lock = lockVersion(facts, 'torch');
  if (lock) {
    const local = /\+cu(\d+)(\d)$/.exec(lock.version);
    version = { value: lock.version.replace(/\+.*$/, ''), from: `${lock.at} torch ${lock.version}` };
    const runtime =
      lockVersion(facts, 'nvidia-cuda-runtime-cu12') ?? lockVersion(facts, 'nvidia-cuda-runtime');
    if (local) {
      cuda = {
        value: `${local[1]}.${local[2]}`,
        from: `${lock.at}: the lock's build is torch ${lock.version} (CUDA ${local[1]}.${local[2]})`,
      };
    } else if (runtime && cudaFromRuntime(runtime.version)) {
      cuda = {
        value: cudaFromRuntime(runtime.version)!,
        from: `${runtime.at}: the lock pins torch's CUDA runtime nvidia-cuda-runtime-cu12 ${runtime.version}`,
      };
    }
    for (const c of ['torchvision', 'torchaudio']) {
      if (facts.lock?.versions.has(c) && wanted.includes(c)) companions.add(c);
    }
    if (companions.size) packagesFrom = facts.lock!.file;
  }
  for (const install of dockerfile?.pipInstalls ?? []) {
    const torch = install.packages.find((p) => /^torch==/.test(p));
    if (!torch || version) continue;
    version = {
      value: torch.slice(7).replace(/\+.*$/, ''),
      from: `${placeText(install.at)} RUN pip install ${install.packages.join(' ')}`,
    };
    for (const c of ['torchvision', 'torchaudio']) {
      if (install.packages.some((p) => p.startsWith(`${c}==`) || p === c)) companions.add(c);
    }
    packagesFrom = placeText(install.at);
  }
  if (!version && facts.cog) {
    const p = facts.cog.packages.find((x) => /^\s*torch\s*==/.test(x.text));
    if (p) {
      version = {
        value: p.text.split('==')[1].trim().replace(/\+.*$/, ''),
        from: `${placeText(p.at)} build.python_packages ${p.text}`,
      };
    }
    for (const c of ['torchvision', 'torchaudio']) {
      if (facts.cog.packages.some((x) => new RegExp(`^\\s*${c}\\b`).test(x.text))) companions.add(c);
    }
  }
  for (const r of facts.requirementFiles.filter((x) => x.role === 'main')) {
    const text = facts.repo.text(r.file);
    const pin = pinIn(text, 'torch');
    if (!version && pin) {
      version = {
        value: pin.version.replace(/\+.*$/, ''),
        from: `${r.file}:${pin.line} torch==${pin.version}`,
      };
    }
    for (const c of ['torchvision', 'torchaudio']) {
      if (new RegExp(`^\\s*${c}\\b`, 'mi').test(text ?? '')) {
        companions.add(c);
        packagesFrom ??= r.file;
      }
    }
    const runtime = pinIn(text, 'nvidia-cuda-runtime-cu12');
    if (!cuda && runtime && cudaFromRuntime(runtime.version)) {
      cuda = {
        value: cudaFromRuntime(runtime.version)!,
        from: `${r.file}:${runtime.line} pins torch's CUDA runtime `
          + `nvidia-cuda-runtime-cu12==${runtime.version}`,
      };
    }
  }
  const base =
    dockerfile?.from && /^pytorch\/pytorch:(\d+\.\d+\.\d+)-cuda(\d+\.\d+)/.exec(dockerfile.from.image);
  if (base) {
    if (!version) {
      version = {
        value: base[1],
        from: `${placeText(dockerfile!.from!.at)} FROM ${dockerfile!.from!.image}`,
      };
    }
    if (!cuda && version.value === base[1]) {
      cuda = { value: base[2], from: `${placeText(dockerfile!.from!.at)} FROM ${dockerfile!.from!.image}` };
    }
  }
  for (const c of ['torchvision', 'torchaudio']) if (wanted.includes(c)) companions.add(c);
  if (!version && wanted.includes('torch')) {
    const matrix = loadData<TorchRow[]>('torch-cuda-matrix.json');
    const releases = [
      ...new Set(
        matrix
          .filter((r) => r.cuda !== null && r.pythons.includes(python))
          .map((r) => r.torch.replace(/\+.*$/, '')),
      ),
    ];
    const newest = releases.sort(compareVersions).pop();
    if (newest) {
      version = {
        value: newest,
        from: 'a choice: the files give torch only as a range or unpinned',
        todo: `torchVersion ${newest} is a choice (the newest release of the wheel matrix for Python `
          + `${python}): the files give torch without a version you can build from; set the one you `
          + 'train and serve with',
      };
    }
  }
  if (
    cuda &&
    version &&
    !loadData<TorchRow[]>('torch-cuda-matrix.json').some(
      (r) =>
        r.torch.replace(/\+.*$/, '') === version!.value &&
        r.cuda === cuda!.value &&
        r.pythons.includes(python),
    )
  ) {
    cuda = {
      ...cuda,
      todo: `CUDA ${cuda.value} (${cuda.from}) has no torch ${version.value} wheels for Python ${python} `
        + 'in the wheel matrix: the variant is left to the matrix',
    };
  }
  return {
    version,
    packages: ['torchaudio', 'torchvision'].filter((c) => companions.has(c)),
    packagesFrom,
    cuda,
  };
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Whether a Debian package is only for building (headers, compilers, download tools). */
export function buildOnlyPackage(name: string): boolean {
  const data = adoptionData().buildOnlySystemPackages;
  return data.names.includes(name) || data.suffixes.some((s) => name.endsWith(s));
}
