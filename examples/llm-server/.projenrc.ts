// An LLM server run with python -m, with its model (config, tokenizer, weights) baked in.
// Synthesized by test/layouts/corpus.test.ts over the layout it was written for (test/layouts/shapes.ts).
import { MlDockerProject, GpuInference } from 'projen-ml-docker';

const project = new MlDockerProject({ name: 'llm-server', pythonVersion: '3.11' });

new GpuInference(project, 'llm', {
  torchVersion: '2.5.1',
  port: 8080,
  command: ['python', '-m', 'server'],
  sources: ['server'],
  modelDir: 'models/tiny-llm',
  bakeModel: true,
  requirements: { ml: ['transformers==4.46.3', 'safetensors==0.4.5'] },
});

project.synth();
