// A DETR-style trainer: flat modules beside code folders (one named datasets).
// Synthesized by test/layouts/corpus.test.ts over the layout it was written for (test/layouts/shapes.ts).
import { MlDockerProject, GpuTrainer } from 'projen-ml-docker';

const project = new MlDockerProject({ name: 'detr', pythonVersion: '3.11' });

new GpuTrainer(project, 'detr', {
  torchVersion: '2.5.1',
  command: ['python', 'main.py', '--coco_path', '/data/coco'],
  sources: ['main.py', 'engine.py', 'hubconf.py', 'datasets', 'models', 'util', 'd2'],
  requirements: { ml: ['scipy==1.14.1', 'pycocotools==2.0.8'] },
});

project.synth();
