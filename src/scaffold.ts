import { existsSync, writeFileSync } from 'fs';
import { join } from 'path';
import { InitProject, typescript } from 'projen';
import { renderTemplate } from './internal/template';

/**
 * `.projenrc.ts` for a project created by `projen new --from projen-ml-docker`: instead of
 * projen's options-only file, it builds the example stack in plain view, so a new user
 * sees (and owns) every service the project has.
 */
export class ScaffoldProjenrc extends typescript.ProjenrcTs {
  public projectCreation(initProject: InitProject): void {
    const file = join(this.project.outdir, this.filePath);
    if (existsSync(file)) return;
    const args = initProject.args as Record<string, unknown>;
    const devDeps = (Array.isArray(args.devDeps) ? args.devDeps : []).filter((d): d is string => typeof d === 'string');
    writeFileSync(file, renderTemplate('projenrc.ts.ejs', {
      name: String(args.name ?? this.project.name),
      devDeps,
      quote: (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`,
    }));
    this.project.logger.info(`Project definition file was created at ${file}`);
  }
}
