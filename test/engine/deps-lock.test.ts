/**
 * Real engine: a PythonService whose tiers come from hash-locked
 * requirement files (pip-compile form: `name==version` and `--hash=sha256:` of the wheel)
 * builds from a local wheel index with `pip install --require-hashes --no-deps`, and its
 * image runs; a lock whose hash differs from the wheel's bytes fails the build with pip's
 * hash error, and that change touched only the requirement file (the Dockerfile is
 * byte-identical).
 *
 * The wheels are the offline stand-ins of scripts/engine/wheelhouse.sh (pure Python,
 * zipped by the host's python3 in the suite); their sha256 is computed here from the bytes
 * the index serves.
 *
 * Does not prove: real PyPI wheels, platform wheels (the stand-ins are py3-none-any), uv or
 * Poetry locks on the engine (the unit tests read those; the Dockerfile is the same).
 */
import { createHash } from 'crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { Dependencies, PythonService } from '../../src';
import { synthIn } from '../util';
import {
  IndexServer, PYTHON_STANDIN, docker, dockerTry, requireEngine, startIndexServer, tail, tempDir, waitHealthy,
  writeWheelhouse,
} from './support/engine';

const RUN_ID = `${process.pid}-${Date.now().toString(36)}`;
const NETWORK = `engine-deps-${RUN_ID}`;
const CONTAINER = `engine-deps-api-${RUN_ID}`;
const HARDENING = ['--read-only', '--tmpfs', '/tmp:exec,mode=1777,size=64m', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges:true'];

let dir = '';
let wheels = '';
let index: IndexServer;

/** The sha256 of the one wheel of a package in the wheelhouse, at a version. */
function wheelHash(pkg: string, version: string): string {
  const folder = join(wheels, 'simple', pkg);
  const file = readdirSync(folder).find((f) => f.includes(`-${version}-`) && f.endsWith('.whl'));
  if (!file) throw new Error(`no wheel of ${pkg} ${version} in ${folder}`);
  return createHash('sha256').update(readFileSync(join(folder, file))).digest('hex');
}

function writeLocks(coreHash: string): void {
  mkdirSync(join(dir, 'requirements'), { recursive: true });
  writeFileSync(join(dir, 'requirements', 'core.lock.txt'), `# pip-compile --generate-hashes\nmlstub==1.0.0 \\\n    --hash=sha256:${coreHash}\n`);
  writeFileSync(join(dir, 'requirements', 'dev.lock.txt'), `mlstub-dev==1.0.0 \\\n    --hash=sha256:${wheelHash('mlstub-dev', '1.0.0')}\n`);
}

function synthesize(): void {
  synthIn(dir, { dockerfileSyntax: false }, (p) => new PythonService(p, 'api', {
    command: ['python', '-m', 'api.main'],
    port: 8000,
    dependencies: Dependencies.fromRequirementsFiles({ core: ['requirements/core.lock.txt'], dev: ['requirements/dev.lock.txt'] }),
  }));
}

function build(target: string) {
  return dockerTry(['build', '--progress', 'plain', '--network', 'host', '-f', 'docker/api/Dockerfile', '--target', target,
    '--build-arg', `PYTHON_IMAGE=${PYTHON_STANDIN}`, '--build-arg', `PIP_INDEX_URL=${index.url}`, '-t', `engine-deps/api:${target}`, '.'], { cwd: dir });
}

beforeAll(async () => {
  requireEngine();
  wheels = writeWheelhouse();
  index = await startIndexServer(wheels);
  dir = tempDir('engine-deps-');
  writeLocks(wheelHash('mlstub', '1.0.0'));
  synthesize();
});

afterAll(async () => {
  dockerTry(['rm', '-f', '-v', CONTAINER]);
  dockerTry(['network', 'rm', NETWORK]);
  await index?.close();
  for (const d of [dir, wheels]) if (d) rmSync(d, { recursive: true, force: true });
});

describe('hash-locked tiers on a real engine', () => {
  test('the generated files are hash-locked', () => {
    expect(readFileSync(join(dir, 'docker/api/requirements-core.txt'), 'utf-8')).toContain(`mlstub==1.0.0 \\\n    --hash=sha256:${wheelHash('mlstub', '1.0.0')}\n`);
    expect(readFileSync(join(dir, 'docker/api/Dockerfile'), 'utf-8')).toContain('pip install --require-hashes --no-deps -r /tmp/requirements/requirements-core.txt');
  });

  test('prod builds from the local index with the hashes checked, runs and turns healthy; dev has the dev tier', async () => {
    const prod = build('prod');
    expect(prod.status).toBe(0);
    expect(prod.stderr + prod.stdout).toMatch(/pip install --require-hashes --no-deps -r \/tmp\/requirements\/requirements-core\.txt/);
    const out = docker(['run', '--rm', '--network', 'none', ...HARDENING, 'engine-deps/api:prod', 'python', '-c',
      'import importlib.metadata as m, mlstub; print(mlstub.__version__, sorted(d.metadata["Name"].lower() for d in m.distributions() if d.metadata["Name"].lower().startswith("mlstub")))']);
    expect(out.trim()).toBe("1.0.0 ['mlstub']");
    docker(['network', 'create', NETWORK]);
    docker(['run', '-d', '--name', CONTAINER, '--network', NETWORK, ...HARDENING, 'engine-deps/api:prod']);
    await waitHealthy(CONTAINER, 120_000);
    const dev = build('dev');
    expect(dev.status).toBe(0);
    expect(docker(['run', '--rm', '--network', 'none', ...HARDENING, 'engine-deps/api:dev', 'python', '-c', 'import mlstub_dev; print(mlstub_dev.check())']).trim()).toBe('True');
  });

  test('a lock whose hash is not the wheel\'s bytes fails the build with pip\'s hash error; only the requirement file changed', () => {
    const dockerfile = readFileSync(join(dir, 'docker/api/Dockerfile'));
    const wrong = createHash('sha256').update('another wheel').digest('hex');
    writeLocks(wrong);
    synthesize();
    expect(readFileSync(join(dir, 'docker/api/Dockerfile')).equals(dockerfile)).toBe(true);
    expect(readFileSync(join(dir, 'docker/api/requirements-core.txt'), 'utf-8')).toContain(wrong);
    const res = build('prod');
    const output = res.stderr + res.stdout;
    expect(res.status).not.toBe(0);
    expect(output).toContain('THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE');
    expect(output).toContain(`Expected sha256 ${wrong}`);
    expect(output).toContain(`Got        ${wheelHash('mlstub', '1.0.0')}`);
    if (!output.includes('THESE PACKAGES')) throw new Error(tail(output));
  });
});
