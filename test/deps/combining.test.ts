/**
 * pip's semantics for requirements of one package from several places (one install reads them
 * together): a bare or ranged line beside a pin is the pin when the pin lies in the range, extras
 * united, in the earliest tier that names the package; two ranges are both at once; a real
 * conflict is one error naming both places.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { PATH, problemsOf, projectWith, resolveIn } from './support';
import { Dependencies, PythonService } from '../../src';
import { combineRequirements, parseRequirementText, requirementLine } from '../../src/core/requirement-grammar';
import { synthIn } from '../util';

const combine = (a: string, b: string) => {
  const c = combineRequirements(parseRequirementText(a), parseRequirementText(b));
  return 'conflict' in c ? `conflict: ${c.conflict}` : requirementLine(c.requirement);
};

test('the grammar\'s combination', () => {
  expect(combine('numpy', 'NumPy==1.25.1')).toBe('NumPy==1.25.1');
  expect(combine('jax[tpu]>=0.7', 'jax[cuda12]==0.7.2')).toBe('jax[tpu,cuda12]==0.7.2');
  expect(combine('numpy>=1.20', 'numpy<2')).toBe('numpy>=1.20,<2');
  expect(combine('numpy>=2', 'numpy==1.25.1')).toBe('conflict: range');
  expect(combine('numpy==2.1.3', 'numpy==2.1.2')).toBe('conflict: versions');
  expect(combine('a @ https://h.invalid/a-1.tar.gz', 'a==1')).toBe('conflict: reference');
});

describe('requirement files', () => {
  const tiers = (files: Record<string, string>, options: Record<string, string[]>) =>
    resolveIn(projectWith(files), Dependencies.fromRequirementsFiles(options));

  test('numpy in a test file, numpy==1.25.1 in another: the pin, in the earlier tier', () => {
    const r = tiers({ 'requirements.txt': 'numpy==1.25.1\n', 'requirements-test.txt': 'numpy\npytest==8.3.4\n' },
      { core: ['requirements.txt'], dev: ['requirements-test.txt'] });
    expect(r.tiers).toEqual({ ml: [], core: ['numpy==1.25.1'], dev: ['pytest==8.3.4'] });
    expect(r.warnings).toEqual([]);
  });

  test('the bare line first, the pin later: the pin, where the bare line was', () => {
    const r = tiers({ 'ml.txt': 'numpy\n', 'dev.txt': 'numpy==1.25.1\n' }, { ml: ['ml.txt'], dev: ['dev.txt'] });
    expect(r.tiers).toEqual({ ml: ['numpy==1.25.1'], core: [], dev: [] });
  });

  test('two ranges are one requirement with both; still unpinned, each line says so', () => {
    const r = tiers({ 'r.txt': 'numpy>=1.20\nnumpy<2\n' }, { core: ['r.txt'] });
    expect(r.tiers.core).toEqual(['numpy>=1.20,<2']);
    expect(r.warnings.map((w) => /\] (\S+):/.exec(w)?.[1])).toEqual(['r.txt:1', 'r.txt:2']);
  });

  test('a pin outside a range is one error naming both places', () => {
    expect(problemsOf(() => tiers({ 'r.txt': 'numpy>=2\n', 'dev.txt': 'numpy==1.25.1\n' }, { core: ['r.txt'], dev: ['dev.txt'] }))).toEqual([
      `[${PATH}] dev.txt:1 asks for numpy outside what r.txt:1 (core tier) allows: got "numpy==1.25.1"; `
      + 'expected one version of a package that every line admits (r.txt:1 has "numpy>=2"; pip installs one for both)',
    ]);
  });
});

test('jax in pyproject.toml, jax[cuda12]==0.7.2 typed: the typed pin with its extra, once', () => {
  const pyproject = '[project]\nname = "demo"\nversion = "0.1.0"\ndependencies = ["jax", "rich==13.9.4"]\n';
  const dir = projectWith({ 'pyproject.toml': pyproject, 'services/api/__init__.py': '', 'services/api/main.py': '' });
  synthIn(dir, {}, (p) => new PythonService(p, 'api', {
    command: ['python', '-m', 'api.main'], dependencies: Dependencies.fromPyproject(), requirements: { ml: ['jax[cuda12]==0.7.2'] },
  }));
  const body = (tier: string) => readFileSync(join(dir, `docker/api/requirements-${tier}.txt`), 'utf-8').split('\n').filter((l) => l && !l.startsWith('#'));
  expect(body('ml')).toEqual(['jax[cuda12]==0.7.2']);
  expect(body('core')).toEqual(['rich==13.9.4']);
});

test('pyproject.toml without a lock: a dependency and an extra of one package are read together', () => {
  const text = '[project]\nname = "demo"\ndependencies = ["fastapi>=0.110"]\n\n[project.optional-dependencies]\nweb = ["fastapi[standard]==0.115.6"]\n';
  const r = resolveIn(projectWith({ 'pyproject.toml': text }), Dependencies.fromPyproject({ coreExtras: ['web'] }));
  expect(r.tiers.core).toEqual(['fastapi[standard]==0.115.6']);
  expect(r.warnings).toEqual([]);
});
