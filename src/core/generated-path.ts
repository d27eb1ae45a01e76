import { Problems } from './problems';

/**
 * Where a generated file or folder may be put instead of its default place (`composeFile`,
 * a Kubernetes `directory`, `containersDoc`): relative, inside the project, plain enough to
 * stand unquoted in the tasks' shell lines and the scripts, and outside the folders other
 * generated files fill.
 */

/** Top-level folders of generated files another option cannot share. */
const RESERVED_TOP: readonly string[] = ['.git', '.projen', 'docker', 'node_modules'];

/**
 * Checks one such path. `pattern` is what the last part must match (e.g. a YAML name) and
 * `example` a good value for the message.
 */
export function checkGeneratedPath(
  problems: Problems,
  field: string,
  value: unknown,
  example: string,
  pattern?: RegExp,
  patternText?: string,
): value is string {
  const expected = 'a relative path inside the project of letters, digits, ".", "_", "-" and '
    + `"/"${patternText ? `, ${patternText}` : ''} (e.g. "${example}")`;
  if (typeof value !== 'string') {
    problems.add(field, value, expected);
    return false;
  }
  const parts = value.split('/');
  if (
    !/^[A-Za-z0-9._/-]+$/.test(value) ||
    parts.some((p) => p === '' || p === '.' || p === '..' || p.startsWith('-')) ||
    (pattern !== undefined && !pattern.test(parts[parts.length - 1]))
  ) {
    problems.add(field, value, expected);
    return false;
  }
  if (RESERVED_TOP.includes(parts[0])) {
    problems.add(
      `${field} is inside a folder of generated or tool files`,
      value,
      `a path outside ${RESERVED_TOP.map((t) => `${t}/`).join(', ')} (e.g. "${example}")`,
    );
    return false;
  }
  return true;
}
