/**
 * Nothing in a dependency file becomes an instruction, property-checked: random Unicode (every
 * line break of `str.splitlines`, control and invisible characters, quotes, comments, `${VAR}`,
 * option words such as `--index-url`) is put into each field of each reader (requirement
 * files, pip-compile locks, pyproject.toml in PEP 621 and Poetry form, uv.lock, poetry.lock,
 * pylock.toml, cog.yaml, the typed lists). Each case is either refused with our one error type,
 * or its tier lines are written to a file that pip's own parser (`pip._internal.req.req_file`,
 * test/support/pip-read.py, one process for every case) reads back as exactly the requirements
 * we meant: the same names, specifiers, extras and hashes, no option line, ever.
 */
import { spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import * as fc from 'fast-check';
import { sha } from './lock-fixtures';
import { MlDockerValidationError } from '../../src';
import { Problems } from '../../src/core/problems';
import { parseRequirementText } from '../../src/core/requirement-grammar';
import { parseRequirement } from '../../src/core/requirements';
import { Dependencies, resolveDependencies } from '../../src/deps';
import { logicalLines } from '../../src/deps/requirements-file';

const SPECIAL = [
  '\n', '\r', '\r\n', '\v', '\f', '\x1c', '\x1d', '\x1e', '\x85', '\u2028', '\u2029', '\t', '\x00', '\x1f', '\x7f',
  '\u200b', '\u202e', '\ufeff', '\u00a0', ' ', '#', ' #', '\\', '${HOME}', '$', ';', ',', '@', '[', ']', '(', ')', '"', '\'',
  '=', '==', '===', '--index-url https://evil.invalid/simple', ' --extra-index-url=https://evil.invalid', ' -e .', '-r x.txt',
  ` --hash=sha256:${'e'.repeat(64)}`, 'https://', '..', '/', ':', '{', '}', '\'\'\'', '"""', '- ', ': ',
  // injections without a space, which no word split stops: a line break, then an option
  '\x1c--index-url=https://evil.invalid/simple', '\u2028--extra-index-url=https://evil.invalid/simple', '\x85-e.',
  `\v--hash=sha256:${'f'.repeat(64)}`, '\n--trusted-host=evil.invalid', '\r-r/etc/passwd', '===1.0\x1e--index-url=https://evil.invalid',
];
const LETTERS = 'abcXYZ019._-+!*<>~'.split('');

/** Random text: special sequences, plain letters and any code point. */
const fuzz = fc.array(fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL) },
  { weight: 3, arbitrary: fc.constantFrom(...LETTERS) },
  { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0x10ffff }).map((cp) => String.fromCodePoint(cp)) },
), { minLength: 1, maxLength: 10 }).map((parts) => parts.join(''));

/** A field's value with random text put in: replacing it, or before, after or inside it. */
const mutate = (base: string) => fc.tuple(fuzz, fc.constantFrom('replace', 'prefix', 'suffix', 'middle')).map(([text, how]) => {
  if (how === 'replace') return text;
  if (how === 'prefix') return text + base;
  if (how === 'suffix') return base + text;
  const at = Math.floor(base.length / 2);
  return base.slice(0, at) + text + base.slice(at);
});

/** A TOML basic string or YAML double-quoted scalar of any text. */
const quoted = (s: string) => JSON.stringify(s);
const H = (s: string) => sha(s);

type Fields = Record<string, string>;
/**
 * One reader: its fields' valid values, and the files and dependencies built from (possibly mutated) fields.
 */
interface Reader {
  readonly name: string;
  readonly fields: Fields;
  readonly build: (f: Fields) => { files: Record<string, string>; deps: Dependencies };
}

const WHEEL = (n: string, v: string) => `${n}-${v}-py3-none-any.whl`;

const READERS: Reader[] = [
  {
    name: 'requirement file',
    fields: { name: 'numpy', extras: '[extra]', spec: '==2.1.3', marker: '; python_version >= "3.8"', tail: '' },
    build: (f) => ({
      files: { 'r.txt': `${f.name}${f.extras}${f.spec} ${f.marker}${f.tail}\nrequests==2.32.3\n` },
      deps: Dependencies.fromRequirementsFiles({ core: ['r.txt'] }),
    }),
  },
  {
    name: 'hashed requirement file (pip-compile)',
    fields: { name: 'numpy', version: '2.1.3', hash: H('numpy'), tail: '' },
    build: (f) => ({
      files: { 'r.txt': `${f.name}==${f.version} \\\n    --hash=sha256:${f.hash}${f.tail}\nrequests==2.32.3 --hash=sha256:${H('requests')}\n` },
      deps: Dependencies.fromRequirementsFiles({ ml: ['r.txt'] }),
    }),
  },
  {
    name: 'pyproject.toml [project]',
    fields: { dep: 'numpy[extra]>=2; python_version >= "3.8"', extra: 'fastapi==0.115.6', group: 'pytest==8.3.4' },
    build: (f) => ({
      files: {
        'pyproject.toml': `[project]\nname = "demo"\ndependencies = [${quoted(f.dep)}, "rich==13.9.4"]\n\n`
          + `[project.optional-dependencies]\nweb = [${quoted(f.extra)}]\n\n[dependency-groups]\ndev = [${quoted(f.group)}]\n`,
      },
      deps: Dependencies.fromPyproject({ coreExtras: ['web'] }),
    }),
  },
  {
    name: 'pyproject.toml [tool.poetry]',
    fields: { key: 'numpy', version: '^2.1', extra: 'extra', markers: 'python_version >= "3.8"', python: '>=3.8' },
    build: (f) => ({
      files: {
        'pyproject.toml': `[tool.poetry]\nname = "demo"\n\n[tool.poetry.dependencies]\npython = "^3.10"\n${quoted(f.key)} = { version = ${quoted(f.version)}, `
          + `extras = [${quoted(f.extra)}], markers = ${quoted(f.markers)}, python = ${quoted(f.python)} }\nrich = "13.9.4"\n`,
      },
      deps: Dependencies.fromPyproject(),
    }),
  },
  {
    name: 'uv.lock',
    fields: { name: 'numpy', version: '2.1.3', edge: 'numpy', wheel: WHEEL('numpy', '2.1.3'), hash: H('n'), marker: 'python_full_version >= \'3.8\'', registry: 'https://pypi.org/simple' },
    build: (f) => ({
      files: {
        'pyproject.toml': '[project]\nname = "demo"\nversion = "0.1.0"\nrequires-python = ">=3.10"\ndependencies = ["numpy>=2"]\n',
        'uv.lock': ['version = 1', 'requires-python = ">=3.10"', '',
          '[[package]]', 'name = "demo"', 'version = "0.1.0"', 'source = { editable = "." }', `dependencies = [{ name = ${quoted(f.edge)}, marker = ${quoted(f.marker)} }]`, '',
          '[[package]]', `name = ${quoted(f.name)}`, `version = ${quoted(f.version)}`, `source = { registry = ${quoted(f.registry)} }`,
          `wheels = [{ url = ${quoted(`https://files.example.invalid/${f.wheel}`)}, hash = ${quoted(`sha256:${f.hash}`)} }]`, ''].join('\n'),
      },
      deps: Dependencies.fromPyproject(),
    }),
  },
  {
    name: 'poetry.lock',
    fields: { name: 'numpy', version: '2.1.3', python: '>=3.10', markers: 'python_version >= "3.8"', constraint: '>=2', file: WHEEL('numpy', '2.1.3'), hash: H('p') },
    build: (f) => ({
      files: {
        'pyproject.toml': '[tool.poetry]\nname = "demo"\n\n[tool.poetry.dependencies]\npython = "^3.10"\nlib = "1.0"\n',
        'poetry.lock': ['[[package]]', 'name = "lib"', 'version = "1.0"', 'description = ""', 'optional = false', 'python-versions = "*"', 'groups = ["main"]',
          `files = [{file = "lib-1.0-py3-none-any.whl", hash = "sha256:${H('lib')}"}]`, '', '[package.dependencies]', `numpy = ${quoted(f.constraint)}`, '',
          '[[package]]', `name = ${quoted(f.name)}`, `version = ${quoted(f.version)}`, 'description = ""', 'optional = false',
          `python-versions = ${quoted(f.python)}`, 'groups = ["main"]', `markers = ${quoted(f.markers)}`,
          `files = [{file = ${quoted(f.file)}, hash = ${quoted(`sha256:${f.hash}`)}}]`, '',
          '[metadata]', 'lock-version = "2.1"', 'python-versions = "^3.10"', 'content-hash = "x"', ''].join('\n'),
      },
      deps: Dependencies.fromPyproject(),
    }),
  },
  {
    name: 'pylock.toml',
    fields: { name: 'numpy', version: '2.1.3', marker: 'python_version >= "3.8"', wheel: WHEEL('numpy', '2.1.3'), hash: H('l'), index: 'https://pypi.org/simple' },
    build: (f) => ({
      files: {
        'pyproject.toml': '[project]\nname = "demo"\nversion = "0.1.0"\ndependencies = ["numpy>=2"]\n',
        'pylock.toml': ['lock-version = "1.0"', 'created-by = "test"', '', '[[packages]]', `name = ${quoted(f.name)}`, `version = ${quoted(f.version)}`,
          `marker = ${quoted(f.marker)}`, `index = ${quoted(f.index)}`, 'dependencies = []',
          `wheels = [{ name = ${quoted(f.wheel)}, url = "https://files.example.invalid/w.whl", hashes = { sha256 = ${quoted(f.hash)} } }]`, ''].join('\n'),
      },
      deps: Dependencies.fromPyproject(),
    }),
  },
  {
    name: 'cog.yaml',
    fields: { item: 'numpy==2.1.3', run: 'cog==0.11.3' },
    build: (f) => ({
      files: { 'cog.yaml': `build:\n  python_packages:\n    - ${quoted(f.item)}\n  run:\n    - ${quoted(`pip install ${f.run}`)}\n` },
      deps: Dependencies.fromCogYaml(),
    }),
  },
];

interface Expected {
  readonly key: string;
  readonly specifier: string[];
  readonly extras: string[];
  readonly hashes: string[];
  readonly marker: boolean;
}

/** What a tier line of ours says, read with our grammar: what pip must read from it too. */
function expectedOf(lines: readonly string[]): Expected[] {
  const out: Expected[] = [];
  const joined = lines.join('\n').replace(/ \\\n\s+/g, ' ').split('\n');
  for (const line of joined) {
    const [requirement, ...options] = line.split(' --hash=sha256:');
    const req = parseRequirementText(requirement);
    out.push({
      key: req.key,
      specifier: [...req.clauses].sort(),
      extras: req.extras.map((e) => e.toLowerCase().replace(/[-_.]+/g, '-')).sort(),
      hashes: options.map((h) => h.trim()).sort(),
      marker: req.markerText !== undefined,
    });
  }
  return out;
}

const NUM_RUNS = 100;
const root = mkdtempSync(join(tmpdir(), 'mld-hostile-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

test('random text in every field of every reader: refused with our error, or read back by pip as exactly what we meant', () => {
  const outputs: Array<{ file: string; expected: Expected[]; what: string }> = [];
  let refused = 0;
  let written = 0;
  let seed = 42;
  const write = (what: string, lines: string[]) => {
    const file = join(root, 'out', `case-${written++}.txt`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `# a generated tier file\n${lines.join('\n')}\n`);
    outputs.push({ file, expected: expectedOf(lines), what });
  };
  for (const reader of READERS) {
    for (const field of Object.keys(reader.fields)) {
      const samples = fc.sample(mutate(reader.fields[field]), { numRuns: NUM_RUNS, seed: seed++ });
      samples.forEach((value, i) => {
        const dir = join(root, `${reader.name.replace(/\W+/g, '-')}-${field}-${i}`);
        const { files, deps } = reader.build({ ...reader.fields, [field]: value });
        for (const [path, text] of Object.entries(files)) {
          mkdirSync(dirname(join(dir, path)), { recursive: true });
          writeFileSync(join(dir, path), text);
        }
        const what = `${reader.name} ${field} = ${JSON.stringify(value)}`;
        try {
          const result = resolveDependencies(deps, { projectRoot: dir, pythonVersion: '3.11.9', platform: 'linux/amd64', path: 'vision/api' });
          const lines = [...result.tiers.ml, ...result.tiers.core, ...result.tiers.dev];
          if (lines.length) write(what, lines);
          if (result.constraints.length) write(`${what} (constraints)`, result.constraints);
        } catch (e) {
          if (!(e instanceof MlDockerValidationError)) throw new Error(`${what}: ${(e as Error).stack}`);
          refused++;
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  }
  // the typed lists: what a .projenrc.js user can pass
  for (const value of fc.sample(mutate('numpy[extra]==2.1.3; python_version >= "3.8"'), { numRuns: NUM_RUNS * 3, seed: 7 })) {
    const problems = new Problems('vision/api');
    const parsed = parseRequirement(problems, 'requirements.core[0]', value);
    if (parsed) write(`typed ${JSON.stringify(value)}`, parsed.entry.lines());
    else refused++;
  }
  expect(refused).toBeGreaterThan(100);
  expect(written).toBeGreaterThan(100);

  const res = spawnSync('python3', [join(__dirname, '..', 'support', 'pip-read.py')], {
    input: JSON.stringify(outputs.map((o) => o.file)), encoding: 'utf-8', maxBuffer: 256 * 1024 * 1024,
  });
  expect(res.stderr).toBe('');
  const read = JSON.parse(res.stdout) as Array<{ error?: string; lines?: any[] }>;
  const failures: string[] = [];
  read.forEach((r, i) => {
    const { what, expected } = outputs[i];
    if (r.error) return failures.push(`${what}: pip refuses the file (${r.error})`);
    const got = r.lines!;
    if (got.some((l) => !l.requirement || l.editable || l.options.some((o: string) => o !== 'hashes') || l.otherHashes?.length)) {
      return failures.push(`${what}: pip reads an option line or option: ${JSON.stringify(got)}`);
    }
    const seen = got.map((l) => ({
      key: l.name,
      specifier: l.specifier,
      extras: l.extras,
      hashes: l.hashes ?? [],
      marker: l.marker !== null,
    }));
    if (JSON.stringify(seen) !== JSON.stringify(expected)) failures.push(`${what}: pip reads ${JSON.stringify(seen)}, we meant ${JSON.stringify(expected)}`);
    return undefined;
  });
  expect(failures).toEqual([]);
}, 600_000);

test('requirement files are split, joined and stripped of comments exactly as pip preprocesses them', () => {
  const line = fc.array(fc.oneof(fuzz, fc.constantFrom('numpy==2.1.3', ' \\', '\\', '# c', ' # c', '\n', '\r\n')), { maxLength: 8 }).map((p) => p.join(''));
  const texts = fc.sample(fc.array(line, { maxLength: 6 }).map((l) => l.join('\n')), { numRuns: 2000, seed: 3 });
  const res = spawnSync('python3', [join(__dirname, '..', 'support', 'pip-read.py'), '--preprocess'], {
    // no environment: pip would expand a ${VARIABLE} that is set (the reader refuses them instead)
    input: JSON.stringify(texts), encoding: 'utf-8', env: { PATH: process.env.PATH }, maxBuffer: 64 * 1024 * 1024,
  });
  expect(res.stderr).toBe('');
  const pip = JSON.parse(res.stdout) as Array<Array<[number, string]>>;
  const ours = texts.map((t) => logicalLines(t).map((l) => [l.line, l.text]));
  const differ = texts.filter((_, i) => JSON.stringify(ours[i]) !== JSON.stringify(pip[i]));
  expect(differ).toEqual([]);
}, 120_000);
