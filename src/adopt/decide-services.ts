import ignore from '@balena/dockerignore';
import { CommandShape, commandShape } from './command-shape';
import { adoptionData, buildOnlyPackage } from './decide-environment';
import { Launch, dockerfileLaunch, followLaunch } from './launch';
import { ComposeServiceFacts, DockerfileFacts, commandWords } from './read-docker';
import { Place, placeText } from './repo';
import { RepoFacts, appIn } from './repo-facts';
import { shellWords } from './shell-words';
import { reExclusionOf, DELIBERATE_EXCLUSIONS } from '../core/dockerignore';
import { isSecretName, secretValueKind } from '../core/secrets';

/**
 * The services of a repository: what runs (compose services built from its Dockerfiles, its
 * own Dockerfile, a Cog predictor, the servers and jobs its documents start), each with its
 * command, port, health path, working directory and the files it needs. Pure over the facts.
 */

/** A service found in the repository, before it is turned into props. */
export interface FoundService {
  readonly id: string;
  /** Where it was found (`docker-compose.yaml:12 service "backend"`). */
  readonly foundAt: string;
  readonly command: string[];
  readonly commandFrom: string;
  /** Notes on the command (variables written out, a host changed). */
  readonly commandNotes: readonly string[];
  readonly shape: CommandShape;
  /** The repository folder the command runs in ('' for the root). */
  readonly dir: string;
  readonly dirFrom?: string;
  readonly port?: { readonly value: number; readonly from: string };
  readonly hostPort?: { readonly value: number; readonly from: string };
  readonly healthPath?: { readonly value: string; readonly from: string };
  readonly server: boolean;
  /** What says it runs on a GPU. */
  readonly gpu: readonly string[];
  readonly dockerfile?: DockerfileFacts;
  readonly environment: ReadonlyArray<{
    readonly name: string;
    readonly value: string;
    readonly from: string;
  }>;
  readonly aptPackages: ReadonlyArray<{ readonly name: string; readonly from: string }>;
  readonly todos: readonly string[];
  /** Extra paths the command names (option files), copied with the code. */
  readonly extraSources: readonly string[];
  /** A Cog predictor: its files are cog.yaml and the predictor module. */
  readonly cog?: { readonly predict: string };
  /** A console script of the project (needs the project installed). */
  readonly script?: string;
}

/** The result: services, and what the repository has that is not adopted. */
export interface FoundServices {
  readonly services: readonly FoundService[];
  readonly notAdopted: readonly string[];
  readonly others: readonly string[];
}

const ID = /^[a-z][a-z0-9-]{0,38}[a-z0-9]$|^[a-z]$/;
/** Module names of the standard library a service id may not take, and the reserved ids. */
const TAKEN = new Set([
  'common',
  'runtime',
  'test',
  'code',
  'types',
  'io',
  'os',
  're',
  'abc',
  'ast',
  'json',
  'site',
  'email',
  'http',
  'secrets',
  'select',
  'queue',
  'token',
  'array',
  'copy',
  'time',
  'uuid',
  'typing',
  'string',
  'signal',
]);

/** A valid service id from a name (a compose service, a console script). */
export function serviceId(name: string, fallback: string): string {
  let id = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  if (!ID.test(id) || TAKEN.has(id.replace(/-/g, '_'))) id = fallback;
  return id;
}

/** Names health endpoints go by, best first. */
const HEALTH = [
  '/health',
  '/healthz',
  '/healthy',
  '/health-check',
  '/healthcheck',
  '/api/health',
  '/api/healthz',
  '/ping',
  '/api/ping',
  '/status',
  '/ready',
  '/readyz',
  '/livez',
];

function healthOf(
  facts: RepoFacts,
  entryFile: string | undefined,
): { value: string; from: string } | undefined {
  if (!entryFile) return undefined;
  const app = appIn(facts, entryFile);
  if (!app) return undefined;
  const routes = facts.code.routes.filter(
    (r) =>
      r.file === entryFile &&
      r.variable === app.variable &&
      ['get', 'route', 'api_route', 'head'].includes(r.method) &&
      !r.path.includes('{') &&
      !r.path.includes('<'),
  );
  for (const path of HEALTH) {
    const r = routes.find((x) => x.path === path);
    if (r) {
      return {
        value: r.path,
        from: `${r.file}:${r.line} @${r.variable}.${r.method}(${JSON.stringify(r.path)})`,
      };
    }
  }
  const root = routes.find((r) => r.path === '/');
  if (root) {
    return {
      value: '/',
      from: `${root.file}:${root.line} @${root.variable}.${root.method}("/"): no dedicated health route; `
        + 'the root page answers',
    };
  }
  return undefined;
}

/** GPU evidence of the whole repository: torch or CUDA packages among its dependencies. */
export function gpuPackages(names: readonly string[]): string[] {
  const lower = names.map((n) => n.toLowerCase());
  return lower.filter(
    (n) =>
      [
        'torch',
        'tensorflow',
        'jax',
        'cupy',
        'tensorrt',
        'onnxruntime-gpu',
        'vllm',
        'xformers',
        'triton',
      ].includes(n) ||
      /^nvidia-.*-cu1\d$/.test(n) ||
      /^cupy-cuda/.test(n),
  );
}

function baseImageGpu(image: string | undefined): boolean {
  return (
    !!image &&
    /(^|\/)(nvidia\/cuda|pytorch\/pytorch|nvcr\.io\/nvidia\/|tensorflow\/tensorflow:.*-gpu)/.test(image)
  );
}

/** Base images that hold Python (or are made to): the official one, PyTorch's, NVIDIA's, conda's. */
const PYTHON_BASE = new RegExp(`(^|/)(${[
  'python', 'pytorch', 'nvcr\\.io/nvidia/(pytorch|tensorrt|tritonserver)', 'nvidia/cuda', 'tensorflow',
  'continuumio', 'condaforge', 'mambaorg',
].join('|')})`);

function isPythonDockerfile(d: DockerfileFacts): boolean {
  const image = d.from?.image ?? '';
  return (
    d.installsPython ||
    PYTHON_BASE.test(image)
  );
}

/** The repository folder an image path lands from (a WORKDIR that a COPY fills). */
function repoDirOf(
  d: DockerfileFacts,
  imagePath: string | undefined,
): { dir: string; from: string } | undefined {
  if (!imagePath) return undefined;
  for (const c of d.copies) {
    const to = c.to.replace(/\/+$/, '');
    if (to === imagePath && c.from.length === 1 && c.from[0] !== '.' && !/\.[a-z]+$/.test(c.from[0])) {
      return {
        dir: c.from[0].replace(/^\.\//, '').replace(/\/+$/, ''),
        from: `${placeText(c.at)} COPY ${c.from[0]} ${c.to} and ${placeText(d.workdir!.at)} WORKDIR `
          + `${imagePath}`,
      };
    }
  }
  if (
    d.copies.some(
      (c) =>
        (c.from.includes('.') && c.to.replace(/\/+$/, '') === imagePath) ||
        (c.from.includes('.') && c.to === '.'),
    )
  ) {
    return {
      dir: '',
      from: `${placeText(d.workdir!.at)} WORKDIR ${imagePath}: the repository's root is copied there`,
    };
  }
  return undefined;
}

/** Tracked package data under the service's folders: artefacts the ignore files would drop that the '
  + 'code ships. */
export function packageDataUnder(facts: RepoFacts, sources: readonly string[]): string[] {
  const deliberate = ignore().add([...DELIBERATE_EXCLUSIONS]);
  return facts.repo.files.filter(
    (f) =>
      sources.some((s) => f.startsWith(`${s}/`)) &&
      (facts.repo.tracked.size === 0 || facts.repo.tracked.has(f)) &&
      reExclusionOf(f) !== undefined &&
      !deliberate.ignores(f) &&
      (facts.repo.size(f) ?? 0) < 200 * 1024 * 1024,
  );
}

/** The code a command needs: the folders and modules its entry imports, followed through the repository. */
export function codeClosure(facts: RepoFacts, entryFiles: readonly string[], dir: string): string[] {
  const found = new Set<string>();
  const queue = [...entryFiles];
  const seen = new Set<string>();
  const add = (path: string) => {
    if (found.has(path)) return;
    found.add(path);
    if (path.endsWith('.py')) {queue.push(path);} else {
      queue.push(
        ...facts.repo.files.filter((f) => f.startsWith(`${path}/`) && f.endsWith('.py')).slice(0, 500),
      );
    }
  };
  for (const e of entryFiles) {
    const top = e.split('/')[0];
    if (dir === '' && e.includes('/')) add(top);
    else add(e);
  }
  while (queue.length > 0 && seen.size < 3000) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const name of facts.code.imports.get(file) ?? []) {
      for (const base of dir ? [dir, ''] : ['']) {
        const prefix = base ? `${base}/` : '';
        // a package, or a namespace package (a folder of Python files without __init__.py)
        if (
          facts.repo.isFolder(`${prefix}${name}`) &&
          facts.repo.files.some((f) => f.startsWith(`${prefix}${name}/`) && f.endsWith('.py'))
        ) {
          if (!(base === dir && dir !== '')) add(`${prefix}${name}`);
          break;
        }
        if (facts.repo.has(`${prefix}${name}.py`)) {
          if (!(base === dir && dir !== '')) add(`${prefix}${name}.py`);
          break;
        }
      }
    }
  }
  return [...found].sort();
}

/** Programs a README line runs that are not the project (installers, VCS, containers). */
const NOT_A_RUN = new Set([
  'pip', 'pip3', 'uv', 'uvx', 'poetry', 'conda', 'mamba', 'git', 'cd', 'docker', 'docker-compose', 'cog',
  'curl', 'wget', 'yarn', 'npm', 'npx', 'pnpm', 'make', 'apt', 'apt-get', 'brew', 'sudo', 'export',
  'source', 'mkdir', 'cp', 'mv', 'ls', 'cat', 'echo', 'yay', 'pre-commit', 'pytest', 'huggingface-cli',
  'tar', 'unzip', 'chmod', 'ssh', 'kubectl', 'helm', 'srun', 'sbatch', 'nvidia-smi',
]);

interface Candidate {
  readonly command: string[];
  readonly from: Place;
  readonly shape: CommandShape;
  readonly block: number;
}

/** Commands the documents run: the project's own scripts, modules and servers. */
function docCandidates(facts: RepoFacts): Candidate[] {
  const out: Candidate[] = [];
  facts.docBlocks.forEach((block, b) => {
    for (const cmd of block) {
      const parsed = shellWordsSafe(cmd.text);
      if (!parsed || parsed.length === 0) continue;
      if (NOT_A_RUN.has(parsed[0]) || (parsed[0].startsWith('python') && parsed[1] === 'setup.py')) {
        continue;
      }
      const shape = commandShape(facts, parsed);
      const script = parsed[0].startsWith('./') ? parsed[0].slice(2) : undefined;
      if (!shape.entryFile && !shape.script && !(script && facts.repo.has(script))) continue;
      out.push({ command: parsed, from: cmd.at, shape, block: b });
    }
  });
  return out;
}

function shellWordsSafe(text: string): string[] | undefined {
  const parsed = shellWords(text);
  return 'unreadable' in parsed ? undefined : parsed.words;
}

function envFromDockerfile(
  d: DockerfileFacts | undefined,
  expanded: ReadonlySet<string>,
): Array<{ name: string; value: string; from: string }> {
  // the image's own settings and build-time switches, not the program's configuration
  const skip = new RegExp(`^(${[
    'PATH', 'PYTHON\\w*', 'PIP_\\w+', 'LANG', 'LC_\\w+', 'DEBIAN_FRONTEND', 'TORCH_CUDA_ARCH_LIST',
    '\\w*_BUILD_\\w*', 'CUDA_HOME', 'LD_LIBRARY_PATH', 'NVIDIA_\\w+', 'HOME', 'TZ', 'CONDA\\w*',
    'VIRTUAL_ENV',
  ].join('|')})$`);
  return (d?.env ?? [])
    .filter((e) => !skip.test(e.name) && !expanded.has(e.name))
    .map((e) => ({ name: e.name, value: e.value, from: `${placeText(e.at)} ENV` }));
}

/** A compose service's Dockerfile: its build, else a root Dockerfile whose command the service runs. */
function dockerfileOf(facts: RepoFacts, svc: ComposeServiceFacts): DockerfileFacts | undefined {
  if (svc.build) {
    const ctx = svc.build.context.replace(/^\.\/?/, '').replace(/\/+$/, '');
    const path = [ctx, svc.build.dockerfile.replace(/^\.\//, '')].filter((p) => p !== '').join('/');
    return facts.dockerfiles.find((d) => d.file === path);
  }
  const wanted = svc.command ?? svc.entrypoint;
  const sameCommand = facts.dockerfiles.find(
    (d) =>
      !d.file.includes('/') &&
      wanted &&
      (d.cmd?.shell ?? JSON.stringify(d.cmd?.exec)) === (wanted.shell ?? JSON.stringify(wanted.exec)),
  );
  return sameCommand ?? facts.dockerfiles.find((d) => d.file === 'Dockerfile');
}

/** The compose file a repository runs by default (`docker compose up` reads the first of these). */
export function mainCompose(facts: RepoFacts): RepoFacts['composes'][number] | undefined {
  for (const name of ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml']) {
    const c = facts.composes.find((x) => x.file === name);
    if (c) return c;
  }
  return facts.composes.find((c) => !c.file.includes('/'));
}

function portsOf(
  svc: ComposeServiceFacts | undefined,
  dockerfile: DockerfileFacts | undefined,
  shape: CommandShape,
): {
    port?: { value: number; from: string };
    hostPort?: { value: number; from: string };
  } {
  const published = svc?.ports.find(
    (p) => p.container !== undefined && (shape.port === undefined || p.container === shape.port),
  );
  const port =
    shape.port !== undefined
      ? { value: shape.port, from: shape.portWhy ?? '' }
      : published?.container !== undefined
        ? { value: published.container, from: `${placeText(published.at)} ports ${published.text}` }
        : dockerfile?.expose[0]
          ? { value: dockerfile.expose[0].port, from: `${placeText(dockerfile.expose[0].at)} EXPOSE` }
          : undefined;
  const hostPort =
    published?.host !== undefined &&
    port &&
    published.container === port.value &&
    published.host !== port.value
      ? { value: published.host, from: `${placeText(published.at)} ports ${published.text}` }
      : undefined;
  return { port, hostPort };
}

function launchText(l: Launch): string {
  return l.from.map(placeText).join(' -> ');
}

/** Services from the repository's files. */
export function findServices(facts: RepoFacts, repoGpu: readonly string[]): FoundServices {
  const services: FoundService[] = [];
  const notAdopted: string[] = [];
  const others: string[] = [];
  const used = new Set<string>();
  const compose = mainCompose(facts);
  for (const c of facts.composes.filter((x) => x !== compose)) {
    notAdopted.push(
      `${c.file}: another compose file of the repository (${c.services.map((s) => s.name).join(', ')}), `
        + 'kept as it is',
    );
  }
  for (const svc of compose?.services ?? []) {
    const dockerfile = dockerfileOf(facts, svc);
    if (dockerfile) used.add(dockerfile.file);
    const where = `${placeText(svc.at)} service "${svc.name}"`;
    if (dockerfile && !isPythonDockerfile(dockerfile)) {
      notAdopted.push(
        `${where}: built from ${dockerfile.file} (FROM ${dockerfile.from?.image ?? '?'}), not a Python `
          + 'service; kept as it is, and the generated stack does not run it',
      );
      continue;
    }
    const first = svc.command ?? svc.entrypoint;
    let launch: Launch | undefined;
    if (first) {
      const w = commandWords(first, dockerfile?.vars ?? {});
      if (!('unreadable' in w)) {
        launch = followLaunch(
          facts,
          { words: w.words, from: first.at },
          { ...dockerfile?.vars, ...envValues(svc) },
          dockerfile?.workdir?.path,
        );
      }
    } else if (dockerfile && svc.build) {
      const l = dockerfileLaunch(facts, dockerfile);
      if (l && 'words' in l) launch = l;
    }
    const dir = dockerfile?.workdir ? repoDirOf(dockerfile, dockerfile.workdir.path) : undefined;
    if (!launch) {
      notAdopted.push(
        `${where}: ${svc.image ? `runs the image ${svc.image}` : 'has no command'} with nothing of this `
          + 'repository\'s code to build; kept as it is',
      );
      continue;
    }
    // compose variables set for the service expand the Dockerfile's command too
    if (!first && dockerfile) {
      const l = dockerfileLaunch(facts, { ...dockerfile, vars: { ...dockerfile.vars, ...envValues(svc) } });
      if (l && 'words' in l) launch = l;
    }
    const shape = commandShape(facts, launch.words, dir?.dir ?? '');
    if (!shape.entryFile && !shape.script) {
      notAdopted.push(
        `${where}: runs ${JSON.stringify(launch.words.join(' '))} (${launchText(launch)}), whose code is `
          + 'not in this repository; kept as it is',
      );
      continue;
    }
    const expandedNames = new Set(launch.expanded.map((e) => e.name));
    const environment = [
      ...envFromDockerfile(dockerfile, expandedNames).filter(
        (e) => !svc.environment.some((x) => x.name === e.name),
      ),
      ...svc.environment
        .filter((e) => e.value !== undefined && !expandedNames.has(e.name))
        .map((e) => ({ name: e.name, value: e.value!, from: `${placeText(e.at)} environment` })),
    ];
    const todos: string[] = [];
    if (launch.stuck) {
      todos.push(
        `the command stays ${JSON.stringify(launch.words.join(' '))}: ${launch.stuck}; the entry check `
          + 'cannot see past it',
      );
    }
    for (const n of svc.notCarried) {
      todos.push(
        `${placeText(n.at)}: ${n.what} is not carried over (the generated stack is hardened: no host `
          + 'folders, no shared IPC, secrets as files)',
      );
    }
    for (const p of svc.ports.filter(
      (x) => x.container === undefined || (shape.port !== undefined && x.container !== shape.port),
    )) {
      todos.push(
        `${placeText(p.at)} publishes ${p.text}, which one HTTP port cannot carry: add it with an `
          + 'override of the stack if the service needs it',
      );
    }
    const gpu = [
      ...(svc.gpu ? [`${where} reserves an NVIDIA GPU`] : []),
      ...(baseImageGpu(dockerfile?.from?.image)
        ? [`${placeText(dockerfile!.from!.at)} FROM ${dockerfile!.from!.image}`]
        : []),
      ...repoGpu,
    ];
    services.push(
      foundFrom(facts, {
        id: serviceId(svc.name, 'app'),
        where,
        launch,
        shape,
        dir,
        dockerfile,
        svc,
        environment,
        gpu,
        todos,
      }),
    );
  }
  // a Dockerfile at the root that no compose service builds
  if (!compose || services.length === 0) {
    for (const d of facts.dockerfiles.filter(
      (x) => !used.has(x.file) && !x.file.includes('/') && isPythonDockerfile(x),
    )) {
      const l = dockerfileLaunch(facts, d);
      if (!l || !('words' in l)) continue;
      const dir = d.workdir ? repoDirOf(d, d.workdir.path) : undefined;
      const shape = commandShape(facts, l.words, dir?.dir ?? '');
      if (!shape.entryFile && !shape.script) continue;
      const gpu = [
        ...(baseImageGpu(d.from?.image) ? [`${placeText(d.from!.at)} FROM ${d.from!.image}`] : []),
        ...repoGpu,
      ];
      services.push(
        foundFrom(facts, {
          id: serviceId(shape.server ? 'api' : 'job', 'app'),
          where: `${d.file}`,
          launch: l,
          shape,
          dir,
          dockerfile: d,
          environment: envFromDockerfile(d, new Set(l.expanded.map((e) => e.name))),
          gpu,
          todos: l.stuck ? [l.stuck] : [],
        }),
      );
      used.add(d.file);
      break;
    }
  }
  for (const d of facts.dockerfiles.filter((x) => !used.has(x.file))) {
    notAdopted.push(
      `${d.file}: a Dockerfile of the repository no adopted service runs; kept as it is (it keeps `
        + 'building with its own context)',
    );
  }
  if (services.length === 0 && facts.cog?.predict) {
    services.push(cogService(facts, repoGpu));
  }
  if (services.length === 0 && facts.repo.has('Procfile')) {
    const procfile = procfileService(facts, repoGpu, others);
    if (procfile) services.push(procfile);
  }
  if (services.length === 0) {
    const candidates = [...docCandidates(facts), ...codeCandidates(facts)];
    const servers = candidates.filter((c) => c.shape.server);
    const jobs = candidates.filter((c) => !c.shape.server);
    const pick =
      servers[0] ??
      jobs.find((c) => /train/.test(c.shape.entryFile ?? c.command.join(' ')) && !c.shape.distributed) ??
      jobs.find((c) => !c.shape.distributed) ??
      jobs[0];
    if (pick) {
      const shape = pick.shape;
      const gpu = repoGpu;
      const id = shape.server
        ? 'api'
        : serviceId(
          shape.script ??
              (/train/.test(shape.entryFile ?? '')
                ? 'train'
                : (shape.entryFile ?? 'job').replace(/^.*\//, '').replace(/\.py$/, '')),
          'job',
        );
      const launch: Launch = { words: pick.command, from: [pick.from], expanded: [] };
      const found = foundFrom(facts, {
        id,
        where: placeText(pick.from),
        launch,
        shape,
        gpu,
        todos: [],
        environment: [],
      });
      // packages the same document installs by hand just before this command
      services.push({ ...found, extraSources: found.extraSources });
      for (const c of candidates.filter((x) => x !== pick && x.block >= 0)) {
        others.push(`${placeText(c.from)}: ${c.command.join(' ')}${c.shape.server ? ' (a server)' : ''}`);
      }
    }
  }
  return { services, notAdopted, others: [...new Set(others)].slice(0, 12) };
}

/**
 * The Procfile's `web` process (Heroku's convention: the one that gets traffic), else its first;
 * the other processes are listed.
 */
function procfileService(
  facts: RepoFacts,
  repoGpu: readonly string[],
  others: string[],
): FoundService | undefined {
  const lines = (facts.repo.text('Procfile') ?? '')
    .split(/\r?\n/)
    .map((text, i) => ({ text, line: i + 1 }))
    .map((l) => ({ ...l, m: /^([A-Za-z0-9_-]+):[ \t]*(.+)$/s.exec(l.text) }))
    .filter((l) => l.m);
  const pick = lines.find((l) => l.m![1] === 'web') ?? lines[0];
  if (!pick) return undefined;
  for (const l of lines.filter((x) => x !== pick)) {
    others.push(`Procfile:${l.line}: ${l.m![1]}: `
    + `${l.m![2]}`);
  }
  const parsed = shellWords(pick.m![2], { PORT: '8000' });
  if ('unreadable' in parsed) return undefined;
  const at = { file: 'Procfile', line: pick.line };
  const launch: Launch = {
    words: parsed.words,
    from: [at],
    expanded: /\$\{?PORT\b/.test(pick.m![2]) ? [{ name: 'PORT', value: '8000' }] : [],
  };
  const shape = commandShape(facts, parsed.words);
  if (!shape.entryFile && !shape.script) return undefined;
  return foundFrom(facts, {
    id: serviceId(pick.m![1] === 'web' ? 'api' : pick.m![1], 'app'),
    where: `Procfile:${pick.line} ${pick.m![1]}`,
    launch,
    shape:
      pick.m![1] === 'web'
        ? {
          ...shape,
          server: true,
          port: shape.port ?? 8000,
          portWhy: shape.portWhy ?? "the PORT a Procfile's web process is given (8000 here)",
        }
        : shape,
    gpu: repoGpu,
    todos: [],
    environment: [],
  });
}

/**
 * Commands the code itself implies when no document runs one: a web app object served by
 * uvicorn (ASGI) or gunicorn (WSGI), a console script, a package's `__main__`.
 */
function codeCandidates(facts: RepoFacts): Candidate[] {
  const out: Candidate[] = [];
  for (const app of facts.code.apps) {
    const module = app.file
      .replace(/\.py$/, '')
      .replace(/\/__init__$/, '')
      .replace(/\//g, '.');
    const spec = `${module}:${app.variable}`;
    const words = ['FastAPI', 'Starlette', 'Quart'].includes(app.framework)
      ? ['uvicorn', spec, '--host', '0.0.0.0', '--port', '8000']
      : ['gunicorn', '--bind', '0.0.0.0:8000', spec];
    out.push({
      command: words,
      from: { file: app.file, line: app.line },
      shape: commandShape(facts, words),
      block: -1,
    });
  }
  for (const [name, script] of Object.entries(facts.pyproject?.scripts ?? {})) {
    out.push({ command: [name], from: script.at, shape: commandShape(facts, [name]), block: -1 });
  }
  for (const file of [...facts.code.mainGuards].filter(
    (f) => f.endsWith('/__main__.py') && f.split('/').length === 2,
  )) {
    const words = ['python', '-m', file.split('/')[0]];
    out.push({ command: words, from: { file }, shape: commandShape(facts, words), block: -1 });
  }
  return out;
}

function envValues(svc: ComposeServiceFacts): Record<string, string> {
  return Object.fromEntries(
    svc.environment.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]),
  );
}

function foundFrom(
  facts: RepoFacts,
  f: {
    id: string;
    where: string;
    launch: Launch;
    shape: CommandShape;
    dir?: { dir: string; from: string };
    dockerfile?: DockerfileFacts;
    svc?: ComposeServiceFacts;
    environment: Array<{ name: string; value: string; from: string }>;
    gpu: readonly string[];
    todos: string[];
  },
): FoundService {
  const { port, hostPort } = portsOf(f.svc, f.dockerfile, f.shape);
  const notes: string[] = [];
  for (const e of f.launch.expanded) notes.push(`$${e.name} written out as ${JSON.stringify(e.value)}`);
  if (f.shape.changed) notes.push(f.shape.changed);
  const apt = (f.dockerfile?.aptPackages ?? []).filter((p) => !buildOnlyPackage(p.name));
  const buildOnly = (f.dockerfile?.aptPackages ?? []).filter((p) => buildOnlyPackage(p.name));
  const todos = [...f.todos];
  if (buildOnly.length > 0) {
    todos.push(
      `${placeText(buildOnly[0].at)} also installs ${buildOnly.map((p) => p.name).join(', ')}: packages `
        + `to build or fetch with (${adoptionData().buildOnlySystemPackages.source.split(':')[0]}); ` +
        'not in the runtime image. Give them to buildPackages if a requirement compiles from source',
    );
  }
  for (const p of f.launch.prepared ?? []) {
    todos.push(
      `${placeText(p.at)} creates ${p.path} before the program starts, so the program writes there `
        + '(relative to its working directory): ' +
        "the generated image's root is read-only; the folder must exist and be writable (a volume "
          + 'through an override of the stack, or writableRootFilesystem)',
    );
  }
  // absolute paths of the repository's own image layout mean nothing in this one
  const layout = [
    ...(f.dockerfile?.copies ?? []).map((c) => c.to),
    ...(f.dockerfile?.workdir ? [f.dockerfile.workdir.path] : []),
  ].filter((p) => p.startsWith('/') && p !== '/');
  const environment: Array<{ name: string; value: string; from: string }> = [];
  for (const e of f.environment) {
    if (isSecretName(e.name) || secretValueKind(e.value) !== undefined) {
      todos.push(
        `${e.from.replace(/ (ENV|environment)$/, '')}: ${e.name} holds a secret: not copied (never into `
          + 'environment); ' +
          `pass it as a secret file the program reads (${e.name}_FILE), or through the stack's secrets`,
      );
    } else if (
      e.value.startsWith('/') &&
      layout.some((p) => p === e.value || p.startsWith(`${e.value}/`))
    ) {
      todos.push(
        `${e.from.replace(/ (ENV|environment)$/, '')}: ${e.name}=${e.value} names a folder of the `
          + 'repository\'s own image layout, not of this image ' +
          '(code under /app, a model folder at /models): set it to where the code finds what it reads there',
      );
    } else {
      environment.push(e);
    }
  }
  const dir = f.dir?.dir ?? '';
  const extra = f.shape.words
    .slice(1)
    .filter((w) => /^[A-Za-z0-9_.][A-Za-z0-9_./-]*\.(ya?ml|json|toml|cfg|ini)$/.test(w))
    .map((w) => (dir ? `${dir}/${w}` : w))
    .filter((p) => facts.repo.has(p))
    .map((p) => p.split('/')[0]);
  return {
    id: f.id,
    foundAt: f.where,
    command: f.shape.words,
    commandFrom: launchText(f.launch),
    commandNotes: notes,
    shape: f.shape,
    dir,
    dirFrom: f.dir?.from,
    port: f.shape.server || f.svc ? port : undefined,
    hostPort,
    healthPath: healthOf(facts, f.shape.entryFile),
    server: f.shape.server,
    gpu: [...new Set(f.gpu)],
    dockerfile: f.dockerfile,
    environment,
    aptPackages: apt.map((p) => ({ name: p.name, from: `${placeText(p.at)} apt-get install` })),
    todos,
    extraSources: [...new Set(extra)],
    script: f.shape.script,
  };
}

function cogService(facts: RepoFacts, repoGpu: readonly string[]): FoundService {
  const cog = facts.cog!;
  const predict = cog.predict!;
  const server = adoptionData().servers.find((s) => s.module === 'cog.server.http')!;
  const file = predict.value.split(':')[0];
  const gpu = cog.gpu?.value ? [`${placeText(cog.gpu.at)} build.gpu: true`] : [];
  const shape: CommandShape = {
    server: true,
    entryFile: file,
    port: server.port,
    words: ['python', '-m', server.module],
    distributed: false,
  };
  return {
    id: 'predictor',
    foundAt: `${placeText(predict.at)} predict: "${predict.value}"`,
    command: shape.words,
    commandFrom: `${placeText(predict.at)} predict: ${JSON.stringify(predict.value)}, served by Cog's `
      + `runtime (${server.source})`,
    commandNotes: [],
    shape,
    dir: '',
    port: { value: server.port, from: `Cog's server (${server.source})` },
    healthPath: { value: server.healthPath, from: `Cog's server (${server.source})` },
    server: true,
    gpu: cog.gpu?.value ? gpu : repoGpu.length && cog.gpu === undefined ? repoGpu : gpu,
    environment: [],
    aptPackages: [],
    todos: [],
    extraSources: [],
    cog: { predict: predict.value },
  };
}
