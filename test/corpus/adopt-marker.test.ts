/**
 * Adopting datalab-to/marker (../shared/data/realworld/adopt/marker, read in place): each fact of
 * its expected.md, named with the section that states it. The console script needs the project
 * installed; its `[build-system] requires = ["poetry-core"]` has no version, so the wheel is built
 * with the poetry-core of the Poetry release that wrote poetry.lock, and the adoption says so.
 */
import ignore from '@balena/dockerignore';
import { prose, read } from '../adopt/support';
import { adoptTree, changedFiles, planned, projectProp } from './support/adopt-tree';

jest.setTimeout(5 * 60_000);
const tree = adoptTree('marker');
const api = planned(tree, 'api')!;
const text = prose(tree.adoption.text);
const tier = (t: string) => {
  try {
    return read(tree.dir, `docker/api/requirements-${t}.txt`);
  } catch {
    return '';
  }
};

test('Services: api, a GPU inference server, adopted and synthesized', () => {
  expect(tree.expected).toContain('**`api`: GPU inference** (`GpuInference`)');
  expect(tree.adoption.plan.services.map((s) => [s.kind, s.id])).toEqual([['GpuInference', 'api']]);
});

test(
  'Services: the server bound to every interface on port 8001, health path /, a start period for the ' +
    'first download',
  () => {
    expect(tree.expected).toContain('`--host 0.0.0.0` is required: `server_cli` defaults to `127.0.0.1`');
    expect(api.props).toMatchObject({ port: 8001, healthCheckPath: '/' });
    expect(api.props.command).toEqual(expect.arrayContaining(['--port', '8001', '--host', '0.0.0.0']));
    expect(api.props.healthCheckStartPeriod).toBeGreaterThanOrEqual(300);
    expect(text).toContain('added --host 0.0.0.0 (marker/scripts/server.py binds 127.0.0.1 unless told');
  },
);

test(
  'Services: command ["marker_server", "--host", "0.0.0.0", "--port", "8001"] with installProject',
  () => {
    expect(tree.expected).toContain('`["marker_server", "--host", "0.0.0.0", "--port", "8001"]`');
    expect(tree.expected).toContain('| install | the project itself (`installProject`) |');
    expect(api.adopted).toBe(true);
    expect(api.props).toMatchObject({
      command: ['marker_server', '--port', '8001', '--host', '0.0.0.0'],
      installProject: true,
    });
    expect(read(tree.dir, 'docker/api/Dockerfile')).toContain('marker_server');
  },
);

test(
  "Dependencies: the unpinned poetry-core is reported; the wheel builds with the one of the lock's Poetry 2.1.1",
  () => {
    expect(tree.expected).toContain('user picks a `poetry-core` (the lock was written by Poetry 2.1.1)');
    expect(api.props.buildRequirements).toEqual(['poetry-core==2.1.1']);
    expect(text).toContain(
      'TODO: pyproject.toml [build-system] requires "poetry-core" without a version and build requirements '
        + 'are never locked: the wheel is built with poetry-core==2.1.1, the build backend of Poetry 2.1.1 '
        + 'that wrote poetry.lock',
    );
    expect(text).toContain('poetry.lock:1: written by Poetry 2.1.1, which builds with poetry-core 2.1.1');
  },
);

test('Dependencies: pyproject.toml with poetry.lock; torch 2.7.0 alone in the torch tier', () => {
  expect(tree.expected).toContain("`torch==2.7.0` -> `torchVersion: '2.7.0'`, torch only");
  expect(projectProp(tree, 'dependencies')).toMatchObject({ factory: 'fromPyproject' });
  expect(api.props).toMatchObject({ torchVersion: '2.7.0' });
  expect(api.props.torchPackages).toBeUndefined();
  expect(tier('torch')).toMatch(/^torch==2\.7\.0\+cu126/m);
});

test(
  'Dependencies: fastapi, uvicorn and python-multipart in core at the locked versions, with what they ' +
    'need (only the dev group has them)',
  () => {
    expect(tree.expected).toContain('`fastapi==0.115.11`, `uvicorn==0.32.1`, `python-multipart==0.0.16`');
    expect(projectProp(tree, 'dependencies')).toMatchObject({
      options: { corePackages: ['fastapi', 'python-multipart', 'uvicorn'] },
    });
    expect(text).toContain(
      'README.md:93 installs fastapi by hand before the command; poetry.lock:1161 ' + 'locks 0.115.11',
    );
    for (const pin of ['fastapi==0.115.11', 'uvicorn==0.32.1', 'python-multipart==0.0.16', 'starlette==']) {
      expect(tier('core')).toContain(pin);
    }
    expect(tier('dev')).not.toMatch(/^(fastapi|uvicorn|starlette)==/m);
  },
);

test('Dependencies: the dev group goes to the dev tier; the extra full is not installed', () => {
  expect(tree.expected).toContain('| dev | the `dev` group |');
  expect(tier('dev')).toMatch(/^jupyter==/m);
  expect(`${tier('ml')}\n${tier('core')}\n${tier('dev')}`).not.toMatch(
    /^(mammoth|openpyxl|python-pptx|ebooklib|weasyprint)==/m,
  );
});

test('Dependencies: langchain-openai, locked in main though nothing requires it, is not installed', () => {
  expect(tree.expected).toContain(
    '`langchain-openai 0.1.25` (group\n`main`), which neither ' +
      '`pyproject.toml` nor any locked package requires',
  );
  expect(`${tier('ml')}\n${tier('core')}`).not.toMatch(/^langchain-openai==/m);
});

test("Python, GPU, torch: Python 3.11 from the CI workflows; CUDA 12.6 from the lock's runtime wheel", () => {
  expect(tree.expected).toContain(
    'the CI\n  workflows (`ci.yml`, `scripts.yml`, `publish.yml`) all set ' + 'up 3.11',
  );
  expect(projectProp(tree, 'pythonVersion')).toBe('3.11');
  expect(text).toContain('// the CI workflows all set up Python 3.11');
  expect(api.props.cudaVersion).toBe('12.6');
  expect(text).toContain(
    "poetry.lock:3227: the lock pins torch's CUDA runtime nvidia-cuda-runtime-cu12 " + '12.6.77',
  );
});

test(
  'Files that must reach the image: the marker package; not data/, benchmarks/, tests/, static/, ' +
    'signatures/',
  () => {
    expect(tree.expected).toContain(
      '`marker/` (the package; wheel built from `pyproject.toml` + ' +
        '`README.md` + `marker/`), nothing else for\nthe server',
    );
    expect(api.props.sources).toEqual(['marker']);
    const matcher = ignore().add(read(tree.dir, 'docker/api/Dockerfile.dockerignore').split('\n'));
    expect(['marker/scripts/server.py', 'marker/settings.py'].filter((f) => matcher.ignores(f))).toEqual(
      [],
    );
    // the project stage builds the wheel from the files as git sees them; no runtime stage copies
    // anything of data/, benchmarks/, tests/, static/ or signatures/
    const stages = read(tree.dir, 'docker/api/Dockerfile').split(/^(?=FROM )/m);
    const runtimeCopies = stages.filter((st) => !/^FROM \S+ AS project\b/.test(st))
      .flatMap((st) => st.split('\n').filter((l) => l.startsWith('COPY ')));
    expect(runtimeCopies.filter((l) => / (data|benchmarks|tests|static|signatures)[/ ]/.test(l))).toEqual([]);
  },
);

test(
  'Files the repo already has, kept untouched; .gitignore and the nested ignore files keep their ' +
    'rules',
  () => {
    expect(tree.expected).toContain(
      'Ignore rules of `.gitignore`,\n`data/.gitignore` and ' + '`static/fonts/.gitignore` must survive',
    );
    expect(changedFiles(tree)).toEqual(['.gitignore']);
    expect(tree.status.filter((l) => !l.startsWith('?? ')).sort()).toEqual([' M .gitignore']);
  },
);
