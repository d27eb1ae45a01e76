/**
 * The cache report's text and JSON (src/cache-report/report-render.ts) and how it reads a
 * project from disk (src/cache-report/project-files.ts).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { DOCKERFILE } from './support/cache-report-fixture';
import { analyzeDockerfile } from '../src/cache-report/analyze';
import { readProjectDockerfiles } from '../src/cache-report/project-files';
import { checkPromises } from '../src/cache-report/promises';
import { renderReportTable, reportJson } from '../src/cache-report/report-render';

describe('renderReportTable', () => {
  const report = analyzeDockerfile({ service: 'api', dockerfile: DOCKERFILE });
  const text = renderReportTable([report], checkPromises(report));
  const lines = text.split('\n');

  test('lists the changes by column letter, then one row per step with X for a re-run and . for CACHED', () => {
    expect(lines[0]).toBe('== api: docker/api/Dockerfile (no ignore file)');
    expect(lines[2]).toMatch(/^ {2}A {2}app-code +the service's code \(a file under services\/api\); e\.g\. services\/api\/__init__\.py$/);
    const ml = lines.find((l) => l.startsWith('  [builder 2/3]'))!;
    // A app-code, B shared-code, C runtime-helpers, D requirements:ml, E requirements:core, F base-image ...
    expect(ml.trimEnd().split(/\s+/).slice(-9)).toEqual(['.', '.', '.', 'X', '.', 'X', 'X', 'X', '.']);
    expect(ml).toContain('[dep]');
  });

  test('sums the re-run steps and dependency layers per change; ends with the promises', () => {
    expect(lines.find((l) => l.startsWith('  re-run dependency layers [dep]'))!.trim().split(/\s+/).slice(-9)).toEqual(['0', '0', '0', '3', '2', '4', '4', '4', '1']);
    expect(text.endsWith('promises:\n  ok     api: a code-only change rebuilds no dependency layer (app-code, shared-code, runtime-helpers on prod: 0 dependency layers rebuilt)\n'
      + '  ok     api: a core-tier change keeps the ml-tier layer (kept: prod [builder 2/3])\n')).toBe(true);
  });

  test('says when no promise applies', () => {
    expect(renderReportTable([], [])).toBe('promises: none apply\n');
  });

  test('the JSON carries the project, a legend, the services and the promises', () => {
    const json = reportJson('/p', [report], []);
    expect(Object.keys(json)).toEqual(['projectDir', 'legend', 'services', 'promises']);
    expect(json.services[0].targets[0].target).toBe('prod');
  });
});

describe('readProjectDockerfiles', () => {
  function project(): string {
    const dir = mkdtempSync(join(tmpdir(), 'mld-cr-files-'));
    for (const id of ['api', 'worker']) {
      mkdirSync(join(dir, 'docker', id), { recursive: true });
      writeFileSync(join(dir, 'docker', id, 'Dockerfile'), `FROM python:3.12 AS prod\nCOPY services/${id} services/${id}\n`);
    }
    mkdirSync(join(dir, 'docker', 'runtime'));
    writeFileSync(join(dir, 'docker', 'api', 'Dockerfile.dockerignore'), '*\n!services/api\n');
    writeFileSync(join(dir, '.dockerignore'), 'node_modules\n');
    for (const f of ['services/api/main.py', 'node_modules/x/index.js', '.git/HEAD', 'services/api/.git/x']) {
      mkdirSync(join(dir, f, '..'), { recursive: true });
      writeFileSync(join(dir, f), '');
    }
    return dir;
  }

  test('reads each service with its own ignore file, else the root one', () => {
    const { inputs } = readProjectDockerfiles(project());
    expect(inputs.map((i) => [i.service, i.dockerfilePath, i.ignoreFilePath])).toEqual([
      ['api', 'docker/api/Dockerfile', 'docker/api/Dockerfile.dockerignore'],
      ['worker', 'docker/worker/Dockerfile', '.dockerignore'],
    ]);
    expect(inputs[1].ignoreFile).toBe('node_modules\n');
  });

  test('lists the context under a path without node_modules and .git; a file is itself', () => {
    const { filesUnder } = readProjectDockerfiles(project());
    expect(filesUnder('services')).toEqual(['services/api/main.py']);
    expect(filesUnder('services/api/main.py')).toEqual(['services/api/main.py']);
    expect(filesUnder('nothing/here')).toEqual([]);
    expect(filesUnder('.')).toContain('docker/api/Dockerfile');
    expect(filesUnder('.').some((f) => f.startsWith('node_modules/') || f.startsWith('.git/'))).toBe(false);
  });

  test('a service without a Dockerfile is an error naming the services there are', () => {
    expect(() => readProjectDockerfiles(project(), { services: ['api', 'nope'] })).toThrow(/no Dockerfile for service "nope" under .*; services: api, worker$/);
    expect(readProjectDockerfiles(project(), { services: ['worker'], targets: ['prod'] }).inputs.map((i) => [i.service, i.targets])).toEqual([['worker', ['prod']]]);
  });
});
