import { AdoptionPlan, DependenciesPlan, PlannedProp, ServicePlan } from './plan';
import { commentLines, commentText, tsKey, tsString } from './ts-text';
import { textSecret } from '../core/command-secrets';

/**
 * The adopted `.projenrc.ts`: the plan written as code, each value under a comment naming the
 * file and line it came from, and what the files left open as `// TODO:` lines. Every string
 * from the repository is a literal (`tsString`), every comment one safe line (`commentLines`):
 * nothing read from a file becomes code. Pure.
 */

/** A service the dry run refused: written as comments only, with the reason. */
export interface RefusedService {
  readonly plan: ServicePlan;
  readonly problems: readonly string[];
}

const INDENT = '  ';

/** A JSON value as TypeScript (strings through `tsString`). */
function tsValue(value: unknown, indent: string): string {
  if (typeof value === 'string') return tsString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return 'undefined';
  if (Array.isArray(value)) {
    const items = value.map((v) => tsValue(v, indent + INDENT));
    const flat = `[${items.join(', ')}]`;
    if (flat.length + indent.length < 100 && !flat.includes('\n')) return flat;
    // several short items to a line, as a person would write a long command
    const lines: string[] = [];
    let line = '';
    for (const item of items) {
      const next = line === '' ? `${item},` : `${line} ${item},`;
      if (line !== '' && (indent.length + INDENT.length + next.length > 104 || item.includes('\n'))) {
        lines.push(line);
        line = `${item},`;
      } else {
        line = next;
      }
    }
    if (line !== '') lines.push(line);
    return `[\n${lines.map((l) => `${indent}${INDENT}${l}`).join('\n')}\n${indent}]`;
  }
  if (isDependencies(value)) return dependenciesCode(value, indent);
  const entries = Object.entries(value as Record<string, unknown>);
  const parts = entries.map(([k, v]) => `${tsKey(k)}: ${tsValue(v, indent + INDENT)}`);
  const flat = `{ ${parts.join(', ')} }`;
  if (flat.length + indent.length < 100 && !flat.includes('\n')) return flat;
  return `{\n${parts.map((p) => `${indent}${INDENT}${p},`).join('\n')}\n${indent}}`;
}

function isDependencies(value: unknown): value is DependenciesPlan {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as DependenciesPlan).factory === 'string' &&
    typeof (value as DependenciesPlan).options === 'object'
  );
}

function dependenciesCode(plan: DependenciesPlan, indent: string): string {
  const options = Object.keys(plan.options).length > 0 ? tsValue(plan.options, indent) : '';
  return `Dependencies.${plan.factory}(${options})`;
}

/** `torchPackages` as the enum's members. */
function torchPackagesCode(value: unknown): string | undefined {
  if (!Array.isArray(value)) return undefined;
  return `[${value.map((v) => `TorchPackage.${String(v).toUpperCase()}`).join(', ')}]`;
}

function propLines(prop: PlannedProp, indent: string): string[] {
  const code = prop.key === 'torchPackages' ? torchPackagesCode(prop.value) : undefined;
  return [
    ...(prop.from ? commentLines(prop.from, indent) : []),
    `${indent}${tsKey(prop.key)}: ${code ?? tsValue(prop.value, indent)},`,
  ];
}

function todoLines(todos: readonly string[], indent: string): string[] {
  return todos.flatMap((t) => commentLines(`TODO: ${t}`, indent));
}

function serviceLines(s: ServicePlan, commented: boolean): string[] {
  const body = [
    `new ${s.kind}(project, ${tsString(s.id)}, {`,
    ...s.props.flatMap((p) => propLines(p, INDENT)),
    '});',
  ];
  return commented ? body.flatMap((l) => l.split('\n')).map((l) => `// ${commentText(l, 4000)}`) : body;
}

/** The classes and enums the definition uses, for its import line. */
function imports(plan: AdoptionPlan, services: readonly ServicePlan[]): string[] {
  const names = new Set<string>(['MlDockerProject']);
  for (const s of services) names.add(s.kind);
  if (plan.stack) names.add('ComposeStack');
  const deps = [...plan.project, ...services.flatMap((s) => s.props)].some((p) => p.key === 'dependencies');
  if (deps) names.add('Dependencies');
  if (services.some((s) => s.props.some((p) => p.key === 'torchPackages'))) names.add('TorchPackage');
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function renderAdoptedProjenrc(
  plan: AdoptionPlan,
  devDeps: readonly string[],
  refused: readonly RefusedService[] = [],
): string {
  const services = plan.services;
  const lines: string[] = [
    ...commentLines(
      'Adopted by `projen new --from projen-ml-docker` from the files of this repository (not the '
        + 'example stack: run ' +
        '`projen new --from projen-ml-docker --example` in an empty folder for that). Each value says '
          + 'where it was read; `TODO:` lines are ' +
        'what the files leave open. This file is yours: edit it, then run `npx projen`.',
    ),
    `import { ${imports(plan, services).join(', ')} } from 'projen-ml-docker';`,
    '',
    'const project = new MlDockerProject({',
    `${INDENT}name: ${tsString(plan.name)},`,
  ];
  if (plan.folder !== undefined) {
    lines.push(
      ...commentLines(
        "the folder's own name (the project name above is it made valid for npm, images and Kubernetes)",
        INDENT,
      ),
    );
    lines.push(`${INDENT}description: ${tsString(plan.folder)},`);
  }
  if (devDeps.length > 0) lines.push(`${INDENT}devDeps: [${devDeps.map(tsString).join(', ')}],`);
  for (const p of plan.project) lines.push(...propLines(p, INDENT));
  lines.push('});', '');
  if (plan.todos.length > 0) lines.push(...todoLines(plan.todos, ''), '');
  for (const s of services) {
    lines.push(...s.why.flatMap((w) => commentLines(w, '')));
    lines.push(...todoLines(s.todos, ''));
    lines.push(...serviceLines(s, false), '');
  }
  for (const r of refused) {
    lines.push(
      ...commentLines(
        `TODO: a service found at ${r.plan.why[0]?.replace(/^found at /, '') ?? '?'} is not adopted: its `
          + 'definition, as read, ' +
          `does not synthesize (${r.problems.join('; ')}). Fix what the message names, then uncomment it:`,
        '',
      ),
    );
    lines.push(...r.plan.why.slice(1).flatMap((w) => commentLines(w, '')));
    lines.push(...todoLines(r.plan.todos, ''));
    lines.push(...serviceLines(r.plan, true), '');
  }
  if (plan.stack) {
    const props = plan.stack;
    if (props.length === 0) {lines.push("new ComposeStack(project, 'stack');");} else {
      lines.push(
        "new ComposeStack(project, 'stack', {",
        ...props.flatMap((p) => propLines(p, INDENT)),
        '});',
      );
    }
    lines.push('');
  }
  if (plan.notAdopted.length > 0) {
    lines.push(...commentLines('Kept as they are, not part of this definition:', ''));
    for (const n of plan.notAdopted) lines.push(...commentLines(`- ${n}`, ''));
    lines.push('');
  }
  lines.push('project.synth();', '');
  return lines.map(withoutCredentials).join('\n');
}

/** What stands where a line read from the repository held a credential. */
export const CREDENTIAL_LINE =
  '// (a value read from the repository holds a credential: not copied here; pass it as a secret)';

/**
 * The last guard of the writer: a line holding a credential's shape (a token, a key, a URL with
 * a password) is never written, in code or in a comment, whatever brought it there.
 */
function withoutCredentials(line: string): string {
  if (textSecret(line, 'line') === undefined) return line;
  const indent = /^\s*/.exec(line)![0];
  return `${indent}${CREDENTIAL_LINE}`;
}
