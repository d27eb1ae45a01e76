// A nanoGPT-style trainer: flat modules, a config folder, preparation code inside data/.
// Synthesized by test/layouts/corpus.test.ts over the layout it was written for (test/layouts/shapes.ts).
import { MlDockerProject, GpuTrainer } from 'projen-ml-docker';

const project = new MlDockerProject({ name: 'nanogpt', pythonVersion: '3.11' });

new GpuTrainer(project, 'nanogpt', {
  torchVersion: '2.5.1',
  command: ['python', 'train.py', 'config/train_shakespeare_char.py'],
  sources: ['train.py', 'model.py', 'configurator.py', 'sample.py', 'bench.py', 'config', 'data'],
  requirements: {
    ml: ['numpy==2.1.3', 'transformers==4.46.3', 'datasets==3.1.0', 'tiktoken==0.8.0'],
    core: ['wandb==0.18.7', 'tqdm==4.67.1'],
  },
});

project.synth();
