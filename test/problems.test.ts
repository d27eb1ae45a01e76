/** How messages list what is allowed (src/core/problems.ts): never an empty "one of: ". */
import { validationError } from './util';
import { NONE_ALLOWED, oneOf, oneOfOrNone, Problems } from '../src/core/problems';

test('oneOf quotes each value; an empty list says there is nothing to choose', () => {
  expect(oneOf(['a', 'b "c"'])).toBe('"a", "b \\"c\\""');
  expect(oneOf([])).toBe(NONE_ALLOWED);
  expect(NONE_ALLOWED).toBe('nothing (there are none)');
});

test('oneOfOrNone: "one of: ..." or "none: <why>"', () => {
  expect(oneOfOrNone(['data', 'models'], 'the manifests have no volume claims')).toBe('one of: "data", "models"');
  expect(oneOfOrNone([], 'the manifests have no volume claims')).toBe('none: the manifests have no volume claims');
});

test('a problem with an empty list reads as a whole sentence', () => {
  const problems = new Problems('vision/k8s');
  problems.add('volumeSizes names a claim the manifests do not have', 'api-cache', oneOfOrNone([], 'the manifests have no volume claims'));
  problems.add('something names an unknown thing', 'x', `one of: ${oneOf([])}`);
  expect(validationError(() => problems.throwIfAny()).problems).toEqual([
    '[vision/k8s] volumeSizes names a claim the manifests do not have: got "api-cache"; expected none: the manifests have no volume claims',
    '[vision/k8s] something names an unknown thing: got "x"; expected one of: nothing (there are none)',
  ]);
});
