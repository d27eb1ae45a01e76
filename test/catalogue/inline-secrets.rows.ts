/**
 * Catalogue rows: secrets given inline where a container's command, its
 * description or a dependency's url would keep them (image config, compose.yaml, docs,
 * requirement files, synth logs). Every message hides the value.
 */
import { CMD, Row, svc, trainer } from './support';
import { BackingService, ComposeStack, Dependencies, MlDockerProject, PythonService } from '../../src';
import { PYPROJECT, uvLock } from '../deps/lock-fixtures';

const HF = 'hf_abcdefghijklmnopqrstuvwxyzABCDEFGH';
const RIGHT_WAY = 'a file mounted as a compose secret at /run/secrets/<name>';

const override = (service: string, key: string, value: unknown) => (p: MlDockerProject) => {
  new PythonService(p, 'api', { command: CMD, port: 8000 });
  new ComposeStack(p, 'stack', { backingServices: [BackingService.POSTGRES, BackingService.REDIS] }).addOverride(service, key, value);
};

const GHP = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
const NETRC = 'the BuildKit secret netrc (docker build --secret id=netrc,src=$HOME/.netrc';
const deps = (files: Record<string, string>) => Object.fromEntries(Object.entries(files).map(([k, v]) => [`deps/${k}`, v]));
const fromFile = (name: string, text: string, got: string, allowDirectReferences = true): Row => ({
  name: `url credentials: ${name}`,
  files: deps({ 'r.txt': text }),
  path: 'vision/api',
  got,
  expected: NETRC,
  build: svc({ dependencies: Dependencies.fromRequirementsFiles({ core: ['deps/r.txt'], allowDirectReferences }) }),
});
const fromPyproject = (name: string, files: Record<string, string>, got: string): Row => ({
  name: `url credentials: ${name}`,
  files: deps(files),
  path: 'vision/api',
  got,
  expected: NETRC,
  build: svc({ dependencies: Dependencies.fromPyproject({ path: 'deps/pyproject.toml', allowDirectReferences: true }) }),
});

const fromPyprojectRow = (
  name: string, files: Record<string, string>, options: Record<string, unknown>, got: string,
  expected: string,
): Row => ({
  name: `deps: ${name}`,
  files: deps(files),
  path: 'vision/api',
  got,
  expected,
  build: svc({ dependencies: Dependencies.fromPyproject({ path: 'deps/pyproject.toml', ...options }) }),
});

export const rows: Row[] = [
  // command, testCommand, description (finding 1)
  { name: 'command holds a url with a password', build: svc({ command: [...CMD, '--db', 'postgresql://app:hunter2@db/app'], port: 8000 }), path: 'vision/api', got: 'command[4] holds a url with a password inline: got (value hidden)', expected: RIGHT_WAY },
  { name: 'trainer command holds a token in a --flag=value', build: trainer({ command: ['python', '-m', 'trainer.train', `--hf-token=${HF}`] }), path: 'vision/trainer', got: 'command[3] holds a hugging face token inline: got (value hidden)', expected: RIGHT_WAY },
  { name: 'command gives --password a literal value', build: svc({ command: [...CMD, '--password', 'hunter2'] }), path: 'vision/api', got: 'command[4] gives --password a secret inline: got (value hidden)', expected: RIGHT_WAY },
  { name: 'command sets a secret variable through env', build: svc({ command: ['env', 'DB_PASSWORD=hunter2', ...CMD] }), path: 'vision/api', got: 'command[1] gives DB_PASSWORD= a secret inline: got (value hidden)', expected: RIGHT_WAY },
  { name: 'testCommand holds a token', build: svc({ testCommand: ['pytest', `--token=${HF}`], requirements: { dev: ['pytest==8.3.4'] } }), path: 'vision/api', got: 'testCommand[1] holds a hugging face token inline: got (value hidden)', expected: RIGHT_WAY },
  { name: 'description holds a token', build: svc({ description: `uses ${HF}` }), path: 'vision/api', got: 'description holds a hugging face token inline: got (value hidden)', expected: 'text without credentials' },
  // compose overrides of command and entrypoint
  { name: 'override gives redis --requirepass inline', build: override('redis', 'command', ['redis-server', '--requirepass', 'hunter2']), path: 'vision/stack', got: 'override services.redis.command[2]: got a secret after --requirepass (value hidden)', expected: RIGHT_WAY },
  { name: 'override command holds a token', build: override('api', 'command', [...CMD, '--token', HF]), path: 'vision/stack', got: 'override services.api.command[4]: got a hugging face token (value hidden)', expected: RIGHT_WAY },
  { name: 'override entrypoint string holds a url with a password', build: override('api', 'entrypoint', 'python -m api.main --db postgresql://app:pw@postgres/app'), path: 'vision/stack', got: 'override services.api.entrypoint: got a url with a password (value hidden)', expected: RIGHT_WAY },
  // credentials in the urls of requirements (finding 8)
  fromFile('a git token as userinfo', `mypkg @ git+https://${GHP}@github.com/a/b@v1\nfastapi==0.115.6\n`, 'deps/r.txt:1 has credentials in a url: got (value hidden)'),
  fromFile('a user and password', 'fastapi==0.115.6\nmypkg @ https://user:hunter2@example.invalid/mypkg-1.0.tar.gz\n', 'deps/r.txt:2 has credentials in a url: got (value hidden)'),
  fromFile('a gitlab oauth2 token', 'mypkg @ git+https://oauth2:glpat-abcdefghijklmnopqrst@gitlab.com/a/b.git\n', 'deps/r.txt:1 has credentials in a url: got (value hidden)'),
  fromFile('a token in a direct reference not allowed', `mypkg @ git+https://${GHP}@github.com/a/b@v1\n`, 'deps/r.txt:1 has credentials in a url: got (value hidden)', false),
  fromFile('an index url with a password', '--index-url https://user:hunter2@pypi.example.invalid/simple\nfastapi==0.115.6\n', 'deps/r.txt:1 has credentials in a url: got (value hidden)'),
  fromFile('a token in a query', 'mypkg @ https://example.invalid/mypkg-1.0.tar.gz?token=' + GHP + '\n', 'deps/r.txt:1 has a github token: got (value hidden)'),
  fromPyproject('a pep 621 dependency with a token', { 'pyproject.toml': `[project]\nname = "demo"\ndependencies = [\n  "mypkg @ git+https://x-access-token:${GHP}@github.com/a/b",\n]\n` },
    'deps/pyproject.toml:4 has credentials in a url: got (value hidden)'),
  fromPyproject('a poetry git dependency with a token', { 'pyproject.toml': `[tool.poetry]\nname = "demo"\n\n[tool.poetry.dependencies]\npython = ">=3.10"\nmypkg = { git = "https://${GHP}@github.com/a/b.git" }\n` },
    'deps/pyproject.toml:6 mypkg has credentials in a url: got (value hidden)'),
  fromPyproject('a uv.lock source with a token', {
    'pyproject.toml': PYPROJECT,
    'uv.lock': uvLock([
      { name: 'fastapi', version: '0.115.6', source: `{ git = "https://${GHP}@github.com/a/fastapi?rev=abc#abc" }` },
      { name: 'numpy', version: '2.1.3', wheels: ['numpy-2.1.3-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl'] },
      { name: 'pytest', version: '8.3.4' },
    ]),
  }, 'deps/uv.lock installs fastapi from a source with credentials in a url: got (value hidden)'),
  { name: 'url credentials: a typed requirement with a token', build: svc({ requirements: { core: [`mypkg @ git+https://${GHP}@github.com/a/b`] } }), path: 'vision/api', got: 'requirements.core[0] has credentials in a url: got (value hidden)', expected: NETRC },
  // a pyproject's own extras (finding 2) and a package repeated with other extras (finding 13)
  fromPyprojectRow('a self-reference to an extra the project does not declare',
    { 'pyproject.toml': '[project]\nname = "demo"\ndependencies = ["fastapi==0.115.6"]\n\n[project.optional-dependencies]\nall = ["Demo[a,nope]"]\na = ["httpx==0.28.1"]\n' },
    { coreExtras: ['all'] }, 'deps/pyproject.toml:6 asks for an extra of the project itself that deps/pyproject.toml does not declare: got "Demo[a,nope]"', 'extras of [project.optional-dependencies]: "all", "a"'),
  {
    name: 'deps: a pin outside the range another line of the package asks for',
    files: deps({ 'r.txt': 'uvicorn[standard]<0.30\nUvicorn==0.32.1\n' }),
    path: 'vision/api',
    build: svc({ dependencies: Dependencies.fromRequirementsFiles({ core: ['deps/r.txt'] }) }),
    got: 'deps/r.txt:2 asks for Uvicorn outside what deps/r.txt:1 allows: got "Uvicorn==0.32.1"',
    expected: 'one version of a package that every line admits (deps/r.txt:1 has "uvicorn[standard]<0.30"; pip installs one for both)',
  },
];
