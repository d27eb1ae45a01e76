/**
 * Adopting facebookresearch/sam2 (../shared/data/realworld/adopt/sam2, read in place): each fact
 * of its expected.md, named with the section that states it. Its backend's dependencies stand
 * only in setup.py's Python lists: `install_requires` and the extra its Dockerfile installs,
 * read as literals (Dependencies.fromSetupPy).
 */
import { existsSync } from 'fs';
import { join } from 'path';
import { prose, read } from '../adopt/support';
import { adoptTree, changedFiles, ownBuildContext, planned, projectProp } from './support/adopt-tree';

jest.setTimeout(5 * 60_000);
const tree = adoptTree('sam2');
const backend = planned(tree, 'backend')!;
const text = prose(tree.adoption.text);

test('Services: backend, a GPU inference server, from docker-compose.yaml and backend.Dockerfile', () => {
  expect(tree.expected).toContain('### `backend`: GPU inference (`GpuInference`)');
  expect(backend.kind).toBe('GpuInference');
  expect(text).toContain(
    'a GPU server: docker-compose.yaml:10 service "backend" reserves an NVIDIA GPU; ' +
      'backend.Dockerfile:4 FROM pytorch/pytorch:2.5.1-cuda12.1-cudnn9-runtime',
  );
});

test("Services: the backend is adopted and synthesizes, from setup.py's literal lists", () => {
  expect(backend.adopted).toBe(true);
  expect(existsSync(join(tree.dir, 'docker/backend/Dockerfile'))).toBe(true);
});

test("Dependencies: setup.py's install_requires and the interactive-demo extra, in tiers as written", () => {
  expect(tree.expected).toContain('`EXTRA_PACKAGES["interactive-demo"]`');
  expect(projectProp(tree, 'dependencies')).toEqual({
    factory: 'fromSetupPy',
    options: {
      extras: ['interactive-demo'],
      mlPackages: [
        'av', 'eva-decord', 'hydra-core', 'imagesize', 'iopath', 'numpy', 'pillow', 'pycocotools', 'tqdm',
      ],
    },
  });
  expect(text).toContain(
    'setup.py:25 install_requires and extras_require["interactive-demo"] (backend.Dockerfile:32 installs it)',
  );
  const tier = (t: string) => read(tree.dir, `docker/backend/requirements-${t}.txt`).split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'));
  expect(tier('ml')).toEqual(['av>=13.0.0', 'eva-decord>=0.6.1', 'hydra-core>=1.3.2', 'imagesize>=1.4.1',
    'iopath>=0.1.10', 'numpy>=1.24.4', 'pillow>=9.4.0', 'pycocotools>=2.0.8', 'tqdm>=4.66.1']);
  expect(tier('core')).toEqual([
    'dataclasses-json>=0.6.7', 'Flask>=3.0.3', 'Flask-Cors>=5.0.0', 'gunicorn>=23.0.0', 'strawberry-graphql>=0.243.0',
  ]);
});

test('Dependencies: every line a lower bound, reported; nothing invented', () => {
  expect(tree.expected).toContain('an adoption must not invent them');
  expect(text).toContain('setup.py gives 16 of the requirements installed as ranges, not pins');
  expect(text).not.toContain('no declared requirement provides');
});

test('Services: the gunicorn command of backend.Dockerfile with its GUNICORN_* variables written out', () => {
  expect(tree.expected).toContain(
    '`backend.Dockerfile` shell-form `CMD gunicorn ...` with its ' +
      '`GUNICORN_WORKERS=1`, `GUNICORN_THREADS=2`, `GUNICORN_PORT=5000` written out',
  );
  expect(backend.props.command).toEqual([
    'gunicorn',
    '--worker-tmp-dir',
    '/dev/shm',
    '--worker-class',
    'gthread',
    'app:app',
    '--log-level',
    'info',
    '--access-logfile',
    '/dev/stdout',
    '--log-file',
    '/dev/stderr',
    '--workers',
    '1',
    '--threads',
    '2',
    '--bind',
    '0.0.0.0:5000',
    '--timeout',
    '60',
  ]);
});

test('Services: working directory the server folder, port 5000 on host port 7263, health /healthy', () => {
  expect(tree.expected).toContain('| working directory | the server folder (`demo/backend/server`) |');
  expect(backend.props).toMatchObject({
    workdir: '/app/demo/backend/server',
    port: 5000,
    hostPort: 7263,
    healthCheckPath: '/healthy',
  });
  expect(tree.adoption.text).toContain(
    '// backend.Dockerfile:42 COPY demo/backend/server ' +
      '/opt/sam2/server and backend.Dockerfile:53 WORKDIR',
  );
});

test(
  'Services: the environment of compose and the Dockerfile, none a secret; APP_ROOT of the ' +
    "repository's own image reported",
  () => {
    expect(tree.expected).toContain('| environment | `API_URL=http://localhost:7263`');
    expect(backend.props.environment).toEqual({
      MODEL_SIZE: 'base_plus',
      SERVER_ENVIRONMENT: 'DEV',
      API_URL: 'http://localhost:7263',
      DEFAULT_VIDEO_PATH: 'gallery/05_default_juggle.mp4',
      FFMPEG_NUM_THREADS: '1',
      VIDEO_ENCODE_CODEC: 'libx264',
      VIDEO_ENCODE_CRF: '23',
      VIDEO_ENCODE_FPS: '24',
      VIDEO_ENCODE_MAX_WIDTH: '1280',
      VIDEO_ENCODE_MAX_HEIGHT: '720',
      VIDEO_ENCODE_VERBOSE: 'False',
    });
    expect(backend.todos.join('\n')).toContain(
      'backend.Dockerfile:12: APP_ROOT=/opt/sam2 names a folder ' + "of the repository's own image layout",
    );
  },
);

test('Services: ffmpeg at run time; the build packages of the Dockerfile reported, not installed', () => {
  expect(tree.expected).toContain('| aptPackages | `ffmpeg` |');
  expect(backend.props.aptPackages).toEqual(['ffmpeg']);
  expect(backend.todos.join('\n')).toContain(
    'also installs libavutil-dev, libavcodec-dev, ' +
      'libavformat-dev, libswscale-dev, pkg-config, build-essential, libffi-dev',
  );
});

test(
  "Python, GPU, torch: Python 3.11, torch 2.5.1 with torchvision and CUDA 12.1 from the backend's " +
    'base image',
  () => {
    expect(tree.expected).toContain("Python **3.11**, from the backend's base image");
    expect(projectProp(tree, 'pythonVersion')).toBe('3.11');
    expect(backend.props).toMatchObject({
      torchVersion: '2.5.1',
      torchPackages: ['torch', 'torchvision'],
      cudaVersion: '12.1',
    });
  },
);

test('Models and data: the writable data folder compose mounts is reported', () => {
  expect(tree.expected).toContain('compose mounts\n  `./demo/data/` read-write');
  expect(backend.todos.join('\n')).toContain(
    'a bind mount of the host folder (./demo/data/:/data/:rw) ' + 'is not carried over',
  );
});

test('Files that must reach the image: the server folder and the sam2 package, importable from it', () => {
  expect(tree.expected).toContain(
    '`demo/backend/server/` (`app.py`, `app_conf.py`, and its code ' + 'packages `data/` and `inference/`',
  );
  expect(backend.props.sources).toEqual(['demo/backend/server', 'sam2']);
});

test('frontend: not adopted, kept, and said so; the root .dockerignore collision reported', () => {
  expect(tree.expected).toContain('### `frontend`: not adopted, kept');
  expect(text).toContain(
    'docker-compose.yaml:2 service "frontend": built from ' +
      'demo/frontend/frontend.Dockerfile (FROM nginx:latest), not a Python service; kept as it is, and ' +
      'the generated stack does not run it',
  );
  expect(text).toContain(
    "backend.Dockerfile builds with the repository's root as context and no " +
      '.dockerignore: no root .dockerignore is generated',
  );
  expect(existsSync(join(tree.dir, '.dockerignore'))).toBe(false);
});

test(
  'Files the repo already has, kept untouched, symlinks and executables included; .gitignore and ' +
    'demo/.gitignore keep their rules',
  () => {
    expect(tree.expected).toContain('Ignore rules of `.gitignore` and\n`demo/.gitignore` must survive');
    expect(changedFiles(tree)).toEqual(['.gitignore']);
    expect(tree.status.filter((l) => !l.startsWith('?? ')).sort()).toEqual([' M .gitignore']);
    for (const rule of ['checkpoints/*.pt', 'demo/backend/checkpoints/*.pt', '_C.*', 'outputs/*']) {
      expect(read(tree.dir, '.gitignore').split('\n')).toContain(rule);
    }
  },
);

test('backend.Dockerfile keeps its build context (no root .dockerignore appears): setup.py, README.md, the server, sam2', () => {
  expect(tree.expected).toContain('so a generated root `.dockerignore` would start filtering the repo\'s own backend');
  const { before, after } = ownBuildContext(tree, 'backend.Dockerfile');
  expect(after).toEqual(before);
  expect(after).toEqual(expect.arrayContaining(['setup.py', 'README.md', 'demo/backend/server/app.py', 'sam2/__init__.py']));
});
