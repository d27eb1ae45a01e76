/**
 * Adopting toverainc/willow-inference-server (../shared/data/realworld/adopt/willow-inference-server,
 * read in place): each fact of its expected.md, named with the section that states it.
 */
import { readFileSync, statSync } from 'fs';
import { join } from 'path';
import ignore from '@balena/dockerignore';
import { prose, read } from '../adopt/support';
import { adoptTree, changedFiles, ownBuildContext, planned, projectProp } from './support/adopt-tree';

jest.setTimeout(5 * 60_000);
const tree = adoptTree('willow-inference-server');
const wis = planned(tree, 'wis')!;
const text = prose(tree.adoption.text);

test('Services: wis, a GPU inference server, adopted and synthesized', () => {
  expect(tree.expected).toContain("One service is this repository's Python code: **`wis`, GPU inference**");
  expect(tree.adoption.plan.services.map((s) => [s.kind, s.id])).toEqual([['GpuInference', 'wis']]);
  expect(tree.adoption.text).toContain(
    '// a GPU server: docker-compose.yml:2 service "wis" reserves an ' + 'NVIDIA GPU; Dockerfile:1 FROM',
  );
});

test('Services: the command behind CMD ./entrypoint.sh, with its shell defaults written out', () => {
  expect(tree.expected).toContain(
    '`Dockerfile` `CMD ./entrypoint.sh` (shell form) -> `entrypoint.sh`, ' + 'with its shell defaults',
  );
  expect(wis.props.command).toEqual([
    'gunicorn',
    'main:app',
    '--worker-class',
    'uvicorn.workers.UvicornWorker',
    '--bind',
    '0.0.0.0:19000',
    '--graceful-timeout',
    '10',
    '--forwarded-allow-ips',
    '127.0.0.1',
    '--log-level',
    'debug',
    '-t',
    '0',
    '--keep-alive',
    '3600',
  ]);
  expect(text).toContain(
    '// docker-compose.yml:26 -> entrypoint.sh:7; $LOG_LEVEL written out as ' +
      '"debug"; $FORWARDED_ALLOW_IPS written out as "127.0.0.1"',
  );
});

test(
  'Services: port 19000 from --bind, health /api/ping from main.py, working directory the folder of ' +
    'main.py',
  () => {
    expect(tree.expected).toContain('| port | `19000` |');
    expect(tree.expected).toContain('| health path | `/api/ping` |');
    expect(wis.props).toMatchObject({ port: 19000, healthCheckPath: '/api/ping' });
    expect(wis.props.workdir).toBeUndefined();
    expect(text).toContain('// main.py:66 @app.get("/api/ping")');
  },
);

test(
  'Services: coqui, nginx, the media port range, env_file, ipc and bind mounts are reported, not ' +
    'adopted',
  () => {
    expect(tree.expected).toContain('Report, not adopt, the rest of `docker-compose.yml`');
    expect(text).toContain('docker-compose.yml:28 service "coqui"');
    expect(text).toContain('docker-compose.yml:51 service "nginx"');
    expect(text).toContain(
      'publishes ${LISTEN_IP}:${MEDIA_PORT_RANGE}:${MEDIA_PORT_RANGE}, which one HTTP ' +
        'port cannot carry',
    );
    for (const key of [
      'env_file: [".env"]',
      'ipc: "host"',
      'a bind mount of the host folder (./:/app)',
      'a bind mount of the host folder (./cache:/root/.cache)',
    ]) {
      expect(text).toContain(`${key} is not carried over`);
    }
  },
);

test(
  'Dependencies: torch 2.2.2 with torchvision and torchaudio from the Dockerfile; requirements.txt ' +
    'through fromRequirementsFiles',
  () => {
    expect(tree.expected).toContain(
      '`torch==2.2.2`, `torchvision==0.17.2`, `torchaudio==2.2.2` -> ' + "`torchVersion: '2.2.2'`",
    );
    expect(wis.props).toMatchObject({
      torchVersion: '2.2.2',
      torchPackages: ['torch', 'torchaudio', 'torchvision'],
    });
    expect(text).toContain(
      '// Dockerfile:23 RUN pip install torch==2.2.2 torchvision==0.17.2 ' + 'torchaudio==2.2.2',
    );
    expect(projectProp(tree, 'dependencies')).toEqual({
      factory: 'fromRequirementsFiles',
      options: { ml: ['requirements.txt'] },
    });
    // every one of the 127 pins of the freeze is in the image's tiers
    const pins = readFileSync(join(tree.dir, 'requirements.txt'), 'utf-8')
      .split('\n')
      .filter((l) => /==/.test(l));
    expect(pins).toHaveLength(127);
    const tiers = ['ml', 'core']
      .map((t) => {
        try {
          return read(tree.dir, `docker/wis/requirements-${t}.txt`);
        } catch {
          return '';
        }
      })
      .join('\n');
    expect(pins.filter((p) => !tiers.split('\n').includes(p.trim()))).toEqual([]);
  },
);

test('Dependencies: the ml/core split of the one file is reported (one file is one tier)', () => {
  expect(tree.expected).toContain(
    'the 127 pinned lines of `requirements.txt`, split between the two tiers',
  );
  expect(text).toContain(
    "requirements.txt holds both the model's packages and the serving layer: one " + 'file is one tier',
  );
});

test('Dependencies: pycuda, which compiles against the CUDA toolkit and no code imports, is reported', () => {
  expect(tree.expected).toContain(
    '`pycuda==2022.2.2` is a source distribution that compiles against the ' + 'CUDA toolkit headers',
  );
  expect(text).toContain('requirements.txt lists pycuda, which compiles against the CUDA toolkit');
  expect(text).toContain('no .py file of the repository imports it');
});

test(
  "Python, GPU, torch: Python 3.10 from the NGC base image, CUDA 12.1 from the freeze's runtime " + 'wheel',
  () => {
    expect(tree.expected).toContain(
      'Python **3.10**: `Dockerfile` `FROM nvcr.io/nvidia/tensorrt:23.08-py3`',
    );
    expect(projectProp(tree, 'pythonVersion')).toBe('3.10');
    expect(text).toContain(
      '// Dockerfile:1 FROM nvcr.io/nvidia/tensorrt:23.08-py3: NVIDIA Frameworks ' + 'Support Matrix',
    );
    expect(wis.props.cudaVersion).toBe('12.1');
    expect(read(tree.dir, 'docker/wis/requirements-torch.txt')).toContain('torch==2.2.2+cu121');
  },
);

test(
  'Models and writable paths: the folders entrypoint.sh creates before gunicorn starts, and models/ ' +
    'against the mount, are reported',
  () => {
    expect(tree.expected).toContain('`entrypoint.sh` creates it');
    expect(text).toContain(
      'TODO: entrypoint.sh:5 creates nginx/static/audio before the program starts, so ' +
        'the program writes there',
    );
    expect(text).toContain('TODO: .dockerignore leaves out models/');
  },
);

test(
  'Files that must reach the image: main.py, settings.py, wis/ with its mel filter bank; not client/, ' +
    'deps/, utils.sh, xtts/',
  () => {
    expect(tree.expected).toContain(
      '`main.py`, `settings.py`, `wis/` including `wis/assets/mel_filters.npz`',
    );
    expect(wis.props.sources).toEqual(['main.py', 'settings.py', 'wis']);
    expect(wis.props.packageData).toContain('wis/assets/mel_filters.npz');
    const matcher = ignore().add(read(tree.dir, 'docker/wis/Dockerfile.dockerignore').split('\n'));
    expect(
      ['main.py', 'settings.py', 'wis/audio.py', 'wis/assets/mel_filters.npz'].filter((f) =>
        matcher.ignores(f),
      ),
    ).toEqual([]);
    expect(
      [
        'client/infer_asr.sh',
        'deps/ubuntu.sh',
        'utils.sh',
        'xtts/main.py',
        'nginx/nginx.conf',
        'models/x.bin',
        '.env',
        'cert.pem',
      ].filter((f) => !matcher.ignores(f)),
    ).toEqual([]);
    // nginx/static/rtc and nginx/static/dict are served by StaticFiles mounts the tree's placeholder main.py
    // drops (SOURCES.md): not derivable here
  },
);

test(
  'Files the repo already has, kept untouched: its Dockerfiles, compose files, .dockerignore, scripts ' +
    '(still executable)',
  () => {
    expect(tree.expected).toContain(
      '`.dockerignore` (its own `Dockerfile` builds with context `.` and ' + 'relies on it',
    );
    expect(changedFiles(tree)).toEqual(['.gitignore']);
    for (const script of ['entrypoint.sh', 'entrypoint-coqui.sh', 'utils.sh']) {
      // eslint-disable-next-line no-bitwise
      expect(statSync(join(tree.dir, script)).mode & 0o111).not.toBe(0);
    }
    expect(tree.status.filter((l) => !l.startsWith('?? ')).sort()).toEqual([' M .gitignore']);
    const gitignore = read(tree.dir, '.gitignore').split('\n');
    for (const rule of [
      'venv',
      '__pycache__',
      'cache*',
      'acme.json',
      'models',
      '.env',
      'audio',
      '*.pem',
      'speakers',
      'custom_settings.py',
      '*.zstd',
      'work',
    ]) {
      expect(gitignore).toContain(rule);
    }
  },
);

test(
  'A generated compose.yaml would change what docker compose up runs: the stack goes to ' +
    'compose.mldocker.yaml, and says why',
  () => {
    expect(tree.expected).toContain(
      'A generated `compose.yaml` next to `docker-compose.yml` changes what ' + 'a plain',
    );
    expect(tree.adoption.plan.stack).toEqual([
      expect.objectContaining({ key: 'composeFile', value: 'compose.mldocker.yaml' }),
    ]);
    expect(text).toContain(
      "docker-compose.yml is the repository's own: a generated compose.yaml beside " +
        'it would change what a plain `docker compose up` runs',
    );
    expect(read(tree.dir, 'compose.mldocker.yaml')).toContain('wis:');
  },
);

test('its own Dockerfile keeps its build context: every file of the repository it sent before, it sends now', () => {
  expect(tree.expected).toContain('its own `Dockerfile` builds with context `.` and relies on it');
  const { before, after } = ownBuildContext(tree, 'Dockerfile');
  expect(after).toEqual(before);
  expect(before).toEqual(expect.arrayContaining(['main.py', 'requirements.txt', 'entrypoint.sh', 'wis/assets/mel_filters.npz']));
  // COPY . . now also sends projen's toolchain: said, for the user to add to their own .dockerignore
  expect(text).toContain('- Dockerfile copies the whole folder (COPY . ...): its build context now also holds node_modules/');
});
