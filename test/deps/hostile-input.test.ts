/**
 * Text from dependency files never becomes an instruction: a line break of any kind (pip splits
 * requirement files with Python's `str.splitlines`), a control character or an option smuggled
 * into a name, a version or a key of a requirement file, a pyproject.toml, a lock or a cog.yaml
 * is refused with the file and line (or the entry) it stands in, and never reaches a tier file.
 * And files are decoded as pip decodes them: byte order marks of UTF-8 and UTF-16, a PEP 263
 * coding line, undecodable bytes refused with their line.
 */
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { H, PYPROJECT, uvLock } from './lock-fixtures';
import { problemsOf, projectWith, resolveIn } from './support';
import { Dependencies } from '../../src/deps';
import { decodeFile } from '../../src/deps/files';
import { logicalLines } from '../../src/deps/requirements-file';

const EVIL = '--index-url https://evil.example.invalid/simple';
const files = (text: string) => projectWith({ 'r.txt': text });
const fromFile = (_root?: string) => Dependencies.fromRequirementsFiles({ core: ['r.txt'] });
const all = (problems: string[]) => problems.join('\n');

describe('requirement files: every line break pip knows starts a line', () => {
  const breaks: Array<[string, string]> = [
    ['U+001C (file separator)', '\x1c'], ['U+001D (group separator)', '\x1d'], ['U+001E (record separator)', '\x1e'],
    ['U+0085 (next line)', '\x85'], ['U+2028 (line separator)', '\u2028'], ['U+2029 (paragraph separator)', '\u2029'],
    ['a vertical tab', '\v'], ['a form feed', '\f'], ['a lone carriage return', '\r'],
  ];
  test.each(breaks)('%s after "===" is a second line, whose index option is refused', (_what, br) => {
    const root = files(`numpy===1.0${br}${EVIL}\n`);
    expect(all(problemsOf(() => resolveIn(root, fromFile(root))))).toContain(`r.txt:2 sets --index-url: got "${EVIL}"`);
  });

  test('in a hash-locked file the injected line with its own hash is refused too', () => {
    const root = files(`numpy==2.1.3 ${H('numpy')}\u2028${EVIL} ${H('evil')}\n`);
    expect(all(problemsOf(() => resolveIn(root, fromFile(root))))).toContain('r.txt:2 sets --index-url');
  });

  test('a control character that is no line break is refused inside a requirement', () => {
    const root = files('numpy===1.0\x1fx\n');
    expect(all(problemsOf(() => resolveIn(root, fromFile(root)))))
      .toContain('r.txt:1 is not a requirement pip reads the same way (it has the character U+001F at column 12');
  });

  test('an invisible character is refused and shown escaped', () => {
    const root = files('numpy\u200b==2.1.3\n');
    const problems = problemsOf(() => resolveIn(root, fromFile(root)));
    expect(all(problems)).toContain('got "numpy\\u200b==2.1.3"');
    expect(all(problems)).not.toContain('\u200b');
  });

  test('pip\'s preprocessing: splitlines, joined continuations, comments after Python whitespace', () => {
    expect(logicalLines('a==1 \\\r\n  ; python_version >= "3"\x85b==2\x1f#c\n  \\\n# x \\\nc==3\n')).toEqual([
      { line: 1, text: 'a==1   ; python_version >= "3"' }, { line: 3, text: 'b==2' }, { line: 6, text: 'c==3' },
    ]);
  });
});

describe('pyproject.toml, poetry and locks', () => {
  test('a line break inside a pep 621 dependency string is refused', () => {
    const pyproject = PYPROJECT.replace('"numpy>=2",', `"numpy===2.1.3\\u0085${EVIL}",`);
    const root = projectWith({ 'pyproject.toml': pyproject });
    expect(all(problemsOf(() => resolveIn(root, Dependencies.fromPyproject()))))
      .toContain('is not a pep 508 requirement (it has a line break)');
  });

  test('a newline inside a poetry dependency key is refused: it is no package name', () => {
    const pyproject = [
      '[tool.poetry]', 'name = "demo"', '', '[tool.poetry.dependencies]', 'python = "^3.10"', `"numpy\\n${EVIL}" = "2.1.3"`, '',
    ].join('\n');
    const root = projectWith({ 'pyproject.toml': pyproject });
    expect(all(problemsOf(() => resolveIn(root, Dependencies.fromPyproject()))))
      .toContain(`[tool.poetry.dependencies] has a key that is not a package name: got "numpy\\n${EVIL}"`);
  });

  test('a newline inside a uv.lock version, or a name, is refused', () => {
    const pkgs = [
      { name: 'fastapi', version: '0.115.6' },
      { name: 'numpy', version: `2.1.3\\n${EVIL}` },
      { name: 'pytest', version: '8.3.4' },
    ];
    const root = projectWith({ 'pyproject.toml': PYPROJECT, 'uv.lock': uvLock(pkgs) });
    expect(all(problemsOf(() => resolveIn(root, Dependencies.fromPyproject()))))
      .toContain(`uv.lock package numpy has a version that is not a pep 440 version: got "2.1.3\\n${EVIL}"`);
    const named = projectWith({ 'pyproject.toml': PYPROJECT, 'uv.lock': uvLock([...pkgs.slice(0, 1), { name: 'numpy\\u2028x', version: '2.1.3' }]) });
    expect(all(problemsOf(() => resolveIn(named, Dependencies.fromPyproject()))))
      .toContain('uv.lock [[package]] has a name that is not a package name: got "numpy\\u2028x"');
  });
});

describe('encodings, as pip decodes a requirement file', () => {
  const utf16 = (text: string, be = false) => {
    const le = Buffer.from(`\ufeff${text}`, 'utf16le');
    if (!be) return le;
    const out = Buffer.alloc(le.length);
    for (let i = 0; i < le.length; i += 2) {
      out[i] = le[i + 1];
      out[i + 1] = le[i];
    }
    return out;
  };

  test('utf-16 with a byte order mark and crlf (pip freeze in windows powershell 5) is read', () => {
    const text = 'numpy==2.1.3\r\nrequests==2.32.3\r\n';
    for (const data of [utf16(text), utf16(text, true)]) {
      const root = projectWith({});
      writeFileSync(join(root, 'r.txt'), data);
      expect(resolveIn(root, fromFile(root)).tiers.core).toEqual(['numpy==2.1.3', 'requests==2.32.3']);
    }
    expect(decodeFile(Buffer.from('\ufeffx==1\n'), 'pip')).toBe('x==1\n');
  });

  test('a pep 263 coding line selects latin-1; bytes that are not utf-8 are refused with their line', () => {
    expect(decodeFile(Buffer.from('# -*- coding: latin-1 -*-\n# caf\xe9\nx==1\n', 'latin1'), 'pip')).toBe('# -*- coding: latin-1 -*-\n# café\nx==1\n');
    const root = projectWith({});
    writeFileSync(join(root, 'r.txt'), Buffer.concat([Buffer.from('x==1\n# caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    expect(problemsOf(() => resolveIn(root, fromFile(root)))).toEqual([
      '[vision/api] r.txt:2 is not valid utf-8 text: got "# caf\\\\xe9"; expected the file saved as utf-8 (or utf-16 with a byte order mark)',
    ]);
  });

  test('utf-32 is refused (pip takes its byte order mark for utf-16\'s); toml files must be utf-8', () => {
    expect(decodeFile(Buffer.from([0xff, 0xfe, 0, 0, 0x78, 0, 0, 0]), 'pip')).toMatchObject({ line: 1, what: 'is in utf-32, which pip misreads' });
    expect(decodeFile(utf16('[project]\n'), 'toml')).toMatchObject({ what: 'is in utf-16, which toml readers refuse' });
  });

  test('the files are never copied: the tier holds what pip reads', () => {
    const root = files('Numpy == 2.1.3 ; python_version >= "3.8"  # pinned\n');
    expect(resolveIn(root, fromFile(root)).tiers.core).toEqual(['Numpy==2.1.3']);
    expect(readFileSync(join(root, 'r.txt'), 'utf-8')).toContain('# pinned');
  });
});
