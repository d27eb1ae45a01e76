// A FastAPI CPU service: one package with templates, static files and a data subpackage.
// Synthesized by test/layouts/corpus.test.ts over the layout it was written for (test/layouts/shapes.ts).
import { MlDockerProject, PythonService } from 'projen-ml-docker';

const project = new MlDockerProject({ name: 'fastapi-cpu', pythonVersion: '3.11' });

new PythonService(project, 'web', {
  command: ['uvicorn', 'app.main:app', '--host', '0.0.0.0', '--port', '8000'],
  port: 8000,
  sources: ['app'],
  requirements: { core: ['fastapi==0.115.6', 'uvicorn==0.32.1', 'jinja2==3.1.4'] },
});

project.synth();
