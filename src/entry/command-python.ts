import { badModule, EntryKind, EntryTarget, malformed, moduleTarget, ParsedEntry, started, TargetKind, unknown } from './command-model';
import { TOOL_MODULES } from './command-tools';

/** Python's own options that take a value (`-W default`, `-X dev`); `-c` and `-m` end the options. */
const PYTHON_VALUED = new Set(['W', 'X']);

export function parsePython(
  command: readonly string[], program: string, args: readonly string[],
): ParsedEntry {
  const interpreter: EntryTarget = { kind: TargetKind.PROGRAM, name: program, role: 'the interpreter', interpreter: true };
  let i = 0;
  while (i < args.length) {
    const arg = args[i];
    if (arg === '-') return unknown(command, program, 'python reads the program from standard input', [interpreter]);
    if (arg === '--') {
      i += 1;
      break;
    }
    if (arg.startsWith('--')) {
      if (arg === '--check-hash-based-pycs') i += 2;
      else if (arg === '--version' || arg === '--help' || arg.startsWith('--help-')) return unknown(command, program, `python ${arg} starts no program`, [interpreter]);
      else i += 1;
      continue;
    }
    if (!arg.startsWith('-')) break;
    let consumed = 1;
    for (let j = 1; j < arg.length; j++) {
      const c = arg[j];
      if (c === 'c') return unknown(command, program, 'python runs inline code (-c)', [interpreter]);
      if (c === 'm') {
        const module = arg.length > j + 1 ? arg.slice(j + 1) : args[i + 1];
        const rest = args.slice(arg.length > j + 1 ? i + 1 : i + 2);
        if (module === undefined || module === '') return malformed(command, program, 'python -m names no module', [interpreter]);
        const tool = TOOL_MODULES[module];
        const launcherTarget = moduleTarget(module, 'the launcher', { needsMain: true });
        if (tool) return tool(command, rest, { name: module, target: launcherTarget });
        if (badModule(module)) return malformed(command, program, `python -m "${module}" is not a module name`, [interpreter]);
        return started(command, program, EntryKind.MODULE, module, [moduleTarget(module, 'the main module', { needsMain: true }), interpreter]);
      }
      if (PYTHON_VALUED.has(c)) {
        if (j === arg.length - 1) consumed = 2;
        break;
      }
      if (c === 'h' || c === 'V' || c === '?') return unknown(command, program, `python -${c} starts no program`, [interpreter]);
    }
    i += consumed;
  }
  const script = args[i];
  if (script === undefined) return unknown(command, program, 'python starts an interactive interpreter (no script, no -m)', [interpreter]);
  // sys.path[0] is the script's folder, not the working directory
  return started(command, program, EntryKind.SCRIPT, script, [{ kind: TargetKind.FILE, name: script, role: 'the script' }, interpreter],
    { cwdOnPath: false });
}
