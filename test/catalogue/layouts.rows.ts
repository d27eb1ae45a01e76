/**
 * Catalogue rows: `sources`, `workdir`, `entryCheck` and the entry check at synth. The
 * catalogue's previous tree holds `services/api` (starter code: `main.py`), `services/trainer`
 * (`train.py`), `services/common` and `docker/`; rows name only those, so nothing is written.
 */
import { any, Row, svc, trainer } from './support';
import { PythonService } from '../../src';

const API = 'vision/api';
const src = (props: Record<string, unknown>, id = 'api') => svc({ sources: ['services/api'], ...props }, id);

export const rows: Row[] = [
  // sources: paths
  { name: 'sources: a path that does not exist', build: svc({ sources: ['services/api', 'tools'] }), path: API, got: '"tools"', expected: 'a folder or file under' },
  { name: 'sources: an absolute path', build: svc({ sources: ['/srv/app'] }), path: API, got: '"/srv/app"', expected: 'relative to the project root' },
  { name: 'sources: a path escaping the project', build: svc({ sources: ['services/../../etc'] }), path: API, got: '"services/../../etc"', expected: 'without ".."' },
  { name: 'sources: a trailing slash', build: svc({ sources: ['services/api/'] }), path: API, got: '"services/api/"', expected: 'a clean relative path' },
  { name: 'sources: a "./" prefix', build: svc({ sources: ['./services/api'] }), path: API, got: '"./services/api"', expected: 'a clean relative path' },
  { name: 'sources: the project root itself', build: svc({ sources: ['.'] }), path: API, got: '"."', expected: 'a clean relative path' },
  { name: 'sources: the same path twice', build: svc({ sources: ['services/api', 'services/api'] }), path: API, got: '"services/api"', expected: 'each path once' },
  { name: 'sources: a path inside another source', build: svc({ sources: ['services', 'services/api'] }), path: API, got: '"services/api"', expected: 'each file copied once' },
  { name: 'sources: a folder landing on /app/common', build: svc({ sources: ['common'] }), path: API, got: '"common"', expected: 'a path outside "common/"' },
  { name: 'sources: the generated docker folder', build: svc({ sources: ['docker/api'] }), path: API, got: '"docker/api"', expected: 'not a generated one' },
  { name: 'sources: a virtualenv', build: svc({ sources: ['services/api', '.venv'] }), path: API, got: '".venv"', expected: 'no environment, cache or secrets folder' },
  { name: 'sources: a secrets folder', build: svc({ sources: ['secrets'] }), path: API, got: '"secrets"', expected: 'no environment, cache or secrets folder' },
  { name: 'sources: an empty list', build: svc({ sources: [] }), path: API, got: '[]', expected: 'at least one folder or file' },
  { name: 'sources: a string instead of a list (plain javascript)', build: svc({ sources: 'services/api' }), path: API, got: '"services/api"', expected: 'a list' },
  { name: 'sources: a number in the list (plain javascript)', build: svc({ sources: ['services/api', 7] }), path: API, got: '7', expected: 'a string' },
  { name: 'sources together with sourceDir', build: svc({ sources: ['services/api'], sourceDir: 'services/api' }), path: API, got: '"services/api"', expected: 'one of them' },
  // workdir
  { name: 'workdir: relative', build: src({ workdir: 'app' }), path: API, got: '"app"', expected: 'a clean absolute folder under it' },
  { name: 'workdir: outside /app', build: src({ workdir: '/srv' }), path: API, got: '"/srv"', expected: 'a clean absolute folder under it' },
  { name: 'workdir: escaping /app with ..', build: src({ workdir: '/app/../etc' }), path: API, got: '"/app/../etc"', expected: 'a clean absolute folder under it' },
  { name: 'workdir: a number (plain javascript)', build: src({ workdir: 8 }), path: API, got: '8', expected: 'a string' },
  { name: 'entryCheck: a string (plain javascript)', build: src({ entryCheck: 'no' }), path: API, got: '"no"', expected: 'true or false' },
  // the entry check at synth
  { name: 'entry: a python -m module missing from the sources', build: src({ command: ['python', '-m', 'services.api.mian'] }), path: API, got: 'services.api.mian', expected: 'did you mean "services.api.main"' },
  { name: 'entry: a uvicorn app module missing from the sources', build: src({ command: ['uvicorn', 'services.api.app:app'], requirements: { core: ['uvicorn==0.32.1'] } }), path: API, got: 'services.api.app:app', expected: 'services.api.main' },
  { name: 'entry: a script file missing from the sources', build: src({ command: ['python', 'services/api/mian.py'] }), path: API, got: 'services/api/mian.py', expected: 'services/api/main.py' },
  { name: 'entry: a celery app missing from the sources', build: src({ command: ['celery', '-A', 'tasks', 'worker'], requirements: { core: ['celery==5.4.0'] } }), path: API, got: 'tasks', expected: 'a module' },
  { name: 'entry: a console script of no declared requirement', build: src({ command: ['gunicorn', 'services.api.main:app'] }), path: API, got: 'gunicorn', expected: 'gunicorn' },
  { name: 'entry: a shell string the check cannot see (opt-out named)', build: src({ command: ['sh', '-c', 'python -m services.api.main'] }), path: API, got: 'python -m services.api.main', expected: 'entryCheck: false' },
  { name: 'entry: a renamed sourceDir service keeping its old command (check on)', build: svc({ command: ['python', '-m', 'app.main'], entryCheck: true }), path: API, got: 'app.main', expected: 'api.main' },
  { name: 'entry: a trainer whose module is not in its image', build: trainer({ sources: ['services/trainer'], command: ['python', '-m', 'ranker.train'] }), path: 'vision/trainer', got: 'ranker.train', expected: 'services.trainer.train' },
  { name: 'entry: a module of another service\'s code', build: (p) => { new PythonService(p, 'api', any({ command: ['python', '-m', 'services.trainer.train'], sources: ['services/api'] })); }, path: API, got: 'services.trainer.train', expected: 'a module in the copied sources' },
  // installProject
  { name: 'installProject without a pyproject.toml', build: src({ installProject: true }), path: API, got: '"pyproject.toml"', expected: 'a pyproject.toml at' },
  { name: 'installProject as a string (plain javascript)', build: src({ installProject: 'yes' }), path: API, got: '"yes"', expected: 'true or false' },
  // CPU model folder and cache volume
  { name: 'cpu model: bakeModel without a modelDir', build: svc({ bakeModel: true }), path: API, got: 'true', expected: 'a modelDir to copy' },
  { name: 'cpu model: modelDir inside the code', build: svc({ modelDir: 'services/api/models' }), path: API, got: '"services/api/models"', expected: 'outside the code' },
  { name: 'cpu model: modelDir holding secrets', build: svc({ modelDir: 'secrets' }), path: API, got: '"secrets"', expected: 'would mount credentials' },
  { name: 'cpu model: cacheVolume as a string (plain javascript)', build: svc({ cacheVolume: 'yes' }), path: API, got: '"yes"', expected: 'true or false' },
];
