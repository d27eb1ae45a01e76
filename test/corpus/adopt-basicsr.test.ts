/**
 * Adopting XPixelGroup/BasicSR (../shared/data/realworld/adopt/basicsr, read in place): each fact
 * of its expected.md, named with the section that states it.
 */
import ignore from '@balena/dockerignore';
import { prose, read } from '../adopt/support';
import { adoptTree, changedFiles, planned, projectProp } from './support/adopt-tree';

jest.setTimeout(5 * 60_000);
const tree = adoptTree('basicsr');
const train = planned(tree, 'train')!;
const text = prose(tree.adoption.text);

test('Services: one GPU trainer, adopted and synthesized', () => {
  expect(tree.expected).toContain('One service: a **GPU trainer** (`GpuTrainer`), e.g. id `train`');
  expect(tree.adoption.plan.services.map((s) => [s.kind, s.id])).toEqual([['GpuTrainer', 'train']]);
  expect(read(tree.dir, 'docker/train/Dockerfile')).toContain(
    'CMD ["python", "basicsr/train.py", ' +
      '"-opt", "options/train/SRResNet_SRGAN/train_MSRResNet_x4.yml"]',
  );
});

test(
  'Services: the single-GPU command of docs/TrainTest.md, from the repository root; no port, no ' +
    'heartbeat check',
  () => {
    expect(tree.expected).toContain(
      '`["python", "basicsr/train.py", "-opt", ' +
        '"options/train/SRResNet_SRGAN/train_MSRResNet_x4.yml"]`',
    );
    expect(train.props.command).toEqual([
      'python',
      'basicsr/train.py',
      '-opt',
      'options/train/SRResNet_SRGAN/train_MSRResNet_x4.yml',
    ]);
    expect(text).toContain('// docs/TrainTest.md:9');
    expect(train.props.workdir).toBeUndefined();
    // healthy while its process runs: the adopted definition keeps the health check on
    expect(train.props.disableHealthCheck).toBeUndefined();
    expect(train.props.port).toBeUndefined();
  },
);

test('Services: the multi-GPU and test commands are listed for the user, not adopted', () => {
  expect(tree.expected).toContain(
    '`basicsr/test.py` (`python basicsr/test.py -opt options/test/...`) is ' +
      'the matching evaluation job',
  );
  expect(text).toContain(
    'docs/TrainTest.md:19: ./scripts/dist_train.sh 8 ' +
      'options/train/EDVR/train_EDVR_M_x4_SR_REDS_woTSA.yml',
  );
  expect(text).toContain('python basicsr/test.py -opt options/test/SRResNet_SRGAN/test_MSRResNet_x4.yml');
});

test('Dependencies: requirements.txt (not docs/requirements.txt); every line unpinned, reported', () => {
  expect(tree.expected).toContain(
    "`docs/requirements.txt` is the Sphinx documentation's and must not " + 'be installed',
  );
  expect(projectProp(tree, 'dependencies')).toEqual({
    factory: 'fromRequirementsFiles',
    options: { ml: ['requirements.txt'] },
  });
  expect(text).toContain('TODO: requirements.txt: 15 requirements are not pinned to one version');
  expect(read(tree.dir, 'docker/train/requirements-ml.txt')).toMatch(/^tb-nightly$/m);
});

test('Dependencies: torch and torchvision in the torch tier, the version written as a choice', () => {
  expect(tree.expected).toContain('| torch | torch + torchvision, version chosen by the user |');
  expect(train.props.torchPackages).toEqual(['torch', 'torchvision']);
  expect(text).toContain(
    `TODO: torchVersion ${train.props.torchVersion} is a choice (the newest release ` +
      'of the wheel matrix for Python 3.11)',
  );
});

test("Dependencies: opencv-python's libGL and GLib as aptPackages", () => {
  expect(tree.expected).toContain(
    'needs `libGL.so.1` and GLib on a slim Debian base\n(`libgl1`, ' + '`libglib2.0-0`)',
  );
  expect(train.props.aptPackages).toEqual(['libgl1', 'libglib2.0-0']);
});

test('Python, GPU, torch: no Python stated; the choice says so, with the stale CI version it saw', () => {
  expect(tree.expected).toContain(
    'Nothing in the repository pins either; the adoption must ask or state ' + 'its choice as a choice',
  );
  expect(projectProp(tree, 'pythonVersion')).toBe('3.11');
  expect(text).toContain(
    "TODO: pythonVersion 3.11 is a choice, not the repository's; the files name " +
      '3.8 (the CI workflows all set up Python 3.8',
  );
});

test('CUDA extensions: none by default; the way to build them is named', () => {
  expect(tree.expected).toContain('- Default: **none**.');
  expect(read(tree.dir, 'docker/train/Dockerfile')).not.toContain('BASICSR_EXT');
  expect(text).toContain(
    'TODO: setup.py builds C++/CUDA extensions: they are not built unless asked ' +
      "(cudaExtensions: ['.']",
  );
});

test('Packaging: basicsr/version.py, which setup.py writes and git ignores, is reported', () => {
  expect(tree.expected).toContain('## Packaging: `basicsr/version.py` (must)');
  expect(text).toContain(
    'TODO: basicsr/__init__.py:10 imports .version, which is not in the repository ' +
      '(a build step writes it, e.g. setup.py)',
  );
  // test.py beside train.py hides no package in the image: the python images ship no standard-library test
  // package
});

test(
  "Data, outputs: the read-only data mount against the option files' datasets/ paths, outputs on a " +
    'volume',
  () => {
    expect(tree.expected).toContain(
      'the adoption must report that the option files (user-owned)\n  need ' + '`/data/...` paths',
    );
    expect(text).toContain(
      "TODO: .gitignore leaves out datasets/: the job's data is mounted read-only at " +
        '/data (dataDir), so paths in options/train/SRResNet_SRGAN/train_MSRResNet_x4.yml',
    );
  },
);

test(
  'Files that must reach the image: basicsr/ with its NIQE parameters, options/; not datasets/, ' +
    'experiments/, tests/, docs/',
  () => {
    expect(tree.expected).toContain('`basicsr/metrics/niqe_pris_params.npz` (NIQE metric; an array file');
    expect(train.props.sources).toEqual(['basicsr', 'options']);
    expect(train.props.packageData).toEqual(['basicsr/metrics/niqe_pris_params.npz']);
    const matcher = ignore().add(read(tree.dir, 'docker/train/Dockerfile.dockerignore').split('\n'));
    expect(
      [
        'basicsr/train.py',
        'basicsr/metrics/niqe_pris_params.npz',
        'basicsr/data/meta_info/meta_info_DIV2K800sub_GT.txt',
        'options/train/SRResNet_SRGAN/train_MSRResNet_x4.yml',
      ].filter((f) => matcher.ignores(f)),
    ).toEqual([]);
    expect(
      [
        'datasets/README.md',
        'experiments/pretrained_models/README.md',
        'tests/test_losses.py',
        'docs/conf.py',
        'assets/x.png',
      ].filter((f) => !matcher.ignores(f)),
    ).toEqual([]);
  },
);

test(
  'Files the repo already has, kept untouched; docs/containers.md among the Sphinx sources reported; ' +
    '.gitignore keeps its rules',
  () => {
    expect(tree.expected).toContain('a generated `docs/containers.md` would land among them: report it');
    expect(text).toContain(
      'TODO: docs/ holds the documentation sources of the repository: ' +
        'docs/containers.md is written among them',
    );
    expect(changedFiles(tree)).toEqual(['.gitignore']);
    expect(tree.status.filter((l) => !l.startsWith('?? ')).sort()).toEqual([' M .gitignore']);
    for (const rule of [
      'datasets/*',
      'experiments/*',
      'results/*',
      'tb_logger/*',
      'wandb/*',
      'version.py',
      '*.png',
      '*.jpg',
      '*.pth',
    ]) {
      expect(read(tree.dir, '.gitignore').split('\n')).toContain(rule);
    }
  },
);
