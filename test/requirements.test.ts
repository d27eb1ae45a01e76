/**
 * Requirement lines: what we write is exactly what the user gave, and pip reads each line as
 * that one requirement (no joined lines, comments, options or expanded variables).
 */
import { spawnSync } from 'child_process';
import { join } from 'path';
import { PythonService } from '../src';
import { newProject, synth, validationError } from './util';

// Lines that are valid but unusual: spacing, parentheses, extras, arbitrary equality, markers
// holding characters pip gives meaning to elsewhere ("#" and "-" not after a space, ";" inside).
const ODD_BUT_VALID = [
  'Foo.Bar[b, a] == 1.0 ; python_version < "3.13"',
  'legacy-pkg===2.1.3-custom.build',
  'tomli (==2.0.1); python_version < "3.11"',
  'uvloop==0.21.0;sys_platform=="linux" and platform_machine=="x86_64"',
  'kernel-tool==1.0; platform_version == "#1-SMP" or platform_release == "6.1-x;y"',
  'zstd==1.5.6.1; (os_name == "posix" or os_name == "nt") and "linux" in sys_platform',
  'numpy==2.1.3',
];

function generated(lines: string[]): { file: string; out: Record<string, any>; dir: string } {
  const project = newProject();
  new PythonService(project, 'api', { command: ['python', '-m', 'api.main'], requirements: { core: lines } });
  const out = synth(project);
  return { file: 'docker/api/requirements-core.txt', out, dir: project.outdir };
}

test('every line is written exactly as given, only surrounding spaces removed', () => {
  const { out, file } = generated([...ODD_BUT_VALID, '  padded==1.0  ']);
  const written = (out[file] as string).split('\n').filter((l) => l && !l.startsWith('#'));
  expect(written.sort()).toEqual([...ODD_BUT_VALID, 'padded==1.0'].sort());
  expect(out[file]).not.toContain('undefined');
});

test('arbitrary equality keeps its version (once written as ===undefined)', () => {
  const { out, file } = generated(['legacy-pkg===2.1.3-custom.build']);
  expect(out[file]).toContain('\nlegacy-pkg===2.1.3-custom.build\n');
});

test('the same release under two spellings is one pin across tiers; different releases are refused', () => {
  const project = newProject();
  new PythonService(project, 'api', { command: ['python', '-m', 'api.main'], requirements: { ml: ['numpy==2.1'], core: ['NumPy == 2.1.0'] } });
  expect(synth(project)['docker/api/requirements-core.txt']).toContain('NumPy == 2.1.0');
  const error = validationError(() => new PythonService(newProject(), 'api', {
    command: ['python', '-m', 'api.main'], requirements: { ml: ['numpy===2.1-x'], core: ['numpy===2.1-y'] },
  }));
  expect(error.message).toContain('same version in every tier');
});

const pip = spawnSync('python3', ['-c', 'import pip._internal.req.req_file, packaging.requirements'], { encoding: 'utf-8' });
(pip.status === 0 ? test : test.skip)('pip reads each generated line as exactly that requirement, without options', () => {
  const { dir, file } = generated(ODD_BUT_VALID);
  const script = [
    'import json, sys',
    'from pip._internal.network.session import PipSession',
    'from pip._internal.req.req_file import parse_requirements',
    'from packaging.requirements import Requirement',
    'out = []',
    'for r in parse_requirements(sys.argv[1], session=PipSession()):',
    '    req = Requirement(r.requirement)',
    '    out.append({"line": r.requirement, "options": r.options or {}, "editable": r.is_editable,',
    '                "name": req.name, "specifier": str(req.specifier), "marker": str(req.marker) if req.marker else None})',
    'print(json.dumps(out))',
  ].join('\n');
  const run = spawnSync('python3', ['-c', script, join(dir, file)], { encoding: 'utf-8' });
  expect(run.stderr).toBe('');
  type Read = {
    line: string; options: object; editable: boolean; name: string; specifier: string; marker: string | null;
  };
  const read: Read[] = JSON.parse(run.stdout);
  expect(read.map((r) => r.line).sort()).toEqual([...ODD_BUT_VALID].sort());
  for (const r of read) {
    expect(r.options).toEqual({});
    expect(r.editable).toBe(false);
  }
  const byName = Object.fromEntries(read.map((r) => [r.name, r]));
  expect(byName['legacy-pkg'].specifier).toBe('===2.1.3-custom.build');
  expect(byName['Foo.Bar'].marker).toBe('python_version < "3.13"');
  expect(byName['kernel-tool'].marker).toBe('platform_version == "#1-SMP" or platform_release == "6.1-x;y"');
  expect(byName.zstd.marker).toBe('(os_name == "posix" or os_name == "nt") and "linux" in sys_platform');
});
