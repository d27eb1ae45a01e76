import {
  EntryContext, EntryOrigin, EntryStatus, checkEntry, imageFileMap, importNamesOf, nearest,
  parseRequirementName,
} from '../../src/entry';

/** An image whose files are all present. */
function image(...paths: string[]): Map<string, boolean> {
  return new Map(paths.map((p) => [p, true]));
}

function ctx(files: Map<string, boolean>, more: Partial<EntryContext> = {}): EntryContext {
  return { imageFiles: files, workdir: '/app', pythonPath: ['/app'], ...more };
}

const GATEWAY = image('/app/gateway/__init__.py', '/app/gateway/main.py', '/app/gateway/routes/users.py', '/app/common/__init__.py');

describe('modules in the copied sources', () => {
  test('python -m pkg.mod is found as a file of a regular package', () => {
    const result = checkEntry(['python', '-m', 'gateway.main'], ctx(GATEWAY));
    expect(result.status).toBe(EntryStatus.FOUND);
    expect(result.targets[0]).toMatchObject({ origin: EntryOrigin.IMAGE, location: '/app/gateway/main.py' });
    expect(result.problem).toBeUndefined();
  });

  test('a namespace package folder (no __init__.py) holding .py files is a package', () => {
    const result = checkEntry(['python', '-m', 'gateway.routes.users'], ctx(GATEWAY));
    expect(result.status).toBe(EntryStatus.FOUND);
    expect(result.targets[0].location).toBe('/app/gateway/routes/users.py');
    expect(checkEntry(['python', '-m', 'tools.export'], ctx(image('/app/tools/export/__init__.py'))).targets[0].location).toBe('/app/tools/export/__init__.py');
  });

  test('within one folder a module file wins over a namespace folder of the same name, as in Python', () => {
    const files = image('/app/train.py', '/app/train/helpers.py');
    expect(checkEntry(['python', '-m', 'train'], ctx(files)).targets[0].location).toBe('/app/train.py');
    expect(checkEntry(['python', '-m', 'ext'], ctx(image('/app/ext.cpython-311-x86_64-linux-gnu.so'))).targets[0].location).toBe('/app/ext.cpython-311-x86_64-linux-gnu.so');
  });

  test('a renamed service keeps the old module: missing, with the module of the same name in the new package as the hint', () => {
    const result = checkEntry(['uvicorn', 'api.main:app'], ctx(GATEWAY, { requirements: ['uvicorn[standard]>=0.30'] }));
    expect(result.status).toBe(EntryStatus.MISSING);
    expect(result.suggestion).toBe('gateway.main');
    expect(result.problem).toBe('the app module "api.main" is not importable in the image: no api/main.py, api/main/__init__.py or namespace package under /app, and no declared requirement provides it');
    expect(result.expected).toBe('a module in the copied sources or of a declared requirement; did you mean "gateway.main"?');
    expect(result.buildCheck).toBeUndefined();
  });

  test('a trainer whose package folder is not in its image: python -m ranker.train fails, hinting the copied package', () => {
    const result = checkEntry(['python', '-m', 'ranker.train'], ctx(image('/app/ranker_train/__init__.py', '/app/ranker_train/train.py')));
    expect(result.status).toBe(EntryStatus.MISSING);
    expect(result.suggestion).toBe('ranker_train.train');
  });

  test('a near misspelling is suggested; nothing near gives no hint', () => {
    expect(checkEntry(['python', '-m', 'gateway.mian'], ctx(GATEWAY)).suggestion).toBe('gateway.main');
    const far = checkEntry(['python', '-m', 'zzz'], ctx(GATEWAY));
    expect(far.suggestion).toBeUndefined();
    expect(far.expected).toBe('a module in the copied sources (under /app) or of a declared requirement');
  });

  test('python -m of a package needs its __main__.py', () => {
    const without = checkEntry(['python', '-m', 'gateway'], ctx(GATEWAY));
    expect(without.status).toBe(EntryStatus.MISSING);
    expect(without.problem).toContain('is a package without a __main__.py (/app/gateway/__main__.py is not in the image)');
    const withMain = checkEntry(['python', '-m', 'gateway'], ctx(image('/app/gateway/__init__.py', '/app/gateway/__main__.py')));
    expect(withMain.status).toBe(EntryStatus.FOUND);
  });

  test('a module the project has but the ignore file drops is reported as dropped', () => {
    const files = new Map([['/app/worker/__init__.py', true], ['/app/worker/data/__init__.py', false], ['/app/worker/data/queues.py', false]]);
    const result = checkEntry(['python', '-m', 'worker.data.queues'], ctx(files));
    expect(result.status).toBe(EntryStatus.MISSING);
    expect(result.problem).toBe('the main module "worker.data.queues" is in the project (/app/worker/data/queues.py) but the ignore file drops it from the build context');
  });

  test('the working directory is searched only when the launcher puts it on sys.path; PYTHONPATH and --app-dir are', () => {
    const files = image('/app/services/api/__init__.py', '/app/services/api/main.py', '/opt/lib/shared/util.py');
    expect(checkEntry(['uvicorn', 'api.main:app'], ctx(files, { requirements: ['uvicorn'] })).status).toBe(EntryStatus.MISSING);
    expect(checkEntry(['uvicorn', '--app-dir', 'services', 'api.main:app'], ctx(files, { requirements: ['uvicorn'] })).status).toBe(EntryStatus.FOUND);
    expect(checkEntry(['uvicorn', 'api.main:app'], ctx(files, { workdir: '/app/services', pythonPath: [], requirements: ['uvicorn'] })).status).toBe(EntryStatus.FOUND);
    expect(checkEntry(['python', '-m', 'shared.util'], ctx(files, { pythonPath: ['/app', '/opt/lib'] })).status).toBe(EntryStatus.FOUND);
    expect(checkEntry(['python', '-m', 'shared.util'], ctx(files)).status).toBe(EntryStatus.MISSING);
  });

  test('celery -A pkg.attr accepts pkg when the attribute is not a module', () => {
    const files = image('/app/proj/__init__.py');
    expect(checkEntry(['celery', '-A', 'proj.app', 'worker'], ctx(files, { requirements: ['celery[redis]'] })).status).toBe(EntryStatus.FOUND);
    expect(checkEntry(['celery', '-A', 'proj.celery:app', 'worker'], ctx(files, { requirements: ['celery'] })).status).toBe(EntryStatus.MISSING);
  });
});

describe('requirements, the standard library and provided modules', () => {
  test.each([
    ['scikit-learn', 'sklearn'], ['opencv-python', 'cv2'], ['opencv-python-headless', 'cv2'], ['PyYAML', 'yaml'], ['Pillow', 'PIL'],
    ['beautifulsoup4', 'bs4'], ['python_dateutil', 'dateutil'], ['protobuf', 'google.protobuf'],
    ['sentence-transformers', 'sentence_transformers'], ['Flash.Attn', 'flash_attn'], ['torch', 'torch'],
  ])('%s installs %s', (distribution, module) => {
    expect(importNamesOf(distribution)).toContain(module);
  });

  test('requirement lines are read for the name and extras only', () => {
    expect(parseRequirementName('uvicorn[standard, Gunicorn]>=0.30; python_version > "3.9"  # web')).toEqual({ name: 'uvicorn', extras: ['gunicorn', 'standard'] });
    expect(parseRequirementName('Torch==2.5.1+cu124')).toEqual({ name: 'torch', extras: [] });
    expect(parseRequirementName('mypkg @ https://example.invalid/mypkg.whl')).toEqual({ name: 'mypkg', extras: [] });
    expect(parseRequirementName('--extra-index-url x')).toBeUndefined();
    expect(parseRequirementName('# comment')).toBeUndefined();
    expect(parseRequirementName('./local/pkg')).toBeUndefined();
  });

  test('a module of a declared requirement is found through its import name', () => {
    const served = checkEntry(['python', '-m', 'vllm.entrypoints.openai.api_server', '--model', '/models/x'], ctx(image(), { requirements: ['vllm==0.6.3'] }));
    expect(served.status).toBe(EntryStatus.FOUND);
    expect(served.targets[0]).toMatchObject({ origin: EntryOrigin.REQUIREMENT, location: 'vllm' });
    const proto = checkEntry(['python', '-m', 'google.protobuf.internal.x'], ctx(image(), { requirements: ['protobuf>=4'] }));
    expect(proto.targets[0]).toMatchObject({ origin: EntryOrigin.REQUIREMENT, location: 'protobuf' });
    expect(checkEntry(['python', '-m', 'sklearn.x'], ctx(image(), { requirements: ['scikit-learn'] })).status).toBe(EntryStatus.FOUND);
    expect(checkEntry(['python', '-m', 'scikit_learn.x'], ctx(image(), { requirements: ['scikit-learn'] })).status).toBe(EntryStatus.MISSING);
  });

  test('the standard library and provided modules are found', () => {
    expect(checkEntry(['python', '-m', 'http.server', '8000'], ctx(image())).targets[0].origin).toBe(EntryOrigin.STDLIB);
    expect(checkEntry(['python', '-m', 'mldocker_runtime.healthcheck'], ctx(image(), { providedModules: ['mldocker_runtime'] })).targets[0].origin).toBe(EntryOrigin.PROVIDED);
  });

  test('a launcher needs its requirement: uvicorn, torchrun (torch), the gunicorn uvicorn worker (uvicorn)', () => {
    const noUvicorn = checkEntry(['uvicorn', 'gateway.main:app'], ctx(GATEWAY, { requirements: ['fastapi'] }));
    expect(noUvicorn.status).toBe(EntryStatus.MISSING);
    expect(noUvicorn.problem).toBe('the launcher "uvicorn" comes from "uvicorn", which no declared requirement provides');
    expect(noUvicorn.expected).toBe('"uvicorn" among the requirements');

    const train = image('/app/train.py');
    expect(checkEntry(['torchrun', '--nproc_per_node', '2', 'train.py'], ctx(train, { requirements: ['torch==2.5.1'] })).status).toBe(EntryStatus.FOUND);
    expect(checkEntry(['torchrun', 'train.py'], ctx(train, { requirements: [] })).problem).toContain('comes from "torch"');

    const worker = checkEntry(['gunicorn', '-k', 'uvicorn.workers.UvicornWorker', 'gateway.main:app'], ctx(GATEWAY, { requirements: ['gunicorn'] }));
    expect(worker.status).toBe(EntryStatus.MISSING);
    expect(worker.problem).toContain('the module of the worker class uvicorn.workers.UvicornWorker "uvicorn.workers" is not importable');
    expect(checkEntry(['gunicorn', '-k', 'uvicorn.workers.UvicornWorker', 'gateway.main:app'], ctx(GATEWAY, { requirements: ['gunicorn', 'uvicorn'] })).status).toBe(EntryStatus.FOUND);
  });

  test('a console script needing an extra is found only with that extra', () => {
    const app = image('/app/app.py');
    expect(checkEntry(['fastapi', 'run', 'app.py'], ctx(app, { requirements: ['fastapi'] })).status).toBe(EntryStatus.MISSING);
    expect(checkEntry(['fastapi', 'run', 'app.py'], ctx(app, { requirements: ['fastapi[standard]'] })).status).toBe(EntryStatus.FOUND);
    expect(checkEntry(['jupyter', 'lab'], ctx(image(), { requirements: ['jupyterlab'] })).status).toBe(EntryStatus.FOUND);
  });
});

describe('scripts and files', () => {
  const files = image('/app/train.py', '/app/data/shakespeare_char/prepare.py', '/app/app.py', '/app/bin/serve.sh');

  test('python path.py resolves against the working directory', () => {
    expect(checkEntry(['python', 'train.py'], ctx(files)).status).toBe(EntryStatus.FOUND);
    expect(checkEntry(['python', 'data/shakespeare_char/prepare.py'], ctx(files)).targets[0].location).toBe('/app/data/shakespeare_char/prepare.py');
    expect(checkEntry(['python', '/app/train.py'], ctx(files)).status).toBe(EntryStatus.FOUND);
  });

  test('a missing script fails with the nearest script of the image', () => {
    const result = checkEntry(['python', 'trian.py'], ctx(files));
    expect(result.status).toBe(EntryStatus.MISSING);
    expect(result.problem).toBe('the script "trian.py" is not in the image (/app/trian.py is not under the copied sources; the working directory is /app)');
    expect(result.expected).toBe('a file of the copied sources, relative to /app; did you mean "train.py"?');
  });

  test('streamlit run and a shell script are files of the image', () => {
    expect(checkEntry(['streamlit', 'run', 'app.py'], ctx(files, { requirements: ['streamlit'] })).status).toBe(EntryStatus.FOUND);
    expect(checkEntry(['./bin/serve.sh'], ctx(files)).status).toBe(EntryStatus.FOUND);
    expect(checkEntry(['/app/bin/serve.sh'], ctx(files)).status).toBe(EntryStatus.FOUND);
    expect(checkEntry(['/app/bin/start.sh'], ctx(files)).status).toBe(EntryStatus.MISSING);
  });

  test('a script the ignore file drops is named as dropped', () => {
    const result = checkEntry(['python', 'data/prepare.py'], ctx(new Map([['/app/data/prepare.py', false]])));
    expect(result.status).toBe(EntryStatus.MISSING);
    expect(result.problem).toBe('the script "data/prepare.py" is in the project (/app/data/prepare.py) but the ignore file drops it from the build context');
  });

  test('an absolute program outside the copied sources cannot be seen: unknown, not missing', () => {
    const result = checkEntry(['/usr/local/bin/tritonserver', '--model-repository', '/models'], ctx(files));
    expect(result.status).toBe(EntryStatus.UNKNOWN);
    expect(result.problem).toContain('is outside the copied sources');
  });
});

describe('console scripts of the installed project', () => {
  const project = ['pyproject.toml', 'litgpt/__init__.py', 'litgpt/__main__.py', 'litgpt/data/__init__.py', 'litgpt/data/alpaca.py'];

  test('a [project.scripts] name is found, and its module is checked against the project package', () => {
    const result = checkEntry(['litgpt', 'finetune_lora'], ctx(image(), {
      requirements: ['torch'], projectScripts: { litgpt: 'litgpt.__main__:main' }, installedProjectFiles: project,
    }));
    expect(result.status).toBe(EntryStatus.FOUND);
    expect(result.targets.map((t) => `${t.origin}:${t.location}`)).toEqual(['project-script:litgpt.__main__:main', 'installed-project:litgpt/__main__.py']);
    expect(result.buildCheck).toMatchObject({ programs: ['litgpt'], modules: [{ name: 'litgpt.__main__', needsMain: false, mayBeAttribute: false }] });
  });

  test('a project script pointing at a module the package lacks fails', () => {
    const result = checkEntry(['litgpt'], ctx(image(), { projectScripts: { litgpt: 'litgpt.cli:main' }, installedProjectFiles: project }));
    expect(result.status).toBe(EntryStatus.MISSING);
    expect(result.problem).toBe('project script "litgpt" points at "litgpt.cli:main", whose module "litgpt.cli" is not among the installed project\'s files');
  });

  test('modules of the installed project are importable without a copy under /app', () => {
    const result = checkEntry(['python', '-m', 'litgpt.data.alpaca'], ctx(image(), { installedProjectFiles: project }));
    expect(result.targets[0]).toMatchObject({ status: EntryStatus.FOUND, origin: EntryOrigin.INSTALLED_PROJECT, location: 'litgpt/data/alpaca.py' });
    const src = checkEntry(['python', '-m', 'pkg.cli'], ctx(image(), { installedProjectFiles: ['src/pkg/__init__.py', 'src/pkg/cli.py'] }));
    expect(src.targets[0].location).toBe('src/pkg/cli.py');
  });
});

describe('unknown entries are distinct from missing ones', () => {
  test.each([
    [['sh', '-c', 'python -m gateway.main']],
    [['python', '-c', 'import gateway']],
    [['serve', '--port', '8000']],
  ])('%j is unknown', (command) => {
    const result = checkEntry(command, ctx(GATEWAY));
    expect(result.status).toBe(EntryStatus.UNKNOWN);
    expect(result.problem).toMatch(/^the entry of the command cannot be seen|neither a script/);
    expect(result.expected).toContain('the entry check turned off for this service');
  });

  test('an unknown program close to a known console script gets a hint', () => {
    const result = checkEntry(['mlfow', 'server'], ctx(image(), { requirements: ['mlflow'] }));
    expect(result.status).toBe(EntryStatus.UNKNOWN);
    expect(result.suggestion).toBe('mlflow');
  });

  test('a program named like a declared requirement is trusted', () => {
    expect(checkEntry(['litserve'], ctx(image(), { requirements: ['litserve>0.2'] })).status).toBe(EntryStatus.FOUND);
  });

  test('a malformed command is missing, with the reason', () => {
    const result = checkEntry(['uvicorn', 'gateway.main'], ctx(GATEWAY, { requirements: ['uvicorn'] }));
    expect(result.status).toBe(EntryStatus.MISSING);
    expect(result.problem).toBe('the command is malformed: uvicorn\'s application "gateway.main" is not in the form "module:attribute"');
  });
});

describe('the build-check plan', () => {
  test('lists the modules, files and programs with the launcher\'s sys.path roots', () => {
    const result = checkEntry(['gunicorn', '-k', 'uvicorn.workers.UvicornWorker', '-c', 'gunicorn.conf.py', 'gateway.main:app'],
      ctx(image(...GATEWAY.keys(), '/app/gunicorn.conf.py'), { pythonPath: ['/app', '/opt/mldocker'], requirements: ['gunicorn', 'uvicorn'] }));
    expect(result.buildCheck).toEqual({
      command: ['gunicorn', '-k', 'uvicorn.workers.UvicornWorker', '-c', 'gunicorn.conf.py', 'gateway.main:app'],
      roots: ['/app', '/opt/mldocker'],
      modules: [{ name: 'gateway.main', needsMain: false, mayBeAttribute: false }, { name: 'uvicorn.workers', needsMain: false, mayBeAttribute: false }],
      files: ['/app/gunicorn.conf.py'],
      programs: ['gunicorn'],
    });
  });
});

describe('image files from COPY sources', () => {
  test('folders and files land under their targets; the ignore text marks dropped files', () => {
    const tree = ['nanochat/__init__.py', 'nanochat/engine.py', 'scripts/chat_web.py', 'scripts/data/tok.py', 'train.py', 'README.md', 'scripts/out/ckpt.pt'];
    const map = imageFileMap(tree, [{ from: 'nanochat', to: '/app/nanochat' }, { from: 'scripts/', to: '/app/scripts' }, { from: 'train.py', to: '/app/train.py' }],
      '*\n!nanochat\n!scripts\n!train.py\n**/data\n**/*.pt\n');
    expect([...map.entries()]).toEqual([
      ['/app/nanochat/__init__.py', true], ['/app/nanochat/engine.py', true], ['/app/scripts/chat_web.py', true],
      ['/app/scripts/data/tok.py', false], ['/app/scripts/out/ckpt.pt', false], ['/app/train.py', true],
    ]);
  });
});

describe('nearest', () => {
  test('prefers the same last part, then the smallest edit distance, then code-unit order', () => {
    expect(nearest('api.main', ['gateway.main', 'api.mains', 'zzz'])).toBe('gateway.main');
    expect(nearest('gatway', ['gateway', 'getaway'])).toBe('gateway');
    expect(nearest('ab', ['ac', 'aa'])).toBe('aa');
    expect(nearest('x', [])).toBeUndefined();
  });

  test('no hint from a name that shares nothing: as many edits as the name has characters', () => {
    expect(nearest('x', ['hf', 'ab'])).toBeUndefined();
    expect(nearest('ab', ['abc'])).toBe('abc');
    expect(nearest('abc', ['xyz'])).toBeUndefined();
    expect(nearest('trian', ['train'])).toBe('train');
  });
});

describe('the interpreter and the app launchers', () => {
  const APP = image('/app/serve.py', '/app/web/__init__.py');
  test('a versioned interpreter must be the image\'s python', () => {
    const on311 = (program: string) => checkEntry([program, 'serve.py'], ctx(APP, { pythonMinor: '3.11' }));
    for (const ok of ['python', 'python3', 'python3.11', '/opt/venv/bin/python3.11']) expect(on311(ok).status).toBe(EntryStatus.FOUND);
    for (const bad of ['python3.12', 'python2', '/usr/bin/python3.10']) expect(on311(bad).status).toBe(EntryStatus.MISSING);
    expect(on311('python3.12').problem).toContain('is not the image\'s python (3.11)');
    // without the image's python known, any interpreter name is taken as it (the pure check's default)
    expect(checkEntry(['python3.12', 'serve.py'], ctx(APP)).status).toBe(EntryStatus.FOUND);
  });

  test.each([
    [['fastapi', 'run', 'serve.py', '--app', 'app'], 'fastapi-cli', 'serve.py', 'app'],
    [['fastapi', 'dev', '--entrypoint', 'web:app'], 'fastapi-cli', 'web', 'app'],
    [['bentoml', 'serve', 'serve.py:Svc', '--port', '3000'], 'bentoml', 'serve.py', 'Svc'],
    [['bentoml', 'serve', 'web:Svc'], 'bentoml', 'web', 'Svc'],
    [['gradio', 'serve.py', '--demo-name', 'ui'], 'gradio', 'serve.py', 'ui'],
    [['flask', '--app', 'web:create_app()', 'run'], 'flask', 'web', 'create_app'],
    [['python', '-m', 'flask', '--app', 'serve.py', 'run'], 'flask', 'serve.py', undefined],
    [['panel', 'serve', 'serve.py', '--port', '5006'], 'panel', 'serve.py', undefined],
  ])('%j loads %s\'s app from %s (object %s)', (command, provider, target, object) => {
    const result = checkEntry(command, ctx(APP, { requirements: [provider] }));
    expect(result.status).toBe(EntryStatus.FOUND);
    expect(result.entry.target).toBe(target);
    expect(result.entry.targets[0].object).toBe(object);
  });

  test('a missing app file or module is missing; a bento tag or a bare launcher is the launcher alone', () => {
    expect(checkEntry(['bentoml', 'serve', 'other.py:Svc'], ctx(APP, { requirements: ['bentoml'] })).status).toBe(EntryStatus.MISSING);
    expect(checkEntry(['flask', '--app', 'nowhere', 'run'], ctx(APP, { requirements: ['flask'] })).status).toBe(EntryStatus.MISSING);
    expect(checkEntry(['bentoml', 'serve', 'iris_classifier:latest'], ctx(APP, { requirements: ['bentoml'] })).entry.target).toBe('bentoml');
    expect(checkEntry(['fastapi', 'run'], ctx(APP, { requirements: ['fastapi-cli'] })).entry.target).toBe('fastapi');
  });
});
