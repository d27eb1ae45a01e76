/**
 * The unit suite (`npx projen test`) needs nothing beside the clone: a test that reads the shared
 * reference data (../shared/data) belongs in test/corpus/, run by `npx projen test:corpus`.
 */
import { readdirSync, readFileSync } from 'fs';
import { join, relative } from 'path';

const TEST = __dirname;
/** Modules that only name where the shared data lies, for the corpus tests that import them. */
const PATH_HOLDERS = new Set(['support/shared-data.ts', 'support/compose-schema.ts', 'deps/support.ts', 'test-layout.test.ts']);

/** An import of the modules above, their names, or a path into ../shared written out. */
const READS_SHARED = /support\/(shared-data|compose-schema)'|\bREALWORLD\b|\bSHARED_DATA\b|'\.\.', 'shared'|\.\.\/shared\/data/;

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return ['corpus', 'engine', 'fixtures', '__snapshots__'].includes(e.name) && dir === TEST ? [] : testFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

test('no unit test reads the shared reference data', () => {
  const readers = testFiles(TEST)
    .map((f) => relative(TEST, f))
    .filter((f) => !PATH_HOLDERS.has(f))
    .filter((f) => READS_SHARED.test(readFileSync(join(TEST, f), 'utf-8')));
  expect(readers).toEqual([]);
});

test('the check sees each kind of reader', () => {
  for (const text of ["import { REALWORLD } from './support';", "import { readSharedJson } from './support/shared-data';",
    "join(__dirname, '..', '..', '..', 'shared', 'data')", "readFileSync('../shared/data/x.json')"]) {
    expect([text, READS_SHARED.test(text)]).toEqual([text, true]);
  }
  expect(READS_SHARED.test("import { validateComposeSchema } from '../src/stack/compose-schema';")).toBe(false);
});
