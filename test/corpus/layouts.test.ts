/**
 * The three real trees of the layout corpus (read in place from
 * <repo>/../shared/data/realworld/layouts/), each defined by its examples/<name>/.projenrc.ts and
 * given the checks of test/layouts/shape-checks.ts. (The synthetic shapes:
 * test/layouts/shapes.test.ts.)
 */
import { readdirSync } from 'fs';
import { join } from 'path';
import { EXAMPLES, describeShapes } from '../layouts/shape-checks';
import { SHAPES } from '../layouts/shapes';
import { SHARED_DATA } from '../support/shared-data';

const LAYOUTS = join(SHARED_DATA, 'realworld', 'layouts');

test('there are at least eight shapes, three of them from the corpus, one example each', () => {
  expect(SHAPES.length).toBeGreaterThanOrEqual(8);
  expect(SHAPES.map((s) => s.example).sort()).toEqual(readdirSync(EXAMPLES).sort());
  expect(SHAPES.filter((s) => s.corpus).map((s) => s.corpus)).toEqual(['detr', 'nanogpt', 'litgpt']);
  expect(readdirSync(LAYOUTS).sort()).toEqual(['detr', 'litgpt', 'nanogpt']);
});

describeShapes(SHAPES.filter((s) => s.corpus), LAYOUTS);
