import { readPyproject } from '../../src/entry';

test('reads name, backend, scripts (table, dotted keys, inline table), readme and license file', () => {
  const text = [
    '[build-system]', 'requires = ["hatchling"]', 'build-backend = "hatchling.build"  # the backend',
    '[project]', "name = 'ranker'", 'readme = { file = "README.md", content-type = "text/markdown" }', 'license = { file = "LICENSE" }',
    'scripts.serve = "ranker.serve:main"', 'scripts = { "train-all" = "ranker.train:all" }',
    '[project.scripts]', 'ranker = "ranker.cli:main"',
    '[tool.other]', 'name = "not the project"', 'scripts.x = "no"',
  ].join('\n');
  expect(readPyproject(text)).toEqual({
    name: 'ranker',
    buildBackend: 'hatchling.build',
    readme: 'README.md',
    licenseFile: 'LICENSE',
    scripts: { 'ranker': 'ranker.cli:main', 'serve': 'ranker.serve:main', 'train-all': 'ranker.train:all' },
  });
});

test('a pyproject without a build backend or scripts says so', () => {
  expect(readPyproject('[project]\nname = "x"\ndependencies = [\n  "torch",\n]\n')).toEqual({ name: 'x', buildBackend: undefined, scripts: {}, readme: undefined, licenseFile: undefined });
  expect(readPyproject('')).toEqual({ scripts: {}, name: undefined, buildBackend: undefined, readme: undefined, licenseFile: undefined });
});
