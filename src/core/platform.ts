import { Problems, oneOf } from './problems';

/**
 * A platform a CPU service image is built and run for, as Docker names it (`--platform`,
 * compose `platform`, `build.platforms`). GPU services choose theirs with `GpuPlatform`.
 */
export enum Platform {
  /** x86_64. */
  LINUX_AMD64 = 'linux/amd64',
  /** arm64 / aarch64 (AWS Graviton, Ampere, Apple silicon under Docker Desktop). */
  LINUX_ARM64 = 'linux/arm64',
}

/** The platforms Docker names, in the order of the enum. */
export const PLATFORM_VALUES: readonly string[] = [Platform.LINUX_AMD64, Platform.LINUX_ARM64];

/** What `uname -m` (and the PEP 508 `platform_machine` marker) reports on each platform. */
export const PLATFORM_MACHINES: Readonly<Record<string, 'x86_64' | 'aarch64'>> = {
  [Platform.LINUX_AMD64]: 'x86_64',
  [Platform.LINUX_ARM64]: 'aarch64',
};

/**
 * Checks a `platforms` list: at least one, each a known platform, each once. Returns the
 * platforms in the given order (the first is the one compose builds and runs locally), or
 * undefined after reporting.
 */
export function checkPlatforms(problems: Problems, field: string, value: unknown): Platform[] | undefined {
  if (!Array.isArray(value)) {
    problems.add(`${field} has the wrong type`, value, `a list of platforms: ${oneOf(PLATFORM_VALUES)}`);
    return undefined;
  }
  if (value.length === 0) {
    problems.add(`${field} is empty`, value, `at least one platform (${oneOf(PLATFORM_VALUES)}), or no ${field} for ${Platform.LINUX_AMD64} alone`);
    return undefined;
  }
  let ok = true;
  value.forEach((p, i) => {
    if (!PLATFORM_VALUES.includes(p)) {
      problems.add(`${field}[${i}] is not a platform we build`, p, `one of: ${oneOf(PLATFORM_VALUES)} (Platform.LINUX_AMD64, Platform.LINUX_ARM64)`);
      ok = false;
    } else if (value.indexOf(p) !== i) {
      problems.add(`${field} lists a platform twice`, p, 'each platform once');
      ok = false;
    }
  });
  return ok ? value as Platform[] : undefined;
}
