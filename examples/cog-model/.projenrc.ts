// A cog-style model: flat modules at the root and a schema folder; weights stay out.
// Synthesized by test/layouts/corpus.test.ts over the layout it was written for (test/layouts/shapes.ts).
import { MlDockerProject, PythonService } from 'projen-ml-docker';

const project = new MlDockerProject({ name: 'cog-model', pythonVersion: '3.11' });

new PythonService(project, 'predictor', {
  command: ['python', 'serve.py'],
  port: 5000,
  sources: ['predict.py', 'serve.py', 'schema'],
  requirements: { core: ['pillow==11.0.0'] },
});

project.synth();
