import { configTarget, EntryKind, launcherOnly, malformed, started, TargetKind, unknown } from '../../src/entry/command-model';

const launcher = { name: 'streamlit', target: { kind: TargetKind.PROGRAM, name: 'streamlit', role: 'the launcher' } };

describe('entry builders', () => {
  test('started: the working directory on sys.path and no other folders unless said; attribute only when given', () => {
    const entry = started(['x'], 'python', EntryKind.MODULE, 'pkg', []);
    expect(entry).toStrictEqual({ command: ['x'], launcher: 'python', kind: EntryKind.MODULE, target: 'pkg', targets: [], cwdOnPath: true, searchRoots: [] });
    expect('attribute' in entry).toBe(false);
    const placed = started(['x'], 'gunicorn', EntryKind.MODULE, 'pkg', [], { attribute: 'app', cwdOnPath: false, searchRoots: ['src'] });
    expect(placed).toMatchObject({ attribute: 'app', cwdOnPath: false, searchRoots: ['src'] });
  });

  test('launcherOnly: the launcher itself is the program', () => {
    expect(launcherOnly(['streamlit', 'hello'], launcher)).toStrictEqual({
      command: ['streamlit', 'hello'], launcher: 'streamlit', kind: EntryKind.PROGRAM, target: 'streamlit', targets: [launcher.target], cwdOnPath: true, searchRoots: [],
    });
  });

  test('unknown and malformed carry the reason; only malformed fails the check', () => {
    expect(unknown(['sh', '-c', 'x'], 'sh', 'why')).toMatchObject({ kind: EntryKind.UNKNOWN, target: '', reason: 'why' });
    expect(unknown(['sh', '-c', 'x'], 'sh', 'why').malformed).toBeUndefined();
    expect(malformed([], '', 'bad')).toMatchObject({ kind: EntryKind.UNKNOWN, malformed: true, reason: 'bad' });
  });

  test('configTarget: python: is a module, file: or a bare path a file', () => {
    expect(configTarget('python:conf.gunicorn', 'the config')).toEqual({ kind: TargetKind.MODULE, name: 'conf.gunicorn', role: 'the config' });
    expect(configTarget('file:conf/g.py', 'the config')).toEqual({ kind: TargetKind.FILE, name: 'conf/g.py', role: 'the config' });
    expect(configTarget('g.py', 'the config')).toEqual({ kind: TargetKind.FILE, name: 'g.py', role: 'the config' });
  });
});
