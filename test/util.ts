import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { directorySnapshot } from 'projen/lib/util/synth';
import { MlDockerProject, MlDockerProjectOptions, MlDockerValidationError } from '../src';

/** A fresh project in its own temp dir (no post-synth install). */
export function newProject(options: Partial<MlDockerProjectOptions> = {}): MlDockerProject {
  return new MlDockerProject({ name: 'vision', outdir: mkdtempSync(join(tmpdir(), 'mld-')), ...options });
}

/**
 * Synthesizes (without projen's post-synth install) and returns path -> content of every
 * file; JSON files come back parsed. The files stay on disk in the project's temp dir, so
 * tests can run real tools on them.
 */
export function synth(project: MlDockerProject): Record<string, any> {
  const previous = process.env.PROJEN_DISABLE_POST;
  process.env.PROJEN_DISABLE_POST = 'true';
  try {
    project.synth();
  } finally {
    if (previous === undefined) delete process.env.PROJEN_DISABLE_POST;
    else process.env.PROJEN_DISABLE_POST = previous;
  }
  return directorySnapshot(project.outdir, { excludeGlobs: ['.compose-check-*'] });
}

/** Runs `fn` and returns the validation error it throws (fails the test otherwise). */
export function validationError(fn: () => unknown): MlDockerValidationError {
  try {
    fn();
  } catch (e) {
    if (e instanceof MlDockerValidationError) return e;
    throw new Error(`expected MlDockerValidationError, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
  }
  throw new Error('expected MlDockerValidationError, nothing was thrown');
}
