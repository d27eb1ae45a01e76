/**
 * The `mldocker-cache-report` CLI reads hand-written Dockerfiles as text: it loads neither
 * projen nor constructs (only `cacheReportOfProject`, the project's own path, reads constructs).
 * Each module is loaded in a fresh module registry in which requiring projen or constructs
 * throws; the control shows that registry does catch a module that needs projen.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

type Cli = typeof import('../src/bin/cache-report-cli');

/** Requires `module` where requiring projen or constructs throws; returns the module or that error. */
function loadWithoutConstructs<T>(module: string): T {
  let loaded: T | undefined;
  jest.isolateModules(() => {
    for (const name of ['projen', 'constructs']) {
      jest.doMock(name, () => {
        throw new Error(`${name} was loaded`);
      });
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(module) as T;
  });
  return loaded!;
}

afterEach(() => {
  jest.dontMock('projen');
  jest.dontMock('constructs');
});

test('the CLI loads, and reports a hand-written Dockerfile, without projen or constructs', () => {
  const { main } = loadWithoutConstructs<Cli>('../src/bin/cache-report-cli');
  const dir = mkdtempSync(join(tmpdir(), 'mld-cache-cli-'));
  mkdirSync(join(dir, 'docker', 'app'), { recursive: true });
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'src', 'main.py'), 'print("hi")\n');
  writeFileSync(join(dir, 'docker', 'app', 'requirements-core.txt'), 'requests==2.32.3\n');
  writeFileSync(join(dir, 'docker', 'app', 'Dockerfile'), [
    'FROM python:3.12.8-slim-bookworm AS prod',
    'RUN --mount=type=bind,source=docker/app/requirements-core.txt,target=/tmp/core.txt pip install -r /tmp/core.txt',
    'COPY src /app/src',
    'CMD ["python", "/app/src/main.py"]',
    '',
  ].join('\n'));
  let out = '';
  let err = '';
  const code = main(['--target', 'prod', dir], (t) => { out += t; }, (t) => { err += t; });
  expect({ code, err }).toEqual({ code: 0, err: '' });
  expect(out).toContain('== app: docker/app/Dockerfile');
  expect(out).toContain('target prod: X = re-run, . = CACHED');
  expect(out).toMatch(/^ {2}B {2}requirements:core +the core requirement tier \(docker\/app\/requirements-core\.txt\)$/m);
  expect(out).toMatch(/^ {2}\[prod 2\/3\] RUN .* \[dep\] \. {2}X {2}X {2}X *$/m);
  expect(out).toMatch(/^ {2}ok +app: a code-only change rebuilds no dependency layer/m);
});

test('control: the project\'s own path needs projen, and the registry refuses it', () => {
  expect(() => loadWithoutConstructs('../src/cache-report/project-report')).toThrow(/^(projen|constructs) was loaded$/);
});
