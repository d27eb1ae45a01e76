import { loadData } from './data';
import { Problems } from './problems';

/** The pinned BuildKit Dockerfile frontend of the reference data (`data/dockerfile-frontend.json`). */
interface FrontendData {
  readonly image: string;
  readonly version: string;
  readonly digest?: string;
  readonly source: string;
}

/**
 * A frontend reference pinned to a full version: `docker/dockerfile` (or the same on
 * `docker.io`, or the `-upstream` image), `:` and major.minor.patch (optionally `-labs`),
 * optionally `@sha256:` and 64 hex digits. `docker/dockerfile:1` floats and is refused.
 */
export const PINNED_FRONTEND = /^(?:docker\.io\/)?docker\/dockerfile(?:-upstream)?:[0-9]+\.[0-9]+\.[0-9]+(?:-labs)?(?:@sha256:[0-9a-f]{64})?$/;

/** The reference data's frontend, with its digest when the data has one. */
export function defaultDockerfileFrontend(): string {
  const data = loadData<FrontendData>('dockerfile-frontend.json');
  return `${data.image}:${data.version}${data.digest ? `@${data.digest}` : ''}`;
}

/** Checks a `dockerfileFrontend` option. */
export function checkDockerfileFrontend(problems: Problems, value: string, syntax: boolean): void {
  if (!PINNED_FRONTEND.test(value)) {
    problems.add('dockerfileFrontend is not pinned to a full version', value,
      `"docker/dockerfile:" with a full version and an optional digest, e.g. "${defaultDockerfileFrontend()}" (a tag such as "1" or "1.19" moves)`);
  } else if (!syntax) {
    problems.add('dockerfileFrontend is set with dockerfileSyntax: false', value, 'no dockerfileFrontend, or dockerfileSyntax: true (the frontend is named on the syntax line)');
  }
}
