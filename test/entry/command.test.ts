import { EntryKind, TargetKind, parseEntry } from '../../src/entry';

/** The main target and the kinds of every target, in a compact form. */
function read(command: string[]) {
  const entry = parseEntry(command);
  return {
    kind: entry.kind,
    target: entry.target,
    targets: entry.targets.map((t) => `${t.kind}:${t.name}${t.needsMain ? '+main' : ''}${t.mayBeAttribute ? '~attr' : ''}`),
    cwdOnPath: entry.cwdOnPath,
    roots: entry.searchRoots,
  };
}

describe('python', () => {
  test('python -m pkg.mod names the module, needing __main__ if it is a package, with the working directory on sys.path', () => {
    expect(read(['python', '-m', 'gateway.main'])).toEqual({
      kind: EntryKind.MODULE, target: 'gateway.main', targets: ['module:gateway.main+main', 'program:python'], cwdOnPath: true, roots: [],
    });
  });

  test.each([
    [['python', '-u', '-m', 'ranker.train']],
    [['python3', '-u', '-B', '-m', 'ranker.train', '--epochs', '3']],
    [['python3.11', '-W', 'ignore', '-X', 'dev', '-m', 'ranker.train']],
    [['/opt/venv/bin/python', '-um', 'ranker.train']],
    [['python', '-OO', '-mranker.train']],
    [['env', 'PYTHONUNBUFFERED=1', 'python', '-m', 'ranker.train']],
    [['tini', '--', 'python', '-m', 'ranker.train']],
  ])('interpreter flags and wrappers are skipped: %j', (command) => {
    expect(parseEntry(command).target).toBe('ranker.train');
    expect(parseEntry(command).kind).toBe(EntryKind.MODULE);
  });

  test('python path.py names the script; its folder, not the working directory, is sys.path[0]', () => {
    expect(read(['python', 'train.py', 'config/train_shakespeare_char.py'])).toEqual({
      kind: EntryKind.SCRIPT, target: 'train.py', targets: ['file:train.py', 'program:python'], cwdOnPath: false, roots: [],
    });
    expect(parseEntry(['python', '-W', 'error', 'data/prepare.py']).target).toBe('data/prepare.py');
  });

  test.each([
    [['python', '-c', 'import app; app.run()'], 'inline code'],
    [['python'], 'interactive'],
    [['python', '-'], 'standard input'],
    [['python', '--version'], 'starts no program'],
  ])('%j is unknown (%s)', (command, why) => {
    const entry = parseEntry(command);
    expect(entry.kind).toBe(EntryKind.UNKNOWN);
    expect(entry.malformed).toBeUndefined();
    expect(entry.reason).toContain(why);
  });

  test('"--" and options with a value before the script', () => {
    expect(parseEntry(['python', '--check-hash-based-pycs', 'always', 'serve.py']).target).toBe('serve.py');
    expect(parseEntry(['python', '-u', '--', 'serve.py']).target).toBe('serve.py');
    expect(parseEntry(['streamlit', 'run', 'app.py', '--', '--model', 'x.py']).target).toBe('app.py');
    expect(parseEntry(['gunicorn', '--', 'api.main:app']).target).toBe('api.main');
  });

  test('python -m without a module is malformed', () => {
    expect(parseEntry(['python', '-m']).malformed).toBe(true);
    expect(parseEntry(['python', '-m', 'not-a-module']).malformed).toBe(true);
  });

  test('python -m of a known tool reads the tool\'s own arguments', () => {
    expect(read(['python', '-m', 'uvicorn', 'gateway.main:app', '--port', '8000'])).toEqual({
      kind: EntryKind.MODULE, target: 'gateway.main', targets: ['module:gateway.main', 'module:uvicorn+main'], cwdOnPath: true, roots: [],
    });
    expect(read(['python', '-m', 'torch.distributed.run', '--nproc_per_node', '2', 'train.py']).targets)
      .toEqual(['file:train.py', 'module:torch.distributed.run+main']);
    expect(read(['python', '-m', 'streamlit', 'run', 'ui/app.py']).targets).toEqual(['file:ui/app.py', 'module:streamlit+main']);
  });
});

describe('ASGI and WSGI servers', () => {
  test('uvicorn pkg.mod:app, options before and after, --app-dir and --factory', () => {
    const entry = parseEntry(['uvicorn', '--host', '0.0.0.0', '--factory', 'gateway.main:create_app', '--port', '8000', '--app-dir', 'src', '--reload']);
    expect(entry.kind).toBe(EntryKind.MODULE);
    expect(entry.target).toBe('gateway.main');
    expect(entry.attribute).toBe('create_app');
    expect(entry.searchRoots).toEqual(['src']);
    expect(entry.targets.map((t) => `${t.kind}:${t.name}`)).toEqual(['module:gateway.main', 'program:uvicorn']);
    expect(parseEntry(['uvicorn', '--port=8000', 'api.main:app']).target).toBe('api.main');
  });

  test('uvicorn without "module:attribute" is malformed', () => {
    expect(parseEntry(['uvicorn', 'api.main']).malformed).toBe(true);
    expect(parseEntry(['uvicorn', '--port', '8000']).reason).toContain('names no application');
  });

  test('gunicorn with the uvicorn worker class: the app and the worker module are both needed', () => {
    expect(read(['gunicorn', '-k', 'uvicorn.workers.UvicornWorker', '-w', '4', '-b', '0.0.0.0:8000', 'gateway.main:app'])).toEqual({
      kind: EntryKind.MODULE,
      target: 'gateway.main',
      targets: ['module:gateway.main', 'program:gunicorn', 'module:uvicorn.workers'],
      cwdOnPath: true,
      roots: [],
    });
    expect(read(['gunicorn', '--worker-class=gthread', 'wsgi']).targets).toEqual(['module:wsgi', 'program:gunicorn']);
    expect(parseEntry(['gunicorn', 'wsgi']).attribute).toBe('application');
    expect(parseEntry(['gunicorn', 'app:create_app()']).attribute).toBe('create_app()');
  });

  test('gunicorn --chdir replaces the working directory on sys.path, --pythonpath adds folders, -c names a file or module', () => {
    const entry = read(['gunicorn', '--chdir', 'services', '--pythonpath', 'lib,vendor', '-c', 'gunicorn.conf.py', 'api.main:app']);
    expect(entry.cwdOnPath).toBe(false);
    expect(entry.roots).toEqual(['services', 'lib', 'vendor']);
    expect(entry.targets).toContain('file:gunicorn.conf.py');
    expect(read(['gunicorn', '-c', 'python:conf.gunicorn', 'api.main:app']).targets).toContain('module:conf.gunicorn');
    expect(parseEntry(['gunicorn', '-c', 'gunicorn.conf.py']).kind).toBe(EntryKind.UNKNOWN);
    expect(parseEntry(['gunicorn', '--paste', 'dev.ini']).kind).toBe(EntryKind.UNKNOWN);
    expect(parseEntry(['gunicorn', '-w', '4']).reason).toBe('gunicorn names no application (expected "module:variable")');
    expect(parseEntry(['gunicorn', 'api/main.py']).malformed).toBe(true);
  });

  test('hypercorn module:app, and a file path whose folder goes on sys.path', () => {
    expect(read(['hypercorn', '--bind', '0.0.0.0:8000', 'gateway.main:app'])).toMatchObject({ kind: EntryKind.MODULE, target: 'gateway.main', cwdOnPath: true });
    expect(read(['hypercorn', 'src/server.py:app'])).toMatchObject({ target: 'server', roots: ['src'], cwdOnPath: false });
  });
});

describe('task queues, apps and launchers', () => {
  test('celery -A pkg worker, --app=pkg.celery:app, -A after the subcommand', () => {
    expect(read(['celery', '-A', 'worker', 'worker', '-l', 'info'])).toMatchObject({ kind: EntryKind.MODULE, target: 'worker', targets: ['module:worker', 'program:celery'] });
    expect(read(['celery', '--app=proj.celery:app', 'worker'])).toMatchObject({ target: 'proj.celery', targets: ['module:proj.celery', 'program:celery'] });
    expect(read(['celery', 'worker', '-A', 'proj.tasks'])).toMatchObject({ target: 'proj.tasks', targets: ['module:proj.tasks~attr', 'program:celery'] });
    expect(read(['celery', '-Aproj', 'beat']).target).toBe('proj');
    expect(read(['celery', '--workdir', 'services', '-A', 'proj', 'worker'])).toMatchObject({ cwdOnPath: false, roots: ['services'] });
    expect(parseEntry(['celery', 'worker']).kind).toBe(EntryKind.UNKNOWN);
  });

  test('streamlit run app.py (options before or after), other subcommands are the program only', () => {
    expect(read(['streamlit', 'run', 'app.py', '--server.port', '8501'])).toMatchObject({ kind: EntryKind.SCRIPT, target: 'app.py', targets: ['file:app.py', 'program:streamlit'] });
    expect(read(['streamlit', 'run', '--server.port', '8501', 'ui/app.py']).target).toBe('ui/app.py');
    expect(read(['streamlit', 'hello'])).toMatchObject({ kind: EntryKind.PROGRAM, targets: ['program:streamlit'] });
  });

  test('torchrun [opts] train.py and torchrun -m pkg (dash and underscore spellings, unknown flags before a .py)', () => {
    expect(read(['torchrun', '--standalone', '--nproc_per_node=8', 'train.py', 'config/train_gpt2.py']))
      .toMatchObject({ kind: EntryKind.SCRIPT, target: 'train.py', targets: ['file:train.py', 'program:torchrun'] });
    expect(read(['torchrun', '--nproc-per-node', '2', '--nnodes', '1', '-m', 'ranker.train', '--lr', '3e-4']))
      .toMatchObject({ kind: EntryKind.MODULE, target: 'ranker.train', targets: ['module:ranker.train+main', 'program:torchrun'] });
    expect(read(['torchrun', '--some-new-flag', 'train.py']).target).toBe('train.py');
    expect(read(['torchrun', '--no-python', 'serve'])).toMatchObject({ kind: EntryKind.PROGRAM, targets: ['program:serve', 'program:torchrun'] });
  });

  test('accelerate launch and deepspeed, script or module', () => {
    expect(read(['accelerate', 'launch', '--multi_gpu', '--num_processes', '2', 'train.py'])).toMatchObject({ kind: EntryKind.SCRIPT, target: 'train.py', targets: ['file:train.py', 'program:accelerate'] });
    expect(read(['accelerate', 'launch', '--mixed-precision', 'bf16', '-m', 'ranker.train'])).toMatchObject({ kind: EntryKind.MODULE, target: 'ranker.train' });
    expect(read(['accelerate', 'env'])).toMatchObject({ kind: EntryKind.PROGRAM, targets: ['program:accelerate'] });
    expect(read(['deepspeed', '--num_gpus', '2', 'train.py', '--deepspeed', 'ds.json'])).toMatchObject({ kind: EntryKind.SCRIPT, target: 'train.py' });
    expect(read(['deepspeed', '--module', 'ranker.train'])).toMatchObject({ kind: EntryKind.MODULE, target: 'ranker.train' });
    expect(parseEntry(['torchrun', '--standalone']).malformed).toBe(true);
  });
});

describe('programs, shells and bad commands', () => {
  test('a bare name is a console script', () => {
    expect(read(['litgpt', 'finetune_lora', 'checkpoints/x'])).toEqual({
      kind: EntryKind.PROGRAM, target: 'litgpt', targets: ['program:litgpt'], cwdOnPath: true, roots: [],
    });
    expect(read(['exec', 'mlflow', 'server']).target).toBe('mlflow');
  });

  test('a path is a file; sh script.sh is the script; sh -c is unknown', () => {
    expect(read(['./bin/serve.sh'])).toMatchObject({ kind: EntryKind.SCRIPT, targets: ['file:./bin/serve.sh'] });
    expect(read(['bash', '-e', 'scripts/start.sh'])).toMatchObject({ kind: EntryKind.SCRIPT, target: 'scripts/start.sh' });
    const shell = parseEntry(['sh', '-c', 'python -m app']);
    expect(shell.kind).toBe(EntryKind.UNKNOWN);
    expect(shell.reason).toContain('shell command string');
    expect(parseEntry(['bash', '-lc', 'serve']).kind).toBe(EntryKind.UNKNOWN);
  });

  test.each([[[]], [['']], [[3 as any]], [['env']]])('%j is malformed, never a throw', (command) => {
    const entry = parseEntry(command);
    expect(entry.malformed).toBe(true);
    expect(entry.kind).toBe(EntryKind.UNKNOWN);
  });

  test('every target kind is one of the enum', () => {
    expect(parseEntry(['python', 'x.py']).targets.map((t) => t.kind)).toEqual([TargetKind.FILE, TargetKind.PROGRAM]);
  });
});
