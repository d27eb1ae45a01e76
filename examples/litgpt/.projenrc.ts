// A litgpt-style package: installed from its pyproject.toml, run by its console script.
// Synthesized by test/layouts/corpus.test.ts over the layout it was written for (test/layouts/shapes.ts).
import { MlDockerProject, GpuTrainer } from 'projen-ml-docker';

const project = new MlDockerProject({ name: 'litgpt', pythonVersion: '3.11' });

new GpuTrainer(project, 'litgpt', {
  torchVersion: '2.7.1', // its pyproject.toml requires torch>=2.7
  command: ['litgpt', 'finetune_lora', 'checkpoints/microsoft/phi-2', '--data', 'Alpaca'],
  sources: ['litgpt', 'config_hub'],
  installProject: true,
  requirements: {
    ml: ['lightning==2.6.1', 'safetensors==0.4.5', 'tokenizers==0.21.0'],
    // the build backend is pinned here: the wheel is built without an index; every dependency
    // of its pyproject.toml is in a tier (pip check runs after the wheel's install)
    core: ['setuptools==75.6.0', 'jsonargparse==4.37.0', 'huggingface-hub==0.30.2', 'psutil==7.2.2'],
  },
});

project.synth();
