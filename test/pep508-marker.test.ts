import { spawnSync } from 'child_process';
import {
  evaluateMarker, markerLint, MarkerEnvironment, MarkerEvaluationError, MarkerSyntaxError, parseMarker,
} from '../src/core/pep508-marker';

const LINUX_311: MarkerEnvironment = {
  python_version: '3.11',
  python_full_version: '3.11.7',
  os_name: 'posix',
  sys_platform: 'linux',
  platform_release: '6.1.0-18-amd64',
  platform_system: 'Linux',
  platform_version: '#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1',
  platform_machine: 'x86_64',
  platform_python_implementation: 'CPython',
  implementation_name: 'cpython',
  implementation_version: '3.11.7',
  extra: '',
};

const evaluate = (text: string, env: MarkerEnvironment = LINUX_311) => evaluateMarker(parseMarker(text), env);

describe('parseMarker', () => {
  test('builds the tree with "and" binding tighter than "or"', () => {
    expect(parseMarker('os_name == "nt" or sys_platform == "linux" and python_version >= "3.10"')).toEqual({
      kind: 'or',
      left: { kind: 'compare', left: { kind: 'variable', name: 'os_name' }, op: '==', right: { kind: 'string', value: 'nt' } },
      right: {
        kind: 'and',
        left: { kind: 'compare', left: { kind: 'variable', name: 'sys_platform' }, op: '==', right: { kind: 'string', value: 'linux' } },
        right: { kind: 'compare', left: { kind: 'variable', name: 'python_version' }, op: '>=', right: { kind: 'string', value: '3.10' } },
      },
    });
  });

  test('reads every operator, both quotes, parentheses, tabs and a string on the left', () => {
    for (const op of ['===', '==', '!=', '<=', '<', '>=', '>', '~=']) {
      expect(parseMarker(`python_version${op}'3.11'`)).toMatchObject({ kind: 'compare', op });
    }
    expect(parseMarker('"linux" in sys_platform')).toMatchObject({ op: 'in', left: { kind: 'string', value: 'linux' } });
    expect(parseMarker('"win"\tnot   in\tsys_platform')).toMatchObject({ op: 'not in' });
    expect(parseMarker('((python_version > "3.8"))')).toMatchObject({ kind: 'compare' });
    expect(parseMarker('platform_version == "#1 SMP"')).toMatchObject({ right: { value: '#1 SMP' } });
    expect(parseMarker('os_name == "it\'s"')).toMatchObject({ right: { value: 'it\'s' } });
  });

  test.each([
    ['', 'empty'],
    ['python_version', 'ends where a comparison operator'],
    ['python_version == ', 'ends where'],
    ['python_version = "3.11"', 'unexpected character "="'],
    ['python_version == 3.11', 'unexpected character "3"'],
    ['python_version == "3.11', 'unterminated string'],
    ['python_version == "3.11" and', 'ends where'],
    ['python_version == "3.11" AND os_name == "nt"', 'expected "and", "or"'],
    ['(python_version == "3.11"', 'expected ")"'],
    ['python_version == "3.11")', 'expected "and", "or"'],
    ['pyton_version == "3.11"', 'unknown marker variable "pyton_version"'],
    ['os.name == "posix"', 'legacy marker name'],
    ['python_version == python_full_version', 'two variables'],
    ['"a" == "b"', 'two strings'],
    ['os_name not "posix"', 'expected "in" after "not"'],
    ['os_name == "a\\b"', 'character "\\\\" is not allowed'],
    ['os_name == "\u00e9"', 'is not allowed'],
    ['python_version in', 'ends where'],
    ['and python_version == "3"', 'unknown marker variable "and"'],
  ])('refuses %j', (text, message) => {
    expect(() => parseMarker(text)).toThrow(MarkerSyntaxError);
    expect(() => parseMarker(text)).toThrow(message);
  });
});

describe('evaluateMarker', () => {
  test.each([
    ['python_version >= "3.10"', true],
    ['python_version < "3.10"', false],
    ['python_version == "3.11.*"', true],
    ['python_version ~= "3.9"', true],
    ['python_full_version < "3.11.8"', true],
    ['python_full_version === "3.11.7"', true],
    ['"3.11" == python_version', true],
    ['sys_platform == "linux" and platform_machine == "x86_64"', true],
    ['sys_platform == "win32" or platform_machine == "aarch64"', false],
    ['sys_platform == "win32" or (platform_machine == "x86_64" and implementation_name == "cpython")', true],
    ['"linux" in sys_platform', true],
    ['"lin" in sys_platform', true],
    ['"win" not in sys_platform', true],
    ['platform_release >= "5"', false], // not a PEP 440 version: no version holds
    ['os_name < "z"', false], // strings: < is never true
    ['os_name >= "posix"', true], // strings: >= is ==
    ['extra == "GPU_Support"', false],
  ])('%s is %s on linux x86_64, python 3.11', (text, expected) => {
    expect(evaluate(text)).toBe(expected);
  });

  test('a pre-release of python counts when asked about versions', () => {
    expect(evaluate('python_full_version >= "3.13"', { ...LINUX_311, python_full_version: '3.13.0rc1' })).toBe(false);
    expect(evaluate('python_full_version >= "3.13.0rc1"', { ...LINUX_311, python_full_version: '3.13.0rc1' })).toBe(true);
  });

  test('extra and set-valued lock-file variables compare normalized names', () => {
    expect(evaluate('extra == "gpu-support"', { ...LINUX_311, extra: 'GPU_Support' })).toBe(true);
    expect(evaluate('"Dev.Tools" in dependency_groups', { ...LINUX_311, dependency_groups: ['dev-tools'] })).toBe(true);
    expect(evaluate('"cuda" not in extras', { ...LINUX_311, extras: ['cuda'] })).toBe(false);
    expect(() => evaluate('extras == "cuda"', { ...LINUX_311, extras: ['cuda'] })).toThrow('set of names');
  });

  test('an undefined comparison or a missing variable throws MarkerEvaluationError', () => {
    expect(() => evaluate('os_name ~= "posix"')).toThrow(MarkerEvaluationError);
    expect(() => evaluate('os_name ~= "posix"')).toThrow('"~=" is undefined');
    expect(() => evaluate('python_version == "3.11"', { sys_platform: 'linux' })).toThrow('"python_version" has no value');
  });

  const python = spawnSync('python3', ['-c', 'import packaging.markers'], { encoding: 'utf-8' });
  (python.status === 0 ? test : test.skip)('agrees with python packaging on every case', () => {
    const markers = [
      'python_version >= "3.10"', 'python_version < "3.10"', 'python_version == "3.11.*"', 'python_version != "3.11.*"',
      'python_version ~= "3.9"', 'python_version ~= "3.12"', 'python_version > "3.11"', 'python_version <= "3.11"',
      'python_full_version < "3.11.8"', 'python_full_version === "3.11.7"', 'python_full_version === "3.11"',
      'python_version == "3.11.0"', 'python_full_version >= "3.11.7rc1"', 'python_version > "3.11.dev0"',
      '"3.11" == python_version', '"3.12" > python_version', '"3.10" <= python_version',
      'python_version in "3.10 3.11"', 'python_version not in "3.10 3.11"', 'python_version == "abc"',
      'sys_platform == "linux" and platform_machine == "x86_64"', 'sys_platform == "win32" or platform_machine == "aarch64"',
      'sys_platform == "win32" or (platform_machine == "x86_64" and implementation_name == "cpython")',
      '(sys_platform == "win32" or platform_machine == "x86_64") and implementation_name == "pypy"',
      '"linux" in sys_platform', '"lin" in sys_platform', '"win" not in sys_platform', 'sys_platform in "linux2 darwin"',
      'platform_release >= "5"', 'platform_release == "6.1.0-18-amd64"', 'platform_release != "6.1.0-18-amd64"',
      'os_name < "z"', 'os_name >= "posix"', 'os_name <= "posix"', 'os_name > "a"', 'os_name != "nt"',
      'platform_version == "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1"', '"SMP" in platform_version',
      'implementation_version >= "3.11"', 'platform_python_implementation == "CPython"', 'platform_system == "Linux"',
      'extra == "gpu"', 'extra == ""', 'python_full_version > "3.11.7"', 'implementation_version > "3.11.7"',
      'python_full_version <= "3.11.7"', 'implementation_version < "3.11.8"', 'python_full_version == "3.11.7"',
    ];
    const envs: MarkerEnvironment[] = [LINUX_311, { ...LINUX_311, python_version: '3.12', python_full_version: '3.12.0rc2', implementation_version: '3.12.0rc2', extra: 'GPU' },
      { ...LINUX_311, python_full_version: '3.11.7+local.1', implementation_version: '3.11.7.post1' }];
    const script = [
      'import json, sys',
      'from packaging.markers import Marker',
      'cases = json.load(sys.stdin)',
      'print(json.dumps([Marker(m).evaluate(e) for m, e in cases]))',
    ].join('\n');
    const cases = envs.flatMap((e) => markers.map((m) => [m, e]));
    const run = spawnSync('python3', ['-c', script], { input: JSON.stringify(cases), encoding: 'utf-8' });
    expect(run.stderr).toBe('');
    const theirs: boolean[] = JSON.parse(run.stdout);
    const ours = cases.map(([m, e]) => evaluate(m as string, e as MarkerEnvironment));
    expect(cases.map((c, i) => [c[0], ours[i]])).toEqual(cases.map((c, i) => [c[0], theirs[i]]));
  });
});

describe('markerLint', () => {
  test('passes sound markers', () => {
    for (const m of ['python_version < "3.12"', 'sys_platform == "linux"', '"linux" in sys_platform', '"3.11" >= python_version', 'platform_release >= "5.10"']) {
      expect(markerLint(parseMarker(m))).toEqual([]);
    }
  });
  test.each([
    ['extra == "gpu"', 'no value in a requirements file'],
    ['"cuda" in extras', 'no value in a requirements file'],
    ['os_name ~= "posix"', 'stops the install'],
    ['python_version === "3.11"', ''],
    ['sys_platform < "linux"', 'compares strings'],
    ['python_version > "three"', 'compares strings'],
  ])('flags %j', (text, message) => {
    const found = markerLint(parseMarker(text));
    if (message === '') expect(found).toEqual([]);
    else expect(found.join('\n')).toContain(message);
  });
});
