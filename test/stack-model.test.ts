/**
 * The checks compose.yaml and the Kubernetes manifests share (src/stack/stack-model.ts) and
 * the ensure-secrets script both generate (src/stack/secrets-render.ts), tested directly.
 */
import { spawnSync } from 'child_process';
import { mkdtempSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { BackingService } from '../src';
import { Problems } from '../src/core/problems';
import { renderSecretsScript, SecretsScriptModel } from '../src/stack/secrets-render';
import { checkImageTarget, linkedEnvironmentClashes, resolveBacking } from '../src/stack/stack-model';

describe('checkImageTarget', () => {
  test.each([
    [undefined, undefined], ['ghcr.io/acme', 'v1.2.3'], ['localhost:5000/ml/team', '2024_01'], [undefined, '_x.y-z'],
  ])('accepts registry %p and tag %p', (registry, tag) => {
    const problems = new Problems('vision/stack');
    checkImageTarget(problems, registry, tag);
    expect(problems.count).toBe(0);
  });

  test('refuses a registry with a scheme or a tag, the "latest" tag and a tag docker refuses, each with what is allowed', () => {
    const problems = new Problems('vision/stack');
    checkImageTarget(problems, 'https://ghcr.io/acme', 'latest');
    checkImageTarget(problems, 'ghcr.io/acme:1', `-${'x'.repeat(3)}`);
    checkImageTarget(problems, undefined, 'x'.repeat(129));
    expect(() => problems.throwIfAny()).toThrow(/imageRegistry: got "https:\/\/ghcr.io\/acme"; expected a registry and path without a tag/);
    expect(problems.count).toBe(5);
  });
});

describe('resolveBacking', () => {
  test('resolves each backing service once under its kind, in the order given', () => {
    const problems = new Problems('vision/stack');
    const resolved = resolveBacking(problems, [BackingService.redis(), BackingService.postgres()], ['api']);
    expect(problems.count).toBe(0);
    expect([...resolved.keys()]).toEqual(['redis', 'postgres']);
    expect(resolved.get('postgres')!.container.name).toBe('postgres');
  });

  test('refuses an app service named like a backing service', () => {
    const problems = new Problems('vision/stack');
    resolveBacking(problems, [BackingService.redis()], ['api', 'redis']);
    expect(() => problems.throwIfAny()).toThrow('[vision/stack] an app service has the name of a backing service: got "redis"; expected app service ids other than "redis"');
  });
});

describe('linkedEnvironmentClashes', () => {
  test('finds the app variables a backing service sets, in any letter case, with the backing spelling', () => {
    expect(linkedEnvironmentClashes({ database_url: 'x', QUEUE: 'jobs', REDIS_URL: 'y' }, ['DATABASE_URL', 'REDIS_URL'])).toEqual([
      ['database_url', 'DATABASE_URL'], ['REDIS_URL', 'REDIS_URL'],
    ]);
    expect(linkedEnvironmentClashes({ QUEUE: 'jobs' }, ['DATABASE_URL'])).toEqual([]);
  });
});

describe('renderSecretsScript', () => {
  const base: SecretsScriptModel = {
    marker: 'generated',
    comments: ['why'],
    dir: 'secrets',
    dirVariable: false,
    names: ['db_password', 'token'],
    create: true,
    mode: '444',
    countMissing: false,
    root: '..',
    appSecrets: [],
    appMode: '644',
  };

  interface ScriptRun { root: string; status: number | null; stdout: string; stderr: string }

  function runIn(model: SecretsScriptModel, prepare?: (root: string) => void): ScriptRun {
    const root = mkdtempSync(join(tmpdir(), 'mld-secrets-'));
    mkdirSync(join(root, 'docker'));
    writeFileSync(join(root, 'docker', 'ensure-secrets.sh'), renderSecretsScript(model));
    prepare?.(root);
    const res = spawnSync('sh', [join(root, 'docker', 'ensure-secrets.sh')], { encoding: 'utf-8' });
    return { root, status: res.status, stdout: res.stdout, stderr: res.stderr };
  }

  test('creates missing secrets with the mode asked, in a folder only its owner enters, and keeps existing ones', () => {
    const { root, status, stdout, stderr } = runIn(base, (r) => {
      mkdirSync(join(r, 'secrets'));
      writeFileSync(join(r, 'secrets', 'token'), 'kept');
    });
    expect(status).toBe(0);
    // what it did goes to stderr: a task that runs it first (k8s:render) keeps stdout for its own output
    expect(stdout).toBe('');
    expect(stderr).toBe('created secrets/db_password\n');
    expect(readdirSync(join(root, 'secrets')).sort()).toEqual(['db_password', 'token']);
    expect(statSync(join(root, 'secrets')).mode.toString(8).slice(-3)).toBe('700');
    expect(statSync(join(root, 'secrets', 'db_password')).mode.toString(8).slice(-3)).toBe('444');
    expect(statSync(join(root, 'secrets', 'db_password')).size).toBe(96);
    expect(statSync(join(root, 'secrets', 'token')).size).toBe(4);
  });

  test('without create, lists each missing file and fails; through a dir variable', () => {
    const model = { ...base, dir: 'k8s/base/secrets', dirVariable: true, create: false, mode: '400', countMissing: true };
    const text = renderSecretsScript(model);
    expect(text).toContain('dir=k8s/base/secrets\nmkdir -p "$dir"\n');
    expect(text.endsWith('done\nexit $missing\n')).toBe(true);
    const { status, stderr } = runIn(model);
    expect(status).toBe(1);
    expect(stderr).toContain('missing k8s/base/secrets/db_password');
    expect(stderr).toContain('missing k8s/base/secrets/token');
  });

  test('starts with the shebang and the marker, then the comments', () => {
    expect(renderSecretsScript(base).split('\n').slice(0, 3)).toEqual(['#!/bin/sh', '# generated', '# why']);
  });
});
