import { spawnSync } from 'child_process';
import { existsSync, writeFileSync } from 'fs';
import { join } from 'path';
import { InitProject, Project, typescript } from 'projen';
import type { Adoption } from './adoption';
import { renderTemplate } from '../core/template';

/** The `.projenrc.ts` a new project starts with (templates/projenrc.ts.ejs). */
export function renderScaffold(name: string, devDeps: readonly string[]): string {
  return renderTemplate('projenrc.ts.ejs', {
    name,
    devDeps,
    quote: (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`,
  });
}

/**
 * `.projenrc.ts` for a project created by `projen new --from projen-ml-docker`: instead of
 * projen's options-only file, it builds the example stack in plain view, so a new user
 * sees (and owns) every service the project has.
 *
 * `projen new` synthesizes from its command-line options, not from this file; so once the
 * dependencies are installed, the new project is synthesized again from the scaffolded
 * `.projenrc.ts` (its default task, as `npx projen` runs it). The tree `projen new` leaves,
 * and commits, is then exactly what `npx projen` produces.
 */
export class ScaffoldProjenrc extends typescript.ProjenrcTs {
  private wroteDefinition = false;
  private readonly adoption?: Adoption;

  constructor(project: Project, options: typescript.ProjenrcTsOptions & { readonly adoption?: Adoption }) {
    const { adoption, ...rest } = options;
    super(project, rest);
    this.adoption = adoption;
  }

  public projectCreation(initProject: InitProject): void {
    const file = join(this.project.outdir, this.filePath);
    if (existsSync(file)) return;
    const args = initProject.args as Record<string, unknown>;
    const devDeps = (Array.isArray(args.devDeps) ? args.devDeps : []).filter((d): d is string => typeof d === 'string');
    writeFileSync(file, this.adoption?.text ?? renderScaffold(this.project.name, devDeps));
    this.wroteDefinition = true;
    this.project.logger.info(`Project definition file was created at ${file}`);
  }

  /** After `projen new` installed the dependencies: synthesize from the scaffolded `.projenrc.ts`. */
  public postProjectCreation(_initProject: InitProject): void {
    if (!this.wroteDefinition) return;
    const outdir = this.project.outdir;
    const projen = join(outdir, 'node_modules', 'projen', 'bin', 'projen');
    if (!existsSync(projen)) {
      // eslint-disable-next-line no-console
      console.log(`projen-ml-docker: dependencies are not installed yet: run \`npm install && npx projen\` in ${outdir} to generate the example stack of .projenrc.ts`);
      return;
    }
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.PROJEN_CREATE_PROJECT;
    const res = spawnSync(process.execPath, [projen], { cwd: outdir, env, stdio: 'inherit' });
    if (res.error || res.status !== 0) {
      throw new Error(`projen-ml-docker: synthesizing the scaffolded .projenrc.ts failed (${res.error?.message ?? `exit ${res.status ?? res.signal}`}); fix it and run \`npx projen\` in ${outdir}`);
    }
    // eslint-disable-next-line no-console
    console.log(this.adoption ? adoptedSummary(this.project.name, this.adoption)
      : renderTemplate('scaffold-ready.txt.ejs', { name: this.project.name }).replace(/\n$/, ''));
  }
}

/** What `projen new` prints after adopting a repository: its services and what is left to decide. */
function adoptedSummary(name: string, adoption: Adoption): string {
  const todos = (adoption.text.match(/\/\/ TODO:/g) ?? []).length;
  return [
    `projen-ml-docker: adopted ${name}: .projenrc.ts describes what the repository's files say, `
      + 'every value with where it was read.',
    ...adoption.plan.services.map((s) => `  ${s.kind} ${s.id}`),
    ...adoption.refused.map((r) => `  not adopted (see its TODO): ${r.plan.kind} ${r.plan.id}`),
    `${todos} TODO line${todos === 1 ? '' : 's'} in .projenrc.ts: what the files leave open. Then:`,
    '  edit .projenrc.ts, then `npx projen`   regenerate every file from the definition',
    '  npx projen docker:build                build every service image',
    'Your files were kept: .gitignore and .gitattributes have their lines and one generated block each.',
  ].join('\n');
}
