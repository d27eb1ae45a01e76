/**
 * Adopting replicate/cog-whisper (../shared/data/realworld/adopt/cog-whisper, read in place):
 * each fact of its expected.md, named with the section that states it.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import ignore from '@balena/dockerignore';
import { prose, read } from '../adopt/support';
import { adoptTree, changedFiles, ownBuildContext, planned, projectProp } from './support/adopt-tree';

jest.setTimeout(5 * 60_000);
const tree = adoptTree('cog-whisper');
const predictor = planned(tree, 'predictor')!;
const text = prose(tree.adoption.text);

test('Services: one GPU inference server, adopted and synthesized', () => {
  expect(tree.expected).toContain('One service: a **GPU inference** server (`GpuInference`)');
  expect(tree.adoption.plan.services.map((s) => [s.kind, s.id])).toEqual([['GpuInference', 'predictor']]);
  expect(tree.adoption.text).toContain('\n// a GPU server: cog.yaml:6 build.gpu: true\n');
});

test(
  'Services: command python -m cog.server.http, port 5000, health /health-check, a start period for ' +
    'the model',
  () => {
    expect(tree.expected).toContain('`["python", "-m", "cog.server.http"]`');
    expect(predictor.props).toMatchObject({
      command: ['python', '-m', 'cog.server.http'],
      port: 5000,
      healthCheckPath: '/health-check',
    });
    expect(predictor.props.healthCheckStartPeriod).toBeGreaterThanOrEqual(300);
    expect(read(tree.dir, 'docker/predictor/Dockerfile')).toContain(
      'CMD ["python", "-m", "cog.server.http"]',
    );
  },
);

test(
  'Services: the working directory holds cog.yaml and predict.py; Files that must reach the image are ' +
    'exactly those',
  () => {
    expect(tree.expected).toContain(
      '`cog.yaml` (read by the server at run time) and `predict.py`. Not ' + '`scripts/`, `weights/`',
    );
    expect(predictor.props.sources).toEqual(['cog.yaml', 'predict.py']);
    expect(predictor.props.workdir).toBeUndefined(); // /app, where both land
    const matcher = ignore().add(read(tree.dir, 'docker/predictor/Dockerfile.dockerignore').split('\n'));
    expect(['cog.yaml', 'predict.py'].filter((f) => matcher.ignores(f))).toEqual([]);
    expect(
      ['scripts/get_weights.sh', 'README.md', 'LICENSE.txt', 'weights/large-v3.pt'].filter(
        (f) => !matcher.ignores(f),
      ),
    ).toEqual([]);
  },
);

test(
  'Dependencies: cog.yaml through Dependencies.fromCogYaml, the model packages in ml, cog and ipython ' +
    'in core',
  () => {
    expect(tree.expected).toContain('Source: `cog.yaml` `build.python_packages`');
    expect(projectProp(tree, 'dependencies')).toEqual({
      factory: 'fromCogYaml',
      options: expect.objectContaining({
        path: 'cog.yaml',
        mlPackages: ['ffmpeg-python', 'more-itertools', 'numpy', 'openai-whisper', 'tqdm', 'transformers'],
      }),
    });
    expect(read(tree.dir, 'docker/predictor/requirements-core.txt')).toMatch(/^cog==0\.10\.0a15$/m);
    expect(read(tree.dir, 'docker/predictor/requirements-core.txt')).toMatch(/^ipython$/m);
    expect(read(tree.dir, 'docker/predictor/requirements-ml.txt')).toMatch(/^openai-whisper==20231106$/m);
    expect(text).toContain('TODO: cog.yaml:24 "ipython" is not pinned');
  },
);

test('Dependencies: torch 2.0.1 alone in the torch tier; ffmpeg from system_packages', () => {
  expect(tree.expected).toContain("`torch==2.0.1` -> `torchVersion: '2.0.1'`, torch only");
  expect(predictor.props).toMatchObject({ torchVersion: '2.0.1' });
  expect(predictor.props.torchPackages).toBeUndefined();
  expect(
    read(tree.dir, 'docker/predictor/requirements-torch.txt')
      .split('\n')
      .filter((l) => /^torch/.test(l)),
  ).toEqual(['torch==2.0.1+cu118']);
  expect(read(tree.dir, 'docker/predictor/Dockerfile')).toMatch(/for pkg in tini ffmpeg; do/);
});

test('Dependencies: the pget download and the step that replaces pip are accounted for, not copied', () => {
  expect(tree.expected).toContain(
    '3. `ln -sf $(which echo) $(which pip)` replaces pip by `echo` in ' + "Cog's image. Must not be copied",
  );
  const steps = (projectProp(tree, 'dependencies') as { options: { handledRunSteps: string[] } }).options
    .handledRunSteps;
  expect(steps.map((s) => s.split(' ')[0])).toEqual(['curl', 'ln']);
  expect(text).toContain('TODO: cog.yaml:28 runs "curl');
  expect(text).toContain('TODO: cog.yaml:30 runs "ln -sf $(which echo) $(which pip)"');
  expect(read(tree.dir, 'docker/predictor/Dockerfile')).not.toContain('which echo');
});

test(
  'Python, GPU, torch: Python 3.11 from cog.yaml; the CUDA variant left to the wheel matrix, and said ' +
    'so',
  () => {
    expect(tree.expected).toContain('Python **3.11**: `cog.yaml` `build.python_version: "3.11"`');
    expect(projectProp(tree, 'pythonVersion')).toBe('3.11');
    expect(text).toContain('// cog.yaml:13 build.python_version');
    expect(text).toContain(
      'the files fix no CUDA variant: the wheel matrix picks the highest one for this ' +
        'torch and Python that hostDriverVersion runs',
    );
    expect(read(tree.dir, 'docker/predictor/Dockerfile')).toContain('cu118');
  },
);

test("Weights: the code's weights/ folder is reported against the mounted model folder", () => {
  expect(tree.expected).toContain('Report: the code reads `<workdir>/weights`, not `/models`');
  expect(text).toContain('TODO: .dockerignore leaves out weights/, where the code keeps its weights');
});

test(
  'Files the repo already has, kept untouched: every file byte for byte but .gitignore; .gitignore ' +
    'keeps its rules',
  () => {
    expect(tree.expected).toContain("`.dockerignore` (Cog's own build context still uses it)");
    expect(changedFiles(tree)).toEqual(['.gitignore']);
    const original = readFileSync(join(tree.dir, '.gitignore'), 'utf-8');
    for (const rule of ['.cog/', '__pycache__/', 'weights/']) expect(original.split('\n')).toContain(rule);
    expect(tree.status.filter((l) => !l.startsWith('?? ')).sort()).toEqual([' M .gitignore']);
  },
);

test('Cog\'s own build context is what it was: .dockerignore kept, every file it sent before it sends now', () => {
  expect(tree.expected).toContain('`.dockerignore` (Cog\'s own build context still uses it)');
  const { before, after } = ownBuildContext(tree, 'Dockerfile');
  expect(after).toEqual(before);
  expect(before).toEqual(expect.arrayContaining(['cog.yaml', 'predict.py']));
});
