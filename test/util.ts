import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Testing } from 'projen';
import { MlDockerProject, MlDockerProjectOptions, MlDockerValidationError } from '../src';

/** A fresh project in its own temp dir (no post-synth install). */
export function newProject(options: Partial<MlDockerProjectOptions> = {}): MlDockerProject {
  return new MlDockerProject({ name: 'vision', outdir: mkdtempSync(join(tmpdir(), 'mld-')), ...options });
}

/** Synthesizes and returns file path -> content for every generated file. */
export function synth(project: MlDockerProject): Record<string, string> {
  return Testing.synth(project) as Record<string, string>;
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
