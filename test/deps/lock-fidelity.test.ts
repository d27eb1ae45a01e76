/**
 * Locks read as their own tools read them: a poetry.lock with several entries of one name
 * (chosen by each entry's python-versions, by poetry's groups and markers from lock-version
 * 2.1, by the constraint of the edge, the highest version first as poetry's exporter does), a
 * uv.lock that forks by Python (`resolution-markers`, versions named on the edges), and Poetry
 * 2's groups beside `[project]`. The locks here are our own, in the shape the tools write.
 */
import { H, sha } from './lock-fixtures';
import { POETRY_SCENARIOS, wheel } from './poetry-fixtures';
import { problemsOf, projectWith, resolveIn } from './support';
import { Dependencies } from '../../src/deps';

/** name==version of every package the resolution installs, torch's included. */
const pins = (r: ReturnType<typeof resolveIn>) =>
  [...r.packages.ml, ...r.packages.core, ...r.packages.dev, ...r.torch?.packages ?? []]
    .map((p) => `${p.key}==${p.version}`).sort();
const scenario = (name: string) => POETRY_SCENARIOS.find((s) => s.name.startsWith(name))!;
const rootOf = (name: string) => projectWith({ 'pyproject.toml': scenario(name).pyproject, 'poetry.lock': scenario(name).lock });

describe('poetry.lock with several entries of one name', () => {
  test('one entry per python in the pyproject: each python gets its entry', () => {
    const root = rootOf('one scipy entry per python');
    expect(pins(resolveIn(root, Dependencies.fromPyproject(), { pythonVersion: '3.11.9' }))).toEqual(['scipy==1.16.0']);
    expect(pins(resolveIn(root, Dependencies.fromPyproject(), { pythonVersion: '3.10.14' }))).toEqual(['scipy==1.15.3']);
  });

  test('a plain range for the project\'s every python: the entry whose python-versions admit them all, as poetry\'s walker picks', () => {
    // poetry export reads this lock as scipy 1.15.3 for every python (1.16.0 does not admit 3.10)
    expect(pins(resolveIn(rootOf('a plain range'), Dependencies.fromPyproject(), { pythonVersion: '3.11.9' }))).toEqual(['scipy==1.15.3']);
  });

  test('an edge\'s constraint chooses among the entries; a chosen version that fits a later edge stays', () => {
    expect(pins(resolveIn(rootOf('edge constraints'), Dependencies.fromPyproject()))).toEqual(['app-lib==1.0.0', 'other==2.0.0', 'scipy==1.15.3']);
  });

  test('lock-version 2.1: torch entries for darwin, linux aarch64 (+cpu) and linux x86_64 (+cu126) by their markers', () => {
    const root = rootOf('torch for darwin');
    expect(pins(resolveIn(root, Dependencies.fromPyproject()))).toEqual(['pytest==8.3.4', 'torch==2.7.1+cu126']);
    expect(pins(resolveIn(root, Dependencies.fromPyproject(), { platform: 'linux/arm64' }))).toEqual(['pytest==8.3.4', 'torch==2.7.1+cpu']);
    // no dev group asked for: poetry installs no package of the dev group alone
    expect(resolveIn(root, Dependencies.fromPyproject({ devGroups: [] })).tiers.dev).toEqual([]);
  });
});

describe('poetry 2: groups beside [project]', () => {
  const text = [
    '[project]', 'name = "demo"', 'version = "0.1.0"', 'requires-python = ">=3.10"', 'dependencies = ["rich==13.9.4"]', '',
    '[tool.poetry.group.dev.dependencies]', 'pytest = "8.3.4"', '', '[tool.poetry.group.lint.dependencies]', 'ruff = "0.8.4"', '',
  ].join('\n');

  test('the dev group is the dev tier by default; devGroups names others', () => {
    const root = projectWith({ 'pyproject.toml': text });
    expect(resolveIn(root, Dependencies.fromPyproject()).tiers).toEqual({ ml: [], core: ['rich==13.9.4'], dev: ['pytest==8.3.4'] });
    expect(resolveIn(root, Dependencies.fromPyproject({ devGroups: ['dev', 'lint'] })).tiers.dev).toEqual(['pytest==8.3.4', 'ruff==0.8.4']);
    expect(problemsOf(() => resolveIn(root, Dependencies.fromPyproject({ devGroups: ['docs'] })))).toEqual([
      '[vision/api] dependencies.devGroups names an unknown dependency group: got "docs"; expected one of: "dev", "lint"',
    ]);
  });
});

describe('uv.lock forks by python', () => {
  const pkg = (name: string, version: string, forks: string[], wheels: string[]) => [
    '[[package]]', `name = "${name}"`, `version = "${version}"`, 'source = { registry = "https://pypi.org/simple" }',
    ...(forks.length ? [`resolution-markers = [${forks.map((m) => JSON.stringify(m)).join(', ')}]`] : []),
    `wheels = [${wheels.map((w) => `{ url = "https://files.example.invalid/${w}", hash = "sha256:${sha(w)}" }`).join(', ')}]`, '',
  ].join('\n');
  const lock = [
    'version = 1', 'revision = 3', 'requires-python = ">=3.10"',
    'resolution-markers = ["python_full_version >= \'3.11\'", "python_full_version < \'3.11\'"]', '',
    '[[package]]', 'name = "demo"', 'version = "0.1.0"', 'source = { editable = "." }',
    'dependencies = [',
    '    { name = "scipy", version = "1.15.3", source = { registry = "https://pypi.org/simple" }, marker = "python_full_version < \'3.11\'" },',
    '    { name = "scipy", version = "1.16.0", source = { registry = "https://pypi.org/simple" }, marker = "python_full_version >= \'3.11\'" },',
    ']', '',
    pkg('scipy', '1.15.3', ['python_full_version < \'3.11\''], [wheel('scipy', '1.15.3', 'cp310-cp310')]),
    pkg('scipy', '1.16.0', ['python_full_version >= \'3.11\''], [wheel('scipy', '1.16.0'), wheel('scipy', '1.16.0', 'cp312-cp312')]),
  ].join('\n');
  const pyproject = '[project]\nname = "demo"\nversion = "0.1.0"\nrequires-python = ">=3.10"\ndependencies = ["scipy>=1.15"]\n';

  test.each([['3.10.14', '1.15.3', 'cp310-cp310'], ['3.11.9', '1.16.0', 'cp311-cp311'], ['3.12.4', '1.16.0', 'cp312-cp312']])(
    'python %s gets scipy %s', (python, version, tag) => {
      const root = projectWith({ 'pyproject.toml': pyproject, 'uv.lock': lock });
      expect(resolveIn(root, Dependencies.fromPyproject(), { pythonVersion: python }).tiers.core)
        .toEqual([`scipy==${version} \\`, `    ${H(wheel('scipy', version, tag))}`]);
    });
});
