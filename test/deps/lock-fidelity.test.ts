/**
 * Locks read as their own tools read them: a poetry.lock with several entries of one name
 * (chosen by each entry's python-versions, by poetry's groups and markers from lock-version
 * 2.1, by the constraint of the edge, the highest version first as poetry's exporter does), a
 * uv.lock that forks by Python (`resolution-markers`, versions named on the edges), and Poetry
 * 2's groups beside `[project]`. The locks here are our own, in the shape the tools write.
 */
import { H, sha } from './lock-fixtures';
import { problemsOf, projectWith, resolveIn } from './support';
import { Dependencies } from '../../src/deps';

const file = (name: string) => `{file = "${name}", hash = "sha256:${sha(name)}"}`;

/** One poetry.lock package; `extra` holds further lines (markers, groups, source, dependencies). */
function poetryPackage(name: string, version: string, python: string, files: string[], extra: string[] = []): string {
  const tables = extra.findIndex((l) => l.startsWith('['));
  const [keys, subtables] = tables < 0 ? [extra, []] : [extra.slice(0, tables), extra.slice(tables)];
  return [
    '[[package]]', `name = "${name}"`, `version = "${version}"`, 'description = ""', 'optional = false',
    `python-versions = "${python}"`, ...keys, `files = [${files.map(file).join(', ')}]`, '', ...subtables, '',
  ].join('\n');
}

const wheel = (name: string, version: string, tag = 'cp311-cp311') =>
  `${name}-${version}-${tag}-manylinux_2_17_x86_64.manylinux2014_x86_64.whl`;
const anyWheel = (name: string, version: string) => `${name}-${version}-py3-none-any.whl`;
const meta = (lockVersion: string) => `[metadata]\nlock-version = "${lockVersion}"\npython-versions = ">=3.10,<3.14"\ncontent-hash = "x"\n`;

describe('poetry.lock with several entries of one name', () => {
  const scipyLock = [
    poetryPackage('scipy', '1.15.3', '>=3.10', [wheel('scipy', '1.15.3', 'cp310-cp310'), wheel('scipy', '1.15.3')]),
    poetryPackage('scipy', '1.16.0', '>=3.11', [wheel('scipy', '1.16.0'), wheel('scipy', '1.16.0', 'cp312-cp312')]),
    meta('2.0'),
  ].join('\n');
  const pyproject = (scipy: string) => [
    '[tool.poetry]', 'name = "demo"', 'version = "0.1.0"', '', '[tool.poetry.dependencies]', 'python = ">=3.10,<3.14"', `scipy = ${scipy}`, '',
  ].join('\n');

  test.each([
    ['a plain range', '">=1.15"'],
    ['one entry per python', '[{version = "1.15.3", python = "<3.11"}, {version = "^1.16", python = ">=3.11"}]'],
  ])('%s: each python gets the entry its python-versions admit, the highest first', (_what, scipy) => {
    const root = projectWith({ 'pyproject.toml': pyproject(scipy), 'poetry.lock': scipyLock });
    const deps = Dependencies.fromPyproject();
    expect(resolveIn(root, deps, { pythonVersion: '3.11.9' }).tiers.core[0]).toBe('scipy==1.16.0 \\');
    expect(resolveIn(root, deps, { pythonVersion: '3.10.14' }).tiers.core).toEqual([
      'scipy==1.15.3 \\', `    --hash=sha256:${sha(wheel('scipy', '1.15.3', 'cp310-cp310'))}`,
    ]);
  });

  test('an edge\'s constraint chooses among the entries; a chosen version that fits a later edge stays', () => {
    const lock = [
      poetryPackage('app-lib', '1.0.0', '>=3.10', [anyWheel('app_lib', '1.0.0')], ['[package.dependencies]', 'scipy = ">=1.15,<1.16"']),
      poetryPackage('other', '2.0.0', '>=3.10', [anyWheel('other', '2.0.0')], ['[package.dependencies]', 'scipy = ">=1.10"']),
      scipyLock,
    ].join('\n');
    const text = pyproject('">=1.10"').replace('scipy = ">=1.10"', 'app-lib = "^1.0"\nother = "^2.0"');
    const root = projectWith({ 'pyproject.toml': text, 'poetry.lock': lock });
    const core = resolveIn(root, Dependencies.fromPyproject()).tiers.core.filter((l) => !l.startsWith(' '));
    expect(core).toEqual(['app-lib==1.0.0 \\', 'other==2.0.0 \\', 'scipy==1.15.3 \\']);
  });

  test('lock-version 2.1: torch entries for darwin, linux aarch64 (+cpu) and linux x86_64 (+cu126) by their markers', () => {
    const source = (name: string, url: string) => ['[package.source]', 'type = "legacy"', `url = "${url}"`, `reference = "${name}"`];
    const lock = [
      poetryPackage('torch', '2.7.1', '>=3.9', ['torch-2.7.1-cp311-none-macosx_11_0_arm64.whl'],
        ['groups = ["main"]', 'markers = "sys_platform == \\"darwin\\""']),
      poetryPackage('torch', '2.7.1+cpu', '>=3.9', ['torch-2.7.1+cpu-cp311-cp311-manylinux_2_28_aarch64.whl'],
        ['groups = ["main"]', 'markers = "sys_platform == \\"linux\\" and platform_machine == \\"aarch64\\""',
          ...source('pytorch-cpu', 'https://download.pytorch.org/whl/cpu')]),
      poetryPackage('torch', '2.7.1+cu126', '>=3.9', ['torch-2.7.1+cu126-cp311-cp311-manylinux_2_28_x86_64.whl'],
        ['groups = ["main"]', 'markers = "sys_platform == \\"linux\\" and platform_machine == \\"x86_64\\""',
          ...source('pytorch-cu126', 'https://download.pytorch.org/whl/cu126')]),
      poetryPackage('pytest', '8.3.4', '>=3.8', [anyWheel('pytest', '8.3.4')], ['groups = ["dev"]']),
      meta('2.1'),
    ].join('\n');
    const text = [
      '[project]', 'name = "demo"', 'version = "0.1.0"', 'requires-python = ">=3.10,<3.14"', 'dependencies = ["torch==2.7.1"]', '',
      '[tool.poetry.group.dev.dependencies]', 'pytest = "^8"', '',
    ].join('\n');
    const root = projectWith({ 'pyproject.toml': text, 'poetry.lock': lock });
    const amd = resolveIn(root, Dependencies.fromPyproject());
    expect(amd.torch?.packages.map((p) => p.version)).toEqual(['2.7.1+cu126']);
    expect(amd.tiers.dev[0]).toBe('pytest==8.3.4 \\');
    const arm = resolveIn(root, Dependencies.fromPyproject(), { platform: 'linux/arm64' });
    expect(arm.torch?.packages.map((p) => p.version)).toEqual(['2.7.1+cpu']);
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
