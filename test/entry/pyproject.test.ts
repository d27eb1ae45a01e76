import { Problems } from '../../src/core/problems';
import { readPyproject } from '../../src/entry';

test('reads name, backend, build requirements, scripts (table or inline table), readme and license file', () => {
  const text = [
    '[build-system]', 'requires = ["hatchling==1.26.3"]', 'build-backend = "hatchling.build"  # the backend',
    '[project]', "name = 'ranker'", 'readme = { file = "README.md", content-type = "text/markdown" }', 'license = { file = "LICENSE" }',
    '[project.scripts]', 'ranker = "ranker.cli:main"', 'serve = "ranker.serve:main"', '"train-all" = "ranker.train:all"',
    '[tool.other]', 'name = "not the project"', 'scripts.x = "no"',
  ].join('\n');
  expect(readPyproject(text)).toEqual({
    name: 'ranker',
    buildBackend: 'hatchling.build',
    buildRequires: ['hatchling==1.26.3'],
    readme: 'README.md',
    licenseFile: 'LICENSE',
    scripts: { 'ranker': 'ranker.cli:main', 'serve': 'ranker.serve:main', 'train-all': 'ranker.train:all' },
  });
  expect(readPyproject('[project]\nname = "x"\nscripts = { x = "x.cli:main" }\nreadme = "README.rst"\n')).toMatchObject({ scripts: { x: 'x.cli:main' }, readme: 'README.rst' });
});

test('a pyproject without a build backend or scripts says so', () => {
  expect(readPyproject('[project]\nname = "x"\ndependencies = [\n  "torch",\n]\n')).toEqual({ name: 'x', buildBackend: undefined, buildRequires: [], scripts: {}, readme: undefined, licenseFile: undefined });
  expect(readPyproject('')).toEqual({ scripts: {}, buildRequires: [], name: undefined, buildBackend: undefined, readme: undefined, licenseFile: undefined });
});

test('invalid toml is one problem with line and column, and reads as empty', () => {
  const problems = new Problems('vision/api');
  expect(readPyproject('[project]\nname = "x\n', problems, 'pyproject.toml').name).toBeUndefined();
  expect(problems.count).toBe(1);
  expect(() => problems.throwIfAny()).toThrow(/pyproject\.toml:2:\d+ is not valid toml/);
});
