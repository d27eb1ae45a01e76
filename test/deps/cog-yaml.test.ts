/**
 * `Dependencies.fromCogYaml`: a Cog model's cog.yaml read as cog reads it (its packages into
 * tiers, its Python, system packages and GPU flag onto the service), its setup steps refused
 * unless they are plain `pip install` lines or named in `handledRunSteps`. The cog.yaml files
 * here are our own, in the shape of public Cog models.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { CogYamlOptions, Dependencies, GpuInference, MlDockerProjectOptions, PythonService } from '../../src';
import { Problems } from '../../src/core/problems';
import { parseCogYaml } from '../../src/deps/cog-yaml';
import { pipInstallRequirements, shellWords } from '../../src/deps/resolve-cog';
import { problemsOf, synthIn } from '../util';

const FETCH = 'curl -o /usr/local/bin/fetch -L "https://example.invalid/fetch"'
  + ' && chmod +x /usr/local/bin/fetch';
const UNPIP = 'ln -sf $(which echo) $(which pip)';

const COG = [
  '# a cog model',
  'build:',
  '  gpu: true',
  '  system_packages:',
  '    - "ffmpeg"',
  '    - "libsndfile1"',
  '  python_version: "3.11"',
  '  python_packages:',
  '    - "numpy==1.26.4"',
  '    - "torch==2.5.1"',
  '    - "soundfile==0.12.1"',
  '    - "fastapi==0.115.6"',
  '    - rich',
  '  run:',
  '    - --mount=type=cache,target=/root/.cache/pip pip install cog==0.11.3',
  `    - ${FETCH}`,
  `    - ${UNPIP}`,
  'predict: "predict.py:Predictor"',
  '',
].join('\n');

const HANDLED = [FETCH, UNPIP];

function projectWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mld-cog-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf-8');
const body = (text: string) => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));

function gpu(options: CogYamlOptions, extra: Record<string, unknown> = {}) {
  return (p: any) => new GpuInference(p, 'model', {
    torchVersion: '2.5.1',
    port: 5000,
    command: ['python', '-m', 'model.main'],
    dependencies: Dependencies.fromCogYaml(options),
    ...extra,
  });
}

function cpu(options: CogYamlOptions, extra: Record<string, unknown> = {}) {
  return (p: any) => new PythonService(p, 'model', {
    port: 5000,
    command: ['python', '-m', 'model.main'],
    dependencies: Dependencies.fromCogYaml(options),
    ...extra,
  });
}

const synth = (dir: string, build: (p: any) => unknown, project: Partial<MlDockerProjectOptions> = {}) =>
  synthIn(dir, project, build);
const tier = (dir: string, name: string) => body(read(dir, `docker/model/requirements-${name}.txt`));

describe('packages', () => {
  test('python_packages and pip install steps go to their tiers, torch to the torch tier', () => {
    const dir = projectWith({ 'cog.yaml': COG });
    synth(dir, gpu({ mlPackages: ['numpy', 'soundfile'], handledRunSteps: HANDLED }));
    expect(tier(dir, 'ml')).toEqual(['numpy==1.26.4', 'soundfile==0.12.1']);
    expect(tier(dir, 'core')).toEqual(['cog==0.11.3', 'fastapi==0.115.6', 'rich']);
    expect(tier(dir, 'torch')).toEqual(['torch==2.5.1+cu124']);
    expect(read(dir, 'docker/model/requirements-core.txt')).toContain('# from cog.yaml\n');
    // the unpinned line is reported with the line it stands on
    expect(read(dir, 'docs/containers.md')).toContain('cog.yaml:13: "rich" is not pinned');
  });

  test('a torch pin other than torchVersion is refused, as for every dependency file', () => {
    const dir = projectWith({ 'cog.yaml': COG.replace('torch==2.5.1', 'torch==2.4.1') });
    expect(problemsOf(() => synth(dir, gpu({ handledRunSteps: HANDLED })))).toEqual([
      '[vision/model] dependencies: cog.yaml:10 pins torch 2.4.1, but the service installs torch 2.5.1+cu124 '
      + '(torchVersion 2.5.1): got "2.4.1"; '
      + 'expected torch 2.5.1 in the files, or torchVersion set to match them',
    ]);
  });

  test('python_requirements is read relative to the cog.yaml, with pip\'s grammar', () => {
    const cog = 'build:\n  python_version: "3.11"\n  python_requirements: requirements.txt\n';
    const dir = projectWith({
      'model/cog.yaml': cog,
      'model/requirements.txt': 'numpy==1.26.4  # the ml one\n-r extra.txt\n',
      'model/extra.txt': 'rich==13.9.4\n',
    });
    synth(dir, cpu({ path: 'model/cog.yaml' }));
    expect(tier(dir, 'core')).toEqual(['numpy==1.26.4', 'rich==13.9.4']);
  });

  test('python_packages beside python_requirements is refused, as cog refuses it', () => {
    const cog = 'build:\n  python_packages: ["numpy==1.26.4"]\n  python_requirements: requirements.txt\n';
    const dir = projectWith({ 'cog.yaml': cog, 'requirements.txt': 'rich==13.9.4\n' });
    expect(problemsOf(() => synth(dir, cpu({})))).toEqual([
      '[vision/model] cog.yaml:3 sets build.python_requirements beside build.python_packages: '
      + 'got "requirements.txt"; expected one of the two, as cog requires '
      + '("only one of python_packages or python_requirements can be set")',
    ]);
  });

  test('an item with a line break is refused: cog writes one item per line, pip would read two', () => {
    const item = 'numpy==1.26.4\\n--index-url https://evil.example.invalid/simple';
    const cog = `build:\n  python_packages:\n    - "${item}"\n`;
    const dir = projectWith({ 'cog.yaml': cog });
    expect(problemsOf(() => synth(dir, cpu({})))).toEqual([
      '[vision/model] cog.yaml:3 build.python_packages[0] has a line break (pip would read two lines): '
      + `got "${item}"; expected one requirement per item, on one line`,
    ]);
  });

  test('index options among the packages are refused as in any requirement file', () => {
    const cog = 'build:\n  python_packages:\n'
      + '    - "--extra-index-url https://mirror.example.invalid/simple"\n    - numpy==1.26.4\n';
    const dir = projectWith({ 'cog.yaml': cog });
    expect(problemsOf(() => synth(dir, cpu({}))).join('\n')).toContain('cog.yaml:3 sets --extra-index-url');
  });

  test('mlPackages must name a package the cog.yaml lists', () => {
    const dir = projectWith({ 'cog.yaml': COG });
    expect(problemsOf(() => synth(dir, gpu({ mlPackages: ['scipy'], handledRunSteps: HANDLED }))).join('\n'))
      .toContain('dependencies.mlPackages[0] names a package cog.yaml does not list: got "scipy"; '
        + 'expected one of its packages: numpy, torch');
  });
});

describe('setup steps', () => {
  test('every step that is not a plain pip install is refused with a pointer to buildSteps', () => {
    const dir = projectWith({ 'cog.yaml': COG });
    const problems = problemsOf(() => synth(dir, gpu({})));
    expect(problems).toEqual([
      '[vision/model] cog.yaml:16 build.run[1] is a setup step, not a dependency (only a plain '
      + `"pip install <requirements>" is read as one): got ${JSON.stringify(FETCH).slice(0, 77)}...; `
      + 'expected the step as a buildSteps entry of the service (a RUN of the builder or, with stage '
      + 'runtime-root, of the runtime stages), then its text in handledRunSteps of Dependencies.fromCogYaml '
      + '(dependencies); or left out deliberately, its text in handledRunSteps',
      '[vision/model] cog.yaml:17 build.run[2] replaces or removes pip, '
      + 'which the generated image runs after it (the tiers, pip check): '
      + `got ${JSON.stringify(UNPIP)}; expected no such step in the image: leave it out, `
      + 'its text in handledRunSteps of Dependencies.fromCogYaml (dependencies)',
    ]);
  });

  test('a handled step that the cog.yaml does not have is refused (the list is kept honest)', () => {
    const dir = projectWith({ 'cog.yaml': COG });
    expect(problemsOf(() => synth(dir, gpu({ handledRunSteps: [...HANDLED, 'make install'] })))).toEqual([
      '[vision/model] dependencies.handledRunSteps[2] is not a setup step of cog.yaml: got "make install"; '
      + 'expected a command of its build.run or build.pre_install, exactly as written (3 there)',
    ]);
  });

  test('a pip install pin that differs from python_packages is one error naming both places', () => {
    const cog = 'build:\n  python_packages:\n    - numpy==1.26.4\n  run:\n    - pip install numpy==2.1.3\n';
    const dir = projectWith({ 'cog.yaml': cog });
    expect(problemsOf(() => synth(dir, cpu({})))).toEqual([
      '[vision/model] cog.yaml:5 pins numpy differently than cog.yaml:3: got "numpy==2.1.3"; '
      + 'expected one version of a package in the image (cog.yaml:3 has "numpy==1.26.4")',
    ]);
  });

  test('deprecated pre_install steps are refused too, and a step holding a credential is not shown', () => {
    const token = 'hf_abcdefghijklmnopqrstuvwxyz0123456789';
    const cog = 'build:\n  pre_install:\n    - apt-get install -y sox\n  run:\n'
      + `    - 'curl -H "Authorization: Bearer ${token}" https://x.invalid'\n`;
    const dir = projectWith({ 'cog.yaml': cog });
    const problems = problemsOf(() => synth(dir, cpu({})));
    expect(problems[0]).toContain('cog.yaml:3 build.pre_install[0] is a setup step '
      + 'cog runs before the python packages: '
      + 'got "apt-get install -y sox"');
    expect(problems[1])
      .toContain('cog.yaml:5 build.run[0] is a setup step that holds a credential: got (value hidden)');
    // unquoted, YAML reads the ": " as a mapping: still not shown
    const mapped = projectWith({ 'cog.yaml': cog.replace(/'/g, '') });
    expect(problemsOf(() => synth(mapped, cpu({}))).join('\n'))
      .toContain('cog.yaml:5 build.run[0] is not a command: got (value hidden)');
    expect([...problems, ...problemsOf(() => synth(mapped, cpu({})))].join('\n')).not.toContain('hf_abc');
  });

  test('the words of plain pip installs, and what is not one', () => {
    expect(pipInstallRequirements('pip install cog==0.10.0a15')).toEqual(['cog==0.10.0a15']);
    const mount = '--mount=type=cache,target=/root/.cache/pip';
    expect(pipInstallRequirements(`${mount} pip install -U "x[a,b]>=1" y==2`))
      .toEqual(['x[a,b]>=1', 'y==2']);
    expect(pipInstallRequirements('python3 -m pip install --no-cache-dir z==1')).toEqual(['z==1']);
    const notPlain = [
      'pip install -r requirements.txt', 'pip install -e .', 'pip install x && rm -rf /tmp',
      'pip install $PKG', 'pip install --extra-index-url https://m.invalid x', 'pip uninstall x',
      'pip install', 'apt-get install x',
      'pip install "a\nb"',
    ];
    for (const step of notPlain) {
      expect(pipInstallRequirements(step)).toBeUndefined();
    }
    expect(shellWords('a \'b c\' "d"e')).toEqual(['a', 'b c', 'de']);
    expect(shellWords('a "$(id)"')).toBeUndefined();
  });
});

describe('the image', () => {
  test('python_version is the service\'s python when neither the service nor the project sets one', () => {
    const cog = 'build:\n  python_version: 3.10\n  python_packages: [rich==13.9.4]\n';
    const dir = projectWith({ 'cog.yaml': cog });
    synth(dir, cpu({}));
    // an unquoted 3.10 is the text "3.10" to cog (Go's decoder), never the number 3.1
    expect(read(dir, 'docker/model/Dockerfile')).toContain('ARG PYTHON_IMAGE=python:3.10.');
  });

  test('a python set on the service or the project must agree with the cog.yaml', () => {
    const dir = projectWith({ 'cog.yaml': 'build:\n  python_version: "3.11"\n' });
    expect(problemsOf(() => synth(dir, cpu({}, { pythonVersion: '3.12' })))).toEqual([
      '[vision/model] pythonVersion differs from the python of the cog.yaml '
      + '(cog.yaml:2 build.python_version "3.11"): got "3.12"; '
      + 'expected the python the cog.yaml names, or no pythonVersion (the cog.yaml\'s is then used)',
    ]);
    expect(problemsOf(() => synth(dir, cpu({}), { pythonVersion: '3.12' }))).toEqual([
      '[vision/model] pythonVersion (from the project) differs from the python of the cog.yaml '
      + '(cog.yaml:2 build.python_version "3.11"): got "3.12"; expected the python the cog.yaml names, '
      + 'or no pythonVersion on the project (the cog.yaml\'s is then used)',
    ]);
    synth(dir, cpu({}, { pythonVersion: '3.11' }), { pythonVersion: '3.11' });
    expect(read(dir, 'docker/model/Dockerfile')).toContain('ARG PYTHON_IMAGE=python:3.11.');
  });

  test('a patch version runs as the pinned patch of its minor, with a note', () => {
    const cog = 'build:\n  python_version: "3.12.1"\n  python_packages: [rich==13.9.4]\n';
    const dir = projectWith({ 'cog.yaml': cog });
    synth(dir, cpu({}));
    expect(read(dir, 'docker/model/Dockerfile')).toContain('ARG PYTHON_IMAGE=python:3.12.');
    expect(read(dir, 'docs/containers.md'))
      .toMatch(/cog\.yaml:2: build\.python_version 3\.12\.1: the image runs python 3\.12\.\d+/);
  });

  test('a python cog does not support and no image exists for is refused with the supported ones', () => {
    const dir = projectWith({ 'cog.yaml': 'build:\n  python_version: "3.8"\n' });
    expect(problemsOf(() => synth(dir, cpu({}))).join('\n'))
      .toContain('[vision/model] dependencies: cog.yaml:2 build.python_version: got "3.8"; '
        + 'expected one of: "3.10"');
  });

  test('system_packages join aptPackages; a name with a version is refused', () => {
    const dir = projectWith({ 'cog.yaml': COG });
    synth(dir, gpu({ handledRunSteps: HANDLED }, { aptPackages: ['libgomp1', 'ffmpeg'] }));
    expect(read(dir, 'docker/model/Dockerfile')).toContain('tini libgomp1 ffmpeg libsndfile1');
    const bad = projectWith({ 'cog.yaml': 'build:\n  system_packages:\n    - "ffmpeg=7:5.1"\n' });
    expect(problemsOf(() => synth(bad, cpu({}))).join('\n')).toContain(
      'dependencies: cog.yaml:3 build.system_packages has a package that is not a plain debian package name: '
      + 'got "ffmpeg=7:5.1"');
  });

  test('build.gpu is noted where the service kind disagrees', () => {
    const dir = projectWith({ 'cog.yaml': 'build:\n  gpu: true\n  python_packages: [rich==13.9.4]\n' });
    synth(dir, cpu({}));
    expect(read(dir, 'docs/containers.md'))
      .toContain('cog.yaml:2: build.gpu is true, but model is a service without GPUs');
  });

  test('keys cog does not know in build, and a file that is not yaml, are refused', () => {
    const dir = projectWith({ 'cog.yaml': 'build:\n  python_pakages: ["x==1"]\n' });
    expect(problemsOf(() => synth(dir, cpu({}))).join('\n'))
      .toContain('cog.yaml:2 build has a key cog does not know: got "python_pakages"');
    const broken = projectWith({ 'cog.yaml': 'build:\n  python_packages: [x\n' });
    expect(problemsOf(() => synth(broken, cpu({}))).join('\n')).toContain('is not valid yaml');
  });

  test('parseCogYaml reads gpu as Go reads a bool, and run items of both forms', () => {
    const problems = new Problems('p');
    const text = 'build:\n  gpu: yes\n  run:\n    - echo a\n    - command: echo b\n'
      + '      mounts: [{type: secret, id: pip, target: /etc/pip.conf}]\n';
    const cog = parseCogYaml(problems, 'cog.yaml', text);
    expect(problems.count).toBe(0);
    expect(cog?.gpu?.value).toBe(true);
    expect(cog?.steps.map((s) => `${s.field} ${s.line} ${s.command}`))
      .toEqual(['build.run[0] 4 echo a', 'build.run[1] 5 echo b']);
  });
});
