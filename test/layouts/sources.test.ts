/**
 * `sources`, `workdir` and `entryCheck` of a service: what the Dockerfile copies, what its ignore
 * file lets in, and the entry check at synth and in the prod stage.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import ignore from '@balena/dockerignore';
import { DockerfileParser } from 'dockerfile-ast';
import { PythonService } from '../../src';
import { cacheReportOfProject } from '../../src/cache-report/project-report';
import { expectValidationError, newProject, synth } from '../util';

function layout(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mld-sources-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const NANO = {
  'nanochat/__init__.py': '',
  'nanochat/engine.py': 'x = 1\n',
  'nanochat/data/__init__.py': '',
  'nanochat/data/loader.py': '',
  'scripts/chat_web.py': 'print(1)\n',
  'scripts/base_train.py': '',
  'configs/model.yaml': 'depth: 20\n',
  'train.py': 'print(2)\n',
  'checkpoints/model.pt': 'weights',
};

function copies(dockerfile: string, stage: string): string[][] {
  const doc = DockerfileParser.parse(dockerfile);
  const out: string[][] = [];
  let current = '';
  for (const ins of doc.getInstructions()) {
    if (ins.getKeyword() === 'FROM') current = ins.getArguments()[2]?.getValue() ?? '';
    if (current === stage && ins.getKeyword() === 'COPY') out.push(ins.getArguments().map((a) => a.getValue()));
  }
  return out;
}

describe('sources', () => {
  test('each path lands at /app/<path>, keeping its layout, after the runtime helpers and shared code', () => {
    const project = newProject({ outdir: layout(NANO) });
    new PythonService(project, 'chat', { command: ['python', '-m', 'scripts.chat_web'], port: 8000, sources: ['nanochat', 'scripts', 'configs', 'train.py'] });
    const out = synth(project);
    const dockerfile: string = out['docker/chat/Dockerfile'];
    expect(copies(dockerfile, 'prod')).toEqual([
      ['/opt/venv', '/opt/venv'],
      ['docker/runtime/mldocker_runtime', '/opt/mldocker/mldocker_runtime'],
      ['services/common', '/app/common'],
      ['nanochat', '/app/nanochat'],
      ['scripts', '/app/scripts'],
      ['configs', '/app/configs'],
      ['train.py', '/app/train.py'],
    ]);
    // no starter code is written for a service with sources
    expect(Object.keys(out).filter((f) => f.startsWith('services/chat'))).toEqual([]);
  });

  test('the ignore files let exactly the sources in (and the root union has them too)', () => {
    const project = newProject({ outdir: layout(NANO) });
    new PythonService(project, 'chat', { command: ['python', 'train.py'], sources: ['nanochat', 'train.py'] });
    const out = synth(project);
    for (const file of ['docker/chat/Dockerfile.dockerignore', '.dockerignore']) {
      const matcher = ignore().add(String(out[file]).split('\n'));
      expect(matcher.ignores('nanochat/engine.py')).toBe(false);
      expect(matcher.ignores('train.py')).toBe(false);
      expect(matcher.ignores('scripts/chat_web.py')).toBe(true);
      expect(matcher.ignores('checkpoints/model.pt')).toBe(true);
    }
  });

  test('workdir becomes the WORKDIR after the code is copied; the default test command runs from it', () => {
    const project = newProject({ outdir: layout({ 'src/app/__init__.py': '', 'src/app/main.py': '' }) });
    new PythonService(project, 'api', { command: ['python', '-m', 'app.main'], sources: ['src'], workdir: '/app/src', requirements: { dev: ['pytest==8.3.4'] } });
    const dockerfile: string = synth(project)['docker/api/Dockerfile'];
    expect(dockerfile).toContain('COPY --chown=10001:10001 src /app/src\nWORKDIR /app/src\nUSER 10001:10001');
    expect(dockerfile).toContain('CMD ["python", "-m", "pytest", "-q"]');
  });

  test('bad sources: missing, absolute, escaping, twice, nested, on the shared code, with sourceDir', () => {
    const dir = layout(NANO);
    const build = (props: Record<string, unknown>) => () => new PythonService(newProject({ outdir: dir }), 'chat', { command: ['python', 'train.py'], ...props } as any);
    expectValidationError(build({ sources: ['nanochat', 'tools'] }), 'vision/chat', '"tools"', 'a folder or file under');
    expectValidationError(build({ sources: ['/etc'] }), 'vision/chat', '"/etc"', 'relative to the project root');
    expectValidationError(build({ sources: ['../x'] }), 'vision/chat', '"../x"', 'without ".."');
    expectValidationError(build({ sources: ['train.py', 'train.py'] }), 'vision/chat', '"train.py"', 'each path once');
    expectValidationError(build({ sources: ['nanochat', 'nanochat/data'] }), 'vision/chat', '"nanochat/data"', 'each file copied once');
    expectValidationError(build({ sources: ['common'] }), 'vision/chat', '"common"', 'a path outside "common/"');
    expectValidationError(build({ sources: [] }), 'vision/chat', '[]', 'at least one folder or file');
    expectValidationError(build({ sources: ['train.py'], sourceDir: 'nanochat' }), 'vision/chat', '"nanochat"', 'one of them');
    expectValidationError(build({ sources: ['train.py'], workdir: 'app' }), 'vision/chat', '"app"', 'a clean absolute folder under it');
    expectValidationError(build({ sources: ['train.py'], workdir: '/srv' }), 'vision/chat', '"/srv"', 'a clean absolute folder under it');
  });
});

describe('entry check', () => {
  test('a module of the sources passes, and the prod stage checks it again at build (the runtime helper, nothing run)', () => {
    const project = newProject({ outdir: layout(NANO) });
    new PythonService(project, 'chat', { command: ['python', '-m', 'scripts.chat_web'], port: 8000, sources: ['nanochat', 'scripts'] });
    const dockerfile: string = synth(project)['docker/chat/Dockerfile'];
    const prod = dockerfile.slice(dockerfile.indexOf('FROM base AS prod'));
    const run = prod.split('\n').find((l) => l.startsWith('RUN ["python", "-m", "mldocker_runtime.entry_check", '))!;
    expect(run).toBeDefined();
    expect(JSON.parse(run.slice(4))).toEqual(['python', '-m', 'mldocker_runtime.entry_check', '--command=python -m scripts.chat_web', '--root=/app', '--root=/opt/mldocker', '--main-module=scripts.chat_web']);
    // the helper the image ships looks the module up without importing it
    const helper: string = readFileSync(join(project.outdir, 'docker/runtime/mldocker_runtime/entry_check.py'), 'utf-8');
    expect(helper).toContain('importlib.util.find_spec');
    expect(helper).not.toMatch(/import_module|exec\(|runpy|__import__/);
    // after the code, as the app user
    expect(prod.indexOf(run)).toBeGreaterThan(prod.indexOf('USER 10001:10001'));
    // dev and test targets do not repeat it
    expect(dockerfile.slice(0, dockerfile.indexOf('FROM base AS prod'))).not.toContain('entry_check');
  });

  test('an entry that resolves nowhere is refused with the nearest match, before anything is written', () => {
    const dir = layout(NANO);
    const project = newProject({ outdir: dir });
    new PythonService(project, 'chat', { command: ['python', '-m', 'scripts.chat_wbe'], sources: ['nanochat', 'scripts'] });
    const err = expectValidationError(() => synth(project), 'vision/chat', 'scripts.chat_wbe', 'did you mean');
    expect(err.message).toContain('scripts.chat_web');
  });

  test('a renamed sourceDir service keeping its old command is refused when the check is on', () => {
    const project = newProject();
    new PythonService(project, 'gateway', { command: ['uvicorn', 'api.main:app'], port: 8000, requirements: { core: ['fastapi==0.115.6', 'uvicorn==0.32.1'] }, entryCheck: true });
    expectValidationError(() => synth(project), 'vision/gateway', 'api.main:app', 'gateway.main');
  });

  test('a sourceDir service with the check on passes against the starter code it writes', () => {
    const project = newProject();
    new PythonService(project, 'gateway', { command: ['uvicorn', 'gateway.main:app'], port: 8000, requirements: { core: ['fastapi==0.115.6', 'uvicorn==0.32.1'] }, entryCheck: true });
    const out = synth(project);
    expect(out['docker/gateway/Dockerfile']).toContain('"mldocker_runtime.entry_check", "--command=uvicorn gateway.main:app", "--root=/app", "--root=/opt/mldocker", "--module=gateway.main", "--program=uvicorn"]');
    expect(out['services/gateway/main.py']).toBeDefined();
  });

  test('a requirement\'s module or console script counts (import names from data, e.g. pyyaml -> yaml)', () => {
    const project = newProject({ outdir: layout(NANO) });
    new PythonService(project, 'worker', { command: ['celery', '-A', 'nanochat.engine', 'worker'], sources: ['nanochat'], requirements: { core: ['celery==5.4.0'] } });
    expect(synth(project)['docker/worker/Dockerfile']).toContain('"--module-or-attribute=nanochat.engine", "--program=celery"]');
  });

  test('a missing file entry fails; entryCheck: false lets an entry the check cannot see through, without a build step', () => {
    const dir = layout(NANO);
    const p1 = newProject({ outdir: dir });
    new PythonService(p1, 'chat', { command: ['python', 'scripts/chat.py'], sources: ['scripts'] });
    expectValidationError(() => synth(p1), 'vision/chat', 'scripts/chat.py', 'scripts/chat_web.py');
    const p2 = newProject({ outdir: dir });
    new PythonService(p2, 'chat', { command: ['sh', '-c', 'exec python train.py'], sources: ['train.py'] });
    expectValidationError(() => synth(p2), 'vision/chat', 'exec python train.py', 'entryCheck: false');
    const p3 = newProject({ outdir: dir });
    new PythonService(p3, 'chat', { command: ['sh', '-c', 'exec python train.py'], sources: ['train.py'], entryCheck: false });
    expect(synth(p3)['docker/chat/Dockerfile']).not.toContain('entry_check');
  });
});

describe('cache report', () => {
  test('every source is the service\'s code: one change touching them all invalidates no dependency layer', () => {
    const project = newProject({ outdir: layout(NANO) });
    new PythonService(project, 'chat', { command: ['python', '-m', 'scripts.chat_web'], sources: ['nanochat', 'scripts', 'train.py'], requirements: { core: ['fastapi==0.115.6'] } });
    synth(project);
    const report = cacheReportOfProject(project);
    const service = report.service('chat');
    const app = service.changes.find((c) => c.id === 'app-code')!;
    expect((app.files ?? []).map((f) => f.split('/')[0])).toEqual(['nanochat', 'scripts', 'train.py']);
    expect(service.changes.filter((c) => c.id.startsWith('context:'))).toEqual([]);
    const impact = report.impact('chat', 'prod', 'app-code');
    expect(impact.invalidatedDependencyLayers).toBe(0);
    // the first source's COPY and everything after it re-run; the venv copy before it is kept
    expect(impact.invalidated.length).toBeGreaterThanOrEqual(4);
    expect(impact.kept.length).toBeGreaterThan(0);
    expect(report.checkPromises().filter((p) => !p.holds)).toEqual([]);
  });
});

describe('module shadowing', () => {
  test('a top-level module of the sources that hides the standard library, the runtime helpers or a requirement is refused', () => {
    const dir = layout({ 'logging/__init__.py': '', 'app.py': '', 'mldocker_runtime.py': '', 'yaml/__init__.py': '', 'yaml/load.py': '' });
    const build = (sources: string[], requirements: string[] = []) => () => synth((() => {
      const p = newProject({ outdir: dir });
      new PythonService(p, 'api', { command: ['python', 'app.py'], sources: ['app.py', ...sources], requirements: { core: requirements } });
      return p;
    })());
    expectValidationError(build(['logging']), 'vision/api', '"logging"', 'no name of the standard library');
    expectValidationError(build(['mldocker_runtime.py']), 'vision/api', '"mldocker_runtime.py"', 'the runtime helpers');
    expectValidationError(build(['yaml'], ['PyYAML==6.0.2']), 'vision/api', 'declared requirement "pyyaml"', 'rename it');
    // without the requirement, a code package named yaml is only the project's own
    expect(build(['yaml'])()['docker/api/Dockerfile']).toContain('COPY --chown=10001:10001 yaml /app/yaml');
  });

  test('service ids named after the standard library or the runtime package are refused (one table with the entry layer)', () => {
    expectValidationError(() => new PythonService(newProject(), 'queue', { command: ['python', '-m', 'queue.main'] }), 'vision/queue', '"queue"', 'not a standard library module');
    expectValidationError(() => new PythonService(newProject(), 'mldocker-runtime', { command: ['python', '-m', 'x'] }), 'vision/mldocker-runtime', '"mldocker-runtime"', 'runtime helpers');
  });
});
