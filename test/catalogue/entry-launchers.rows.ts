/**
 * Catalogue rows: the interpreter a command names must be the image's, and launchers that load
 * an app from a file or `file:object` (fastapi, bentoml, gradio, streamlit, flask, panel) must
 * find the file and the object named in it. `services/api/serve.py` (written by the rows that
 * need it) defines `app` and `Svc`.
 */
import { AcceptRow, Row, svc } from './support';

const API = 'vision/api';
const SERVE = { 'services/api/serve.py': 'import bentoml\n\napp = object()\n\n\nclass Svc:\n    pass\n' };
const on = (command: string[], core: string[]) => svc({ sources: ['services/api'], command, requirements: { core } });
const FASTAPI = ['fastapi[standard]==0.115.6'];
const BENTOML = ['bentoml==1.3.20'];
const FLASK = ['flask==3.1.0'];

export const rows: Row[] = [
  // the interpreter
  { name: 'entry: python3.12 on a 3.11 image', build: on(['python3.12', '-m', 'services.api.main'], []), path: API, got: '"python3.12"', expected: 'or pythonVersion "3.12"' },
  { name: 'entry: python2 on a 3.11 image', build: on(['python2', '-m', 'services.api.main'], []), path: API, got: '"python2"', expected: '"python", "python3", "python3.11"' },
  { name: 'entry: python3.10 by path on a 3.11 image', build: on(['/usr/local/bin/python3.10', '-m', 'services.api.main'], []), path: API, got: 'is not the image\'s python (3.11)', expected: '(the image\'s interpreter)' },
  // files and objects of app launchers
  { name: 'entry: fastapi run of a missing file', build: on(['fastapi', 'run', 'services/api/missing.py'], FASTAPI), path: API, got: '"services/api/missing.py"', expected: 'a file of the copied sources' },
  { name: 'entry: fastapi dev with an --app the file never names', build: on(['fastapi', 'dev', 'services/api/serve.py', '--app', 'api'], FASTAPI), files: SERVE, path: API, got: 'never names "api"', expected: 'a name the file defines or imports' },
  { name: 'entry: fastapi run with an --app that is no python name', build: on(['fastapi', 'run', 'services/api/serve.py', '--app', 'my-app'], FASTAPI), files: SERVE, path: API, got: '"my-app" is not a python name', expected: 'a command whose entry can be read' },
  { name: 'entry: fastapi --entrypoint module missing', build: on(['fastapi', 'run', '--entrypoint', 'services.api.srv:app'], FASTAPI), path: API, got: '"services.api.srv"', expected: 'a module in the copied sources' },
  { name: 'entry: bentoml serve of a missing file', build: on(['bentoml', 'serve', 'services/api/service.py:Svc'], BENTOML), path: API, got: '"services/api/service.py"', expected: 'a file of the copied sources' },
  { name: 'entry: bentoml serve of a class the file never names', build: on(['bentoml', 'serve', 'services/api/serve.py:Service'], BENTOML), files: SERVE, path: API, got: 'never names "Service"', expected: 'class Service' },
  { name: 'entry: bentoml serve of a module:class whose class is missing', build: on(['bentoml', 'serve', 'services.api.serve:Bento'], BENTOML), files: SERVE, path: API, got: 'never names "Bento"', expected: 'a name the file defines or imports' },
  { name: 'entry: gradio of a missing file', build: on(['gradio', 'services/api/ui.py'], ['gradio==5.9.1']), path: API, got: '"services/api/ui.py"', expected: 'a file of the copied sources' },
  { name: 'entry: gradio with a --demo-name the file never names', build: on(['gradio', 'services/api/serve.py', '--demo-name', 'demo'], ['gradio==5.9.1']), files: SERVE, path: API, got: 'never names "demo"', expected: 'a name the file defines or imports' },
  { name: 'entry: python -m streamlit run of a missing file', build: on(['python', '-m', 'streamlit', 'run', 'services/api/dash.py'], ['streamlit==1.41.1']), path: API, got: '"services/api/dash.py"', expected: 'a file of the copied sources' },
  { name: 'entry: flask --app of a missing module', build: on(['flask', '--app', 'services.api.web:app', 'run'], FLASK), path: API, got: '"services.api.web"', expected: 'a module in the copied sources' },
  { name: 'entry: flask --app of a factory the file never names', build: on(['flask', '--app', 'services/api/serve.py:create_app()', 'run'], FLASK), files: SERVE, path: API, got: 'never names "create_app"', expected: 'a name the file defines or imports' },
  { name: 'entry: flask --app with a bad object', build: on(['flask', '--app', 'services.api.serve:1app', 'run'], FLASK), files: SERVE, path: API, got: 'names no python object after ":"', expected: 'a command whose entry can be read' },
  { name: 'entry: panel serve of a missing file', build: on(['panel', 'serve', 'services/api/serve.py', 'services/api/board.py'], ['panel==1.5.5']), files: SERVE, path: API, got: '"services/api/board.py"', expected: 'a file of the copied sources' },
  { name: 'entry: panel serve without a file', build: on(['panel', 'serve', '--port', '5006'], ['panel==1.5.5']), path: API, got: 'panel serve names no app file', expected: 'a command whose entry can be read' },
];

/** The same launchers with their file and object present synthesize, and the build check names the file. */
export const accepts: AcceptRow[] = ([
  ['fastapi run with --app', ['fastapi', 'run', 'services/api/serve.py', '--app', 'app'], FASTAPI],
  ['bentoml serve of file:class', ['bentoml', 'serve', 'services/api/serve.py:Svc'], BENTOML],
  ['flask --app of a module:object', ['flask', '--app', 'services.api.serve:app', 'run'], FLASK],
  ['the image\'s python3.11', ['python3.11', 'services/api/serve.py'], []],
] as Array<[string, string[], string[]]>).map(([what, command, core]) => ({
  name: `entry: ${what}`,
  build: on(command, core),
  files: SERVE,
  writes: { 'docker/api/Dockerfile': [JSON.stringify(command).replace(/,/g, ', ')] },
}));
