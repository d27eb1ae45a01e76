/**
 * Nothing is lost: a failed synth leaves the previous generated tree byte-identical, user
 * files are never overwritten or deleted, and generated files edited by hand are restored.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ComposeStack, MlDockerProject, MlDockerValidationError, PythonService } from '../src';
import { synthIn, tree } from './util';
import * as template from '../src/core/template';

const API = { command: ['python', '-m', 'api.main'], port: 8000, requirements: { core: ['fastapi==0.115.6'] } };

function stack(p: MlDockerProject): void {
  new PythonService(p, 'api', API);
  new PythonService(p, 'worker', { command: ['python', '-m', 'worker.main'] });
  new ComposeStack(p, 'stack');
}

describe('a failed synth leaves the previous tree as it was', () => {
  let dir: string;
  let before: Record<string, string>;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mld-lost-'));
    synthIn(dir, {}, stack);
    before = tree(dir);
    expect(Object.keys(before)).toContain('docker/worker/Dockerfile');
  });

  afterEach(() => jest.restoreAllMocks());

  test('when a template throws while rendering', () => {
    jest.spyOn(template, 'renderTemplate').mockImplementation(() => {
      throw new Error('template exploded');
    });
    // The worker is gone from the new definition: a lazy renderer would already have deleted its files.
    expect(() => synthIn(dir, {}, (p) => {
      new PythonService(p, 'api', API);
      new ComposeStack(p, 'stack');
    })).toThrow('template exploded');
    expect(tree(dir)).toEqual(before);
  });

  test('when a stack-wide check fails (a host port published twice)', () => {
    expect(() => synthIn(dir, {}, (p) => {
      new PythonService(p, 'api', API);
      new PythonService(p, 'web', { command: ['python', '-m', 'web.main'], port: 8000 });
      new ComposeStack(p, 'stack');
    })).toThrow(MlDockerValidationError);
    expect(tree(dir)).toEqual(before);
  });

  test('when a construct rejects its props', () => {
    expect(() => synthIn(dir, {}, (p) => {
      new PythonService(p, 'api', { ...API, port: 0 });
    })).toThrow(MlDockerValidationError);
    expect(tree(dir)).toEqual(before);
  });
});

describe('user files', () => {
  test('sample code is written once and never overwritten or deleted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mld-lost-'));
    synthIn(dir, {}, stack);
    const main = join(dir, 'services/api/main.py');
    writeFileSync(main, '# my own server\n');
    writeFileSync(join(dir, 'services/api/extra.py'), 'x = 1\n');
    synthIn(dir, {}, stack);
    expect(readFileSync(main, 'utf-8')).toBe('# my own server\n');
    // removing the service removes its generated files and keeps its code
    synthIn(dir, {}, (p) => {
      new PythonService(p, 'worker', { command: ['python', '-m', 'worker.main'] });
      new ComposeStack(p, 'stack');
    });
    expect(existsSync(join(dir, 'docker/api/Dockerfile'))).toBe(false);
    expect(existsSync(join(dir, 'docker/api/requirements-core.txt'))).toBe(false);
    expect(readFileSync(main, 'utf-8')).toBe('# my own server\n');
    expect(existsSync(join(dir, 'services/api/extra.py'))).toBe(true);
  });

  test('a generated file edited by hand (its marker kept) is restored by the next synth', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mld-lost-'));
    synthIn(dir, {}, stack);
    const file = join(dir, 'docker/api/Dockerfile');
    const original = readFileSync(file, 'utf-8');
    expect(statSync(file).mode.toString(8).slice(-3)).toBe('444');
    chmodSync(file, 0o644);
    writeFileSync(file, `${original}RUN echo edited by hand\n`);
    synthIn(dir, {}, stack);
    expect(readFileSync(file, 'utf-8')).toBe(original);
  });

  test('a generated file replaced by one without the marker is the user\'s: the synth refuses to overwrite it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mld-lost-'));
    synthIn(dir, {}, stack);
    const file = join(dir, 'docker/api/Dockerfile');
    chmodSync(file, 0o644);
    writeFileSync(file, 'FROM scratch\n');
    const before = tree(dir);
    expect(() => synthIn(dir, {}, stack)).toThrow('[vision/api] a file of yours (it has no projen marker) is where the definition writes a file (never over yours): got "docker/api/Dockerfile"');
    expect(tree(dir)).toEqual(before);
  });

});
