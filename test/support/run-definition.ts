import { readFileSync } from 'fs';
import { join } from 'path';
import * as ts from 'typescript';
import * as lib from '../../src';
import { withoutPostSynth } from '../util';

/**
 * Runs a definition written against 'projen-ml-docker' (a `.projenrc.ts`, the README's
 * examples) the way `npx projen` would, in `dir` and with this repository's source bound to
 * its imports; projen's post-synth install is off.
 */
export function runDefinition(source: string, dir: string): void {
  const imports = new Set<string>();
  const body = source.replace(/import \{([^}]*)\} from 'projen-ml-docker';\n/g, (_m, names: string) => {
    names.split(',').map((n) => n.trim()).filter(Boolean).forEach((n) => imports.add(n));
    return '';
  });
  const program = `const { ${[...imports].join(', ')} } = lib;\n${body}`;
  const js = ts.transpileModule(program, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const previousCwd = process.cwd();
  process.chdir(dir);
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    withoutPostSynth(() => new Function('lib', js)(lib));
  } finally {
    process.chdir(previousCwd);
  }
}

/**
 * The README's TypeScript examples as one program: the first block is a whole `.projenrc.ts`, the later ones
 * continue it.
 */
export function readmeProgram(): string {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf-8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks.map((b) => b.replace(/^\/\/ \.projenrc\.ts\n/, '').replace(/^project\.synth\(\);\n/m, '')).join('\n') + '\nproject.synth();\n';
}
