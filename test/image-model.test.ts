import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { GpuBase, GpuInference, GpuTrainer, PythonService, RequirementTier } from '../src';
import { CPU_IMAGE_INPUT } from './support/image-input';
import { newProject, synth } from './util';
import { NO_BUILD_HOOKS } from '../src/image/build-hook-steps';
import * as imageModel from '../src/image/image-model';
import { prodVenvSource, resolveImageModel, stageOrder } from '../src/image/image-model';
import { ProjectServices } from '../src/service/project-services';

const INPUT = CPU_IMAGE_INPUT;

describe('resolveImageModel (pure)', () => {
  test('each tier is constrained by the files installed before it; dev constrains nothing', () => {
    const model = resolveImageModel({ ...INPUT, constraints: true });
    expect(model.tiers.map((t) => [t.tier, t.file, t.constraints])).toEqual([
      ['ml', 'docker/api/requirements-ml.txt', ['docker/api/constraints.txt']],
      ['core', 'docker/api/requirements-core.txt', ['docker/api/constraints.txt', 'docker/api/requirements-ml.txt']],
      ['dev', 'docker/api/requirements-dev.txt', ['docker/api/constraints.txt', 'docker/api/requirements-ml.txt', 'docker/api/requirements-core.txt']],
    ]);
    expect(model.tiers.every((t) => !t.locked)).toBe(true);
    expect(model.contextPaths).toEqual([
      'docker/api/requirements-ml.txt', 'docker/api/requirements-core.txt', 'docker/api/requirements-dev.txt', 'docker/api/constraints.txt',
      'docker/runtime/mldocker_runtime', 'services/common', 'services/api',
    ]);
  });

  test('a lock makes every tier hash-locked, named by the lock; empty tiers are left out', () => {
    const model = resolveImageModel({ ...INPUT, tierLines: { ml: [], core: ['a==1 \\'], dev: [] }, lock: { source: 'uv.lock' } });
    expect(model.tiers).toEqual([expect.objectContaining({ tier: RequirementTier.CORE, locked: true, source: 'uv.lock' })]);
  });

  test('torch is its own tier before the others, from its index, and constrains them', () => {
    const model = resolveImageModel({
      ...INPUT,
      torch: { indexUrl: 'https://torch.example/cpu' },
    });
    expect(model.torch).toEqual({
      indexUrl: 'https://torch.example/cpu', cuda: undefined, file: 'docker/api/requirements-torch.txt', locked: false,
    });
    expect(model.tiers[0].constraints).toEqual(['docker/api/requirements-torch.txt']);
    expect(model.contextPaths[0]).toBe('docker/api/requirements-torch.txt');
  });

  test('the test command: pytest on the module with pytest in dev, unittest without; from the workdir with sources', () => {
    expect(resolveImageModel(INPUT).testCommand).toEqual(['python', '-m', 'pytest', '-q', 'api']);
    expect(resolveImageModel({ ...INPUT, tierLines: { ...INPUT.tierLines, dev: [] } }).testCommand)
      .toEqual(['python', '-m', 'unittest', 'discover', '-s', 'api', '-t', '.']);
    expect(resolveImageModel({ ...INPUT, copies: [{ from: 'src', to: '/app/src' }] }).testCommand).toEqual(['python', '-m', 'pytest', '-q']);
    expect(resolveImageModel({ ...INPUT, testCommand: ['make', 'test'] }).testCommand).toEqual(['make', 'test']);
  });

  test('stages and where prod gets its virtualenv', () => {
    const plain = resolveImageModel(INPUT);
    expect(stageOrder(plain)).toEqual(['base', 'deps-ml', 'builder', 'dev', 'test', 'prod']);
    expect(prodVenvSource(plain)).toBe('deps-ml');
    const hooked = resolveImageModel({ ...INPUT, hooks: { ...NO_BUILD_HOOKS, packages: ['gcc'] } });
    expect(prodVenvSource(hooked)).toBe('builder');
  });
});

describe('the image model of real services', () => {
  test('a CPU service with sources, installProject and build hooks', () => {
    const project = newProject();
    mkdirSync(join(project.outdir, 'pkg'), { recursive: true });
    writeFileSync(join(project.outdir, 'pkg', '__init__.py'), '');
    writeFileSync(join(project.outdir, 'pkg', 'main.py'), 'print(1)\n');
    writeFileSync(join(project.outdir, 'pyproject.toml'), '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "pkg"\nversion = "1.0"\n');
    const api = new PythonService(project, 'api', {
      command: ['python', '-m', 'pkg.main'],
      sources: ['pkg'],
      installProject: true,
      requirements: { core: ['setuptools==75.6.0'] },
      buildPackages: ['gcc'],
      buildSteps: [{ name: 'warm', run: 'python -c "print(1)"' }],
    });
    const model = api._imageModel();
    // the wheel installs pkg: it is not copied into /app as well
    expect(model.copies).toEqual([]);
    expect(model.projectInstall?.files).toContain('pyproject.toml');
    expect(model.hooks.steps.map((s) => s.name)).toEqual(['warm']);
    expect(stageOrder(model)).toEqual(['base', 'deps-ml', 'builder', 'project', 'dev', 'test', 'prod']);
    expect(prodVenvSource(model)).toBe('builder');
    expect(model.contextPaths).toEqual(api.contextPaths());
    expect(model.gpu).toBeUndefined();
    expect(model.entrypoint).toEqual(['/usr/bin/tini', '--']);
  });

  test('a trainer: the GPU extension adds the driver minimum, caches and the checkpoint folder', () => {
    const project = newProject();
    const trainer = new GpuTrainer(project, 'trainer', { torchVersion: '2.5.1', command: ['python', '-m', 'trainer.train'] });
    const model = trainer._imageModel();
    expect(model.gpu).toEqual(expect.objectContaining({ base: 'python-slim', cuda: trainer.cudaVersion, torch: trainer.torch!.torch, minDriver: trainer.minDriverVersion }));
    expect(model.entrypoint).toEqual(['/usr/bin/tini', '--', 'python', '-m', 'mldocker_runtime.driver_check']);
    const env = Object.fromEntries(model.env);
    expect(env).toEqual(expect.objectContaining({ MLDOCKER_MIN_DRIVER: trainer.minDriverVersion, MLDOCKER_CHECKPOINT_DIR: '/checkpoints', MLDOCKER_DATA_DIR: '/data' }));
    expect(model.env.map(([k]) => k).indexOf('MLDOCKER_DATA_DIR')).toBeGreaterThan(model.env.map(([k]) => k).indexOf('MLDOCKER_MIN_DRIVER'));
    expect(model.runtimeSteps).toEqual([{ kind: 'checkpoint-dir', path: '/checkpoints' }]);
    expect(model.labels).toContainEqual(['dev.projen-ml-docker.cuda', trainer.cudaVersion]);
    expect(model.copyPython).toBeUndefined();
    expect(model.healthCheck?.command).toEqual(['python', '-m', 'mldocker_runtime.healthcheck', 'process']);
    expect(model.healthCheck?.watchesProcessOnly).toBe(true);
  });

  test('an inference service on an nvidia/cuda base with a baked model', () => {
    const project = newProject({ hostDriverVersion: '560.28.03' });
    mkdirSync(join(project.outdir, 'models'), { recursive: true });
    const inference = new GpuInference(project, 'infer', {
      torchVersion: '2.9.0', gpuBase: GpuBase.CUDA_RUNTIME, port: 8080, bakeModel: true, command: ['python', '-m', 'infer.main'],
    });
    const model = inference._imageModel();
    expect(model.bases.map((b) => b.arg)).toEqual(['PYTHON_IMAGE', 'CUDA_IMAGE']);
    expect(model.runtimeBase).toEqual({ arg: 'CUDA_IMAGE', image: inference.cudaImage });
    expect(model.copyPython?.packages.length).toBeGreaterThan(0);
    expect(stageOrder(model)[0]).toBe('python');
    expect(model.runtimeSteps).toEqual([{ kind: 'baked-model', from: 'models', path: '/models' }]);
    expect(model.contextPaths).toContain('models');
    expect(Object.fromEntries(model.env).HF_HUB_OFFLINE).toBe('1');
    expect(model.healthCheck?.command).toEqual(['python', '-m', 'mldocker_runtime.healthcheck', 'http', 'http://127.0.0.1:8080/health']);
  });
});

describe('a synth', () => {
  test('resolves each image and reads its tree once, for the Dockerfile and both ignore files', () => {
    const project = newProject();
    new PythonService(project, 'api', {
      command: ['python', '-m', 'api.main'], port: 8000, modelDir: 'models', bakeModel: true,
    });
    new GpuTrainer(project, 'trainer', { torchVersion: '2.5.1', command: ['python', '-m', 'trainer.train'] });
    const resolve = jest.spyOn(imageModel, 'resolveImageModel');
    // each image asks for its tree once; the project reads git's view once for all of them
    // (synth-cost.test.ts)
    const read = jest.spyOn(ProjectServices.prototype, 'treeFor');
    try {
      const files = synth(project);
      expect(resolve).toHaveBeenCalledTimes(2);
      expect(read).toHaveBeenCalledTimes(2);
      // the model folder is wired once: the ignore files let the baked weights in, the Dockerfile copies
      // them
      expect(files['docker/api/Dockerfile.dockerignore']).toContain('!models/**/*.pt');
      expect(files['.dockerignore']).toContain('!models/**/*.pt');
      expect(files['docker/api/Dockerfile']).toContain('COPY --chown=10001:10001 models /models');
      // the next synth resolves again (its dependency files or project tree may have changed)
      synth(project);
      expect(resolve).toHaveBeenCalledTimes(4);
      expect(read).toHaveBeenCalledTimes(4);
    } finally {
      resolve.mockRestore();
      read.mockRestore();
    }
  });
});
