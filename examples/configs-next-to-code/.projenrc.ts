// A src layout run from /app/src, with a conf/ folder beside it.
// Synthesized by test/layouts/corpus.test.ts over the layout it was written for (test/layouts/shapes.ts).
import { MlDockerProject, PythonService } from 'projen-ml-docker';

const project = new MlDockerProject({ name: 'configs-next-to-code', pythonVersion: '3.11' });

new PythonService(project, 'ranker', {
  command: ['python', '-m', 'ranker.serve'],
  sources: ['src', 'conf'],
  workdir: '/app/src',
});

project.synth();
