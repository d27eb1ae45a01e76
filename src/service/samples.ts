import { existsSync } from 'fs';
import { join } from 'path';
import { Project, SampleFile } from 'projen';
import { SampleKind } from './sample-kind';
import { readAsset } from '../core/data';
import { renderTemplate } from '../core/template';

/** What a sample needs to know about its service. */
export interface SampleContext {
  readonly id: string;
  readonly module: string;
  readonly sourceDir: string;
  readonly port?: number;
  readonly healthPath?: string;
  /** The service's command, to name the entry file it runs. */
  readonly command: string[];
}

/**
 * The file the command runs inside the service package: `python -m api.serve` and
 * `uvicorn api.serve:app` both run `serve.py`, `python api/serve.py` too; anything else gets `main.py`.
 */
export function entryFileName(command: readonly string[], module: string): string {
  const prefix = `${module}.`;
  for (const [i, arg] of command.entries()) {
    const target = command[i - 1] === '-m' ? arg : /^[A-Za-z_][\w.]*:[A-Za-z_]\w*$/.test(arg) ? arg.split(':')[0] : undefined;
    if (target?.startsWith(prefix) && /^[A-Za-z_]\w*$/.test(target.slice(prefix.length))) return `${target.slice(prefix.length)}.py`;
    // `python <module>/run.py` (relative to /app) or `python /app/<module>/run.py`
    const script = /^(?:\/app\/)?([A-Za-z_]\w*)\/([A-Za-z_]\w*)\.py$/.exec(arg);
    if (script && script[1] === module && i > 0 && /^python[\d.]*$/.test(command[i - 1].split('/').pop()!)) return `${script[2]}.py`;
  }
  return 'main.py';
}

/**
 * Writes starter code for a service, once: only when its source directory does not exist
 * yet. The files are the user's from then on (projen SampleFiles are never overwritten).
 */
export function addServiceSamples(project: Project, kind: SampleKind, ctx: SampleContext): void {
  if (existsSync(join(project.outdir, ctx.sourceDir))) return;
  const entry = entryFileName(ctx.command, ctx.module);
  const model = { ...ctx, healthPath: ctx.healthPath ?? '/health', entryModule: `${ctx.module}.${entry.replace(/\.py$/, '')}` };
  new SampleFile(project, `${ctx.sourceDir}/__init__.py`, { contents: `"""${ctx.id} service package."""\n` });
  new SampleFile(project, `${ctx.sourceDir}/${entry}`, { contents: renderTemplate(`samples/${kind}_main.py.ejs`, model) });
  new SampleFile(project, `${ctx.sourceDir}/test_main.py`, { contents: renderTemplate('samples/test_main.py.ejs', model) });
}

/** Writes the shared package `services/common` once. */
export function addCommonSample(project: Project, dir: string): void {
  if (existsSync(join(project.outdir, dir))) return;
  new SampleFile(project, `${dir}/__init__.py`, { contents: readAsset('templates', 'samples', 'common_init.py') });
}
