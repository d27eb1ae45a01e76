/**
 * Real engine: the GPU Dockerfiles (default `python-slim` base)
 * build on Docker 26 and their entrypoint chain runs: tini, then the start-up driver check,
 * then the command.
 *
 * Proves: the GPU stage structure builds through the base-image build arg (PYTHON_IMAGE);
 * the torch tier installs alone from the index given as TORCH_INDEX_URL with the exact pins
 * of requirements-torch.txt (`torch==2.5.1+cu124`), and later tiers install under its
 * constraints; the image carries the driver-minimum label of the rule (525.60.13 for CUDA
 * 12.x wheels); the driver check refuses to start without a visible GPU and with a too-old
 * driver, naming required and found versions, and starts the command (healthy, as 10001,
 * hardened) with a new-enough driver; `MLDOCKER_SKIP_DRIVER_CHECK=1` skips it.
 *
 * Does not prove: CUDA itself or a real GPU (none here: torch is a stub wheel with no code,
 * and the driver is a fake `nvidia-smi` mounted into the container), the nvidia/cuda bases
 * (their Ubuntu images cannot be pulled or stood in for with Debian's packages), NVIDIA
 * device reservations at `up` (no NVIDIA runtime; `docker compose config` checks those in
 * the unit tests), or the official Python image (a debootstrapped bookworm stands in).
 */
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { GpuInference, GpuTrainer, TorchPackage } from '../../src';
import { newProject, synth } from '../util';
import {
  IndexServer, PYTHON_STANDIN, docker, dockerTry, requireEngine, startIndexServer, tempDir, waitHealthy,
  writeWheelhouse,
} from './support/engine';

const HARDENING = [
  '--read-only', '--tmpfs', '/tmp:exec,mode=1777,size=64m', '--cap-drop', 'ALL',
  '--security-opt', 'no-new-privileges:true', '--network', 'none',
];
const RUN_ID = `${process.pid}-${Date.now().toString(36)}`;
const TRAINER = `engine-gpu-trainer-${RUN_ID}`;
const INFERENCE = `engine-gpu-inference-${RUN_ID}`;

let dir = '';
let wheels = '';
let fakes = '';
let index: IndexServer;

/** Our own stand-in code: the samples import the real torch, which the stub wheel is not. */
const TRAIN = `import time
import torch
from mldocker_runtime.heartbeat import beat

print("torch", torch.__version__, flush=True)
while True:
    beat()
    time.sleep(1)
`;
const SERVE = `import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import torch


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        data = json.dumps({"status": "ok", "torch": torch.__version__}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


ThreadingHTTPServer(("0.0.0.0", 8080), Handler).serve_forever()
`;

function build(service: string): string {
  const tag = `engine-test/${service}:prod`;
  docker(['build', '--progress', 'plain', '--network', 'host', '-f', `docker/${service}/Dockerfile`, '--target', 'prod',
    '--build-arg', `PYTHON_IMAGE=${PYTHON_STANDIN}`, '--build-arg', `PIP_INDEX_URL=${index.url}`,
    '--build-arg', `TORCH_INDEX_URL=${index.url}`, '-t', tag, '.'], { cwd: dir });
  return tag;
}

/** A fake `nvidia-smi` answering like the real one for a host with this driver (or no GPU). */
function fakeSmi(name: string, driver: string | undefined): string {
  const file = join(fakes, name);
  writeFileSync(file, driver
    ? `#!/bin/sh\necho "${driver}"\n`
    : '#!/bin/sh\necho "NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver." >&2\nexit 9\n');
  chmodSync(file, 0o755);
  return file;
}

function run(image: string, extra: string[], command: string[] = []): { status: number; output: string } {
  const res = dockerTry(['run', '--rm', ...HARDENING, ...extra, image, ...command]);
  return { status: res.status, output: `${res.stdout}${res.stderr}` };
}

beforeAll(async () => {
  requireEngine();
  const project = newProject({ dockerfileSyntax: false });
  dir = project.outdir;
  for (const [module, file, text] of [['trainer', 'train.py', TRAIN], ['inference', 'serve.py', SERVE]]) {
    mkdirSync(join(dir, 'services', module), { recursive: true });
    writeFileSync(join(dir, 'services', module, '__init__.py'), '');
    writeFileSync(join(dir, 'services', module, file), text);
  }
  // The trainer asks for torch's companions (paired versions from the matrix); inference keeps
  // the default, torch alone.
  new GpuTrainer(project, 'trainer', {
    torchVersion: '2.5.1',
    command: ['python', '-m', 'trainer.train'],
    // its code calls beat(), so it asks for the heartbeat check
    heartbeat: true,
    requirements: { ml: ['mlstub==1.0.0'] },
    torchPackages: [TorchPackage.TORCH, TorchPackage.TORCHVISION, TorchPackage.TORCHAUDIO],
  });
  new GpuInference(project, 'inference', { torchVersion: '2.5.1', port: 8080, command: ['python', '-m', 'inference.serve'] });
  synth(project);
  wheels = writeWheelhouse();
  fakes = tempDir('engine-gpu-fakes-');
  index = await startIndexServer(wheels);
  build('trainer');
  build('inference');
});

afterAll(async () => {
  for (const c of [TRAINER, INFERENCE]) dockerTry(['rm', '-f', '-v', c]);
  await index?.close();
  for (const d of [dir, wheels, fakes]) if (d) rmSync(d, { recursive: true, force: true });
});

describe('GPU images (python-slim base) on a real engine', () => {
  test('the torch tier installed the exact CUDA pins, constraining the ml tier', () => {
    const res = run('engine-test/trainer:prod', ['-e', 'MLDOCKER_SKIP_DRIVER_CHECK=1'], ['python', '-c',
      'import torch, torchvision, torchaudio, mlstub; print(torch.__version__, torchvision.__version__, torchaudio.__version__, mlstub.__version__)']);
    expect(res.status).toBe(0);
    expect(res.output).toContain('2.5.1+cu124 0.20.1+cu124 2.5.1+cu124 1.0.0\n');
    expect(res.output).toContain('driver check: skipped');
  });

  test('by default a GPU image installs torch alone: no torchvision, no torchaudio', () => {
    const res = run('engine-test/inference:prod', ['-e', 'MLDOCKER_SKIP_DRIVER_CHECK=1'], ['python', '-c',
      'import importlib.util, torch; print(torch.__version__, importlib.util.find_spec("torchvision"), importlib.util.find_spec("torchaudio"))']);
    expect(res.status).toBe(0);
    expect(res.output).toContain('2.5.1+cu124 None None\n');
  });

  test('the image labels carry the driver minimum of the rule', () => {
    const labels = JSON.parse(docker(['inspect', '--format', '{{json .Config.Labels}}', 'engine-test/trainer:prod']));
    expect(labels['dev.projen-ml-docker.min-driver']).toBe('525.60.13');
    expect(labels['dev.projen-ml-docker.cuda']).toBe('12.4');
    const env: string[] = JSON.parse(docker(['inspect', '--format', '{{json .Config.Env}}', 'engine-test/trainer:prod']));
    expect(env).toContain('MLDOCKER_MIN_DRIVER=525.60.13');
  });

  test('without a visible GPU the container refuses to start, saying why', () => {
    const res = run('engine-test/trainer:prod', ['-v', `${fakeSmi('none', undefined)}:/usr/local/bin/nvidia-smi:ro`]);
    expect(res.status).not.toBe(0);
    expect(res.output).toMatch(/525\.60\.13/);
    expect(res.output.toLowerCase()).toMatch(/no (nvidia )?gpu|driver/);
  });

  test('with a too-old driver it refuses to start, naming required and found versions', () => {
    const res = run('engine-test/trainer:prod', ['-v', `${fakeSmi('old', '470.82.01')}:/usr/local/bin/nvidia-smi:ro`]);
    expect(res.status).not.toBe(0);
    expect(res.output).toContain('470.82.01');
    expect(res.output).toContain('525.60.13');
  });

  test('with a new-enough driver the trainer starts as 10001 and its heartbeat check turns healthy', async () => {
    docker(['run', '-d', '--name', TRAINER, ...HARDENING, '-v', `${fakeSmi('new', '535.104.05')}:/usr/local/bin/nvidia-smi:ro`, 'engine-test/trainer:prod']);
    await waitHealthy(TRAINER, 90_000);
    expect(docker(['exec', TRAINER, 'id', '-u']).trim()).toBe('10001');
    expect(docker(['logs', TRAINER])).toContain('torch 2.5.1+cu124');
  });

  test('inference with the check skipped at run time serves and turns healthy', async () => {
    docker(['run', '-d', '--name', INFERENCE, ...HARDENING, '-e', 'MLDOCKER_SKIP_DRIVER_CHECK=1', 'engine-test/inference:prod']);
    await waitHealthy(INFERENCE, 90_000);
    const body = docker(['exec', INFERENCE, 'python', '-c', 'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:8080/health").read().decode())']);
    expect(JSON.parse(body)).toEqual({ status: 'ok', torch: '2.5.1+cu124' });
  });
});
