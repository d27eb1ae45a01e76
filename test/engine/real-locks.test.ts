/**
 * Real packages, locks: projects whose dependencies come from a lock or a bound index, built on
 * the engine with the real wheels of the machine's local PyPI copy (MLDOCKER_PIP_MIRROR, served by
 * scripts/engine/pip-mirror.py; see support/mirror.ts) on the Python 3.11 base stand-in.
 *
 * Proves:
 * - a Poetry project whose poetry.lock holds two scipy entries, 1.15.0 for Python < 3.11 and
 *   1.16.3 for >= 3.11 (the pyproject's own per-Python constraints, lock-version 2.0), builds
 *   scipy 1.16.3 into the 3.11 image, hash-locked with the lock's sha256 of the mirror's files;
 * - a uv project whose uv.lock holds torch 2.13.0+cpu from PyTorch's CPU index with the sha256 of
 *   the mirror's wheel, computed here from its bytes: the generated torch requirement file carries
 *   `--hash`, the torch tier installs with `--require-hashes` from TORCH_INDEX_URL and torch
 *   computes in the image; one changed hash fails the build with pip's hash mismatch;
 * - a package bound to a second index (`[tool.uv.sources]` with an explicit `[[tool.uv.index]]`) is
 *   installed from that index alone, through its own build arg, here a small index this test
 *   serves on loopback with the stand-in wheel `mlstub`, which the default index does not have.
 *
 * The locks are fixtures of ours in the shapes Poetry and uv write; every sha256 in them is read
 * from the mirror when the test runs (nothing fetched is committed). The torch lock's other
 * packages (filelock, sympy, ...) and their graph are what the host's pip resolves for torch
 * 2.13.0+cpu on the same mirror (`lockFrom`).
 *
 * Does not prove: Poetry or uv themselves (test/corpus/lock-differential.test.ts compares our
 * reading with Poetry's exporter), CUDA torch, a Python other than 3.11 (the only stand-in).
 */
import { createHash } from 'crypto';
import { readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import {
  IndexServer, PYTHON_STANDIN, RunResult, dockerTry, requireEngine, startIndexServer, tempDir,
  writeWheelhouse,
} from './support/engine';
import {
  LockedFile, MIRROR, buildSteps, describeUnless, distributions, expectBuilt, indexFiles, indexVersions,
  lockFrom, mirrorMissing, pythonIn, requireOnIndex, sha256At,
} from './support/mirror';
import { Dependencies, PythonService, TorchPackage } from '../../src';
import { synthIn } from '../util';

const RUN_ID = `${process.pid}-${Date.now().toString(36)}`;
const TORCH = '2.13.0';
const PYTORCH_CPU = 'https://download.pytorch.org/whl/cpu';
/** The second index as the project declares it; the build arg points it at the test's own index. */
const CORP = 'https://pkgs.example.invalid/simple';
const dirs: string[] = [];

const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf-8');
const body = (text: string) => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));

function build(dir: string, id: string, args: string[], tag: string): RunResult & { log: string } {
  const res = dockerTry(['build', '--progress', 'plain', '--network', 'host',
    '-f', `docker/${id}/Dockerfile`, '--target', 'prod',
    '--build-arg', `PYTHON_IMAGE=${PYTHON_STANDIN}`, ...args, '-t', tag, '.'], { cwd: dir });
  return { ...res, log: `${res.stdout}${res.stderr}` };
}

function service(dir: string, id: string, extra: Record<string, unknown> = {}): void {
  synthIn(dir, { dockerfileSyntax: false }, (p) => new PythonService(p, id, {
    command: ['python', '-m', `${id}.main`], port: 8000, dependencies: Dependencies.fromPyproject(), ...extra,
  }));
}

/** The mirror's cp311 manylinux x86_64 wheel of a release: its file name and sha256 (from the index page). */
function cp311Wheel(project: string, version: string): { file: string; sha256: string } {
  const found = indexFiles(MIRROR!.pypi, project)
    .filter((f) => f.file.startsWith(`${project}-${version}-cp311-cp311-`) && f.file.includes('x86_64'));
  if (found.length !== 1) {
    throw new Error(`the mirror has ${found.length} cp311 x86_64 wheels of ${project} ${version}`);
  }
  return found[0];
}

const missing = mirrorMissing();
describeUnless(missing, 'locks and bound indexes with real packages', () => {
  beforeAll(() => {
    requireEngine();
    requireOnIndex(MIRROR!.pypi, ['scipy==1.15.0', 'scipy==1.16.3', 'numpy==2.2.6', 'tomli==2.4.1']);
    requireOnIndex(MIRROR!.torchCpu, [`torch==${TORCH}+cpu`]);
  });

  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  describe('a poetry.lock that forks scipy by Python version', () => {
    let dir = '';
    let res: RunResult & { log: string };
    const tag = `engine-real/forked-${RUN_ID}:prod`;

    beforeAll(() => {
      dir = tempDir('engine-real-forked-');
      dirs.push(dir);
      const entry = (name: string, version: string, python: string, deps: string[]) => {
        const wheel = cp311Wheel(name, version);
        return ['[[package]]', `name = "${name}"`, `version = "${version}"`, 'description = ""',
          'optional = false', `python-versions = "${python}"`,
          `files = [{file = "${wheel.file}", hash = "sha256:${wheel.sha256}"}]`, '',
          ...(deps.length > 0 ? ['[package.dependencies]', ...deps, ''] : [])];
      };
      writeFileSync(join(dir, 'pyproject.toml'), [
        '[tool.poetry]', 'name = "forked"', 'version = "0.1.0"', 'description = ""', 'authors = []',
        'package-mode = false', '', '[tool.poetry.dependencies]', 'python = ">=3.10,<3.14"',
        'scipy = [{version = "1.15.0", python = "<3.11"}, {version = "^1.16", python = ">=3.11"}]', '',
      ].join('\n'));
      writeFileSync(join(dir, 'poetry.lock'), [
        ...entry('numpy', '2.2.6', '>=3.10', []),
        ...entry('scipy', '1.15.0', '>=3.10', ['numpy = ">=1.23.5,<2.5"']),
        ...entry('scipy', '1.16.3', '>=3.11', ['numpy = ">=1.25.2,<2.6"']),
        '[metadata]', 'lock-version = "2.0"', 'python-versions = ">=3.10,<3.14"',
        `content-hash = "${createHash('sha256').update('forked').digest('hex')}"`, '',
      ].join('\n'));
      service(dir, 'forked');
      res = build(dir, 'forked', ['--build-arg', `PIP_INDEX_URL=${MIRROR!.pypi}`], tag);
    }, 900_000);

    test('the tier holds the entry for Python 3.11 with its hash, and the image has it', () => {
      const tiers = ['ml', 'core'].flatMap((t) => {
        try {
          return body(read(dir, `docker/forked/requirements-${t}.txt`));
        } catch {
          return [];
        }
      });
      expect(tiers.filter((l) => !l.startsWith(' ')).sort()).toEqual(['numpy==2.2.6 \\', 'scipy==1.16.3 \\']);
      expect(tiers).toContain(`    --hash=sha256:${cp311Wheel('scipy', '1.16.3').sha256}`);
      expectBuilt(res);
      const dists = distributions(tag);
      expect([dists.scipy, dists.numpy]).toEqual(['1.16.3', '2.2.6']);
      expect(pythonIn(tag, 'import scipy.linalg as l, numpy as n; print(l.det(n.eye(3) * 2))')).toBe('8.0');
    });
  });

  describe(`a uv.lock holding torch ${TORCH}+cpu with its hash`, () => {
    let dir = '';
    let res: RunResult & { log: string };
    let locked: LockedFile[] = [];
    let torchSha = '';
    const tag = `engine-real/torched-${RUN_ID}:prod`;
    const args = () => ['--build-arg', `PIP_INDEX_URL=${MIRROR!.pypi}`,
      '--build-arg', `TORCH_INDEX_URL=${MIRROR!.torchCpu}`];
    const torchTier = /^\[deps-ml +\d+\/\d+\] RUN .*-r \/tmp\/requirements\/requirements-torch\.txt$/;

    function writeLock(sha: string): void {
      const registry = (f: LockedFile) => (f.name === 'torch' ? PYTORCH_CPU : 'https://pypi.org/simple');
      const file = (f: LockedFile) => decodeURIComponent(f.url.split('/').pop()!);
      const lines = ['version = 1', 'revision = 3', 'requires-python = ">=3.11"', '',
        '[[package]]', 'name = "torched"', 'version = "0.1.0"', 'source = { virtual = "." }',
        'dependencies = [{ name = "torch" }]', '', '[package.metadata]',
        `requires-dist = [{ name = "torch", specifier = "==${TORCH}", index = "${PYTORCH_CPU}" }]`, ''];
      for (const f of locked) {
        const url = f.name === 'torch' ? `https://download.pytorch.org/whl/cpu/${encodeURIComponent(file(f))}`
          : `https://files.pythonhosted.org/packages/${file(f)}`;
        const deps = f.requires.map((r) => `{ name = "${r}" }`).join(', ');
        lines.push('[[package]]', `name = "${f.name}"`, `version = "${f.version}"`,
          `source = { registry = "${registry(f)}" }`, ...(deps === '' ? [] : [`dependencies = [${deps}]`]),
          `wheels = [{ url = "${url}", hash = "sha256:${f.name === 'torch' ? sha : f.sha256}" }]`, '');
      }
      writeFileSync(join(dir, 'uv.lock'), lines.join('\n'));
    }

    beforeAll(() => {
      dir = tempDir('engine-real-torched-');
      dirs.push(dir);
      locked = lockFrom(MIRROR!.torchCpu, [`torch==${TORCH}+cpu`]);
      const torch = locked.find((f) => f.name === 'torch')!;
      torchSha = sha256At(torch.url);
      writeFileSync(join(dir, 'pyproject.toml'), [
        '[project]', 'name = "torched"', 'version = "0.1.0"', 'requires-python = ">=3.11"',
        `dependencies = ["torch==${TORCH}"]`, '',
        '[tool.uv.sources]', 'torch = { index = "pytorch-cpu" }', '',
        '[[tool.uv.index]]', 'name = "pytorch-cpu"', `url = "${PYTORCH_CPU}"`, 'explicit = true', '',
      ].join('\n'));
      writeLock(torchSha);
      service(dir, 'torched', { torchVersion: TORCH, torchPackages: [TorchPackage.TORCH] });
      res = build(dir, 'torched', args(), tag);
    }, 1_200_000);

    test('the torch requirement file carries the hash of the wheel\'s bytes', () => {
      expect(locked.find((f) => f.name === 'torch')?.sha256).toBe(torchSha);
      expect(body(read(dir, 'docker/torched/requirements-torch.txt')))
        .toEqual([`torch==${TORCH}+cpu \\`, `    --hash=sha256:${torchSha}`]);
      // what torch needs is in the tiers from the lock, hash-locked too
      expect(read(dir, 'docker/torched/requirements-core.txt'))
        .toMatch(/^filelock==[^\n]+ \\\n {4}--hash=sha256:[0-9a-f]{64}$/m);
    });

    test('the torch tier installs with --require-hashes from TORCH_INDEX_URL; torch runs', () => {
      expectBuilt(res);
      const step = buildSteps(res.log).find((s) => torchTier.test(s.name))!;
      expect(step.name).toContain(`pip install --index-url "${MIRROR!.torchCpu}" --require-hashes --no-deps`);
      const code = 'import torch; t = torch.ones(2, 3)\nprint(torch.__version__, torch.version.cuda, t.sum().item())';
      expect(pythonIn(tag, code)).toBe(`${TORCH}+cpu None 6.0`);
      expect(Object.keys(distributions(tag)).filter((d) => /^(nvidia-|triton)/.test(d))).toEqual([]);
    });

    test('one changed hash of torch fails the build with pip\'s hash mismatch', () => {
      const wrong = createHash('sha256').update('another torch').digest('hex');
      writeLock(wrong);
      service(dir, 'torched', { torchVersion: TORCH, torchPackages: [TorchPackage.TORCH] });
      expect(read(dir, 'docker/torched/requirements-torch.txt')).toContain(`--hash=sha256:${wrong}`);
      const failed = build(dir, 'torched', args(), `engine-real/torched-${RUN_ID}:wrong`);
      expect(failed.status).not.toBe(0);
      const errored = buildSteps(failed.log).filter((s) => s.end === 'ERROR').map((s) => s.name);
      expect(errored).toEqual([expect.stringMatching(torchTier)]);
      expect(failed.log).toContain('THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE');
      expect(failed.log).toContain(`Expected sha256 ${wrong}`);
      expect(failed.log).toContain(`Got        ${torchSha}`);
    });
  });

  describe('a package bound to a second index', () => {
    let dir = '';
    let wheels = '';
    let index: IndexServer;
    let res: RunResult & { log: string };
    const tag = `engine-real/bound-${RUN_ID}:prod`;

    beforeAll(async () => {
      dir = tempDir('engine-real-bound-');
      wheels = writeWheelhouse();
      dirs.push(dir, wheels);
      index = await startIndexServer(wheels);
      writeFileSync(join(dir, 'pyproject.toml'), [
        '[project]', 'name = "bound"', 'version = "0.1.0"', 'requires-python = ">=3.11"',
        'dependencies = ["mlstub==1.0.0", "tomli==2.4.1"]', '',
        '[tool.uv.sources]', 'mlstub = { index = "corp" }', '',
        '[[tool.uv.index]]', 'name = "corp"', `url = "${CORP}"`, 'explicit = true', '',
      ].join('\n'));
      service(dir, 'bound');
      res = build(dir, 'bound', ['--build-arg', `PIP_INDEX_URL=${MIRROR!.pypi}`,
        '--build-arg', `PIP_INDEX_URL_CORP=${index.url}`], tag);
    }, 900_000);

    afterAll(async () => {
      await index?.close();
    });

    test('it has its own requirement file, installed from its own build arg', () => {
      expect(body(read(dir, 'docker/bound/requirements-core-corp.txt'))).toEqual(['mlstub==1.0.0']);
      expect(body(read(dir, 'docker/bound/requirements-core.txt'))).toEqual(['tomli==2.4.1']);
      expect(read(dir, 'docker/bound/Dockerfile')).toContain(`ARG PIP_INDEX_URL_CORP=${CORP}`);
    });

    test('the image holds it from that index, a package the default index does not have', () => {
      expectBuilt(res);
      expect(indexVersions(MIRROR!.pypi, 'mlstub')).toEqual([]);
      expect(index.requests()).toContain('/simple/mlstub/ auth=none');
      expect(distributions(tag)).toMatchObject({ mlstub: '1.0.0', tomli: '2.4.1' });
      const corp = buildSteps(res.log).find((s) => s.name.includes('requirements-core-corp.txt'))!;
      expect(corp.name).toContain(`pip install --index-url "${index.url}"`);
    });
  });
});
