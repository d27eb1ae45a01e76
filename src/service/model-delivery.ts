import { ModelSpec } from './model-weights';
import { ManifestFile } from './models-lock';
import { WEIGHT_EXTENSIONS } from '../core/dockerignore';
import type { ImageAdditions } from '../image/image-model';
import { RUNTIME_PACKAGE } from '../image/image-paths';

/**
 * How a service's locked models reach its image, the same for every kind that has `models`:
 * a manifest made from `models.lock` (`docker/<id>/models.json`), a `weights` stage that fetches
 * and checks the files, prod's copies of them after the code, and the entrypoint's check of every
 * file before the server starts. The build context carries only the repository folders the
 * image bakes, never a downloaded weight.
 */

/** The runtime helper that fetches and checks the files. */
export const WEIGHTS_MODULE = `${RUNTIME_PACKAGE}.weights`;
/** The helper's file among the runtime helpers, written only for a project with models. */
export const WEIGHTS_HELPER_FILE = 'weights.py';
/** Where the manifest lands in the images. */
export const MANIFEST_IN_IMAGE = '/opt/mldocker/models.json';

/** The manifest of a service, relative to the project root. */
export function manifestPath(serviceId: string): string {
  return `docker/${serviceId}/models.json`;
}

/** What the models add to the image: the weights stage, prod's copies and the entrypoint's check. */
export function modelWeightsImage(serviceId: string, specs: readonly ModelSpec[]): ImageAdditions {
  const manifest = manifestPath(serviceId);
  const folders = specs.filter((s) => s.source === 'path');
  return {
    entrypoint: ['python', '-m', WEIGHTS_MODULE, 'check', MANIFEST_IN_IMAGE],
    weights: {
      manifest,
      manifestPath: MANIFEST_IN_IMAGE,
      copies: folders.map((s) => ({ from: s.location, to: s.into })),
      fetch: ['python', '-m', WEIGHTS_MODULE, 'fetch', MANIFEST_IN_IMAGE],
      folders: specs.map((s) => s.into),
    },
    contextPaths: [manifest, ...folders.map((s) => s.location)],
  };
}

/** The repository folders whose weights belong in the build context: the baked `ModelWeights.path` ones. */
export function modelWeightsArtefacts(specs: readonly ModelSpec[] | undefined): string[] {
  return (specs ?? []).filter((s) => s.source === 'path').map((s) => s.location);
}

/** Ignore-file lines that let a baked repository folder's weights back in, only inside it. */
export function modelWeightsIgnoreLines(
  serviceId: string, specs: readonly ModelSpec[] | undefined,
): string[] {
  return modelWeightsArtefacts(specs).flatMap((dir) => [
    `# The model folder ${dir} (${serviceId}, models): its weights are let back in, only there.`,
    ...WEIGHT_EXTENSIONS.map((ext) => `!${dir}/**/*${ext}`),
  ]);
}

/** What docs/containers.md says of each model: source, revision, size, delivery, where it lands. */
export interface ModelSummary {
  readonly source: string;
  readonly revision: string;
  readonly files: number;
  readonly bytes: number;
  readonly delivery: string;
  readonly into: string;
}

/** The summaries of a service's models, from the manifest's files. */
export function modelSummaries(specs: readonly ModelSpec[], files: readonly ManifestFile[]): ModelSummary[] {
  return specs.map((s) => {
    const own = files.filter((f) => f.dest.startsWith(`${s.into}/`));
    return {
      source: s.source === 'huggingface' ? `Hugging Face ${s.location}` : s.source === 'url' ? s.location
        : `repository folder ${s.location}`,
      revision: s.revision ?? (s.source === 'path' ? 'the checkout' : own[0]?.sha256.slice(0, 12) ?? ''),
      files: own.length,
      bytes: own.reduce((n, f) => n + f.size, 0),
      delivery: s.delivery,
      into: s.into,
    };
  });
}
