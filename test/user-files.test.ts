/**
 * Nothing of a repository is lost when projen-ml-docker synthesizes in it: its `.gitignore` and
 * `.gitattributes` keep every line in place (ours go in one marked block), a file of the
 * user's at a path the definition generates is never replaced or deleted (the synth fails
 * first, naming the way out), and its own `.dockerignore` and Dockerfiles keep working.
 */
import { execFileSync, spawnSync } from 'child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import {
  ComposeStack,
  KubernetesManifests,
  MlDockerProject,
  MlDockerValidationError,
  PythonService,
} from '../src';
import { synthIn, tree, validationError } from './util';
import { BLOCK_BEGIN, BLOCK_END } from '../src/project/user-lines';

const API = { command: ['python', '-m', 'api.main'], port: 8000 };

function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mld-userfiles-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@localhost', ...args], {
    encoding: 'utf-8',
  });
}

const read = (dir: string, path: string) => readFileSync(join(dir, path), 'utf-8');

/** projen's blocks of a file, each from its first line to its last (line break included). */
function blocks(text: string): string[] {
  const out: string[] = [];
  for (let at = text.indexOf(BLOCK_BEGIN); at >= 0; at = text.indexOf(BLOCK_BEGIN, at + 1)) {
    const end = text.indexOf(BLOCK_END, at);
    out.push(text.slice(at, text.indexOf('\n', end) + 1));
  }
  return out;
}
const api = (p: MlDockerProject) => new PythonService(p, 'api', API);

/** A `.gitignore` as a real repository has one: comments, blank lines, a negation, no final newline. */
const USER_GITIGNORE = [
  '# ours',
  'report.md',
  'eval_bundle/',
  'wandb/',
  '',
  '*.log',
  '!keep.log',
  'weights/',
].join('\n');

describe('.gitignore keeps every line the repository has', () => {
  test('each line stays in place, between our rules (before) and our generated files (after)', () => {
    const dir = repo({ '.gitignore': USER_GITIGNORE });
    synthIn(dir, {}, api);
    const text = read(dir, '.gitignore');
    const [head, tail] = blocks(text);
    expect(text).toBe(`${head}${USER_GITIGNORE}\n${tail}`);
    expect(head).toContain('\n*.safetensors\n');
    expect(head).toContain('\nnode_modules/\n');
    expect(head).not.toMatch(/^!/m);
    expect(tail).toContain('\n!/docs/containers.md\n');
    expect(
      tail
        .split('\n')
        .slice(1, -2)
        .every((l) => l.startsWith('!')),
    ).toBe(true);
  });

  test("git still reads the repository's rules, and sees every generated file", () => {
    const dir = repo({ '.gitignore': USER_GITIGNORE, 'api/main.py': '', 'api/__init__.py': '' });
    git(dir, 'init', '-q');
    synthIn(dir, {}, api);
    for (const ignored of [
      'report.md',
      'eval_bundle/x.json',
      'wandb/run-1/files',
      'train.log',
      'weights/model.pt',
    ]) {
      expect(spawnSync('git', ['-C', dir, 'check-ignore', '-q', ignored]).status).toBe(0);
    }
    // the user's negation still lets its file in; our block has no rule on it
    expect(spawnSync('git', ['-C', dir, 'check-ignore', '-q', 'keep.log']).status).toBe(1);
    const untracked = git(dir, 'ls-files', '--others', '--exclude-standard').split('\n');
    for (const generated of [
      'docker/api/Dockerfile',
      'docs/containers.md',
      '.projen/files.json',
      '.gitattributes',
    ]) {
      expect(untracked).toContain(generated);
    }
  });

  test('a re-synth writes the same bytes; lines added before, between or after the blocks stay there', () => {
    const dir = repo({ '.gitignore': USER_GITIGNORE });
    synthIn(dir, {}, api);
    const first = read(dir, '.gitignore');
    synthIn(dir, {}, api);
    expect(read(dir, '.gitignore')).toBe(first);
    const [head, tail] = blocks(first);
    const edited = `top.txt\n${head}${USER_GITIGNORE}\nmiddle.txt\n${tail}bottom.txt\n`;
    writeFileSync(join(dir, '.gitignore'), edited);
    synthIn(dir, {}, api);
    expect(read(dir, '.gitignore')).toBe(edited);
  });

  test('our lines follow the definition: a removed construct takes its lines out of the block', () => {
    const dir = repo({ '.gitignore': USER_GITIGNORE });
    synthIn(dir, {}, (p) => {
      api(p);
      new KubernetesManifests(p, 'k8s');
    });
    expect(read(dir, '.gitignore')).toContain('\n/k8s/base/secrets/\n');
    synthIn(dir, {}, api);
    const text = read(dir, '.gitignore');
    expect(text).not.toContain('k8s');
    const [head, tail] = blocks(text);
    expect(text).toBe(`${head}${USER_GITIGNORE}\n${tail}`);
  });

  test('windows line endings stay windows line endings, ours included', () => {
    const crlf = 'dist/\r\n*.egg-info/\r\n';
    const dir = repo({ '.gitignore': crlf });
    synthIn(dir, {}, api);
    const text = read(dir, '.gitignore');
    const [head, tail] = blocks(text);
    expect(text).toBe(`${head}${crlf}${tail}`);
    expect(text.replace(/\r\n/g, '')).not.toContain('\n');
  });

  test("the file is the user's to edit: writable, not marked as generated for diffs", () => {
    const dir = repo({ '.gitignore': USER_GITIGNORE });
    synthIn(dir, {}, api);
    // eslint-disable-next-line no-bitwise
    expect(statSync(join(dir, '.gitignore')).mode & 0o200).toBe(0o200);
    expect(read(dir, '.gitattributes')).not.toMatch(/^\/\.gitignore /m);
  });

  test('a .gitignore written wholly by an earlier projen becomes the block alone', () => {
    const dir = repo({});
    synthIn(dir, {}, api);
    const block = read(dir, '.gitignore');
    chmodSync(join(dir, '.gitignore'), 0o644);
    writeFileSync(
      join(dir, '.gitignore'),
      '# ~~ Generated by projen. To modify, edit .projenrc.ts and ' +
        'run "npx projen".\nnode_modules/\nold-pattern\n',
    );
    synthIn(dir, {}, api);
    expect(read(dir, '.gitignore')).toBe(block);
  });

  test('a block whose end line was deleted is refused before anything is written', () => {
    const dir = repo({ '.gitignore': USER_GITIGNORE });
    synthIn(dir, {}, api);
    const text = read(dir, '.gitignore');
    writeFileSync(join(dir, '.gitignore'), `${text.slice(0, text.lastIndexOf(BLOCK_END))}mine-after\n`);
    const before = tree(dir);
    const error = validationError(() =>
      synthIn(dir, {}, (p) => {
        api(p);
        new PythonService(p, 'worker', { command: ['python', '-m', 'worker.main'] });
      }),
    );
    expect(error.message).toContain(
      '[vision] the file .gitignore has the first line of a block projen ' + 'writes but not its last line',
    );
    expect(error.message).toContain(`expected the line "${BLOCK_END}" after projen's lines`);
    expect(tree(dir)).toEqual(before);
  });
});

describe('.gitattributes keeps every line the repository has', () => {
  test('LFS and linguist lines stay; ours go in the block', () => {
    const user = '*.ipynb linguist-documentation\nweights/** filter=lfs diff=lfs merge=lfs -text\n';
    const dir = repo({ '.gitattributes': user });
    synthIn(dir, {}, api);
    const text = read(dir, '.gitattributes');
    expect(text.startsWith(`${user}${BLOCK_BEGIN}`)).toBe(true);
    expect(text).toContain('\n/docker/api/Dockerfile linguist-generated\n');
    expect(text).not.toMatch(/^\/\.gitattributes /m);
    synthIn(dir, {}, api);
    expect(read(dir, '.gitattributes')).toBe(text);
  });
});

describe("a file of the user's at a generated path is never replaced or deleted", () => {
  test(
    'a hand-written docker/worker/Dockerfile: the synth refuses before writing, naming both ways ' + 'out',
    () => {
      const dir = repo({ 'docker/worker/Dockerfile': 'FROM python:3.11-slim\nCOPY . /app\n' });
      const before = tree(dir);
      const error = validationError(() =>
        synthIn(dir, {}, (p) => {
          new PythonService(p, 'worker', { command: ['python', '-m', 'worker.main'] });
        }),
      );
      expect(error.problems).toEqual([
        '[vision/worker] a file of yours (it has no projen marker) is where the definition writes a file ' +
          '(never over yours): got "docker/worker/Dockerfile"; expected yours moved away first (git mv ' +
          'docker/worker/Dockerfile <another path>), or another id for the service (its files go to ' +
          'docker/<id>/; now "worker")',
      ]);
      expect(tree(dir)).toEqual(before);
    },
  );

  test('a compose.yaml of the repository: refused, and composeFile puts ours beside it', () => {
    const own = 'services:\n  web:\n    image: nginx:1.27\n';
    const dir = repo({ 'compose.yaml': own });
    const error = validationError(() =>
      synthIn(dir, {}, (p) => {
        api(p);
        new ComposeStack(p, 'stack');
      }),
    );
    expect(error.message).toContain(
      '[vision/stack] a file of yours (it has no projen marker) is where ' +
        'the definition writes a file (never over yours): got "compose.yaml"',
    );
    expect(error.message).toContain(
      'or composeFile set to another name on the ComposeStack (e.g. ' +
        'composeFile: "compose.mldocker.yaml"',
    );
    synthIn(dir, {}, (p) => {
      api(p);
      new ComposeStack(p, 'stack', { composeFile: 'compose.mldocker.yaml' });
    });
    expect(read(dir, 'compose.yaml')).toBe(own);
    expect(read(dir, 'compose.mldocker.yaml')).toContain('~~ Generated by projen');
    const tasks = JSON.parse(read(dir, '.projen/tasks.json')).tasks;
    expect(tasks['docker:down'].steps).toEqual([{ exec: 'docker compose -f compose.mldocker.yaml down' }]);
    expect(tasks['docker:config'].steps).toEqual([
      {
        exec: 'docker compose -f compose.mldocker.yaml ' + 'config -q',
      },
    ]);
    expect(read(dir, 'docker/up.sh')).toContain('docker compose -f compose.mldocker.yaml "$@"');
    expect(read(dir, 'docker/build.sh')).toContain('docker compose -f compose.mldocker.yaml --profile');
  });

  test("a team's own k8s/kustomization.yaml: refused, and directory puts the manifests elsewhere", () => {
    const own = 'resources:\n  - ingress.yaml\n';
    const dir = repo({ 'k8s/kustomization.yaml': own, 'k8s/ingress.yaml': 'kind: Ingress\n' });
    const error = validationError(() =>
      synthIn(dir, {}, (p) => {
        api(p);
        new KubernetesManifests(p, 'k8s');
      }),
    );
    expect(error.message).toContain(
      '[vision/k8s] a file of yours (it has no projen marker) is where the ' +
        'definition writes a file (never over yours): got "k8s/kustomization.yaml"',
    );
    expect(error.message).toContain(
      'or directory set to another folder on the KubernetesManifests (e.g. ' +
        'directory: "deploy/mldocker"; now "k8s")',
    );
    synthIn(dir, {}, (p) => {
      api(p);
      new KubernetesManifests(p, 'k8s', { directory: 'deploy/k8s' });
    });
    expect(read(dir, 'k8s/kustomization.yaml')).toBe(own);
    expect(existsSync(join(dir, 'deploy/k8s/base/api.yaml'))).toBe(true);
    expect(read(dir, 'deploy/k8s/ensure-secrets.sh')).toContain('cd "$(dirname "$0")/../.."');
    const tasks = JSON.parse(read(dir, '.projen/tasks.json')).tasks;
    expect(tasks['k8s:render'].steps).toContainEqual({ exec: 'kubectl kustomize deploy/k8s/' });
    expect(read(dir, '.gitignore')).toContain('\n/deploy/k8s/base/secrets/\n');
  });

  test('docs/containers.md of the repository: refused, and containersDoc puts ours elsewhere', () => {
    const dir = repo({ 'docs/containers.md': '# How we run containers\n' });
    const error = validationError(() => synthIn(dir, {}, api));
    expect(error.message).toContain(
      '[vision] a file of yours (it has no projen marker) is where the ' +
        'definition writes a file (never over yours): got "docs/containers.md"',
    );
    expect(error.message).toContain('or containersDoc set to another path on the project');
    synthIn(dir, { containersDoc: 'docs/mldocker.md' }, api);
    expect(read(dir, 'docs/containers.md')).toBe('# How we run containers\n');
    expect(read(dir, 'docs/mldocker.md')).toContain('~~ Generated by projen');
  });

  test("a package.json of the repository is refused; the one projen new's npm install made is not", () => {
    const dir = repo({ 'package.json': '{\n  "name": "frontend",\n  "scripts": { "dev": "vite" }\n}\n' });
    expect(validationError(() => synthIn(dir, {}, api)).message).toContain(
      '[vision] a file of yours (it ' +
        'has no projen marker) is where the definition writes a file (never over yours): got "package.json"',
    );
    const fresh = repo({
      'package.json': '{\n  "devDependencies": {\n    "projen": "^0.103.25"\n  }\n}\n',
    });
    expect(() => synthIn(fresh, {}, api)).not.toThrow();
    expect(read(fresh, 'package.json')).toContain('~~ Generated by projen');
  });

  test('a folder where a generated file goes is refused', () => {
    const dir = repo({ 'docker/build.sh/readme.txt': 'x\n' });
    expect(validationError(() => synthIn(dir, {}, api)).message).toContain(
      '[vision] a folder of yours is where the definition writes a file (never over yours): ' +
        'got "docker/build.sh"',
    );
  });

  test("a generated file the user replaced, then the construct removed: projen's cleanup keeps it", () => {
    const dir = repo({});
    synthIn(dir, {}, (p) => {
      api(p);
      new PythonService(p, 'worker', { command: ['python', '-m', 'worker.main'] });
    });
    const file = join(dir, 'docker/worker/Dockerfile');
    chmodSync(file, 0o644);
    writeFileSync(file, 'FROM python:3.11-slim\n');
    synthIn(dir, {}, api);
    expect(read(dir, 'docker/worker/Dockerfile')).toBe('FROM python:3.11-slim\n');
    expect(JSON.parse(read(dir, '.projen/files.json')).files).not.toContain('docker/worker/Dockerfile');
    // generated files of the removed service are gone
    expect(existsSync(join(dir, 'docker/worker/Dockerfile.dockerignore'))).toBe(false);
  });
});

describe("the repository's own docker files keep working", () => {
  test('its .dockerignore is kept byte for byte; ours are per Dockerfile', () => {
    const own = '.git\n/weights/\n';
    const dir = repo({ '.dockerignore': own });
    synthIn(dir, {}, api);
    synthIn(dir, {}, api);
    expect(read(dir, '.dockerignore')).toBe(own);
    expect(read(dir, 'docker/api/Dockerfile.dockerignore')).toContain(
      '\n*\n!docker/runtime/mldocker_runtime\n!services/api\n',
    );
    expect(JSON.parse(read(dir, '.projen/files.json')).files).not.toContain('.dockerignore');
  });

  test("no root .dockerignore where the repository's own Dockerfile builds from the root without one", () => {
    const dir = repo({
      'backend.Dockerfile': 'FROM python:3.11-slim\nCOPY setup.py README.md /app/\n',
      'setup.py': '',
      'README.md': '',
    });
    synthIn(dir, {}, api);
    expect(existsSync(join(dir, '.dockerignore'))).toBe(false);
    expect(existsSync(join(dir, 'docker/api/Dockerfile.dockerignore'))).toBe(true);
  });

  test("without Dockerfiles or an ignore file of the repository's, the root .dockerignore is written", () => {
    const dir = repo({});
    synthIn(dir, {}, api);
    expect(read(dir, '.dockerignore')).toContain('~~ Generated by projen');
  });
});

test('a refusal is our error type, never a crash', () => {
  const dir = repo({ 'compose.yaml': 'x: 1\n' });
  expect(() =>
    synthIn(dir, {}, (p) => {
      api(p);
      new ComposeStack(p, 'stack');
    }),
  ).toThrow(MlDockerValidationError);
});
