import ignore from '@balena/dockerignore';
import * as fc from 'fast-check';
import { MlDockerProjectOptions, PythonService, PythonServiceProps } from '../src';
import { contextCopySources, contextMountSources, parseDockerfile } from './support/dockerfile-rules';
import { shadowsModule } from './support/module-names';
import { newProject, synth } from './util';
import { ALWAYS_EXCLUDED } from '../src/core/dockerignore';

/**
 * Ignore files are checked with `@balena/dockerignore`, which implements Docker's
 * `.dockerignore` semantics (Go `filepath.Match` patterns, `**`, `!` exceptions, last match
 * wins, a path is excluded when it or a parent directory is): not gitignore's.
 */

interface ServiceDef {
  readonly id: string;
  readonly props: PythonServiceProps;
}

function build(
  services: ServiceDef[], options: Partial<MlDockerProjectOptions> = {},
): { out: Record<string, any>; services: PythonService[] } {
  const project = newProject(options);
  const created = services.map((s) => new PythonService(project, s.id, s.props));
  return { out: synth(project), services: created };
}

/** The patterns of an ignore file (comments and blank lines dropped, as Docker does). */
function patterns(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

function matcher(text: string) {
  return ignore().add(patterns(text));
}

/** The paths the allow-list lets back in (`!path`). */
function allowed(text: string): string[] {
  return patterns(text).filter((p) => p.startsWith('!')).map((p) => p.slice(1));
}

/** Everything the Dockerfile reads from the build context: COPY sources and bind-mount sources. */
function contextSources(dockerfile: string): string[] {
  const df = parseDockerfile(dockerfile);
  const instructions = df.ast.getInstructions();
  return [...new Set([
    ...instructions.filter((i) => i.getKeyword() === 'COPY').flatMap(contextCopySources),
    ...instructions.filter((i) => i.getKeyword() === 'RUN').flatMap(contextMountSources),
  ])].sort();
}

/** Files the project generated under a directory (e.g. `services/api/main.py`). */
function filesUnder(out: Record<string, any>, dir: string): string[] {
  return Object.keys(out).filter((f) => f.startsWith(`${dir}/`));
}

/** Paths that must never reach an image, for a service whose code lives in `codeDir`. */
function forbidden(codeDir: string): string[] {
  return [
    'data/x.csv', 'checkpoints/a.ckpt', 'model.pt', `${codeDir}/weights.pt`, '.env', `${codeDir}/.env`,
    '.git/config', `${codeDir}/.git/HEAD`, `${codeDir}/data/train.csv`, 'secrets/db_password',
    `${codeDir}/__pycache__/m.pyc`, '.venv/bin/python', 'id_rsa', 'node_modules/x', 'README.md',
    // the same kinds of files inside folders the allow-list lets in
    `${codeDir}/model.safetensors`, `${codeDir}/.env.local`, `${codeDir}/secrets/token`, `${codeDir}/id_ed25519`,
    `${codeDir}/tls/server.pem`, `${codeDir}/checkpoints/last.ckpt`, `${codeDir}/.venv/bin/python`, `${codeDir}/m.pyc`,
    'services/common/.env', 'services/common/datasets/a.parquet', 'docker/runtime/mldocker_runtime/__pycache__/x.pyc',
    '.projenrc.ts', 'package.json', 'node_modules/projen/package.json', 'docs/containers.md',
  ];
}

/**
 * The invariants of a project's ignore files: each service's allow-list is exactly what its
 * Dockerfile reads, every such path (and the files inside it) is sent, data/weights/secrets
 * are not, and the root file is the union.
 */
function checkIgnoreFiles(out: Record<string, any>, services: PythonService[]): void {
  const root = matcher(out['.dockerignore']);
  const union = new Set<string>();
  for (const service of services) {
    const dockerfile: string = out[service.dockerfilePath];
    const ignoreText: string = out[`${service.dockerfilePath}.dockerignore`];
    expect(ignoreText).toBeDefined();
    const own = matcher(ignoreText);
    const sources = contextSources(dockerfile);

    // The allow-list is exact: what the Dockerfile reads, nothing else.
    expect(allowed(ignoreText).sort()).toEqual(sources);
    expect(sources).toContain(service.sourceDir);
    allowed(ignoreText).forEach((p) => union.add(p));

    for (const source of sources) {
      const files = out[source] !== undefined ? [source] : [source, ...filesUnder(out, source), `${source}/pkg/module.py`];
      if (out[source] === undefined) expect(filesUnder(out, source).length).toBeGreaterThan(0);
      for (const file of files) {
        expect({ file, ignoredBy: own.ignores(file) ? 'Dockerfile.dockerignore' : undefined }).toEqual({ file, ignoredBy: undefined });
        expect({ file, ignoredBy: root.ignores(file) ? '.dockerignore' : undefined }).toEqual({ file, ignoredBy: undefined });
      }
    }
    for (const path of forbidden(service.sourceDir)) {
      expect({ path, ignored: own.ignores(path) }).toEqual({ path, ignored: true });
      expect({ path, ignored: root.ignores(path) }).toEqual({ path, ignored: true });
    }
  }

  // The root file is exactly the union, with the same exclusions around it.
  const rootText: string = out['.dockerignore'];
  expect(allowed(rootText).sort()).toEqual([...union].sort());
  const frame = (text: string) => patterns(text).filter((p) => !p.startsWith('!'));
  expect(frame(rootText)).toEqual(['*', ...ALWAYS_EXCLUDED]);
  for (const service of services) expect(frame(out[`${service.dockerfilePath}.dockerignore`])).toEqual(frame(rootText));
  // Every pattern but `*` comes after it, so the allow-list cannot be undone by order.
  expect(patterns(rootText)[0]).toBe('*');
}

const API: ServiceDef = {
  id: 'api',
  props: {
    command: ['uvicorn', 'api.main:app', '--host', '0.0.0.0', '--port', '8000'],
    port: 8000,
    torchVersion: '2.5.1',
    requirements: { ml: ['numpy==2.1.3'], core: ['fastapi==0.115.6', 'uvicorn==0.32.1'], dev: ['pytest==8.3.4'] },
  },
};
const WORKER: ServiceDef = { id: 'worker', props: { command: ['python', '-m', 'worker.main'], aptPackages: ['libgomp1'] } };
const FEATURES: ServiceDef = { id: 'feature-store', props: { command: ['python', '-m', 'feature_store.main'], requirements: { ml: ['numpy==2.1.3'] } } };

describe('ignore files', () => {
  test('api, worker and a hyphenated id: every path the Dockerfiles read is sent, nothing else', () => {
    const { out, services } = build([API, WORKER, FEATURES]);
    checkIgnoreFiles(out, services);
  });

  test('a single service without the syntax line and with its own sourceDir', () => {
    const { out, services } = build([{ id: 'web', props: { command: ['python', '-m', 'web.main'], port: 9000, sourceDir: 'apps/web', requirements: { core: ['httpx==0.28.1'] } } }], { dockerfileSyntax: false });
    expect(services[0].sourceDir).toBe('apps/web');
    checkIgnoreFiles(out, services);
  });

  test('the api example: requirement files and code are sent, named data/weights/secrets paths are not', () => {
    const { out } = build([API]);
    const own = matcher(out['docker/api/Dockerfile.dockerignore']);
    for (const path of ['services/api', 'services/api/main.py', 'services/common/__init__.py', 'docker/api/requirements-torch.txt',
      'docker/api/requirements-dev.txt', 'docker/runtime/mldocker_runtime/healthcheck.py']) {
      expect({ path, ignored: own.ignores(path) }).toEqual({ path, ignored: false });
    }
    for (const path of ['data/x.csv', 'checkpoints/a.ckpt', 'model.pt', 'services/api/weights.pt', '.env', 'services/api/.env',
      '.git/config', 'services/api/.git/HEAD', 'services/api/data/train.csv', 'secrets/db_password',
      'services/api/__pycache__/m.pyc', '.venv/bin/python', 'id_rsa', 'node_modules/x', 'README.md',
      'docker/api/Dockerfile', 'docker/worker/requirements-core.txt']) {
      expect({ path, ignored: own.ignores(path) }).toEqual({ path, ignored: true });
    }
  });

  test("a service's ignore file does not let in another service's code; the root file lets in both", () => {
    const { out } = build([API, WORKER]);
    const api = matcher(out['docker/api/Dockerfile.dockerignore']);
    const worker = matcher(out['docker/worker/Dockerfile.dockerignore']);
    const root = matcher(out['.dockerignore']);
    expect(api.ignores('services/worker/main.py')).toBe(true);
    expect(worker.ignores('services/api/main.py')).toBe(true);
    expect(worker.ignores('docker/api/requirements-ml.txt')).toBe(true);
    expect(root.ignores('services/worker/main.py')).toBe(false);
    expect(root.ignores('services/api/main.py')).toBe(false);
  });
});

/** Code directories the re-exclusions would hide (see the known-bug test below). */
const reExcluded = ignore().add([...ALWAYS_EXCLUDED]);
const hiddenByReExclusion = (id: string) => reExcluded.ignores(`services/${id.replace(/-/g, '_')}`);

describe('ignore files, property', () => {
  const PINS = { ml: ['numpy==2.1.3', 'scipy==1.14.1'], core: ['fastapi==0.115.6', 'httpx==0.28.1'], dev: ['pytest==8.3.4'] };
  const serviceArb = fc.record({
    id: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/)
      .filter((id) => !['common', 'runtime'].includes(id) && !hiddenByReExclusion(id) && !shadowsModule(id)),
    port: fc.option(fc.integer({ min: 1024, max: 65535 }), { nil: undefined }),
    torch: fc.boolean(),
    ml: fc.subarray(PINS.ml),
    core: fc.subarray(PINS.core),
    dev: fc.subarray(PINS.dev),
  });

  test('random sets of 1-4 services give ignore files with the same invariants', () => {
    fc.assert(fc.property(
      fc.uniqueArray(serviceArb, { minLength: 1, maxLength: 4, selector: (s) => s.id.replace(/-/g, '_') })
        .filter((list) => new Set(list.map((s) => s.port).filter((p) => p !== undefined)).size
          === list.filter((s) => s.port !== undefined).length),
      fc.boolean(),
      (list, syntax) => {
        const { out, services } = build(list.map((s) => ({
          id: s.id,
          props: {
            command: ['python', '-m', `${s.id.replace(/-/g, '_')}.main`],
            port: s.port,
            torchVersion: s.torch ? '2.5.1' : undefined,
            requirements: { ml: s.ml, core: s.core, dev: s.dev },
          },
        })), { dockerfileSyntax: syntax });
        checkIgnoreFiles(out, services);
      },
    ), { numRuns: 20 });
  });
});

describe('code folders the re-exclusions would hide', () => {
  // A service whose code directory a re-exclusion matches (a service id such as data,
  // datasets, checkpoints, secrets, venv, wandb, mlruns, id-rsa; or a sourceDir with such a
  // segment) would COPY a directory its own ignore file excludes, and `docker build` would
  // fail ("failed to walk .../services: no such file or directory" on Docker 26). Such a
  // definition must be refused at synth (it is), or its code must reach the builder.
  test.each([
    ['data', undefined],
    ['secrets', undefined],
    ['venv', undefined],
    ['id-rsa', undefined],
    ['loader', 'pipelines/data/loader'],
  ])('service id "%s" (sourceDir %s): its code reaches the builder, or synth refuses it', (id, sourceDir) => {
    const project = newProject();
    let service: PythonService;
    try {
      service = new PythonService(project, id, { command: ['python', '-m', `${id.replace(/-/g, '_')}.main`], sourceDir });
    } catch (e) {
      expect((e as Error).message).toMatch(sourceDir ? /sourceDir/ : new RegExp(id));
      return; // refusing the definition at synth is a fix too
    }
    const out = synth(project);
    const own = matcher(out[`${service.dockerfilePath}.dockerignore`]);
    const root = matcher(out['.dockerignore']);
    expect(contextSources(out[service.dockerfilePath])).toContain(service.sourceDir);
    const file = `${service.sourceDir}/main.py`;
    expect({ file, ignored: own.ignores(file) }).toEqual({ file, ignored: false });
    expect({ file, ignored: root.ignores(file) }).toEqual({ file, ignored: false });
  });
});
