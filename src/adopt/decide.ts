import ignore from '@balena/dockerignore';
import {
  adoptionData,
  decideDependencies,
  decidePython,
  decideTorch,
  isServingPackage,
  setupPyPlan,
} from './decide-environment';
import {
  FoundService,
  codeClosure,
  findServices,
  gpuPackages,
  mainCompose,
  packageDataUnder,
} from './decide-services';
import { AdoptionPlan, PlannedProp, ServiceKind, ServicePlan } from './plan';
import { placeText } from './repo';
import { RepoFacts } from './repo-facts';
import { loadData } from '../core/data';
import { normalizePackageName } from '../core/names';

/** The standard library's top-level module names (any Python the images offer). */
function stdlibNames(): Set<string> {
  return new Set(loadData<{ modules: string[] }>('python-stdlib-modules.json').modules);
}

/**
 * From the facts of a repository to an adoption plan: the project's Python, dependency files
 * and torch, its services with every prop and where it came from, and the TODO lines of what
 * the files leave open. Pure over the facts.
 */

/** Where the generated stack goes when the repository runs its own compose file. */
export const ADOPTED_COMPOSE_FILE = 'compose.mldocker.yaml';

/** How long a GPU server gets to load its model before failed probes count (seconds). */
const MODEL_START_PERIOD = 600;

export function decide(facts: RepoFacts, name: string): AdoptionPlan {
  let deps = decideDependencies(facts);
  const repoGpu = gpuPackages(deps.names.map(normalizePackageName)).map(
    (p) => `the dependencies list ${p}`,
  );
  const found = findServices(facts, repoGpu.slice(0, 1));
  const first = found.services[0];
  // setup.py's extras: those the (first) service's Dockerfile installs the project with
  if (deps.setupPy) deps = setupPyPlan(deps, first?.dockerfile?.projectExtras ?? []);
  const python = decidePython(
    facts,
    first?.dockerfile?.from
      ? { image: first.dockerfile.from.image, at: placeText(first.dockerfile.from.at) }
      : undefined,
  );
  const torch = decideTorch(facts, python.value, deps.names, first?.dockerfile);
  const todos: string[] = [...deps.todos];
  if (python.todo) todos.push(python.todo);
  const project: PlannedProp[] = [
    { key: 'pythonVersion', value: python.value, from: python.from },
    ...(deps.plan ? [{ key: 'dependencies', value: deps.plan, from: deps.from }] : []),
    ...(ownContainersDoc(facts) ? [{
      key: 'containersDoc',
      value: 'docs/mldocker-containers.md',
      from: 'docs/containers.md is the repository\'s own: the generated guide goes beside it, never over it',
    }] : []),
    {
      key: 'ciWorkflow',
      value: false,
      from: 'no CI workflow is added to an adopted repository unasked: true writes '
        + '.github/workflows/containers.yml (build, scan and push of every image)',
    },
  ];
  // run-time Debian packages follow the dependency files read, not names a setup.py only mentions
  let services = found.services.map((s) => servicePlan(facts, s, torch, deps.plan ? deps.names : []));
  // the serving stack a document installs by hand: from the lock's group into the core tier
  if (deps.plan?.factory === 'fromPyproject' && facts.lock) {
    const wanted = found.services.flatMap((s) => servingPinsMissing(facts, s, deps.names));
    if (wanted.length > 0) {
      const names = [...new Set(wanted.map((w) => w.name))].sort();
      project[project.findIndex((p) => p.key === 'dependencies')] = {
        key: 'dependencies',
        value: { ...deps.plan, options: { ...deps.plan.options, corePackages: names } },
        from: `${deps.from}; ${wanted.map((w) => w.from).join('; ')}: corePackages installs them in the `
          + 'core tier with what they need',
      };
      services = services.map((s) => ({ ...s, props: s.props.filter((p) => p.key !== 'requirements') }));
    }
  }
  for (const missing of facts.code.missingRelative) {
    todos.push(
      `${missing.file}:${missing.line} imports ${missing.module}, which is not in the repository (a `
        + `build step writes it${facts.setupPy ? ', e.g. setup.py' : ''}): ` +
        'the image imports the package without it and fails; build and install the package in the image '
          + '(installProject) or commit the file',
    );
  }
  for (const row of adoptionData().cudaBuildPackages) {
    if (!deps.names.map(normalizePackageName).includes(row.name)) continue;
    const imported = [...facts.code.imports.values()].some((names) =>
      names.has(row.name.replace(/-/g, '_')),
    );
    todos.push(
      `${deps.from} lists ${row.name}, which compiles against the CUDA toolkit (${row.source}): on the `
        + 'python-slim base (no toolkit) its build fails; '
        + (imported ? 'build it in a CUDA devel builder (cudaExtensions), or'
          : 'no .py file of the repository imports it:')
        + ' drop it from the file if nothing needs it',
    );
  }
  const tokenDoc = facts.docs.find((x) => /--hf[_-]token|\bHF_TOKEN\b|use_auth_token/.test(x.text));
  const tokenPackage = adoptionData().hubTokenPackages.find((row) =>
    deps.names.map(normalizePackageName).includes(row.name),
  );
  if (tokenDoc || tokenPackage) {
    todos.push(
      `${tokenDoc ? `${placeText(tokenDoc.at)} passes a Hugging Face token`
        : `${tokenPackage!.name} needs a Hugging Face token (${tokenPackage!.source})`}: ` +
        'never in a command or the environment of this file; give it to the container as a secret file '
          + '(HF_TOKEN_PATH) and keep the token out of the repository',
    );
  }
  if (facts.setupPy?.extensions) {
    todos.push(
      "setup.py builds C++/CUDA extensions: they are not built unless asked (cudaExtensions: ['.'] on a "
        + 'GPU service builds the repository root in a CUDA devel builder)',
    );
  }
  if (
    facts.repo.isFolder('docs') &&
    facts.repo.files.some((f) => /^docs\/(conf\.py|Makefile|index\.(rst|md))$/.test(f))
  ) {
    todos.push(
      'docs/ holds the documentation sources of the repository: docs/containers.md is written among '
        + 'them; set containersDoc to put it elsewhere',
    );
  }
  const notAdopted = [...found.notAdopted];
  const rootDockerfiles = facts.dockerfiles.filter((d) => !d.file.includes('/')).map((d) => d.file);
  const copiesAll = facts.dockerfiles
    .filter((d) => !d.file.includes('/') && d.copies.some((c) => c.from.includes('.')));
  const ownIgnore = ignore().add((facts.repo.text('.dockerignore') ?? '').split(/\r?\n/));
  if (copiesAll.length > 0 && !ownIgnore.ignores('node_modules/projen/package.json')) {
    notAdopted.push(`${copiesAll.map((d) => d.file).join(', ')} copies the whole folder (COPY . ...): `
      + 'its build context now also holds node_modules/ (the toolchain of .projenrc.ts) and the generated '
      + 'files; '
      + 'add node_modules to .dockerignore to keep that image as it was');
  }
  if (!facts.repo.has('.dockerignore') && rootDockerfiles.length > 0) {
    notAdopted.push(
      `${rootDockerfiles.join(', ')} build${rootDockerfiles.length === 1 ? 's' : ''} ` +
        "with the repository's root as context and no .dockerignore: no root .dockerignore is generated "
          + "(an allow-list of these services' files " +
        'would filter that build); the generated images read their own docker/<id>/Dockerfile.dockerignore',
    );
  }
  if (found.others.length > 0) {
    notAdopted.push(
      'other commands the documents run, not adopted (add a service for any you want in the image): '
        + `${found.others.join('; ')}`,
    );
  }
  const compose = mainCompose(facts);
  const stack: PlannedProp[] =
    compose || facts.repo.has('compose.yaml')
      ? [
        {
          key: 'composeFile',
          value: ADOPTED_COMPOSE_FILE,
          from: `${compose?.file ?? 'compose.yaml'} is the repository's own: a generated compose.yaml `
            + 'beside it would change what a plain `docker compose up` runs (Compose reads '
            + `compose.yaml first); the docker:* tasks pass -f ${ADOPTED_COMPOSE_FILE}`,
        },
      ]
      : [];
  return {
    name,
    folder: facts.folder !== name ? facts.folder : undefined,
    project,
    services,
    stack: services.length > 0 ? stack : undefined,
    todos,
    notAdopted,
    read: [],
  };
}

/** Whether the repository has a docs/containers.md of its own (not one projen wrote). */
function ownContainersDoc(facts: RepoFacts): boolean {
  const text = facts.repo.text('docs/containers.md');
  return text !== undefined && !text.includes('~~ Generated by projen');
}

function kindOf(s: FoundService): { kind: ServiceKind; why: string[] } {
  if (s.gpu.length === 0) {
    return {
      kind: 'PythonService',
      why: [
        s.server
          ? 'a CPU server: nothing in the files asks for a GPU'
          : 'a CPU job: nothing in the files asks for a GPU',
      ],
    };
  }
  return {
    kind: s.server ? 'GpuInference' : 'GpuTrainer',
    why: [
      s.server
        ? `a GPU server: ${s.gpu.join('; ')}`
        : `a GPU job (a command that runs and exits, no server): ${s.gpu.join('; ')}`,
    ],
  };
}

/**
 * The build backend of a Poetry project whose `[build-system] requires` leaves poetry-core unpinned
 * (build requirements are never locked): the poetry-core of the Poetry release that wrote
 * poetry.lock, the one the project was last built with, as data/adoption.json pairs them.
 * Undefined when the backend is pinned, the lock holds it, or that release has no row.
 */
function poetryCorePin(facts: RepoFacts): { requirement: string; from: string; todo: string } | undefined {
  const py = facts.pyproject;
  const lock = facts.lock;
  if (py?.buildBackend !== 'poetry.core.masonry.api' || lock?.kind !== 'poetry' || !lock.poetryVersion) {
    return undefined;
  }
  const declared = py.buildRequires.find((r) => /^poetry[-_.]core\b/i.test(r.trim()));
  if (declared !== undefined && /==/.test(declared)) return undefined;
  if (lock.versions.has('poetry-core')) return undefined;
  const poetry = lock.poetryVersion.value;
  const row = adoptionData().poetryCore.find((r) => r.poetry === poetry);
  if (!row) return undefined;
  const requirement = `poetry-core==${row.poetryCore}`;
  return {
    requirement,
    from: `${placeText(lock.poetryVersion.at)}: written by Poetry ${poetry}, which builds with poetry-core `
      + `${row.poetryCore} (${row.source})`,
    todo: `${py.file} [build-system] requires ${JSON.stringify(declared ?? 'poetry-core')} without a `
      + 'version and '
      + `build requirements are never locked: the wheel is built with ${requirement}, the build backend of `
      + `Poetry ${poetry} that wrote ${lock.file}; pin yours in [build-system] requires (then drop `
      + 'buildRequirements) if it is another',
  };
}

function servicePlan(
  facts: RepoFacts,
  s: FoundService,
  torch: ReturnType<typeof decideTorch>,
  names: readonly string[],
): ServicePlan {
  const { kind, why } = kindOf(s);
  const props: PlannedProp[] = [];
  const todos = [...s.todos];
  const add = (key: string, value: unknown, from: string) => props.push({ key, value, from });
  const installProject = s.script !== undefined;
  add('command', s.command, [s.commandFrom, ...s.commandNotes].join('; '));
  if (s.port) add('port', s.port.value, s.port.from);
  if (s.hostPort) add('hostPort', s.hostPort.value, s.hostPort.from);
  if (s.server && s.port) {
    if (s.healthPath) {
      add('healthCheckPath', s.healthPath.value, s.healthPath.from);
    } else {
      add('disableHealthCheck', true, 'the app declares no route a health check can probe');
      todos.push(
        'no health route found on the app: add one (GET /health answering 200) and set healthCheckPath, '
          + 'then drop disableHealthCheck',
      );
    }
    if (kind === 'GpuInference' || s.cog) {
      add(
        'healthCheckStartPeriod',
        MODEL_START_PERIOD,
        'models load before the server answers: the start period covers a first download (raise it for '
          + 'bigger weights)',
      );
    }
  }
  // A job without a port needs nothing here: it is healthy while its process runs (the
  // heartbeat check applies only with `heartbeat: true`), so its health check stays on.
  // the code the command needs, with its package data
  const entry = [s.shape.entryFile].filter((f): f is string => f !== undefined);
  let sources: string[];
  let sourcesFrom: string;
  if (s.cog) {
    const closure = codeClosure(facts, entry, '').filter((p) => p !== entry[0]);
    sources = ['cog.yaml', ...entry, ...closure].filter((p, i, all) => all.indexOf(p) === i);
    sourcesFrom =
      "Cog's server reads cog.yaml from its working directory and loads the predictor by path; the "
        + "predictor's local imports";
  } else if (s.dir) {
    sources = [
      s.dir,
      ...codeClosure(
        facts,
        facts.repo.files.filter((f) => f.startsWith(`${s.dir}/`) && f.endsWith('.py')),
        s.dir,
      ).filter((p) => !p.startsWith(`${s.dir}/`) && p !== s.dir),
    ];
    sourcesFrom = `${s.dirFrom}; the root packages its code imports`;
  } else {
    sources = codeClosure(facts, entry, '');
    sourcesFrom = `${entry[0] ?? 'the command'} and what it imports from the repository`;
  }
  sources = [...new Set([...sources, ...s.extraSources])].sort();
  if (sources.length > 0) add('sources', sources, sourcesFrom);
  if (s.dir) add('workdir', `/app/${s.dir}`, s.dirFrom ?? '');
  const packageData = packageDataUnder(
    facts,
    sources.filter((p) => !p.includes('.')),
  );
  if (packageData.length > 0 && packageData.length <= 50) {
    add(
      'packageData',
      packageData,
      'tracked in git inside the code; the ignore files would leave them out by extension',
    );
  } else if (packageData.length > 50) {
    todos.push(
      `${packageData.length} files with weight or data extensions are tracked inside the code `
        + `(${packageData.slice(0, 5).join(', ')}, ...): name the ones the code loads in packageData`,
    );
  }
  const scriptAt = s.script !== undefined ? facts.pyproject?.scripts[s.script]?.at : undefined;
  if (installProject) {
    add(
      'installProject',
      true,
      `the console script ${s.script} exists only once the project is installed `
        + `(${scriptAt ? placeText(scriptAt) : 'pyproject.toml'})`,
    );
    const backendPin = poetryCorePin(facts);
    if (backendPin) {
      add('buildRequirements', [backendPin.requirement], backendPin.from);
      todos.push(backendPin.todo);
    }
  }
  // typed pins for the serving layer the dependency files keep out of the main group
  const missing = servingPinsMissing(facts, s, names).filter((m) => m.pin !== undefined);
  if (missing.length > 0 && !facts.lock) {
    add('requirements', { core: missing.map((m) => m.pin!) }, missing.map((m) => m.from).join('; '));
  }
  if (kind !== 'PythonService' && torch.version) {
    add(
      'torchVersion',
      torch.version.value,
      torch.cuda
        ? torch.version.from
        : `${torch.version.from}; the files fix no CUDA variant: the wheel matrix picks the highest one `
          + 'for this torch and Python that hostDriverVersion runs',
    );
    if (torch.version.todo) todos.push(torch.version.todo);
    if (torch.packages.length > 0) {
      add(
        'torchPackages',
        ['torch', ...torch.packages],
        `${torch.packagesFrom ?? 'the dependency files'} install${torch.packagesFrom ? 's' : ''} `
          + `${torch.packages.join(' and ')} with torch`,
      );
    }
    if (torch.cuda && !torch.cuda.todo) {
      add('cudaVersion', torch.cuda.value, torch.cuda.from);
    } else if (torch.cuda?.todo) {
      todos.push(torch.cuda.todo);
    } else if (!facts.cog || true) {
      // the files fix no CUDA variant: the matrix picks the highest the host driver runs
    }
  } else if (kind !== 'PythonService') {
    todos.push(
      'no torch version is in the files: set torchVersion (or cudaVersion for CUDA without torch)',
    );
  }
  const apt = [...s.aptPackages];
  for (const row of adoptionData().runtimeSystemPackages) {
    if (names.map(normalizePackageName).includes(row.name) && !s.cog) {
      for (const d of row.debian) {
        if (!apt.some((a) => a.name === d)) apt.push({ name: d, from: `${row.name}: ${row.source}` });
      }
    }
  }
  if (apt.length > 0) {
    add(
      'aptPackages',
      apt.map((a) => a.name),
      [...new Set(apt.map((a) => a.from))].join('; '),
    );
  }
  const environment = Object.fromEntries(
    s.environment.filter((e) => !/^(PORT|HOST)$/.test(e.name)).map((e) => [e.name, e.value]),
  );
  if (Object.keys(environment).length > 0) {
    add(
      'environment',
      environment,
      [...new Set(s.environment.map((e) => e.from.replace(/:\d+.*/, '')))].join(', '),
    );
  }
  if (!s.server && !s.dockerfile && s.command.length > 1) {
    todos.push(
      `the arguments are the example of ${s.foundAt}: each run takes its own (docker compose run ${s.id} `
        + `${s.command[0]} <arguments>), ` +
        'with inputs from the read-only data folder and outputs written to a volume',
    );
  }
  const entryDir =
    s.shape.entryFile &&
    s.command.some((w) => w === s.shape.entryFile || w.endsWith(`/${s.shape.entryFile}`))
      ? s.shape.entryFile.split('/').slice(0, -1).join('/')
      : '';
  if (entryDir) {
    const stdlib = stdlibNames();
    const shadows = facts.repo.files
      .filter(
        (f) =>
          f.startsWith(`${entryDir}/`) &&
          f.split('/').length === entryDir.split('/').length + 1 &&
          f.endsWith('.py'),
      )
      .map((f) => f.slice(entryDir.length + 1, -3))
      .filter((m) => stdlib.has(m));
    if (shadows.length > 0) {
      todos.push(
        `python ${s.shape.entryFile} puts ${entryDir}/ first on sys.path, where `
          + `${shadows.map((m) => `${m}.py`).join(', ')} hide${shadows.length === 1 ? 's' : ''} ` +
          `the standard library's ${shadows.join(', ')}: run it as a module (python -m `
            + `${(s.shape.entryFile ?? '').replace(/\.py$/, '').replace(/\//g, '.')}) once the package `
            + 'imports cleanly',
      );
    }
  }
  if (kind === 'GpuTrainer') {
    const ignored = (facts.repo.text('.gitignore') ?? '')
      .split(/\r?\n/)
      .map((l) => l.trim().replace(/^\/|\/?\*?$/g, ''))
      .filter((l) => /^(data|datasets)$/.test(l));
    const configs = s.command.filter((w) => /\.(ya?ml|json|toml)$/.test(w));
    if (ignored.length > 0) {
      todos.push(
        `.gitignore leaves out ${ignored.map((d) => `${d}/`).join(', ')}: the job's data is mounted `
          + 'read-only at /data (dataDir)'
          + (configs.length ? `, so paths in ${configs.join(', ')} that read ${ignored[0]}/... must point `
            + 'there' : '')
          + '; ' +
          'outputs (checkpoints, logs, results) go to a writable volume, not next to the code',
      );
    }
  }
  if (kind === 'GpuInference') {
    for (const ignoreFile of ['.dockerignore', '.gitignore']) {
      const dirs = (facts.repo.text(ignoreFile) ?? '')
        .split(/\r?\n/)
        .map((l) =>
          l
            .trim()
            .replace(/^\/|\/$/g, '')
            .replace(/\/\*+$/, ''),
        )
        .filter((l) => /^(weights|checkpoints|models|pretrained_models|ckpts?)$/.test(l));
      for (const dir of [...new Set(dirs)]) {
        todos.push(
          `${ignoreFile} leaves out ${dir}/, where the code keeps its weights (relative to its working `
            + 'directory, /app here): the model folder of ' +
            'this service is mounted read-only at /models (modelDir), so point the code there, or give '
              + 'it a writable folder if it downloads the weights itself',
        );
      }
      if (dirs.length > 0) break;
    }
  }
  return { id: s.id, kind, why: [`found at ${s.foundAt}`, ...why], props, todos };
}

/**
 * Packages a document installs by hand right before the adopted command (`pip install -U
 * uvicorn fastapi python-multipart` above `marker_server`) that the project's main dependencies
 * do not hold: pinned to the lock's version when the lock has them (another group), so the
 * image stays the lock's.
 */
function servingPinsMissing(
  facts: RepoFacts,
  s: FoundService,
  names: readonly string[],
): Array<{ name: string; pin?: string; from: string }> {
  const declared = new Set(names.map(normalizePackageName));
  const out: Array<{ name: string; pin?: string; from: string }> = [];
  for (const block of facts.docBlocks) {
    const idx = block.findIndex((c) =>
      c.text.split(/\s+/).some((w, i) => i === 0 && (w === s.command[0] || w === s.script)),
    );
    if (idx < 0) continue;
    for (const c of block.slice(0, idx)) {
      const words = c.text.split(/\s+/);
      if (!/^pip3?$/.test(words[0]) || words[1] !== 'install') continue;
      for (const w of words.slice(2).filter((x) => !x.startsWith('-'))) {
        const pkg = normalizePackageName(w.replace(/[<>=!~[].*$/, ''));
        if (!isServingPackage(pkg) || declared.has(pkg)) continue;
        const locked = facts.lock?.versions.get(pkg)?.[0];
        if (locked) {
          out.push({
            name: pkg,
            pin: `${pkg}==${locked.version}`,
            from: `${placeText(c.at)} installs ${pkg} by hand before the command; `
              + `${placeText(locked.at)} locks ${locked.version} (not in the main dependencies)`,
          });
        }
      }
    }
    break;
  }
  return out
    .filter((x, i, all) => all.findIndex((y) => y.name === x.name) === i)
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}
