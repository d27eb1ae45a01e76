// Flat modules beside several top-level folders (utils/ with a wandb package, data/ with configs).
// Synthesized by test/layouts/corpus.test.ts over the layout it was written for (test/layouts/shapes.ts).
import { MlDockerProject, GpuTrainer } from 'projen-ml-docker';

const project = new MlDockerProject({ name: 'flat-modules', pythonVersion: '3.11' });

new GpuTrainer(project, 'yolo', {
  torchVersion: '2.5.1',
  command: ['python', 'train.py', '--data', 'data/coco128.yaml'],
  sources: ['train.py', 'export.py', 'utils', 'models', 'data'],
});

project.synth();
