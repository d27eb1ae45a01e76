/**
 * Dependency files wired into services, on our own fixtures: what a synthesized service writes
 * into its tier files and Dockerfile. (The real locks of the shared corpus:
 * test/corpus/deps-wiring.test.ts.)
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { validate } from 'dockerfile-utils';
import { LogLevel } from 'projen';
import { PYPROJECT, uvLock } from './lock-fixtures';
import { copyOf, projectWith } from './support';
import { Dependencies, GpuTrainer, MlDockerValidationError, PythonService, RequirementTier } from '../../src';
import { checkDockerfile } from '../support/dockerfile-rules';
import { synthIn, tree } from '../util';

const FIXTURES = join(__dirname, 'fixtures');
const CMD = ['python', '-m', 'api.main'];
/** The exact Python of the services (the 3.11 release the image data pins). */
const PY = '3.11.16';
const text = (root: string, file: string) => readFileSync(join(root, file), 'utf-8');

/** (name, version, hash) of a generated tier file, read back line by line. */
function generatedTriples(content: string): string[] {
  const out: string[] = [];
  const logical = content.replace(/\\\n/g, ' ').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  for (const line of logical) {
    const m = /^([A-Za-z0-9._-]+)==(\S+)((?:\s+--hash=sha256:[0-9a-f]{64})+)\s*$/.exec(line);
    if (!m) throw new Error(`not a hash-pinned line: ${line}`);
    const name = m[1].replace(/[-_.]+/g, '-').toLowerCase();
    for (const h of m[3].match(/[0-9a-f]{64}/g)!) out.push(`${name} ${m[2]} ${h}`);
  }
  return out;
}

const tierFile = (id: string, tier: string) => `docker/${id}/requirements-${tier}.txt`;

function tiersOf(root: string, id = 'api'): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const tier of ['ml', 'core', 'dev']) {
    try {
      out[tier] = generatedTriples(text(root, tierFile(id, tier)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return out;
}

const namesOf = (triples: string[]) => new Set(triples.map((t) => t.split(' ')[0]));

function service(deps: Dependencies, extra: Record<string, unknown> = {}) {
  return (p: any) => new PythonService(p, 'api', { command: CMD, port: 8000, pythonVersion: PY, dependencies: deps, ...extra });
}

test('requirement files: a new -r include with new packages changes the tier file (and the docs listing the files), never the Dockerfile', () => {
  const root = copyOf(join(FIXTURES, 'requirements-plain'));
  const build = service(Dependencies.fromRequirementsFiles({ ml: ['requirements/ml.txt'], core: ['requirements.txt'] }));
  synthIn(root, {}, build);
  const before = tree(root);
  writeFileSync(join(root, 'requirements', 'extra.txt'), 'rich==13.9.4\n');
  writeFileSync(join(root, 'requirements.txt'), `${text(root, 'requirements.txt')}-r requirements/extra.txt\n`);
  synthIn(root, {}, build);
  const after = tree(root);
  const changed = Object.keys(after).filter((f) => before[f] !== after[f] && !f.startsWith('node_modules/')).sort();
  expect(changed).toEqual(['docker/api/requirements-core.txt', 'docs/containers.md', 'requirements.txt', 'requirements/extra.txt']);
  expect(text(root, tierFile('api', 'core'))).toContain('\nrich==13.9.4\n');
});

describe('our own fixtures', () => {
  test('pylock.toml: hash-pinned tiers, the dev group in the dev tier', () => {
    const root = copyOf(join(FIXTURES, 'pylock'));
    synthIn(root, {}, service(Dependencies.fromPyproject({ devGroups: ['dev'] })));
    const tiers = tiersOf(root);
    expect(namesOf(tiers.core)).toEqual(new Set(['attrs', 'cattrs', 'numpy']));
    expect([...namesOf(tiers.dev)]).toContain('pytest');
    // only the linux wheel of numpy, not the windows one
    expect(text(root, tierFile('api', 'core'))).not.toContain('4419771033b150aada7571d2097db3ac38a31a9356343420b42093ed15b8a8e2');
  });

  test('requirement files with ranges: installed as declared, each unpinned line one warning at synth and listed in docs', () => {
    const root = copyOf(join(FIXTURES, 'requirements-plain'));
    const errors: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => { errors.push(args.join(' ')); });
    try {
      // projen's logger is off in tests unless a level is given
      synthIn(root, { logging: { level: LogLevel.WARN } }, service(Dependencies.fromRequirementsFiles({ ml: ['requirements/ml.txt'], core: ['requirements.txt'], dev: ['requirements/dev.txt'] })));
    } finally {
      spy.mockRestore();
    }
    const core = text(root, tierFile('api', 'core'));
    expect(core).toContain('fastapi>=0.110,<1.0\n');
    expect(core).not.toContain('pywin32');
    expect(text(root, tierFile('api', 'ml'))).not.toContain('tomli');
    expect(text(root, 'docker/api/constraints.txt')).toContain('urllib3<3');
    const dockerfile = text(root, 'docker/api/Dockerfile');
    expect(dockerfile).toContain('-c /tmp/requirements/constraints.txt -r /tmp/requirements/requirements-ml.txt');
    expect(dockerfile).not.toContain('--require-hashes');
    expect(validate(dockerfile)).toEqual([]);
    expect(checkDockerfile(dockerfile)).toEqual([]);
    expect(text(root, 'docker/api/Dockerfile.dockerignore')).toContain('!docker/api/constraints.txt');
    const unpinned = errors.filter((l) => l.includes('is not pinned'));
    expect(unpinned.some((l) => l.includes('requirements.txt:5: "fastapi>=0.110,<1.0"'))).toBe(true);
    expect(unpinned.some((l) => l.includes('requirements/common.txt:2: "requests"'))).toBe(true);
    // once per line
    expect(new Set(unpinned).size).toBe(unpinned.length);
    const docs = text(root, 'docs/containers.md');
    expect(docs).toContain('### Unpinned requirements');
    expect(docs).toContain('requirements.txt:5: "fastapi>=0.110,<1.0"');
    expect(docs).toContain('| `api` | `requirements.txt`, `requirements/common.txt`');
  });

  test('strictPins (project option) turns each unpinned line into an error, nothing written', () => {
    const root = copyOf(join(FIXTURES, 'requirements-plain'));
    const before = tree(root);
    let error: unknown;
    try {
      synthIn(root, { strictPins: true }, service(Dependencies.fromRequirementsFiles({ core: ['requirements.txt'] })));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MlDockerValidationError);
    expect((error as MlDockerValidationError).problems.join('\n')).toContain('[vision/api] requirements.txt:5 is not pinned to one version: got "fastapi>=0.110,<1.0"');
    expect(tree(root)).toEqual(before);
  });
});

describe('project-level dependencies and typed lists', () => {
  test('services inherit the project default unless they set their own', () => {
    const root = projectWith({
      'pyproject.toml': PYPROJECT,
      'uv.lock': uvLock([{ name: 'fastapi', version: '0.115.6' }, { name: 'numpy', version: '2.1.3' }, { name: 'pytest', version: '8.3.4' }]),
      'other.txt': 'rich==13.9.4\n',
    });
    synthIn(root, { dependencies: Dependencies.fromPyproject() }, (p) => {
      new PythonService(p, 'api', { command: CMD, pythonVersion: PY });
      new PythonService(p, 'tools', { command: ['python', '-m', 'tools.main'], dependencies: Dependencies.fromRequirementsFiles({ core: ['other.txt'] }) });
    });
    expect(text(root, tierFile('api', 'core'))).toContain('fastapi==0.115.6 \\');
    expect(text(root, tierFile('tools', 'core'))).toContain('\nrich==13.9.4\n');
    expect(text(root, tierFile('tools', 'core'))).not.toContain('fastapi');
  });

  test('typed requirements merge into unlocked tiers; the same pin in both is installed once', () => {
    const root = copyOf(join(FIXTURES, 'requirements-plain'));
    synthIn(root, {}, service(Dependencies.fromRequirementsFiles({ ml: ['requirements/ml.txt'] }), {
      requirements: { ml: ['scikit-learn==1.5.2'], core: ['orjson==3.10.7'] },
    }));
    const ml = text(root, tierFile('api', 'ml'));
    expect(ml.match(/scikit-learn==1\.5\.2/g)).toHaveLength(1);
    expect(text(root, tierFile('api', 'core'))).toContain('\norjson==3.10.7\n');
  });

  test('a typed pin the lock does not hold is refused (it could not be hash-checked)', () => {
    const root = projectWith({
      'pyproject.toml': PYPROJECT,
      'uv.lock': uvLock([{ name: 'fastapi', version: '0.115.6' }, { name: 'numpy', version: '2.1.3' }, { name: 'pytest', version: '8.3.4' }]),
    });
    expect(() => synthIn(root, {}, service(Dependencies.fromPyproject(), { requirements: { core: ['orjson==3.10.7', 'fastapi==0.115.6'] } })))
      .toThrow(/requirements\.core\[1\] is not in the lock uv\.lock: got "orjson==3\.10\.7"/);
  });

  test('addRequirement after the first synth-time read still merges (the merge is redone)', () => {
    const root = copyOf(join(FIXTURES, 'requirements-plain'));
    synthIn(root, {}, (p) => {
      const api = service(Dependencies.fromRequirementsFiles({ ml: ['requirements/ml.txt'] }))(p) as PythonService;
      expect(api.installedTiers).toEqual(['ml']);
      api.addRequirement(RequirementTier.CORE, 'orjson==3.10.7');
      expect(api.installedTiers).toEqual(['ml', 'core']);
    });
    expect(text(root, tierFile('api', 'core'))).toContain('orjson==3.10.7');
  });
});

describe('torch in the files', () => {
  const lockWith = (torchLine: string) => ({
    'requirements.txt': `${torchLine} \\\n    --hash=sha256:${'a'.repeat(64)}\nnumpy==2.1.3 \\\n    --hash=sha256:${'b'.repeat(64)}\n`,
  });
  const trainer = (extra: Record<string, unknown> = {}) => (p: any) => new GpuTrainer(p, 'trainer', {
    command: ['python', '-m', 'trainer.train'],
    torchVersion: '2.5.1',
    cudaVersion: '12.4',
    dependencies: Dependencies.fromRequirementsFiles({ ml: ['requirements.txt'] }),
    ...extra,
  });
  const projectOf = (files: Record<string, string>) => {
    const root = copyOf(join(FIXTURES, 'pylock'));
    for (const [f, c] of Object.entries(files)) writeFileSync(join(root, f), c);
    return root;
  };

  test('a matching torch pin is installed from the PyTorch index, not from the tier file', () => {
    const root = projectOf(lockWith('torch==2.5.1+cu124'));
    synthIn(root, {}, trainer());
    expect(text(root, tierFile('trainer', 'ml'))).not.toContain('torch');
    expect(text(root, tierFile('trainer', 'ml'))).toContain('numpy==2.1.3 \\');
    expect(text(root, tierFile('trainer', 'torch'))).toContain('torch==2.5.1+cu124');
  });

  test.each([
    ['torch==2.4.1+cu124', /pins torch 2\.4\.1\+cu124, but the service installs torch 2\.5\.1\+cu124 \(torchVersion 2\.5\.1\)/],
    ['torch==2.5.1+cu121', /pins torch 2\.5\.1\+cu121 \(cuda 12\.1 wheels\), but the service installs 2\.5\.1\+cu124 \(cuda 12\.4 wheels\)/],
    ['torch==2.5.1+cpu', /pins torch 2\.5\.1\+cpu \(cpu wheels\), but the service installs 2\.5\.1\+cu124 \(cuda 12\.4 wheels\)/],
  ])('%s against torchVersion 2.5.1 with cudaVersion 12.4 is an error naming both', (line, message) => {
    const root = projectOf(lockWith(line));
    expect(() => synthIn(root, {}, trainer())).toThrow(message);
  });
});

describe('the entry check knows what dependency files declare', () => {
  function project(requirements: string): string {
    const root = mkdtempSync(join(tmpdir(), 'deps-entry-'));
    mkdirSync(join(root, 'app'));
    writeFileSync(join(root, 'app', '__init__.py'), '');
    writeFileSync(join(root, 'app', 'main.py'), 'from fastapi import FastAPI\napp = FastAPI()\n');
    writeFileSync(join(root, 'requirements.txt'), requirements);
    return root;
  }
  const uvicorn = (p: any) => new PythonService(p, 'api', {
    command: ['uvicorn', 'app.main:app', '--host', '0.0.0.0', '--port', '8000'],
    port: 8000,
    pythonVersion: PY,
    sources: ['app'],
    dependencies: Dependencies.fromRequirementsFiles({ core: ['requirements.txt'] }),
  });

  test('a launcher that only a requirements file declares resolves', () => {
    const root = project('fastapi==0.115.6\nuvicorn==0.32.1\n');
    synthIn(root, {}, uvicorn);
    expect(text(root, 'docker/api/Dockerfile')).toContain('CMD ["uvicorn", "app.main:app"');
  });

  test('without it in the file, the same command is refused, naming the launcher', () => {
    const root = project('fastapi==0.115.6\n');
    const before = tree(root);
    expect(() => synthIn(root, {}, uvicorn)).toThrow(MlDockerValidationError);
    expect(() => synthIn(root, {}, uvicorn)).toThrow(/\[vision\/api\] command: the launcher "uvicorn" comes from "uvicorn", which no declared requirement provides/);
    expect(tree(root)).toEqual(before);
  });
});
