/**
 * The checks every layout shape gets (test/layouts/shapes.ts): its tree in a fresh git
 * repository with data, weights, a venv and .env beside the code, as a user has them, its
 * example `.projenrc.ts` synthesized there: the entry check passes, every code and configuration
 * file under the copied paths reaches the build context (@balena/dockerignore over the generated
 * ignore files), no data or weights do, and our .gitignore hides none of the repository's
 * tracked code. The synthetic shapes run in test/layouts/shapes.test.ts, the three trees of the
 * shared corpus in test/corpus/layouts.test.ts.
 */
import { spawnSync } from 'child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import ignore from '@balena/dockerignore';
import { BESIDE, Shape } from './shapes';
import { isArtefact, isCodeOrConfig, readProjectTree } from '../../src/entry';
import { runDefinition } from '../support/run-definition';

export const EXAMPLES = join(__dirname, '..', '..', 'examples');

function git(dir: string, ...args: string[]) {
  return spawnSync('git', ['-C', dir, '-c', 'user.email=t@example.invalid', '-c', 'user.name=t', ...args], { encoding: 'utf-8' });
}

/**
 * The shape's tree in a fresh git repository (its files tracked, its own ignore rules in info/exclude), with
 * BESIDE untracked.
 */
function checkout(shape: Shape, corpusRoot?: string): { dir: string; tracked: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'mld-shape-'));
  if (shape.corpus) {
    if (!corpusRoot) throw new Error(`${shape.name} is a corpus tree: its test belongs in test/corpus/`);
    cpSync(join(corpusRoot, shape.corpus, 'tree'), dir, { recursive: true });
  } else {
    for (const [path, text] of Object.entries(shape.files ?? {})) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
  }
  const tracked = readProjectTree(dir).files.slice();
  expect(git(dir, 'init', '-q').status).toBe(0);
  writeFileSync(join(dir, '.git', 'info', 'exclude'), shape.corpus ? readFileSync(join(corpusRoot!, shape.corpus, 'gitignore')) : shape.gitignore ?? '');
  expect(git(dir, 'add', '-f', '--', ...tracked).status).toBe(0);
  for (const [path, text] of Object.entries(BESIDE)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return { dir, tracked };
}

/** Describes the checks of each shape; `corpusRoot` is where the corpus trees lie (the corpus suite only). */
export function describeShapes(shapes: readonly Shape[], corpusRoot?: string): void {
  describe.each(shapes.map((s) => [s.name, s] as const))('%s', (_name, shape) => {
    const { dir, tracked } = checkout(shape, corpusRoot);
    runDefinition(readFileSync(join(EXAMPLES, shape.example, '.projenrc.ts'), 'utf-8'), dir);
    const dockerfiles = readdirSync(join(dir, 'docker')).filter((d) => existsSync(join(dir, 'docker', d, 'Dockerfile'))).map((d) => `docker/${d}/Dockerfile`);
    const out = new Proxy({} as Record<string, string>, { get: (_t, file: string) => readFileSync(join(dir, file), 'utf-8') });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test('synthesizes, with the entry check passing at synth and in the prod stage', () => {
      expect(dockerfiles).toHaveLength(1);
      const dockerfile: string = out[dockerfiles[0]];
      expect(dockerfile.slice(dockerfile.indexOf('FROM base AS prod'))).toContain('RUN ["python", "-m", "mldocker_runtime.entry_check", "--command=');
    });

    test('every code and configuration file under the copied paths reaches the build context; no data, weights, venv or .env does', () => {
      const files = [...new Set([...tracked, ...Object.keys(BESIDE)])];
      const under = (f: string) => shape.sources.some((s) => f === s || f.startsWith(`${s}/`));
      // no root .dockerignore is written where the repository has a Dockerfile of its own (its build context
      // stays)
      const root = existsSync(join(dir, '.dockerignore'));
      expect(root).toBe(!tracked.some((f) => /(^|\/)Dockerfile[^/]*$/i.test(f) && !f.startsWith('docker/')));
      for (const ignoreFile of [`${dockerfiles[0]}.dockerignore`, ...root ? ['.dockerignore'] : []]) {
        const matcher = ignore().add(String(out[ignoreFile]).split('\n'));
        const code = files.filter((f) => under(f) && isCodeOrConfig(f) && !f.startsWith('.venv/'));
        expect(code.length).toBeGreaterThan(0);
        expect(code.filter((f) => matcher.ignores(f))).toEqual([]);
        expect(Object.keys(BESIDE).filter((f) => !matcher.ignores(f))).toEqual([]);
        const bakedModel = (f: string) => f.startsWith('models/tiny-llm/');
        expect(files.filter((f) => isArtefact(f) && !bakedModel(f) && !matcher.ignores(f))).toEqual([]);
      }
    });

    test('our .gitignore hides none of the repository\'s tracked code or configuration', () => {
      writeFileSync(join(dir, '.git', 'info', 'exclude'), '');
      const code = tracked.filter((f) => isCodeOrConfig(f));
      expect(code.length).toBeGreaterThan(0);
      // prints every path a rule ignores (here: only ours, at the root); the rules do ignore data and weights
      expect(git(dir, 'check-ignore', '--no-index', ...code).stdout.trim()).toBe('');
      expect(git(dir, 'check-ignore', '--no-index', 'data/raw/train-00000.parquet', 'weights/model.safetensors', '.env').stdout.trim().split('\n')).toHaveLength(3);
    });
  });
}
