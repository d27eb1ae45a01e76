/**
 * Real engine: the build hooks on a real BuildKit builder (Docker 26, built-in
 * frontend: `dockerfileSyntax: false`).
 *
 * Proves: `buildPackages` (gcc, libc6-dev, python3-dev, installed by apt only in the builder)
 * compile a small C extension in a `buildSteps` step into the virtualenv, and the prod image
 * imports it with no compiler and no build environment in it; a builder step with a cache
 * mount and a secret mount reads the secret, and the secret's value is in no layer of the dev
 * or prod image (`docker save`) nor in their history or config; the cache mount's content is in
 * no layer; a `copyFromImages` copy from a local image pinned by a full tag lands in prod,
 * owned by root, read-only for the service user; a runtime-root step (`ldconfig`) runs before
 * the user switch.
 *
 * Does not prove: the official python image (the debootstrapped stand-in has Debian's Python,
 * hence `python3-dev` for the headers), a registry pull of the copied-from image (it is built
 * here), other engines.
 */
import { execFileSync } from 'child_process';
import { randomBytes } from 'crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'fs';
import { join } from 'path';
import { BuildStepStage, PythonService } from '../../src';
import { newProject, synth } from '../util';
import { PYTHON_STANDIN, docker, dockerTry, requireEngine, tempDir } from './support/engine';

const RUN_ID = `${process.pid}-${Date.now().toString(36)}`;
const ASSETS_IMAGE = `local/hook-assets-${RUN_ID}:1.0.0`;
const SECRET = `hook-secret-${randomBytes(16).toString('hex')}`;
const HARDENING = ['--read-only', '--tmpfs', '/tmp:exec,mode=1777,size=64m', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges:true'];

/** A tiny CPython extension module, written by printf (one argument per line). */
const C_LINES = [
  '#include <Python.h>',
  'static PyObject *answer(PyObject *self, PyObject *args) { return PyLong_FromLong(42); }',
  'static PyMethodDef methods[] = {{"answer", answer, METH_NOARGS, "the answer"}, {NULL, NULL, 0, NULL}};',
  'static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "hookext", NULL, -1, methods};',
  'PyMODINIT_FUNC PyInit_hookext(void) { return PyModule_Create(&module); }',
];
const COMPILE = [
  `printf '%s\\n' ${C_LINES.map((l) => `'${l}'`).join(' ')} > /tmp/hookext.c`,
  'gcc -shared -fPIC $(python3-config --includes) /tmp/hookext.c -o "$(python -c \'import sysconfig; print(sysconfig.get_paths()["platlib"])\')/hookext$(python3-config --extension-suffix)"',
  'rm /tmp/hookext.c',
].join(' && ');

let dir = '';
let scratch = '';

function build(target: string): string {
  const tag = `engine-hooks/api-${RUN_ID}:${target}`;
  docker(['build', '--progress', 'plain', '--network', 'host', '-f', 'docker/api/Dockerfile', '--target', target,
    '--build-arg', `PYTHON_IMAGE=${PYTHON_STANDIN}`, '--secret', `id=hooktoken,src=${join(scratch, 'token')}`, '-t', tag, '.'], { cwd: dir });
  return tag;
}

function run(image: string, command: string[], user?: string): { status: number; output: string } {
  const res = dockerTry(['run', '--rm', '--network', 'none', ...HARDENING, ...(user ? ['--user', user] : []), '--entrypoint', '', image, ...command]);
  return { status: res.status, output: `${res.stdout}${res.stderr}` };
}

/**
 * Every file of every layer of an image (`docker save`, unpacked), as one list of paths and one concatenated
 * text.
 */
function layers(image: string): { files: string[]; bytes: Buffer } {
  const out = tempDir('engine-hooks-save-');
  docker(['save', '-o', join(out, 'image.tar'), image]);
  mkdirSync(join(out, 'x'));
  execFileSync('tar', ['-xf', join(out, 'image.tar'), '-C', join(out, 'x')]);
  const files: string[] = [];
  const chunks: Buffer[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      const st = statSync(full);
      if (st.isDirectory()) { walk(full); continue; }
      chunks.push(readFileSync(full));
      // Layer blobs are tars: list and read their members too (other blobs are JSON).
      let listing = '';
      try {
        listing = execFileSync('tar', ['-tf', full], { stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 * 1024 * 1024 }).toString();
      } catch {
        continue;
      }
      files.push(...listing.split('\n').filter(Boolean));
      chunks.push(execFileSync('tar', ['-xOf', full], { maxBuffer: 1024 * 1024 * 1024 }));
    }
  };
  walk(join(out, 'x'));
  rmSync(out, { recursive: true, force: true });
  return { files, bytes: Buffer.concat(chunks) };
}

beforeAll(() => {
  requireEngine();
  scratch = tempDir('engine-hooks-');
  writeFileSync(join(scratch, 'token'), SECRET, { mode: 0o600 });
  // The image files are copied from: built here, tagged with a full version tag.
  const assets = join(scratch, 'assets');
  mkdirSync(join(assets, 'payload'), { recursive: true });
  writeFileSync(join(assets, 'payload', 'hello.txt'), 'hello from another image\n');
  writeFileSync(join(assets, 'Dockerfile'), 'FROM scratch\nCOPY payload /payload\n');
  docker(['build', '--progress', 'plain', '-t', ASSETS_IMAGE, '.'], { cwd: assets });

  const project = newProject({ dockerfileSyntax: false });
  new PythonService(project, 'api', {
    command: ['python', '-c', 'import hookext; print(hookext.answer())'],
    entryCheck: false, // inline code: nothing for the check to find
    buildPackages: ['gcc', 'libc6-dev', 'python3-dev'],
    buildEnv: { HOOK_BUILD_FLAG: 'compiled-in-builder' },
    buildSteps: [
      { name: 'compile-ext', run: COMPILE },
      {
        name: 'use-secret',
        run: 'test -s /run/secrets/hooktoken && mkdir -p /root/.cache/hooks && echo stamp > /root/.cache/hooks/stamp && wc -c /run/secrets/hooktoken | cut -d" " -f1 > /opt/venv/secret-length',
        cacheMounts: ['/root/.cache/hooks'],
        secrets: ['hooktoken'],
      },
      { name: 'ldconfig', run: 'ldconfig', stage: BuildStepStage.RUNTIME_ROOT },
    ],
    copyFromImages: [{ name: 'assets', image: ASSETS_IMAGE, source: '/payload', target: '/opt/assets' }],
  });
  synth(project);
  dir = project.outdir;
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test('a C extension compiled with build packages in the builder runs in prod, which has no compiler', () => {
  const prod = build('prod');
  expect(run(prod, ['python', '-c', 'import hookext; print(hookext.answer())'], '10001:10001')).toEqual({ status: 0, output: '42\n' });
  // The image's own command, as the service user.
  expect(dockerTry(['run', '--rm', '--network', 'none', ...HARDENING, prod]).stdout).toBe('42\n');
  for (const tool of ['gcc', 'cc', 'python3-config']) {
    expect(run(prod, ['sh', '-c', `command -v ${tool}`]).status).not.toBe(0);
  }
  expect(run(prod, ['sh', '-c', 'dpkg-query -W -f="${Status}" gcc libc6-dev python3-dev 2>/dev/null | grep -c "ok installed" || true']).output.trim()).toBe('0');
  const env = JSON.parse(docker(['image', 'inspect', '--format', '{{json .Config.Env}}', prod])) as string[];
  expect(env.some((e) => e.startsWith('HOOK_BUILD_FLAG='))).toBe(false);
  // The dev image, built from the builder, does have them (the proof above could not pass by accident).
  const dev = build('dev');
  expect(run(dev, ['sh', '-c', 'command -v gcc']).status).toBe(0);
  const devEnv = JSON.parse(docker(['image', 'inspect', '--format', '{{json .Config.Env}}', dev])) as string[];
  expect(devEnv).toContain('HOOK_BUILD_FLAG=compiled-in-builder');
});

test('a step with a cache mount and a secret mount leaves the secret in no layer, history or config', () => {
  const prod = build('prod');
  const dev = build('dev');
  // The step read the secret (its length went into the virtualenv).
  expect(run(prod, ['cat', '/opt/venv/secret-length']).output.trim()).toBe(String(SECRET.length));
  // One `docker save` and unpack per image (each takes seconds): the control below reads prod's again.
  const saved = new Map([prod, dev].map((image) => [image, layers(image)]));
  for (const image of [prod, dev]) {
    const { files, bytes } = saved.get(image)!;
    expect(files.length).toBeGreaterThan(0);
    expect(bytes.includes(Buffer.from(SECRET))).toBe(false);
    expect(files.some((f) => f.includes('root/.cache/hooks'))).toBe(false);
    expect(files.some((f) => f.includes('run/secrets'))).toBe(false);
    expect(docker(['history', '--no-trunc', image])).not.toContain(SECRET);
    expect(docker(['image', 'inspect', image])).not.toContain(SECRET);
  }
  // The check itself finds a value that is in a layer.
  expect(saved.get(prod)!.bytes.includes(Buffer.from('hello from another image'))).toBe(true);
});

test('a copy from a local image pinned by full tag lands in prod, root-owned and read-only for the service', () => {
  const prod = build('prod');
  expect(run(prod, ['cat', '/opt/assets/hello.txt'], '10001:10001').output).toBe('hello from another image\n');
  expect(run(prod, ['stat', '-c', '%u:%g', '/opt/assets/hello.txt']).output.trim()).toBe('0:0');
  expect(run(prod, ['sh', '-c', 'echo x >> /opt/assets/hello.txt'], '10001:10001').status).not.toBe(0);
});
