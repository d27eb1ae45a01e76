import { existsSync } from 'fs';
import { join } from 'path';
import { Project, SampleFile } from 'projen';
import { readAsset } from './internal/data';
import { renderTemplate } from './internal/template';

/** Which starter code a service gets. */
export enum SampleKind {
  /** An HTTP server using only the standard library (`python -m <module>.main`). */
  HTTP = 'http',
  /** A FastAPI app (`uvicorn <module>.main:app`). */
  FASTAPI = 'fastapi',
  /** A loop that writes the heartbeat (workers). */
  WORKER = 'worker',
  /** A torch training loop that writes the heartbeat and checkpoints (GPU trainers). */
  TRAINER = 'trainer',
  /** A torch model behind a standard-library HTTP server (GPU inference). */
  INFERENCE = 'inference',
}

/** What a sample needs to know about its service. */
export interface SampleContext {
  readonly id: string;
  readonly module: string;
  readonly sourceDir: string;
  readonly port?: number;
  readonly healthPath?: string;
}

/**
 * Writes starter code for a service, once: only when its source directory does not exist
 * yet. The files are the user's from then on (projen SampleFiles are never overwritten).
 */
export function addServiceSamples(project: Project, kind: SampleKind, ctx: SampleContext): void {
  if (existsSync(join(project.outdir, ctx.sourceDir))) return;
  const model = { ...ctx, healthPath: ctx.healthPath ?? '/health' };
  new SampleFile(project, `${ctx.sourceDir}/__init__.py`, { contents: `"""${ctx.id} service package."""\n` });
  new SampleFile(project, `${ctx.sourceDir}/main.py`, { contents: renderTemplate(`samples/${kind}_main.py.ejs`, model) });
  new SampleFile(project, `${ctx.sourceDir}/test_main.py`, { contents: renderTemplate('samples/test_main.py.ejs', model) });
}

/** Writes the shared package `services/common` once. */
export function addCommonSample(project: Project, dir: string): void {
  if (existsSync(join(project.outdir, dir))) return;
  new SampleFile(project, `${dir}/__init__.py`, { contents: readAsset('templates', 'samples', 'common_init.py') });
}
