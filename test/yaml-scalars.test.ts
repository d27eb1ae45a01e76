/**
 * Environment values given as strings arrive as the same strings: every string scalar that a
 * YAML 1.1 or 1.2 reader would take for a boolean, null, number, timestamp or merge key is
 * quoted. Proven with the yaml package's 1.1 and 1.2 readers, then with the real readers:
 * `docker compose config --format json` and `kubectl kustomize`.
 */
import { spawnSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';
import * as fc from 'fast-check';
import { ComposeStack, KubernetesManifests, PythonService } from '../src';
import { compose } from './support/compose-cli';
import { newProject, synth } from './util';
import { YAML, readsAsNonString, toSafeYaml } from '../src/core/yaml';

/** Strings some YAML reader converts (1.1 type repository, 1.2 core/json, Go's yaml.v3). */
const HOSTILE = [
  // booleans and null in every spelling
  'y', 'Y', 'n', 'N', 'yes', 'Yes', 'YES', 'no', 'No', 'NO', 'on', 'On', 'ON', 'off', 'Off', 'OFF',
  'true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'yEs', 'null', 'Null', 'NULL', '~', '',
  // integers: decimal, octal (1.1 and 1.2), binary, hexadecimal, underscores, signs, sexagesimal
  '0', '007', '017', '0o17', '0O17', '0b101', '-0b1', '0x1F', '0xff_ff', '1_000', '+12', '-7', '1:20', '190:20:30',
  // floats
  '1.5', '1.', '.5', '-.5', '1e3', '1E-3', '6.8523015e+5', '685.230_15e+03', '1_000.5', '190:20:30.15',
  '.inf', '.Inf', '.INF', '-.inf', '+.inf', '.nan', '.NaN', '.NAN',
  // timestamps
  '2001-12-14', '2001-1-2', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5', '2001-12-15T02:59:43.1Z', '2002-12-14 21:59:43.10',
  // merge and value keys, indicators and lookalikes
  '<<', '=', '.', '-', '?', ':', '- x', '#x', 'a: b', 'a #b', '@x', '`x', '!x', '&x', '*x', '%x', '|', '>', "'x'", '"x"', '[x]', '{x}',
  ' leading', 'trailing ', '\ttab',
];
/** Strings that stay plain and must stay byte-identical (no needless quoting). */
const PLAIN = ['info', 'production', 'false-positive', 'yesterday', 'online', 'nano', 'v1.2', '127.0.0.1', '3.11.16', '1.2.3', 'ab-12', '12ab', 'inf', 'nan', '0x', '1e'];

describe('toSafeYaml: strings read back as the same strings', () => {
  test.each(HOSTILE.map((v) => [JSON.stringify(v), v]))('value %s', (_shown, value) => {
    const text = toSafeYaml({ KEY: value });
    for (const version of ['1.1', '1.2'] as const) {
      expect(YAML.parse(text, { version })).toEqual({ KEY: value });
    }
  });

  test.each(HOSTILE.filter((v) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(v)).map((v) => [v]))('key %s', (key) => {
    const text = toSafeYaml({ [key]: 'x' });
    for (const version of ['1.1', '1.2'] as const) expect(YAML.parse(text, { version })).toEqual({ [key]: 'x' });
  });

  test('random strings of YAML-significant characters read back unchanged in 1.1 and 1.2', () => {
    const chars = fc.constantFrom(...'0123456789_:.-+eEoxbOXBabcfilnorstuyNYT~<=# \t'.split(''));
    fc.assert(fc.property(fc.array(chars, { maxLength: 12 }).map((a) => a.join('')), (value) => {
      const text = toSafeYaml({ KEY: value, [`K_${value.replace(/[^A-Za-z0-9_]/g, '')}`]: 'x' });
      for (const version of ['1.1', '1.2'] as const) {
        expect(YAML.parse(text, { version }).KEY).toBe(value);
      }
    }), { numRuns: Number(process.env.FC_RUNS ?? 40) * 25 });
  });

  test.each(PLAIN.map((v) => [v]))('%s stays plain', (value) => {
    expect(readsAsNonString(value)).toBe(false);
    expect(toSafeYaml({ KEY: value })).toBe(`KEY: ${value}\n`);
  });
});

/** Environment names for the hostile values (one per value, in order). */
const ENV: Record<string, string> = Object.fromEntries(HOSTILE.map((v, i) => [`V${String(i).padStart(3, '0')}`, v]));
// Names that read as booleans or null in YAML 1.1 are keys too.
Object.assign(ENV, { Y: 'key-y', N: 'key-n', ON: 'key-on', NO: 'key-no', OFF: 'key-off', YES: 'key-yes', NULL: 'key-null', TRUE: 'key-true' });

function project() {
  const p = newProject();
  new PythonService(p, 'api', { command: ['python', '-m', 'api.main'], port: 8000, environment: ENV });
  new ComposeStack(p, 'stack');
  new KubernetesManifests(p, 'k8s');
  return { p, out: synth(p) };
}

describe('real readers read the values given', () => {
  const { p, out } = project();

  test('docker compose config --format json gives back every environment value exactly', () => {
    const res = compose(['-f', join(p.outdir, 'compose.yaml'), '--project-directory', p.outdir, 'config', '--format', 'json'], p.outdir);
    expect(res.stderr).not.toMatch(/error/i);
    expect(res.status).toBe(0);
    const env = JSON.parse(res.stdout).services.api.environment;
    expect(env).toEqual(ENV);
  });

  test('the compose file reads the same in YAML 1.1 and 1.2', () => {
    const text = readFileSync(join(p.outdir, 'compose.yaml'), 'utf-8');
    expect(YAML.parse(text, { version: '1.1' }).services.api.environment).toEqual(ENV);
    expect(YAML.parse(text, { version: '1.2' }).services.api.environment).toEqual(ENV);
    expect(out['compose.yaml']).toBe(text);
  });

  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf-8' });
  const hasKustomize = kubectl.status === 0 && /Kustomize Version: v5/.test(kubectl.stdout);
  (hasKustomize ? test : test.skip)('kubectl kustomize reads every environment value as the string given', () => {
    const res = spawnSync('kubectl', ['kustomize', 'k8s'], { cwd: p.outdir, encoding: 'utf-8' });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    // kustomize writes its output for YAML 1.2 readers (it leaves "." plain, for one), so its
    // output is read as 1.2: what it read from our files is what it writes back.
    const docs = YAML.parseAllDocuments(res.stdout, { version: '1.2' }).map((d) => d.toJS());
    const deployment = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'api');
    const env = Object.fromEntries(deployment.spec.template.spec.containers[0].env
      .map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(env).toEqual(ENV);
  });

  test('the Kubernetes manifest reads the same in YAML 1.1 and 1.2', () => {
    for (const version of ['1.1', '1.2'] as const) {
      const deployment = YAML.parseAllDocuments(out['k8s/base/api.yaml'], { version }).map((d) => d.toJS()).find((d) => d.kind === 'Deployment');
      const env = Object.fromEntries(deployment.spec.template.spec.containers[0].env
        .map((e: { name: string; value: string }) => [e.name, e.value]));
      expect(env).toEqual(ENV);
    }
  });
});
