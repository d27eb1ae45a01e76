import { compareCodeUnits } from './order';
import { TIER_ORDER } from './requirements';

/**
 * The requirement tiers as files and cached layers: their names, the order an image installs
 * them in and how their files are named. Services write `docker/<id>/requirements-<tier>.txt`
 * with these names; the cache-impact report reads the tiers back from the Dockerfile with them.
 */

/** The torch tier: torch (and the companions asked for) alone, from the PyTorch wheel index. */
export const TORCH_TIER = 'torch';

/** Every tier an image can install, in install order: torch first, then `ml`, `core`, `dev`. */
export const INSTALL_ORDER: readonly string[] = [TORCH_TIER, ...TIER_ORDER];

const TIER_FILE_PREFIX = 'requirements-';
const TIER_FILE_SUFFIX = '.txt';

/**
 * A tier file's name as the last path part: `requirements-<tier>` and any ending, so a
 * Dockerfile written by hand (`requirements-ml.in`, `requirements-ml-lock.txt`) is read too.
 */
const TIER_FILE = new RegExp(`(^|/)${TIER_FILE_PREFIX}([A-Za-z0-9_]+)[^/]*$`);

/** The requirement file of a tier: `requirements-<tier>.txt`. */
export function tierFileName(tier: string): string {
  return `${TIER_FILE_PREFIX}${tier}${TIER_FILE_SUFFIX}`;
}

/** The tier a path's file name names (`docker/api/requirements-ml.txt` -> `ml`), if it is a tier file. */
export function tierOfFile(path: string): string | undefined {
  return TIER_FILE.exec(path)?.[2];
}

/** Whether a path's file name is a tier file. */
export function isTierFile(path: string): boolean {
  return TIER_FILE.test(path);
}

/** Sorts tiers in install order; tiers not in `INSTALL_ORDER` last, by name (code-unit order). */
export function compareTiers(a: string, b: string): number {
  return rank(a) - rank(b) || compareCodeUnits(a, b);
}

function rank(tier: string): number {
  const i = INSTALL_ORDER.indexOf(tier);
  return i < 0 ? INSTALL_ORDER.length : i;
}
