/**
 * Reads a service `command` (exec form) into its entry: what Python module, script file or
 * console script must exist for the container to start. Pure: no file system, no data.
 */
import { scanOptions } from './argv-scan';
import { basename, EntryKind, EntryTarget, Launcher, malformed, ParsedEntry, started, TargetKind, unknown } from './command-model';
import { parsePython } from './command-python';
import { TOOLS } from './command-tools';

export { EntryKind, TargetKind } from './command-model';
export type { EntryTarget, ParsedEntry } from './command-model';

const PYTHON = /^python(\d+(\.\d+)?)?$/;
const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ash']);

/** Whether a program is a Python interpreter (`python`, `python3`, `python3.11`, a path to one). */
export function isPythonProgram(program: string): boolean {
  return PYTHON.test(basename(program));
}

/**
 * Removes `env [-i] [-u NAME] [NAME=VALUE...]`, `exec`, `tini [--]`, `dumb-init [--]` in front of the real
 * program.
 */
export function unwrapCommand(args: readonly string[]): readonly string[] {
  let rest = args;
  for (;;) {
    const head = rest[0] === undefined ? '' : basename(rest[0]);
    if (head === 'exec') {
      rest = rest.slice(1);
    } else if (head === 'env') {
      let i = 1;
      while (i < rest.length) {
        if (rest[i] === '-u' || rest[i] === '--unset') {i += 2;} else if (rest[i] === '--') { i += 1; break; } else if (rest[i].startsWith('-') || /^[A-Za-z_][A-Za-z0-9_]*=/.test(rest[i])) {i += 1;} else {break;}
      }
      rest = rest.slice(i);
    } else if (head === 'tini' || head === 'dumb-init') {
      let i = 1;
      while (i < rest.length && rest[i].startsWith('-') && rest[i] !== '--') i += 1;
      if (rest[i] === '--') i += 1;
      rest = rest.slice(i);
    } else {
      return rest;
    }
  }
}

/**
 * Reads an exec-form `command` into its entry. Never throws: an empty or non-string command
 * is malformed, a shell string or inline code is UNKNOWN.
 */
export function parseEntry(command: readonly string[]): ParsedEntry {
  if (!Array.isArray(command) || command.some((part) => typeof part !== 'string')) {
    return malformed([], '', 'the command is not a list of strings');
  }
  const args = unwrapCommand(command);
  if (args.length === 0 || args[0] === '') return malformed(command, '', 'the command names no program');
  const program = args[0];
  const name = basename(program);
  const rest = args.slice(1);
  if (PYTHON.test(name)) return parsePython(command, program, rest);
  if (SHELLS.has(name)) {
    const shell: EntryTarget = { kind: TargetKind.PROGRAM, name: program, role: 'the shell', interpreter: true };
    const scan = scanOptions(rest, { valued: ['-o', '+o'], unknownTakesValue: false });
    if (scan.options.some((o) => /^-[a-z]*c/.test(o.name))) return unknown(command, name, `${name} -c runs a shell command string`, [shell]);
    const script = rest[scan.positional];
    if (script === undefined) return unknown(command, name, `${name} starts an interactive shell`, [shell]);
    return started(command, name, EntryKind.SCRIPT, script, [{ kind: TargetKind.FILE, name: script, role: 'the shell script' }, shell], { cwdOnPath: false });
  }
  const tool = TOOLS[name];
  const launcher: Launcher = { name, target: { kind: TargetKind.PROGRAM, name: program, role: 'the launcher' } };
  if (tool) return tool(command, rest, launcher);
  if (program.includes('/')) {
    // a path: a file shipped with the code (./run.sh, /app/bin/serve) or a program of the image (/usr/bin/x)
    return started(command, name, EntryKind.SCRIPT, program, [{ kind: TargetKind.FILE, name: program, role: 'the program', executable: true }], { cwdOnPath: false });
  }
  return started(command, name, EntryKind.PROGRAM, name, [{ kind: TargetKind.PROGRAM, name, role: 'the console script' }]);
}
