/**
 * The synthetic layout shapes of test/layouts/shapes.ts (modeled on common public shapes), each
 * defined by its examples/<name>/.projenrc.ts and given the checks of shape-checks.ts. (The
 * three real trees of the shared corpus: test/corpus/layouts.test.ts.)
 */
import { existsSync } from 'fs';
import { join } from 'path';
import { EXAMPLES, describeShapes } from './shape-checks';
import { SHAPES } from './shapes';

test('five synthetic shapes, each with files of its own and an example of its own', () => {
  const synthetic = SHAPES.filter((s) => !s.corpus);
  expect(synthetic).toHaveLength(5);
  expect(synthetic.filter((s) => Object.keys(s.files ?? {}).length === 0)).toEqual([]);
  expect(new Set(synthetic.map((s) => s.example)).size).toBe(5);
  expect(synthetic.filter((s) => !existsSync(join(EXAMPLES, s.example, '.projenrc.ts')))).toEqual([]);
});

describeShapes(SHAPES.filter((s) => !s.corpus));
