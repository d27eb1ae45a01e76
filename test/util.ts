import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, relative } from 'path';
import { directorySnapshot } from 'projen/lib/util/synth';
import { MlDockerProject, MlDockerProjectOptions, MlDockerValidationError } from '../src';

/**
 * A fresh project in its own temp dir (no post-synth install). An `outdir` left undefined
 * still gets a temp dir: in test mode projen would otherwise write into the current
 * directory when it lies under the temp directory (a clone made there would be overwritten).
 */
export function newProject(options: Partial<MlDockerProjectOptions> = {}): MlDockerProject {
  return new MlDockerProject({ name: 'vision', ...options, outdir: options.outdir ?? mkdtempSync(join(tmpdir(), 'mld-')) });
}

/**
 * Synthesizes (without projen's post-synth install) and returns path -> content of every
 * file; JSON files come back parsed. The files stay on disk in the project's temp dir, so
 * tests can run real tools on them.
 */
export function synth(project: MlDockerProject): Record<string, any> {
  withoutPostSynth(() => project.synth());
  return directorySnapshot(project.outdir, { excludeGlobs: ['.compose-check-*'] });
}

/** Runs `fn` with projen's post-synth steps (npm install) turned off. */
export function withoutPostSynth(fn: () => void): void {
  const previous = process.env.PROJEN_DISABLE_POST;
  process.env.PROJEN_DISABLE_POST = 'true';
  try {
    fn();
  } finally {
    if (previous === undefined) delete process.env.PROJEN_DISABLE_POST;
    else process.env.PROJEN_DISABLE_POST = previous;
  }
}

/** Builds a project in an existing directory (over its previous output) and synthesizes it. */
export function synthIn(
  outdir: string, options: Record<string, unknown>, build: (p: MlDockerProject) => void,
): void {
  withoutPostSynth(() => {
    const project = new MlDockerProject({ name: 'vision', outdir, ...options } as MlDockerProjectOptions);
    build(project);
    project.synth();
  });
}

/** Every file under dir with its bytes (base64), so two trees compare exactly. */
export function tree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else files[relative(dir, full)] = readFileSync(full, 'base64');
    }
  };
  walk(dir);
  return files;
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

/**
 * The problems of the validation error `fn` throws, or none when it passes (another error fails the test).
 */
export function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof MlDockerValidationError) return e.problems;
    throw e;
  }
  return [];
}

/** Asserts one of our validation errors: construct path, offending value, what is allowed, no internals. */
export function expectValidationError(
  build: () => unknown, where: string, got: string, expected: string,
): MlDockerValidationError {
  const err = validationError(build);
  expect(err.message).toContain(`[${where}]`);
  expect(err.message).toContain(got);
  expect(err.message).toContain(expected);
  expect(err.message).not.toMatch(/TypeError|ZodError|Invalid input/);
  return err;
}

/**
 * Gives each folder of the project a minimal setup.py (a CUDA extension's folder must hold a build
 * file pip reads); returns the project. Call it before the service that names the folders.
 */
export function withExtensionFolders<T extends { readonly outdir: string }>(
  project: T, ...dirs: string[]
): T {
  for (const dir of dirs) {
    mkdirSync(join(project.outdir, dir), { recursive: true });
    writeFileSync(join(project.outdir, dir, 'setup.py'), 'from setuptools import setup\n\nsetup(name="op")\n');
  }
  return project;
}
