/**
 * The README's uv and Poetry set-ups (the `typescript` blocks of "Dependencies from the files you
 * already have"), each run as written inside a copy of the real projects of
 * ../shared/data/realworld/deps. (Our own fixtures: test/deps/readme-setups.test.ts.)
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { copyOf, REALWORLD } from '../deps/support';
import { runDefinition } from '../support/run-definition';

const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf-8');
const section = readme.slice(readme.indexOf('### Dependencies from the files you already have'), readme.indexOf('## Compose'));
const blocks = [...section.matchAll(/```typescript\n([\s\S]*?)```/g)].map((m) => m[1]);

const HEAD = "import { Dependencies, MlDockerProject, PythonService } from 'projen-ml-docker';\nconst project = new MlDockerProject({ name: 'demo' });\n";
const run = (block: string, dir: string) => runDefinition(`${HEAD}${block}\nproject.synth();\n`, dir);
const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf-8');

test('pyproject.toml + uv.lock: hash-locked tiers, sqlmodel and its closure in the ml tier', () => {
  const dir = copyOf(join(REALWORLD, 'uv-fullstack', 'tree'));
  run(blocks[1], dir);
  expect(read(dir, 'docker/api/requirements-ml.txt')).toMatch(/^sqlmodel==\S+ \\$/m);
  expect(read(dir, 'docker/api/requirements-core.txt')).toMatch(/^fastapi==\S+ \\\n {4}--hash=sha256:[0-9a-f]{64}/m);
  expect(read(dir, 'docker/api/Dockerfile')).toContain('pip install --require-hashes --no-deps -r /tmp/requirements/requirements-ml.txt');
});

test('Poetry: hash-locked tiers from poetry.lock', () => {
  const dir = copyOf(join(REALWORLD, 'poetry-fullstack', 'tree'));
  run(blocks[2], dir);
  expect(read(dir, 'docker/api/requirements-core.txt')).toMatch(/^# from poetry\.lock: exact pins/m);
  expect(read(dir, 'docker/api/requirements-dev.txt')).toMatch(/^pytest==\S+ \\$/m);
});
