/**
 * The README's TypeScript examples, run as written: the first block is a whole
 * `.projenrc.ts`; the later blocks continue it (services, compose, Kubernetes). Imports of
 * 'projen-ml-docker' resolve to this repository's source.
 */
import { mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as YAML from 'yaml';
import { composeConfig } from './support/compose-cli';
import { readmeProgram, runDefinition } from './support/run-definition';
import { validateComposeSchema } from '../src/stack/compose-schema';

const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf-8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

test('the README has the examples this test runs', () => {
  expect(blocks.length).toBeGreaterThanOrEqual(4);
  expect(blocks[0]).toContain("from 'projen-ml-docker'");
});

test('the README examples run as written and synthesize a valid stack', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'mld-readme-'));
  runDefinition(readmeProgram(), outdir);
  const compose = YAML.parse(readFileSync(join(outdir, 'compose.yaml'), 'utf-8'));
  expect(Object.keys(compose.services).sort()).toEqual(['api', 'inference', 'mlflow', 'postgres', 'redis', 'trainer']);
  expect(composeConfig(outdir, readFileSync(join(outdir, 'compose.yaml'), 'utf-8'))).toEqual({ ok: true, output: '' });
  expect(validateComposeSchema(compose)).toEqual([]); // our own rules agree
  expect(readFileSync(join(outdir, 'k8s/kustomization.yaml'), 'utf-8')).toContain('base');
  expect(readFileSync(join(outdir, 'docker/trainer/requirements-ml.txt'), 'utf-8')).toContain('transformers==4.47.0');
});
