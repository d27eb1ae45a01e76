import { posix } from 'path';
import ignore from '@balena/dockerignore';
import { ARTEFACT_EXTENSIONS } from '../core/dockerignore';

export { ARTEFACT_EXTENSIONS };

/**
 * Extensions of code and configuration: a file under a copied path with one of these must
 * reach the build context. Templates and static assets of web services count as code.
 */
export const CODE_EXTENSIONS: readonly string[] = [
  '.py', '.pyi', '.pyx', '.pxd', '.json', '.yaml', '.yml', '.toml', '.cfg', '.ini', '.conf', '.txt',
  '.j2', '.jinja', '.jinja2', '.tmpl', '.tpl', '.mako', '.html', '.htm', '.css', '.js', '.mjs', '.sql', '.proto', '.graphql',
  '.sh', '.md', '.rst', '.xml', '.properties',
];

/** File names without a telling extension that are code or configuration. */
export const CODE_FILE_NAMES: readonly string[] = [
  'Makefile', 'Procfile', 'MANIFEST.in', 'py.typed', 'requirements.in', 'setup.py', 'setup.cfg', 'pyproject.toml', '.python-version',
];

/** Whether a file name is code or configuration. */
export function isCodeOrConfig(path: string): boolean {
  const name = posix.basename(path);
  if (CODE_FILE_NAMES.includes(name)) return true;
  const lower = name.toLowerCase();
  return CODE_EXTENSIONS.some((ext) => lower.endsWith(ext)) || /^requirements.*\.(txt|in)$/.test(lower);
}

/** Whether a file name is a large binary artefact. */
export function isArtefact(path: string): boolean {
  const lower = posix.basename(path).toLowerCase();
  return ARTEFACT_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/** The outcome of `auditIgnore`. */
export interface IgnoreAudit {
  /** Code and configuration files under a copied path that the ignore text drops (must be empty). */
  readonly droppedCode: readonly string[];
  /** Large binary artefacts under a copied path that the ignore text lets in (must be empty). */
  readonly includedArtefacts: readonly string[];
  /** Large binary artefacts under a copied path that the ignore text keeps out (to report). */
  readonly excludedArtefacts: readonly string[];
  /** Large binary artefacts that reach the context under an allowed folder (a baked model's weights). */
  readonly allowedArtefacts: readonly string[];
  /** Every file under a copied path that reaches the build context. */
  readonly sent: readonly string[];
}

function under(file: string, path: string): boolean {
  const clean = path.replace(/^\.\/?/, '').replace(/\/+$/, '');
  return clean === '' || file === clean || file.startsWith(`${clean}/`);
}

/**
 * Proves an ignore file against the project tree: every code or configuration file under a
 * copied path must reach the build context, and no large binary artefact may. `files` are
 * root-relative (e.g. `readProjectTree(...).files`, with `includeIgnored` so that the data and
 * weights a user has beside the code are seen); `copied` are the `COPY` sources (root-relative);
 * `dockerignore` the ignore text, matched with @balena/dockerignore (Docker's own rules);
 * `artefactsAllowedUnder` the folders whose artefacts belong in the image (a `bakeModel` folder).
 * Lists are sorted.
 */
export function auditIgnore(
  files: readonly string[], copied: readonly string[], dockerignore: string,
  artefactsAllowedUnder: readonly string[] = [],
): IgnoreAudit {
  const matcher = ignore().add(dockerignore.split(/\r?\n/));
  const droppedCode: string[] = [];
  const includedArtefacts: string[] = [];
  const excludedArtefacts: string[] = [];
  const allowedArtefacts: string[] = [];
  const sent: string[] = [];
  for (const file of [...new Set(files)].sort()) {
    if (!copied.some((path) => under(file, path))) continue;
    const ignored = matcher.ignores(file);
    if (!ignored) sent.push(file);
    if (isArtefact(file)) {
      if (ignored) excludedArtefacts.push(file);
      else if (artefactsAllowedUnder.some((dir) => under(file, dir))) allowedArtefacts.push(file);
      else includedArtefacts.push(file);
    } else if (ignored && isCodeOrConfig(file)) {droppedCode.push(file);}
  }
  return { droppedCode, includedArtefacts, excludedArtefacts, allowedArtefacts, sent };
}
