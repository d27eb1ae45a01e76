/**
 * The same requirement listed twice under two spellings of the name (`Scikit_Learn==1.5.2`,
 * `scikit-learn==1.5.2`) is one requirement, as pip takes it; only different versions are a
 * conflict (found by a hostile review).
 */
import { H } from './lock-fixtures';
import { PATH, problemsOf, projectWith, resolveIn } from './support';
import { parseRequirementText, sameRequirement } from '../../src/core/requirement-grammar';
import { Dependencies } from '../../src/deps';

const files = (text: string, more: Record<string, string> = {}) => resolveIn(projectWith({ 'requirements.txt': text, ...more }),
  Dependencies.fromRequirementsFiles({ core: ['requirements.txt'], dev: more['dev.txt'] ? ['dev.txt'] : undefined }));

describe('requirement files', () => {
  test('an identical pin under two spellings is kept once, in the first spelling', () => {
    const r = files('Scikit_Learn==1.5.2\nscikit-learn==1.5.2\nnumpy==2.1.3\nNumPy==2.1.3.0\n');
    expect(r.tiers.core).toEqual(['numpy==2.1.3', 'Scikit_Learn==1.5.2']);
    expect(r.warnings).toEqual([]);
  });

  test('also across tiers (the first tier keeps it)', () => {
    const r = files('scikit-learn==1.5.2\n', { 'dev.txt': 'scikit.learn==1.5.2\npytest==8.3.4\n' });
    expect(r.tiers.core).toEqual(['scikit-learn==1.5.2']);
    expect(r.tiers.dev).toEqual(['pytest==8.3.4']);
  });

  test('two versions are still a conflict', () => {
    expect(problemsOf(() => files('Scikit_Learn==1.5.2\nscikit-learn==1.5.1\n'))).toEqual([
      `[${PATH}] requirements.txt:2 pins scikit-learn differently than requirements.txt:1: got "scikit-learn==1.5.1"; expected one version of a package in the image (requirements.txt:1 has "Scikit_Learn==1.5.2")`,
    ]);
  });

  test('the same pin with other extras says so, with the line that asks for both', () => {
    expect(problemsOf(() => files('uvicorn[standard]==0.32.1\nUvicorn==0.32.1\n'))).toEqual([
      `[${PATH}] requirements.txt:2 lists Uvicorn again with other extras than requirements.txt:1: got "Uvicorn==0.32.1"; expected one line for the package with every extra it needs, e.g. "Uvicorn[standard]==0.32.1" (requirements.txt:1 has "uvicorn[standard]==0.32.1")`,
    ]);
  });

  test('a hashed file: the same pin twice under two spellings is one package', () => {
    const hash = H('scikit-learn');
    const r = files(`Scikit_Learn==1.5.2 ${hash}\nscikit-learn==1.5.2 ${hash}\n`);
    expect(r.packages.core.map((p) => `${p.key}==${p.version}`)).toEqual(['scikit-learn==1.5.2']);
  });
});

describe('pyproject.toml without a lock', () => {
  test('an extra repeating a dependency under another spelling adds nothing', () => {
    const text = ['[project]', 'name = "demo"', 'dependencies = ["Scikit_Learn==1.5.2"]', '', '[project.optional-dependencies]', 'ml = ["scikit-learn==1.5.2"]', ''].join('\n');
    const r = resolveIn(projectWith({ 'pyproject.toml': text }), Dependencies.fromPyproject({ coreExtras: ['ml'] }));
    expect(r.tiers.core).toEqual(['Scikit_Learn==1.5.2']);
  });
});

describe('sameRequirement', () => {
  const same = (a: string, b: string) => sameRequirement(parseRequirementText(a), parseRequirementText(b));
  test('names, extras and pins compare normalized; other specifiers as sets of clauses', () => {
    expect(same('Scikit_Learn==1.5.2', 'scikit-learn==1.5.2')).toBe(true);
    expect(same('numpy==2.1', 'numpy==2.1.0')).toBe(true);
    expect(same('a[X_1,y]==1', 'A[y,x-1]==1')).toBe(true);
    expect(same('a>=1,<2', 'a<2,>=1')).toBe(true);
    expect(same('a===1.0', 'a==1.0')).toBe(false);
    expect(same('a==1', 'a==2')).toBe(false);
    expect(same('a[x]==1', 'a==1')).toBe(false);
    expect(same('a @ https://h/a-1.tar.gz', 'a==1')).toBe(false);
  });
});
