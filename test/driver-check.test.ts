/**
 * The start-up driver check GPU images run after tini (`mldocker_runtime.driver_check`),
 * run with the host's python3 against fake `nvidia-smi` programs and fake
 * `/proc/driver/nvidia/version` files. PATH holds only the fake tools and python3, so a real
 * NVIDIA driver on the test machine cannot leak in.
 */
import { spawnSync } from 'child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { GpuTrainer } from '../src';
import { newProject, synth } from './util';

const project = newProject();
new GpuTrainer(project, 'trainer', { torchVersion: '2.5.1', command: ['python', '-m', 'trainer.main'] });
const out = synth(project);
const RUNTIME = join(project.outdir, 'docker', 'runtime');
const DOCKERFILE: string = out['docker/trainer/Dockerfile'];
const MIN = /MLDOCKER_MIN_DRIVER="([^"]+)"/.exec(DOCKERFILE)![1];
const RULE = /MLDOCKER_DRIVER_RULE="([^"]+)"/.exec(DOCKERFILE)![1];

const work = mkdtempSync(join(tmpdir(), 'driver-check-'));
/** python3, sh and cat only, for a PATH without any real nvidia-smi. */
const baseBin = join(work, 'bin');
mkdirSync(baseBin);
// The interpreter itself (sys.executable), not a wrapper such as a pyenv shim.
symlinkSync(spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf-8' }).stdout.trim(), join(baseBin, 'python3'));
for (const tool of ['sh', 'cat']) symlinkSync(spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf-8' }).stdout.trim(), join(baseBin, tool));
let fakes = 0;

/** A directory with a fake nvidia-smi printing `stdout` and exiting with `code`. */
function fakeSmi(stdout: string, code = 0, stderr = ''): string {
  const dir = join(work, `smi-${fakes++}`);
  mkdirSync(dir);
  const file = join(dir, 'nvidia-smi');
  writeFileSync(join(dir, 'stdout.txt'), stdout);
  writeFileSync(join(dir, 'stderr.txt'), stderr);
  writeFileSync(file, [
    '#!/bin/sh',
    // The check must ask for exactly the driver version column.
    '[ "$1" = "--query-gpu=driver_version" ] && [ "$2" = "--format=csv,noheader" ] || { echo "unexpected args: $*" >&2; exit 64; }',
    `cat '${join(dir, 'stdout.txt')}'`,
    `cat '${join(dir, 'stderr.txt')}' >&2`,
    `exit ${code}`,
    '',
  ].join('\n'));
  chmodSync(file, 0o755);
  return dir;
}

/** A fake /proc/driver/nvidia/version file. */
function fakeProc(text: string): string {
  const file = join(work, `proc-${fakes++}`);
  writeFileSync(file, text);
  return file;
}

interface Run { status: number | null; stdout: string; stderr: string; pid: number }

function run(opts: { smi?: string; proc?: string; env?: Record<string, string>; command?: string[] }): Run {
  const res = spawnSync('python3', ['-m', 'mldocker_runtime.driver_check',
    ...(opts.command ?? ['python3', '-c', 'import os; print("started", os.getpid())'])], {
    encoding: 'utf-8',
    env: {
      PATH: [opts.smi, baseBin].filter(Boolean).join(':'),
      PYTHONPATH: RUNTIME,
      MLDOCKER_MIN_DRIVER: MIN,
      MLDOCKER_DRIVER_RULE: RULE,
      MLDOCKER_NVIDIA_VERSION_FILE: opts.proc ?? join(work, 'no-such-proc-file'),
      ...opts.env,
    },
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr, pid: res.pid };
}

const OLD_PROC = 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  470.82.01  Wed Oct 27 23:24:39 UTC 2021\nGCC version:  gcc version 9.3.0\n';
const NEW_OPEN_PROC = 'NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  550.54.14  Release Build  (dvs-builder@U16-I3-B13-4-3)  Thu Feb 22 01:25:25 UTC 2024\n';

describe('driver_check', () => {
  test('the image sets the minimum the label carries (the rule for CUDA 12.4 wheels)', () => {
    expect(MIN).toBe('525.60.13');
    expect(DOCKERFILE).toContain(`dev.projen-ml-docker.min-driver="${MIN}"`);
    expect(RULE).toContain('CUDA 12.x minor-version compatibility');
  });

  test('a new enough driver (nvidia-smi) starts the command in place of the check (exec: same pid)', () => {
    const r = run({ smi: fakeSmi('535.104.05\n') });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(`started ${r.pid}`);
    expect(r.stderr).toContain('host NVIDIA driver 535.104.05 (from nvidia-smi) >= 525.60.13: ok');
  });

  test('exactly the minimum is enough', () => {
    expect(run({ smi: fakeSmi('525.60.13\n') }).status).toBe(0);
  });

  test('an old driver exits 3 naming the required and the found versions and the rule', () => {
    const r = run({ smi: fakeSmi('470.82.01\n') });
    expect(r.status).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('the host NVIDIA driver is 470.82.01 (from nvidia-smi), but this image needs >= 525.60.13');
    expect(r.stderr).toContain(RULE);
    expect(r.stderr).toContain('MLDOCKER_SKIP_DRIVER_CHECK=1');
  });

  test('just below the minimum fails too (compared part by part, not as text)', () => {
    expect(run({ smi: fakeSmi('525.60.12\n') }).status).toBe(3);
    expect(run({ smi: fakeSmi('525.9.99\n') }).status).toBe(3);
    expect(run({ smi: fakeSmi('1000.1.1\n') }).status).toBe(0);
  });

  test('several GPUs: the oldest driver line counts', () => {
    const r = run({ smi: fakeSmi('535.104.05\n470.82.01\n') });
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('470.82.01');
  });

  test('no GPU visible (nvidia-smi fails, no /proc file) exits 4 with the required version', () => {
    const r = run({ smi: fakeSmi('No devices were found\n', 6) });
    expect(r.status).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('no NVIDIA GPU is visible in this container');
    expect(r.stderr).toContain('nvidia-smi: exit 6, No devices were found');
    expect(r.stderr).toContain('this image needs NVIDIA driver >= 525.60.13');
  });

  test('no GPU visible: nvidia-smi cannot talk to a driver', () => {
    const r = run({ smi: fakeSmi('', 9, "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.") });
    expect(r.status).toBe(4);
    expect(r.stderr).toContain("couldn't communicate with the NVIDIA driver");
  });

  test('no nvidia-smi at all and no /proc file: exit 4, both sources named', () => {
    const r = run({});
    expect(r.status).toBe(4);
    expect(r.stderr).toContain('nvidia-smi: not found');
    expect(r.stderr).toContain('no-such-proc-file: missing');
  });

  test('without nvidia-smi, /proc/driver/nvidia/version is read: old driver refused', () => {
    const r = run({ proc: fakeProc(OLD_PROC) });
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('the host NVIDIA driver is 470.82.01');
    expect(r.stderr).toContain('needs >= 525.60.13');
  });

  test('without nvidia-smi, the open kernel module\'s version line is read: new driver starts', () => {
    const r = run({ proc: fakeProc(NEW_OPEN_PROC) });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^started \d+/);
    expect(r.stderr).toContain('550.54.14');
  });

  test('two-part driver versions compare correctly (570.26 < 570.124.06)', () => {
    expect(run({ smi: fakeSmi('570.124.06\n'), env: { MLDOCKER_MIN_DRIVER: '570.26' } }).status).toBe(0);
    expect(run({ smi: fakeSmi('570.26\n'), env: { MLDOCKER_MIN_DRIVER: '570.124.06' } }).status).toBe(3);
  });

  test('MLDOCKER_SKIP_DRIVER_CHECK=1 starts the command without any GPU', () => {
    const r = run({ env: { MLDOCKER_SKIP_DRIVER_CHECK: '1' } });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^started/);
    expect(r.stderr).toContain('skipped');
  });

  test('the command\'s own exit code comes back (it replaced the check)', () => {
    expect(run({ smi: fakeSmi('535.104.05\n'), command: ['sh', '-c', 'exit 7'] }).status).toBe(7);
  });

  test('usage errors exit 2: no command, or no minimum in the environment', () => {
    expect(run({ smi: fakeSmi('535.104.05\n'), command: [] }).status).toBe(2);
    const r = run({ smi: fakeSmi('535.104.05\n'), env: { MLDOCKER_MIN_DRIVER: '' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('MLDOCKER_MIN_DRIVER');
  });

  test('a command that does not exist exits 127 with its name', () => {
    const r = run({ smi: fakeSmi('535.104.05\n'), command: ['no-such-program'] });
    expect(r.status).toBe(127);
    expect(r.stderr).toContain("cannot run 'no-such-program'");
  });
});

/**
 * A fake nvidia-smi answering both queries the check asks: the driver version, and (when the
 * image names its compute capabilities) one compute capability per GPU. `capCode` other than 0
 * plays an older driver whose nvidia-smi does not know the compute_cap field.
 */
function fakeSmiWithCapabilities(driver: string, capabilities: string, capCode = 0): string {
  const dir = join(work, `smi-${fakes++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'caps.txt'), capabilities);
  writeFileSync(join(dir, 'nvidia-smi'), [
    '#!/bin/sh',
    '[ "$2" = "--format=csv,noheader" ] || { echo "unexpected args: $*" >&2; exit 64; }',
    `[ "$1" = "--query-gpu=driver_version" ] && { echo '${driver}'; exit 0; }`,
    `[ "$1" = "--query-gpu=compute_cap" ] && { cat '${join(dir, 'caps.txt')}'; exit ${capCode}; }`,
    'echo "unexpected args: $*" >&2; exit 64',
    '',
  ].join('\n'));
  chmodSync(join(dir, 'nvidia-smi'), 0o755);
  return dir;
}

describe('driver_check: the gpu compute capability check', () => {
  const LIST = '7.5 8.0 9.0';
  const capabilities: string[] = JSON.parse(
    readFileSync(join(__dirname, '..', 'data', 'gpu-models.json'), 'utf-8')).gpus.map((g: any) => g.capability);

  test.each([...new Set(capabilities)])('a GPU of compute capability %s starts only if the image lists it', (cap) => {
    const r = run({ smi: fakeSmiWithCapabilities('570.124.06', `${cap}\n`), env: { MLDOCKER_GPU_CAPABILITIES: LIST } });
    if (LIST.split(' ').includes(cap)) {
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toBe(`started ${r.pid}`);
      expect(r.stderr).toContain(`gpu check: compute capability ${cap} (from nvidia-smi) is in 7.5, 8.0, 9.0: ok`);
    } else {
      expect(r.status).toBe(5);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`gpu check failed: GPU 0 has compute capability ${cap}, but this image carries kernels `
        + 'for compute capabilities 7.5, 8.0, 9.0 only');
      expect(r.stderr).toContain('add this GPU to gpuFleet in .projenrc.ts');
    }
  });

  test('several GPUs: one outside the list stops the start, named by its index', () => {
    const r = run({ smi: fakeSmiWithCapabilities('570.124.06', '9.0\n10.0\n'), env: { MLDOCKER_GPU_CAPABILITIES: '9.0,8.0' } });
    expect(r.status).toBe(5);
    expect(r.stderr).toContain('gpu check failed: GPU 1 has compute capability 10.0, but this image carries kernels for compute capabilities 9.0, 8.0 only');
  });

  test('the driver is checked first: an old driver exits 3 before the capability is read', () => {
    const r = run({ smi: fakeSmiWithCapabilities('470.82.01', '12.0\n'), env: { MLDOCKER_GPU_CAPABILITIES: LIST } });
    expect(r.status).toBe(3);
    expect(r.stderr).not.toContain('gpu check');
  });

  test('an nvidia-smi that cannot report compute_cap warns and starts the command', () => {
    const smi = fakeSmiWithCapabilities('535.104.05', 'Field "compute_cap" is not a valid field to query.\n', 2);
    const r = run({ smi, env: { MLDOCKER_GPU_CAPABILITIES: LIST } });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('gpu check: warning: the GPUs\' compute capability could not be read (nvidia-smi: exit 2');
  });

  test('a malformed list is a usage error; MLDOCKER_SKIP_GPU_CHECK=1 skips only this check', () => {
    const smi = fakeSmiWithCapabilities('570.124.06', '12.0\n');
    expect(run({ smi, env: { MLDOCKER_GPU_CAPABILITIES: 'sm_90' } }).status).toBe(2);
    expect(run({ smi, env: { MLDOCKER_GPU_CAPABILITIES: '' } }).status).toBe(2);
    const skip = run({ smi, env: { MLDOCKER_GPU_CAPABILITIES: LIST, MLDOCKER_SKIP_GPU_CHECK: '1' } });
    expect(skip.status).toBe(0);
    expect(skip.stderr).toContain('driver check: host NVIDIA driver 570.124.06');
  });

  test('without MLDOCKER_GPU_CAPABILITIES the capability is never queried (the fake refuses that query)', () => {
    const r = run({ smi: fakeSmi('570.124.06\n') });
    expect(r.status).toBe(0);
    expect(r.stderr).not.toContain('gpu check');
  });
});
