/**
 * The README's TypeScript examples, run as written: the first block is a whole
 * `.projenrc.ts`; the later blocks continue it (services, compose, Kubernetes). Imports of
 * 'projen-ml-docker' resolve to this repository's source.
 */
import { mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as ts from 'typescript';
import * as YAML from 'yaml';
import * as lib from '../src';
import { officialComposeErrors } from './support/compose-schema';
import { validateComposeSchema } from '../src/stack/compose-schema';

const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf-8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

function program(): string {
  const imports = new Set<string>();
  const body = blocks.map((block) => block
    .replace(/^\/\/ \.projenrc\.ts\n/, '')
    .replace(/import \{([^}]*)\} from 'projen-ml-docker';\n/g, (_m, names: string) => {
      names.split(',').map((n) => n.trim()).filter(Boolean).forEach((n) => imports.add(n));
      return '';
    })
    .replace(/^project\.synth\(\);\n/m, ''))
    .join('\n');
  return `const { ${[...imports].join(', ')} } = lib;\n${body}\nproject.synth();\n`;
}

test('the README has the examples this test runs', () => {
  expect(blocks.length).toBeGreaterThanOrEqual(4);
  expect(blocks[0]).toContain("from 'projen-ml-docker'");
});

test('the README examples run as written and synthesize a valid stack', () => {
  const source = program();
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  const outdir = mkdtempSync(join(tmpdir(), 'mld-readme-'));
  const previousCwd = process.cwd();
  const previousPost = process.env.PROJEN_DISABLE_POST;
  process.env.PROJEN_DISABLE_POST = 'true';
  process.chdir(outdir);
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    new Function('lib', js)(lib);
  } finally {
    process.chdir(previousCwd);
    if (previousPost === undefined) delete process.env.PROJEN_DISABLE_POST;
    else process.env.PROJEN_DISABLE_POST = previousPost;
  }
  const compose = YAML.parse(readFileSync(join(outdir, 'compose.yaml'), 'utf-8'));
  expect(Object.keys(compose.services).sort()).toEqual(['api', 'inference', 'mlflow', 'postgres', 'redis', 'trainer']);
  expect(officialComposeErrors(compose)).toEqual([]);
  expect(validateComposeSchema(compose)).toEqual([]); // our own rules agree
  expect(readFileSync(join(outdir, 'k8s/kustomization.yaml'), 'utf-8')).toContain('base');
  expect(readFileSync(join(outdir, 'docker/trainer/requirements-ml.txt'), 'utf-8')).toContain('transformers==4.47.0');
});
