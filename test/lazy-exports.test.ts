/**
 * The post-compile step that makes lib/index.js load each module on the first read of one of
 * its exports (scripts/lazy-exports.js): applied to what tsc makes of src/index.ts, it refuses
 * what it does not know, and a module is loaded only when an export of it is read.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as ts from 'typescript';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { lazyIndex } = require('../scripts/lazy-exports.js') as { lazyIndex: (text: string) => string };

/** CommonJS output of a TypeScript module, as the package's compile writes it. */
function compile(source: string): string {
  const compilerOptions = {
    module: ts.ModuleKind.Node16, target: ts.ScriptTarget.ES2022, esModuleInterop: true,
  };
  return ts.transpileModule(source, { compilerOptions }).outputText;
}

test('the index of this package, as tsc compiles it, is rewritten: one loader per module, every export kept', () => {
  const compiled = compile(readFileSync(join(__dirname, '..', 'src', 'index.ts'), 'utf-8'));
  const lazy = lazyIndex(compiled);
  const exportsOf = (text: string) => [...text.matchAll(/Object\.defineProperty\(exports, "(\w+)"/g)].map((m) => m[1]).sort();
  expect(exportsOf(lazy)).toEqual(exportsOf(compiled));
  expect(exportsOf(lazy).length).toBeGreaterThan(20);
  expect(lazy).not.toMatch(/^var \w+ = require\(/m);
});

test('a module is loaded on the first read of one of its exports, once', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mld-lazy-'));
  const loads = join(dir, 'loads.txt');
  for (const name of ['a', 'b']) {
    writeFileSync(join(dir, `${name}.js`), `require('fs').appendFileSync(${JSON.stringify(loads)}, '${name}');\nexports.${name.toUpperCase()} = { name: '${name}' };\n`);
  }
  writeFileSync(loads, '');
  writeFileSync(join(dir, 'index.js'), lazyIndex(compile("export { A } from './a';\nexport { B } from './b';\n")));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const index = require(join(dir, 'index.js'));
  expect(readFileSync(loads, 'utf-8')).toBe('');
  expect(Object.keys(index).sort()).toEqual(['A', 'B']);
  expect(readFileSync(loads, 'utf-8')).toBe('');
  expect(index.B).toEqual({ name: 'b' });
  expect(index.B).toBe(index.B);
  expect(readFileSync(loads, 'utf-8')).toBe('b');
});

test('a line it does not know fails the build', () => {
  const compiled = compile("export * from './a';\n");
  expect(() => lazyIndex(compiled)).toThrow(/a line the compiled index was not expected to hold/);
  expect(() => lazyIndex('"use strict";\n')).toThrow(/requires no module/);
});
