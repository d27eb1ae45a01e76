/**
 * Real engine: real layouts, and every image starts.
 *
 * Proves: (a) an image whose command names a module missing from the build context (the tree
 * changed after synth, as a stale checkout does) fails its prod build with our entry check's
 * message, and builds and runs once the module is back; (b) `sources` of two folders plus a flat
 * module with `installProject` (a setuptools project pinned in the core tier, its wheel built in
 * the builder with no index and no isolation) builds, runs its own console script as the command,
 * as uid 10001, and turns healthy by its own HEALTHCHECK; `importlib.metadata` knows the project;
 * (c) a code package named `data` inside the sources reaches the image and imports, while a data
 * file beside it stays out.
 *
 * The build backend is a real setuptools wheel (>= 70.1, which builds wheels by itself, without
 * the `wheel` package): the one Debian trixie ships in python3-setuptools-whl, downloaded once
 * into $ENGINE_HOME (Debian packages are reachable; PyPI is not) and served from the local test
 * index beside the wheelhouse stand-ins.
 *
 * Does not prove: the official python image (the stand-in is Debian's Python 3.11), other build
 * backends (hatchling, flit-core, ...), a registry pull.
 */
import { execFileSync } from 'child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { PythonService } from '../../src';
import { synthIn } from '../util';
import {
  IndexServer, PYTHON_STANDIN, REPO, docker, dockerTry, requireEngine, startIndexServer, tail, tempDir,
  waitHealthy, writeWheelhouse,
} from './support/engine';

const RUN_ID = `${process.pid}-${Date.now().toString(36)}`;
const CONTAINER = `engine-layouts-ranker-${RUN_ID}`;
const HARDENING = ['--read-only', '--tmpfs', '/tmp:exec,mode=1777,size=64m', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges:true'];

let index: IndexServer;
let wheels = '';
let setuptoolsVersion = '';
const dirs: string[] = [];

/**
 * A real setuptools wheel from Debian trixie's python3-setuptools-whl (cached in
 * $ENGINE_HOME/setuptools-whl), copied into the wheelhouse as a PEP 503 project; returns its version.
 */
function addSetuptools(wheelhouse: string): string {
  const home = process.env.ENGINE_HOME ?? join(REPO, '.cache', 'engine');
  const cache = join(home, 'setuptools-whl');
  const found = () => existsSync(cache) ? readdirSync(cache).find((f) => /^setuptools-[0-9.]+-py3-none-any\.whl$/.test(f)) : undefined;
  if (!found()) {
    const debs = join(home, 'setuptools-debs');
    execFileSync('bash', ['-c', `source "${join(REPO, 'scripts', 'engine', 'lib.sh')}" && trixie_download "$1" "$2" python3-setuptools-whl`, '-', join(home, 'setuptools-apt'), debs],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    const unpacked = tempDir('engine-setuptools-');
    const deb = readdirSync(debs).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error(`no python3-setuptools-whl .deb in ${debs}`);
    execFileSync('dpkg-deb', ['-x', join(debs, deb), unpacked]);
    const wheelDir = join(unpacked, 'usr', 'share', 'python-wheels');
    const wheel = readdirSync(wheelDir).find((f) => f.startsWith('setuptools-'));
    if (!wheel) throw new Error(`no setuptools wheel in ${deb}`);
    mkdirSync(cache, { recursive: true });
    copyFileSync(join(wheelDir, wheel), join(cache, wheel));
    rmSync(unpacked, { recursive: true, force: true });
  }
  const wheel = found()!;
  const project = join(wheelhouse, 'simple', 'setuptools');
  mkdirSync(project, { recursive: true });
  copyFileSync(join(cache, wheel), join(project, wheel));
  writeFileSync(join(project, 'index.html'), `<!DOCTYPE html>\n<html><body><a href="${wheel}">${wheel}</a><br/></body></html>\n`);
  return /^setuptools-([0-9.]+)-/.exec(wheel)![1];
}

/** A new project folder with these files. */
function layout(files: Record<string, string>): string {
  const dir = tempDir('engine-layouts-');
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function build(dir: string, service: string, tag: string) {
  return dockerTry(['build', '--progress', 'plain', '--network', 'host', '-f', `docker/${service}/Dockerfile`, '--target', 'prod',
    '--build-arg', `PYTHON_IMAGE=${PYTHON_STANDIN}`, '--build-arg', `PIP_INDEX_URL=${index.url}`, '-t', tag, '.'], { cwd: dir });
}

/** The ranker's server: its own console script, answering /health with what it sees. */
const SERVE = `import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ranker.data.queues import QUEUE


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/health":
            self.send_response(404)
            self.end_headers()
            return
        body = json.dumps({"status": "ok", "uid": os.getuid(), "queue": QUEUE}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    ThreadingHTTPServer(("0.0.0.0", 8000), Handler).serve_forever()
`;

beforeAll(async () => {
  requireEngine();
  wheels = writeWheelhouse();
  setuptoolsVersion = addSetuptools(wheels);
  index = await startIndexServer(wheels);
});

afterAll(async () => {
  dockerTry(['rm', '-f', '-v', CONTAINER]);
  await index?.close();
  for (const d of [...dirs, wheels]) if (d) rmSync(d, { recursive: true, force: true });
});

test('a command whose module is missing from the build context fails the prod build with our entry check message', () => {
  const dir = layout({ 'jobs/__init__.py': '', 'jobs/nightly.py': 'print("nightly ran")\n', 'shared/settings.yaml': 'hour: 3\n' });
  synthIn(dir, { dockerfileSyntax: false }, (p) => new PythonService(p, 'nightly', {
    command: ['python', '-m', 'jobs.nightly'],
    sources: ['jobs', 'shared'],
  }));
  // The tree changes after synth, as a stale checkout or a forgotten file does: synth cannot see it.
  rmSync(join(dir, 'jobs', 'nightly.py'));
  const tag = `engine-layouts/nightly-${RUN_ID}:prod`;
  const failed = build(dir, 'nightly', tag);
  const output = failed.stdout + failed.stderr;
  expect(failed.status).not.toBe(0);
  expect(output).toContain("entry check failed: the command 'python -m jobs.nightly' cannot start in this image:");
  expect(output).toContain("module 'jobs.nightly' cannot be found (searched /app, /opt/mldocker and the installed packages)");
  expect(output).toContain("fix the service's command or sources in .projenrc.ts");
  // With the module back, the same Dockerfile builds and its command runs: the failure was the entry.
  writeFileSync(join(dir, 'jobs', 'nightly.py'), 'print("nightly ran")\n');
  const passed = build(dir, 'nightly', tag);
  if (passed.status !== 0) throw new Error(tail(passed.stdout + passed.stderr));
  expect(docker(['run', '--rm', '--network', 'none', ...HARDENING, tag])).toBe('nightly ran\n');
});

test('sources of two folders and a flat module with installProject build, run the console script as uid 10001 and turn healthy; a package named data gets in', async () => {
  const dir = layout({
    'pyproject.toml': [
      '[build-system]', `requires = ["setuptools==${setuptoolsVersion}"]`, 'build-backend = "setuptools.build_meta"',
      '[project]', 'name = "ranker"', 'version = "0.3.1"', 'requires-python = ">=3.11"',
      '[project.scripts]', 'ranker-serve = "ranker.serve:main"',
      '[tool.setuptools.packages.find]', 'include = ["ranker*"]', '',
    ].join('\n'),
    'ranker/__init__.py': '',
    'ranker/serve.py': SERVE,
    'ranker/data/__init__.py': '',
    'ranker/data/queues.py': 'QUEUE = "ranked"\n',
    // A data file inside the code package: kept out of the build context by extension.
    'ranker/data/clicks.parquet': 'PAR1 not really parquet\n',
    'configs/ranker.yaml': 'top_k: 10\n',
    'train.py': 'STEPS = 3\n',
  });
  synthIn(dir, { dockerfileSyntax: false }, (p) => new PythonService(p, 'ranker', {
    command: ['ranker-serve'],
    port: 8000,
    sources: ['ranker', 'configs', 'train.py'],
    installProject: true,
    requirements: { core: [`setuptools==${setuptoolsVersion}`] },
  }));
  const tag = `engine-layouts/ranker-${RUN_ID}:prod`;
  const res = build(dir, 'ranker', tag);
  if (res.status !== 0) throw new Error(tail(res.stdout + res.stderr, 60));
  // The wheel was built offline from the pinned backend the index served.
  expect(index.requests()).toEqual(expect.arrayContaining([expect.stringMatching(/^\/simple\/setuptools\/ auth=none$/)]));
  expect(docker(['image', 'inspect', '--format', '{{.Config.User}}', tag]).trim()).toBe('10001:10001');
  expect(JSON.parse(docker(['image', 'inspect', '--format', '{{json .Config.Cmd}}', tag]))).toEqual(['ranker-serve']);

  docker(['run', '-d', '--name', CONTAINER, '--network', 'none', ...HARDENING, tag]);
  await waitHealthy(CONTAINER, 120_000);
  const py = (code: string) => docker(['exec', CONTAINER, 'python', '-c', code]).trim();
  // Every process of the container (tini, the console script) runs as 10001.
  expect(py('import os; print(sorted({l.split()[1] for p in os.listdir("/proc") if p.isdigit() for l in open(f"/proc/{p}/status") if l.startswith("Uid:")}))'))
    .toBe("['10001']");
  expect(JSON.parse(py('import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:8000/health").read().decode())')))
    .toEqual({ status: 'ok', uid: 10001, queue: 'ranked' });
  // The project is installed (metadata, console script) and its package, including the package named
  // data, is imported from the wheel: with installProject the wheel's packages are not copied into
  // /app, where they would come first on the import path. The flat module and the configs are in /app.
  const SITE = '/opt/venv/lib/python3.11/site-packages';
  expect(py([
    'import importlib.metadata as m, shutil, train, ranker.data.queues as q',
    'print(m.version("ranker"), shutil.which("ranker-serve"), train.STEPS, train.__file__, q.QUEUE, '
      + 'q.__file__, open("/app/configs/ranker.yaml").read().strip())',
  ].join('; '))).toBe(`0.3.1 /opt/venv/bin/ranker-serve 3 /app/train.py ranked ${SITE}/ranker/data/queues.py top_k: 10`);
  expect(dockerTry(['exec', CONTAINER, 'test', '-e', '/app/ranker']).status).not.toBe(0);
  expect(dockerTry(['exec', CONTAINER, 'test', '-e', `${SITE}/ranker/data/__init__.py`]).status).toBe(0);
  // the data file inside the package stays out of the build context, so out of the wheel too
  expect(dockerTry(['exec', CONTAINER, 'test', '-e', `${SITE}/ranker/data/clicks.parquet`]).status).not.toBe(0);
});
