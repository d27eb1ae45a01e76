/** `installProject`: the project's own wheel, built in the builder after every dependency layer. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import ignore from '@balena/dockerignore';
import { PythonService } from '../../src';
import { cacheReportOfProject } from '../../src/cache-report/project-report';
import { expectValidationError, newProject, synth } from '../util';

const PYPROJECT = [
  '[build-system]', 'requires = ["setuptools>=70"]', 'build-backend = "setuptools.build_meta"',
  '[project]', 'name = "ranker"', 'version = "0.1.0"', 'readme = "README.md"', 'license = { file = "LICENSE" }',
  '[project.scripts]', 'ranker-serve = "ranker.serve:main"',
  '[tool.setuptools.packages.find]', 'include = ["ranker*"]',
].join('\n');

function layout(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mld-install-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const RANKER = {
  'pyproject.toml': PYPROJECT,
  'README.md': '# ranker\n',
  'LICENSE': 'MIT\n',
  'ranker/__init__.py': '',
  'ranker/serve.py': 'def main(): pass\n',
  'configs/ranker.yaml': 'k: 10\n',
  'train.py': '',
};
const CORE = ['setuptools==75.6.0', 'fastapi==0.115.6'];

describe('installProject', () => {
  test('builds the wheel after every tier, offline, installs it without deps; a console script is a valid command', () => {
    const project = newProject({ outdir: layout(RANKER) });
    new PythonService(project, 'ranker', {
      command: ['ranker-serve'],
      port: 8000,
      sources: ['ranker', 'configs', 'train.py'],
      installProject: true,
      requirements: { ml: ['numpy==2.1.3'], core: CORE },
    });
    const out = synth(project);
    const dockerfile: string = out['docker/ranker/Dockerfile'];
    const stage = dockerfile.slice(dockerfile.indexOf('FROM builder AS project'), dockerfile.indexOf('FROM builder AS dev'));
    // its own stage after the builder (every tier, pip check), so a code change never rebuilds the venv
    expect(dockerfile.indexOf('FROM builder AS project')).toBeGreaterThan(dockerfile.indexOf('RUN pip check'));
    // the project's files as git sees them, paths kept: root files in one COPY, each folder in its own
    expect(stage).toContain('COPY LICENSE README.md pyproject.toml train.py /tmp/project/\n'
      + 'COPY configs /tmp/project/configs\nCOPY ranker /tmp/project/ranker\n');
    expect(stage).toContain('RUN pip wheel --no-deps --no-build-isolation --no-index --wheel-dir /tmp/wheels /tmp/project');
    // installed in dev and prod, before the code, as root, without deps and not editable
    const prod = dockerfile.slice(dockerfile.indexOf('FROM base AS prod'));
    const install = prod.indexOf('RUN --mount=type=bind,from=project,source=/tmp/wheels,target=/tmp/wheels \\\n    pip install --no-deps --no-index /tmp/wheels/*.whl');
    expect(install).toBeGreaterThan(prod.indexOf('COPY --from=builder /opt/venv /opt/venv'));
    expect(install).toBeLessThan(prod.indexOf('COPY --chown=10001:10001 configs /app/configs'));
    // the installed package is not copied into /app as well, where it would come first on sys.path
    expect(prod).not.toContain(' ranker /app/ranker');
    expect(install).toBeLessThan(prod.indexOf('USER 10001'));
    expect(dockerfile.match(/from=project,source=\/tmp\/wheels/g)).toHaveLength(2);
    // then pip check in the same step: the project's own dependencies must be met by the tiers
    expect(prod.slice(install)).toMatch(/^RUN [^\n]*\\\n    pip install --no-deps --no-index \/tmp\/wheels\/\*\.whl \\\n && pip check\n/);
    expect(dockerfile).not.toMatch(/pip install (-e|--editable)/);
    // the build reads exactly these files: the ignore file lets them in
    const matcher = ignore().add(String(out['docker/ranker/Dockerfile.dockerignore']).split('\n'));
    for (const f of ['pyproject.toml', 'README.md', 'LICENSE', 'ranker/serve.py']) expect({ f, ignored: matcher.ignores(f) }).toEqual({ f, ignored: false });
    // the console script is checked at build too
    expect(dockerfile).toContain('"--program=ranker-serve"]');
    // a code change rebuilds no dependency layer: the venv copy and every tier stay cached
    const report = cacheReportOfProject(project);
    expect(report.checkPromises().filter((p) => !p.holds)).toEqual([]);
    expect(report.impact('ranker', 'prod', 'app-code').kept).toEqual(expect.arrayContaining([expect.stringMatching(/^\[prod +1\//)]));
  });

  test('a console script the project does not declare is refused with the nearest one', () => {
    const project = newProject({ outdir: layout(RANKER) });
    new PythonService(project, 'ranker', { command: ['ranker-serv'], sources: ['ranker'], installProject: true, requirements: { core: CORE } });
    expectValidationError(() => synth(project), 'vision/ranker', 'ranker-serv', 'ranker-serve');
  });

  test('bad projects: no pyproject.toml, no build backend, an unknown backend, the backend not pinned, a missing readme', () => {
    const make = (files: Record<string, string>, core = CORE) => () =>
      new PythonService(newProject({ outdir: layout({ 'ranker/__init__.py': '', ...files }) }), 'ranker', { command: ['python', '-m', 'ranker'], sources: ['ranker'], installProject: true, requirements: { core } });
    expectValidationError(make({}), 'vision/ranker', '"pyproject.toml"', 'a pyproject.toml at');
    expectValidationError(make({ 'pyproject.toml': '[project]\nname = "ranker"\n' }), 'vision/ranker', 'no build backend', 'build-backend = one of');
    expectValidationError(make({ 'pyproject.toml': '[build-system]\nbuild-backend = "maturin"\n[project]\nname = "ranker"\n' }), 'vision/ranker', '"maturin"', '"hatchling.build"');
    // requires without build-backend: pip's legacy setuptools backend, when requires names setuptools
    const project = '[project]\nname = "ranker"\n';
    const legacy = { 'pyproject.toml': `[build-system]\nrequires = ["setuptools"]\n${project}` };
    expect(make(legacy, ['setuptools==80.9.0'])).not.toThrow();
    expectValidationError(make(legacy, ['fastapi==0.115.6']), 'vision/ranker',
      '"setuptools.build_meta:__legacy__"', '"setuptools==<version>" in requirements.core');
    expectValidationError(make({ 'pyproject.toml': `[build-system]\nrequires = ["wheel"]\n${project}` }),
      'vision/ranker', 'no build backend', 'build-backend = one of');
    expectValidationError(make({ 'pyproject.toml': PYPROJECT, 'README.md': '', 'LICENSE': '' }, ['fastapi==0.115.6']), 'vision/ranker', '"setuptools.build_meta"', '"setuptools==<version>" in requirements.core');
    expectValidationError(make({ 'pyproject.toml': PYPROJECT, 'LICENSE': '' }), 'vision/ranker', '"README.md"', 'a file the build can read');
    // setuptools before 70.1 needs the wheel package to build a wheel (no build isolation: it must be pinned)
    const files = { 'pyproject.toml': PYPROJECT, 'README.md': '', 'LICENSE': '' };
    expectValidationError(make(files, ['setuptools==66.1.1']), 'vision/ranker', 'setuptools==66.1.1', '"wheel==<version>" beside it');
    expect(make(files, ['setuptools==66.1.1', 'wheel==0.45.1'])).not.toThrow();
    expect(make(files, ['setuptools==70.1.0'])).not.toThrow();
    expectValidationError(make({ 'pyproject.toml': '[project\nname = 1' }), 'vision/ranker', 'pyproject.toml:1', 'a toml document');
  });
});
