import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { ModelSpec } from './model-weights';
import { byCodeUnits, compareCodeUnits } from '../core/order';
import { Problems } from '../core/problems';

/**
 * `models.lock`: every file of every model a definition names, with its size and sha256, as
 * `npx projen models:lock` asked the source for them. Synthesis reads it (never the network):
 * each service's models must be in it exactly as the definition gives them, and the image's
 * manifest (`docker/<id>/models.json`) is made from it.
 */

/** The lock's file name, at the project root. */
export const MODELS_LOCK_FILE = 'models.lock';
/** The task that writes it. */
export const MODELS_LOCK_TASK = 'models:lock';
/** The environment variable under which `.projenrc.ts` writes the lock instead of synthesizing. */
export const MODELS_LOCK_ENV = 'MLDOCKER_MODELS_LOCK';

/** One file of a model, as the lock records it. */
export interface LockedFile {
  /** Relative to the model's root (the revision's tree, the URL's file name, the folder). */
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

/** One model of the lock. */
export interface LockedModel {
  /** The globs it was locked with (Hugging Face models), sorted; empty: every file. */
  readonly include: readonly string[];
  /** In code-unit order of their paths. */
  readonly files: readonly LockedFile[];
}

/** The lock: its models by key (`huggingface:org/name@<commit>`, `url:<url>`, `path:<folder>`). */
export interface ModelsLock {
  readonly models: Readonly<Record<string, LockedModel>>;
}

const SHA256 = /^[0-9a-f]{64}$/;
const FILE_PART = /^[A-Za-z0-9_+=@,-][A-Za-z0-9._+=@,-]*$|^\.[A-Za-z0-9_+=@,-][A-Za-z0-9._+=@,-]*$/;

/** Whether a path from a lock or a hub is a safe relative file path (no `..`, not absolute). */
export function safeFilePath(path: unknown): path is string {
  return typeof path === 'string' && path.length <= 512 && path.split('/').every((p) => FILE_PART.test(p));
}

/** The lock's text: deterministic (models and files in code-unit order, two-space JSON, one newline). */
export function renderModelsLock(lock: ModelsLock): string {
  const models: Record<string, LockedModel> = {};
  for (const key of Object.keys(lock.models).sort(compareCodeUnits)) {
    const m = lock.models[key];
    models[key] = {
      include: [...m.include].sort(compareCodeUnits),
      files: [...m.files].sort(byCodeUnits((f) => f.path))
        .map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })),
    };
  }
  const header = `Written by \`npx projen ${MODELS_LOCK_TASK}\`: every file of every model, its size and sha256. `
    + 'Commit it; synthesis reads it and never the network.';
  return JSON.stringify({ '//': header, 'version': 1, models }, undefined, 2) + '\n';
}

/**
 * The lock of a project (undefined when it has none), its text checked as any input is: a
 * problem names the file and what is wrong.
 */
export function readModelsLock(problems: Problems, root: string): ModelsLock | undefined {
  const file = join(root, MODELS_LOCK_FILE);
  if (!existsSync(file)) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf-8'));
  } catch (e) {
    problems.add(`${MODELS_LOCK_FILE} is not JSON (${(e as Error).message})`, MODELS_LOCK_FILE,
      `the file \`npx projen ${MODELS_LOCK_TASK}\` writes`);
    return undefined;
  }
  const rerun = `the file \`npx projen ${MODELS_LOCK_TASK}\` writes (run it again)`;
  const d = data as { version?: unknown; models?: unknown };
  if (typeof d !== 'object' || d === null || d.version !== 1 || typeof d.models !== 'object' || d.models === null
    || Array.isArray(d.models)) {
    problems.add(`${MODELS_LOCK_FILE} has no version 1 "models" object`, d?.version, rerun);
    return undefined;
  }
  const models: Record<string, LockedModel> = {};
  for (const [key, value] of Object.entries(d.models as Record<string, unknown>)) {
    const m = value as { include?: unknown; files?: unknown };
    const include = m?.include;
    const files = m?.files;
    if (!Array.isArray(include) || !include.every((g) => typeof g === 'string')
      || !Array.isArray(files) || files.length === 0) {
      problems.add(`${MODELS_LOCK_FILE}: model "${key}" needs "include" (globs) and "files" (at least one)`, value, rerun);
      continue;
    }
    const checked: LockedFile[] = [];
    for (const f of files as Array<Record<string, unknown>>) {
      const ok = typeof f === 'object' && f !== null && safeFilePath(f.path) && Number.isSafeInteger(f.size)
        && (f.size as number) >= 0 && typeof f.sha256 === 'string' && SHA256.test(f.sha256);
      if (!ok) {
        problems.add(`${MODELS_LOCK_FILE}: a file of model "${key}"`, f,
          'a relative "path" without "..", a "size" in bytes and a "sha256" of 64 lowercase hexadecimal characters');
        continue;
      }
      checked.push({ path: f.path as string, size: f.size as number, sha256: f.sha256 as string });
    }
    models[key] = { include: include as string[], files: checked };
  }
  return { models };
}

/** One file of a service's manifest: where it comes from, where it lands, what it must be. */
export interface ManifestFile {
  readonly source: 'huggingface' | 'url' | 'path';
  /** `huggingface`: the repository; `url`: the URL; `path`: the repository folder. */
  readonly from: string;
  readonly revision?: string;
  /** The file, relative to the model's root. */
  readonly path: string;
  /** Where it lands in the container. */
  readonly dest: string;
  readonly size: number;
  readonly sha256: string;
}

/**
 * The files of a service's models, from the lock: a problem for every model the lock does not
 * hold as the definition gives it (named `models[<i>]`, with the task to run).
 */
export function lockedFiles(
  problems: Problems, specs: readonly ModelSpec[], lock: ModelsLock | undefined,
): ManifestFile[] {
  const run = `run \`npx projen ${MODELS_LOCK_TASK}\` to lock it`;
  const files: ManifestFile[] = [];
  specs.forEach((spec, i) => {
    const entry = lock?.models[spec.key];
    if (!entry) {
      problems.add(`models[${i}] has no entry in ${MODELS_LOCK_FILE}`, spec.key, run);
      return;
    }
    if (entry.include.join('\n') !== spec.include.join('\n')) {
      problems.add(`models[${i}] does not match ${MODELS_LOCK_FILE}: it was locked with include `
        + `${JSON.stringify(entry.include)}`, spec.include, run);
      return;
    }
    if (spec.source === 'url' && (entry.files.length !== 1 || (spec.sha256 && entry.files[0].sha256 !== spec.sha256))) {
      problems.add(`models[${i}] does not match ${MODELS_LOCK_FILE}: its sha256 there is `
        + `${entry.files.map((f) => f.sha256).join(', ')}`, spec.sha256, run);
      return;
    }
    for (const f of entry.files) {
      files.push({
        source: spec.source,
        from: spec.location,
        ...spec.revision ? { revision: spec.revision } : {},
        path: f.path,
        dest: `${spec.into}/${f.path}`,
        size: f.size,
        sha256: f.sha256,
      });
    }
  });
  return files;
}

/** The manifest the image's helper reads (`docker/<id>/models.json`): JSON, the marker first. */
export function renderManifest(marker: string, files: readonly ManifestFile[]): string {
  return JSON.stringify({ '//': marker, 'files': files }, undefined, 2) + '\n';
}
