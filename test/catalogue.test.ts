/**
 * The bad-input catalogue: one row per invalid definition, across every construct and the
 * project options, including what plain-JavaScript users (`.projenrc.js`, no type check)
 * can pass. Every row must fail with our single error type, name the construct path, show
 * the offending value and say what is allowed, and leave the previous generated tree
 * exactly as it was. No TypeError, zod message, EJS stack or half-written tree, ever.
 */
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import {
  BackingService, ComposeStack, GpuBase, GpuInference, GpuTrainer, MlDockerProject, MlDockerProjectOptions,
  MlDockerValidationError, PythonService, RequirementTier,
} from '../src';
import { synthIn, tree } from './util';

type Build = (p: MlDockerProject) => void;
interface Row {
  readonly name: string;
  readonly project?: Partial<MlDockerProjectOptions> | Record<string, unknown>;
  readonly build: Build;
  readonly path: string;
  readonly got: string;
  readonly expected: string;
}

const CMD = ['python', '-m', 'app.main'];
const any = (v: unknown) => v as any;
const svc = (props: Record<string, unknown>, id = 'api'): Build => (p) => {
  new PythonService(p, id, any({ command: CMD, ...props }));
};
const trainer = (props: Record<string, unknown>): Build => (p) => {
  new GpuTrainer(p, 'trainer', any({ torchVersion: '2.5.1', command: ['python', '-m', 'trainer.train'], ...props }));
};
const inference = (props: Record<string, unknown>): Build => (p) => {
  new GpuInference(p, 'inference', any({ torchVersion: '2.5.1', port: 8080, command: ['python', '-m', 'inference.serve'], ...props }));
};
const stack = (props: Record<string, unknown>, services: Build = svc({ port: 8000 })): Build => (p) => {
  services(p);
  new ComposeStack(p, 'stack', any(props));
};

function cycle(p: MlDockerProject): void {
  const a = new PythonService(p, 'a', { command: CMD });
  const b = new PythonService(p, 'b', { command: CMD, dependsOn: [a] });
  a.addDependsOn(b);
  new ComposeStack(p, 'stack');
}

const rows: Row[] = [
  // project options
  { name: 'project name with spaces', project: { name: 'my project' }, build: () => {}, path: 'my project', got: '"my project"', expected: 'npm-style package name' },
  { name: 'project name in unicode', project: { name: 'vïsion' }, build: () => {}, path: 'vïsion', got: '"vïsion"', expected: 'npm-style package name' },
  { name: 'project name empty', project: { name: '' }, build: () => {}, path: 'project', got: '""', expected: 'npm-style package name' },
  { name: 'python version as a number (plain js)', project: { pythonVersion: 3.11 }, build: () => {}, path: 'vision', got: '3.11', expected: 'a string' },
  { name: 'python version 2.7', project: { pythonVersion: '2.7' }, build: () => {}, path: 'vision', got: '"2.7"', expected: '"3.11"' },
  { name: 'python version with whitespace', project: { pythonVersion: ' 3.11 ' }, build: () => {}, path: 'vision', got: '" 3.11 "', expected: '"3.12"' },
  { name: 'dockerfileSyntax as a string', project: { dockerfileSyntax: 'false' }, build: () => {}, path: 'vision', got: '"false"', expected: 'true or false' },
  { name: 'host driver not a version', project: { hostDriverVersion: 'latest' }, build: () => {}, path: 'vision', got: '"latest"', expected: 'driver version' },
  { name: 'host driver as a number', project: { hostDriverVersion: 535 }, build: () => {}, path: 'vision', got: '535', expected: 'a string' },
  { name: 'projenrc runner not one of the enum', project: { projenrcRunner: 'fast' }, build: () => {}, path: 'vision', got: '"fast"', expected: '"cached"' },
  // PythonService: types from plain JavaScript
  { name: 'props missing entirely', build: (p) => { new PythonService(p, 'api', any(undefined)); }, path: 'vision/api', got: 'undefined', expected: 'command is required' },
  { name: 'command as a string', build: svc({ command: 'python app.py' }), path: 'vision/api', got: '"python app.py"', expected: 'a list' },
  { name: 'command with a number', build: svc({ command: ['python', 3] }), path: 'vision/api', got: '3', expected: 'a string' },
  { name: 'empty command', build: svc({ command: [] }), path: 'vision/api', got: '[]', expected: 'non-empty list' },
  { name: 'whitespace program', build: svc({ command: [' '] }), path: 'vision/api', got: '" "', expected: 'the program to run' },
  { name: 'port NaN', build: svc({ port: NaN }), path: 'vision/api', got: 'NaN', expected: 'a finite number' },
  { name: 'port negative', build: svc({ port: -80 }), path: 'vision/api', got: '-80', expected: '1 to 65535' },
  { name: 'port absurd', build: svc({ port: 1e9 }), path: 'vision/api', got: '1000000000', expected: '1 to 65535' },
  { name: 'port as a string', build: svc({ port: '8000' }), path: 'vision/api', got: '"8000"', expected: 'a number' },
  { name: 'health path relative', build: svc({ port: 8000, healthCheckPath: 'healthz' }), path: 'vision/api', got: '"healthz"', expected: 'starting with "/"' },
  { name: 'health path without port', build: svc({ healthCheckPath: '/h' }), path: 'vision/api', got: '"/h"', expected: 'a port to probe' },
  { name: 'requirements as a list', build: svc({ requirements: ['numpy==1'] }), path: 'vision/api', got: '["numpy==1"]', expected: 'an object' },
  { name: 'requirement unpinned', build: svc({ requirements: { ml: ['numpy'] } }), path: 'vision/api', got: '"numpy"', expected: 'pinned' },
  { name: 'requirement with a range', build: svc({ requirements: { ml: ['numpy>=2'] } }), path: 'vision/api', got: '"numpy>=2"', expected: 'exact version' },
  { name: 'requirement with a space only', build: svc({ requirements: { core: ['  '] } }), path: 'vision/api', got: '"  "', expected: 'pinned pep 508' },
  { name: 'requirement with a newline', build: svc({ requirements: { core: ['a==1\nb==2'] } }), path: 'vision/api', got: '"a==1\\nb==2"', expected: 'pinned pep 508' },
  { name: 'same package, two tiers, two versions', build: svc({ requirements: { ml: ['numpy==2.1.3'], core: ['NumPy==2.0.0'] } }), path: 'vision/api', got: '"NumPy==2.0.0"', expected: 'same version in every tier' },
  { name: 'duplicate package in different case', build: svc({ requirements: { core: ['Flask==3.0.0', 'flask==3.0.0'] } }), path: 'vision/api', got: '"flask==3.0.0"', expected: 'one entry per package' },
  { name: 'torch by hand', build: svc({ requirements: { ml: ['torch==2.5.1'] } }), path: 'vision/api', got: '"torch==2.5.1"', expected: 'torchVersion' },
  { name: 'unknown tier', build: svc({ requirements: { test: ['pytest==8.3.4'] } }), path: 'vision/api', got: 'unknown property "requirements.test"', expected: 'ml, core, dev' },
  { name: 'misspelled prop', build: svc({ commnd: CMD }), path: 'vision/api', got: 'unknown property "commnd"', expected: 'did you mean "command"' },
  { name: 'source dir with ..', build: svc({ sourceDir: 'services/../../etc' }), path: 'vision/api', got: '"services/../../etc"', expected: 'without ".."' },
  { name: 'source dir absolute', build: svc({ sourceDir: '/home/me/api' }), path: 'vision/api', got: '"/home/me/api"', expected: 'relative to the project root' },
  { name: 'source dir named data', build: svc({ sourceDir: 'data' }), path: 'vision/api', got: '"data"', expected: 'no data, weights' },
  { name: 'service id "data"', build: svc({}, 'data'), path: 'vision/data', got: '"data"', expected: 'no data, weights' },
  { name: 'service id with unicode', build: svc({}, 'äpi'), path: 'vision/äpi', got: '"äpi"', expected: 'lowercase letters' },
  { name: 'service id with whitespace', build: svc({}, 'api '), path: 'vision/api ', got: '"api "', expected: 'lowercase letters' },
  { name: 'service id too long', build: svc({}, `a${'b'.repeat(45)}`), path: 'vision/a', got: `"a${'b'.repeat(45)}"`, expected: 'at most 40 characters' },
  { name: 'apt package with a version', build: svc({ aptPackages: ['curl=7.88'] }), path: 'vision/api', got: '"curl=7.88"', expected: 'debian package name' },
  { name: 'memory with a space', build: svc({ memoryLimit: '1 g' }), path: 'vision/api', got: '"1 g"', expected: '"512m" or "8g"' },
  { name: 'memory in GB', build: svc({ memoryLimit: '2GB' }), path: 'vision/api', got: '"2GB"', expected: '"512m" or "8g"' },
  { name: 'memory absurd', build: svc({ memoryLimit: '90000g' }), path: 'vision/api', got: '"90000g"', expected: 'at most' },
  { name: 'memory negative', build: svc({ memoryLimit: '-1g' }), path: 'vision/api', got: '"-1g"', expected: '"512m" or "8g"' },
  { name: 'cpus NaN', build: svc({ cpuLimit: NaN }), path: 'vision/api', got: 'NaN', expected: 'a finite number' },
  { name: 'cpus zero', build: svc({ cpuLimit: 0 }), path: 'vision/api', got: '0', expected: 'a number of cores' },
  { name: 'pids absurd', build: svc({ pidsLimit: 1e10 }), path: 'vision/api', got: '10000000000', expected: 'an integer from 16' },
  { name: 'tmp size without unit', build: svc({ tmpSize: '100' }), path: 'vision/api', got: '"100"', expected: '"512m" or "8g"' },
  { name: 'inline secret env', build: svc({ environment: { AWS_SECRET_ACCESS_KEY: 'x' } }), path: 'vision/api', got: '"AWS_SECRET_ACCESS_KEY" (value hidden)', expected: 'use a compose secret' },
  { name: 'env keys differing in case', build: svc({ environment: { Debug: '1', DEBUG: '0' } }), path: 'vision/api', got: '"DEBUG"', expected: 'one spelling' },
  { name: 'env name with a dash', build: svc({ environment: { 'LOG-LEVEL': 'info' } }), path: 'vision/api', got: '"LOG-LEVEL"', expected: 'letters, digits and "_"' },
  { name: 'env value not a string', build: svc({ environment: { WORKERS: 4 } }), path: 'vision/api', got: '4', expected: 'a string' },
  { name: 'dependsOn a string', build: svc({ dependsOn: ['db'] }), path: 'vision/api', got: '"db"', expected: 'a service construct' },
  { name: 'cpu torch unknown', build: svc({ torchVersion: '9.9.9' }), path: 'vision/api', got: '"9.9.9"', expected: 'a known torch version' },
  { name: 'addRequirement bad tier', build: (p) => { new PythonService(p, 'api', { command: CMD }).addRequirement(any('ML'), 'numpy==2.1.3'); }, path: 'vision/api', got: '"ML"', expected: '"ml", "core", "dev"' },
  // GPU services
  { name: 'trainer without torchVersion', build: trainer({ torchVersion: undefined }), path: 'vision/trainer', got: 'undefined', expected: 'torchVersion is required' },
  { name: 'trainer torch unknown', build: trainer({ torchVersion: '2.5.9' }), path: 'vision/trainer', got: '"2.5.9"', expected: '"2.5.1"' },
  { name: 'trainer cuda not offered', build: trainer({ cudaVersion: '12.6' }), path: 'vision/trainer', got: '"12.6"', expected: '12.4' },
  { name: 'trainer cuda too new for the driver', build: trainer({ torchVersion: '2.11.0', cudaVersion: '13.0' }), path: 'vision/trainer', got: '"535.104.05"', expected: '>= 580.65.06' },
  { name: 'trainer python without wheels', project: { pythonVersion: '3.14' }, build: trainer({}), path: 'vision/trainer', got: '"2.5.1"', expected: 'only 3.10, 3.11, 3.12' },
  { name: 'trainer gpu count zero', build: trainer({ gpuCount: 0 }), path: 'vision/trainer', got: '0', expected: 'an integer from 1 to 64' },
  { name: 'trainer count with device ids', build: trainer({ gpuCount: 1, gpuDeviceIds: ['0'] }), path: 'vision/trainer', got: '{"gpuCount":1,"gpuDeviceIds":["0"]}', expected: 'one of them' },
  { name: 'trainer shm size in GB', build: trainer({ shmSize: '8GB' }), path: 'vision/trainer', got: '"8GB"', expected: '"512m" or "8g"' },
  { name: 'trainer data dir escaping', build: trainer({ dataDir: '../datasets' }), path: 'vision/trainer', got: '"../datasets"', expected: 'without ".."' },
  { name: 'trainer arm64 without opt-in', build: trainer({ platform: 'linux/arm64' }), path: 'vision/trainer', got: '"linux/arm64"', expected: 'allowArm64' },
  { name: 'trainer base not in the enum', build: trainer({ gpuBase: 'cuda-devel' }), path: 'vision/trainer', got: '"cuda-devel"', expected: `"${GpuBase.PYTHON_SLIM}"` },
  { name: 'trainer alpine python image', build: trainer({ pythonImage: 'python:3.11.16-alpine' }), path: 'vision/trainer', got: '"python:3.11.16-alpine"', expected: 'slim-bookworm' },
  { name: 'trainer torchvision by hand', build: trainer({ requirements: { ml: ['torchvision==0.20.0'] } }), path: 'vision/trainer', got: '"torchvision==0.20.0"', expected: 'torchVersion' },
  { name: 'inference model dir absolute', build: inference({ modelDir: '/models' }), path: 'vision/inference', got: '"/models"', expected: 'relative to the project root' },
  { name: 'inference port out of range', build: inference({ port: 70000 }), path: 'vision/inference', got: '70000', expected: '1 to 65535' },
  { name: 'inference cuda image tag not in the data', build: inference({ gpuBase: GpuBase.CUDA_RUNTIME, cudaImageTag: '12.4.1-runtime-ubuntu24.04' }), path: 'vision/inference', got: '"12.4.1-runtime-ubuntu24.04"', expected: 'tag' },
  // ComposeStack and backing services
  { name: 'second stack', build: (p) => { svc({ port: 8000 })(p); new ComposeStack(p, 'stack'); new ComposeStack(p, 'again'); }, path: 'vision/again', got: '"again"', expected: 'one stack per project' },
  { name: 'stack without services', build: (p) => { new ComposeStack(p, 'stack'); }, path: 'vision/stack', got: '[]', expected: 'at least one' },
  { name: 'port published twice', build: stack({}, (p) => { svc({ port: 8000 })(p); svc({ port: 8000 }, 'web')(p); }), path: 'vision/stack', got: '8000', expected: 'published once' },
  { name: 'dependsOn cycle', build: cycle, path: 'vision/stack', got: '"a -> b -> a"', expected: 'without cycles' },
  { name: 'trainer memory below shm size', build: stack({}, trainer({ memoryLimit: '4g', shmSize: '8g' })), path: 'vision/trainer', got: '"4g"', expected: 'at least the shm size' },
  { name: 'backing service as a string', build: stack({ backingServices: ['postgres'] }), path: 'vision/stack', got: '"postgres"', expected: 'a BackingService' },
  { name: 'backing service twice', build: stack({ backingServices: [BackingService.POSTGRES, BackingService.postgres({ database: 'x' })] }), path: 'vision/stack', got: '"postgres"', expected: 'once' },
  { name: 'postgres beta version', build: stack({ backingServices: [BackingService.postgres({ version: '19 (beta)' })] }), path: 'vision/stack', got: '"19 (beta)"', expected: '"17"' },
  { name: 'digest too short', build: stack({ backingServices: [BackingService.redis({ digest: 'sha256:1234' })] }), path: 'vision/stack', got: '"sha256:1234"', expected: '64 lowercase hex' },
  { name: 'digest uppercase', build: stack({ backingServices: [BackingService.redis({ digest: `sha256:${'A'.repeat(64)}` })] }), path: 'vision/stack', got: `"sha256:${'A'.repeat(13)}`, expected: '64 lowercase hex' },
  { name: 'image tag latest', build: stack({ imageTag: 'latest' }), path: 'vision/stack', got: '"latest"', expected: 'not "latest"' },
  { name: 'registry with uppercase', build: stack({ imageRegistry: 'GHCR.io/Acme' }), path: 'vision/stack', got: '"GHCR.io/Acme"', expected: 'registry and path' },
  { name: 'unknown stack prop', build: stack({ service: [] }), path: 'vision/stack', got: 'unknown property "service"', expected: 'did you mean "services"' },
  { name: 'override of cap_add', build: (p) => { svc({})(p); new ComposeStack(p, 'stack').addOverride('api', 'cap_add', ['SYS_ADMIN']); }, path: 'vision/stack', got: '"cap_add"', expected: 'typed opt-outs' },
];

// One previously synthesized tree every row runs over: a failing row must leave it intact.
const dir = mkdtempSync(join(tmpdir(), 'mld-catalogue-'));
synthIn(dir, {}, (p) => {
  const api = new PythonService(p, 'api', { command: CMD, port: 8000, requirements: { core: ['fastapi==0.115.6'] } });
  api.addRequirement(RequirementTier.ML, 'numpy==2.1.3');
  new GpuTrainer(p, 'trainer', { torchVersion: '2.5.1', command: ['python', '-m', 'trainer.train'] });
  new ComposeStack(p, 'stack', { backingServices: [BackingService.POSTGRES] });
});
const before = tree(dir);

test('the catalogue has at least 60 rows with unique names', () => {
  expect(rows.length).toBeGreaterThanOrEqual(60);
  expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length);
});

test.each(rows.map((r) => [r.name, r] as const))('%s', (_name, row) => {
  let error: unknown;
  try {
    synthIn(dir, row.project ?? {}, row.build);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(MlDockerValidationError);
  const message = (error as Error).message;
  expect(message).toContain(`[${row.path}`);
  expect(message).toContain(row.got);
  expect(message).toContain(row.expected);
  expect(message).not.toMatch(/TypeError|ZodError|Invalid input|\.ejs:\d|at Object\.|undefined is not/);
  for (const problem of (error as MlDockerValidationError).problems) {
    expect(problem).toMatch(/^\[[^\]]*\] [a-z0-9"]/);
    expect(problem).toContain(': got ');
    expect(problem).toContain('; expected ');
  }
  expect(tree(dir)).toEqual(before);
});
