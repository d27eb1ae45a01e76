import { LockFileKind } from './dependencies';
import { TierRequirement } from '../core/tier-requirement';

/** Where and for what the dependencies are resolved. */
export interface ResolveContext {
  /** The project root: every path of the options is relative to it. */
  readonly projectRoot: string;
  /** The image's exact CPython version, `3.11.9`. */
  readonly pythonVersion: string;
  /** The image's platform, as Docker names it. */
  readonly platform: 'linux/amd64' | 'linux/arm64';
  /**
   * Every platform of an image built for several (`platform` is then the first): with two or
   * more, `resolveWithCache` resolves for each and merges them (`resolveForPlatforms`).
   * Default: `platform` alone.
   */
  readonly platforms?: ReadonlyArray<'linux/amd64' | 'linux/arm64'>;
  /** The construct path, for messages (`vision/api`). */
  readonly path: string;
  /** The image's glibc (`2.35` for Ubuntu 22.04 CUDA images, `2.36` for Debian 12). Default 2.35. */
  readonly glibcVersion?: string;
  /** The prop name the dependencies were given as, for messages. Default `dependencies`. */
  readonly field?: string;
  /**
   * A directory for resolved results (e.g. `node_modules/.cache/projen-ml-docker`): a result
   * is reused while every file it read has the same content and every lock name it probed
   * is still absent, so a re-synth does not parse an unchanged lock again. Default: no cache.
   */
  readonly cacheDir?: string;
  /**
   * Turns every unpinned requirement into an error, whatever the options say (the project's
   * `strictPins`). Default false.
   */
  readonly strictPins?: boolean;
  /**
   * The distributions (normalized names) a project's wheel needs to be built (`[build-system]
   * requires` and the backend): when the dependency files are a lock that holds them, the result's
   * `build` gives their pins and hashes with everything they need. Default: none.
   */
  readonly buildRequires?: readonly string[];
}

/** One installed package of a tier. */
export interface ResolvedPackage {
  readonly name: string;
  /** PEP 503 normalized name. */
  readonly key: string;
  /** The exact version, when pinned (always from a lock). */
  readonly version?: string;
  /** The requirement as written to the tier file's first line: `numpy==2.1.3` or `fastapi>=0.110`. */
  readonly requirement: string;
  /** sha256 hashes (lowercase hex), sorted; empty when not locked. */
  readonly hashes: string[];
  /** Where it comes from: `requirements.txt:4`, or the lock file. */
  readonly from: string;
  /**
   * Set by `resolveForPlatforms` when the package is only for some of the platforms:
   * `platform_machine == "x86_64"`. Written after the requirement, before the hashes.
   */
  readonly marker?: string;
  /**
   * The index the project binds the package to (a uv index source, a Poetry source, the index a
   * lock took it from), when it is not the default one: the image installs it from that index
   * alone, through a build arg of its own, never from the default index.
   */
  readonly index?: PackageIndex;
}

/** A named index other than the default, as the project declares it. */
export interface PackageIndex {
  /** Its name in the project (`[[tool.uv.index]]` or `[[tool.poetry.source]]`). */
  readonly name: string;
  readonly url: string;
}

/** The torch packages of the dependencies, kept out of the tiers. */
export interface ResolvedTorch {
  /** torch's (or, without torch, the first torch package's) version without its local label, `2.5.1`. */
  readonly version?: string;
  /** The local label of the locked versions: `cu124`, `cpu`, or undefined for a plain version. */
  readonly local?: string;
  /** torch, torchvision, torchaudio as found, with their hashes when locked. */
  readonly packages: ResolvedPackage[];
}

export type TierName = 'ml' | 'core' | 'dev';

/** The result of `resolveDependencies`. */
export interface ResolvedDependencies {
  /** Lines of each tier's requirement file, ready to write (joined with "\n", plus a final newline). */
  readonly tiers: Record<TierName, string[]>;
  /** The same packages, structured. */
  readonly packages: Record<TierName, ResolvedPackage[]>;
  /** Constraint lines (`-c` files of unlocked requirement files), for a constraints file. */
  readonly constraints: string[];
  /** True when every tier is exact pins with hashes: install with `--require-hashes --no-deps`. */
  readonly locked: boolean;
  /** The lock file read, relative to the project root. */
  readonly lockFile?: string;
  readonly lockKind?: LockFileKind;
  /** One line per unpinned requirement (file and line) and per package built from source. */
  readonly warnings: string[];
  /** Every file read, relative to the project root, sorted: re-synthesize when one changes. */
  readonly inputs: string[];
  /** Lock file names looked for beside pyproject.toml that were absent (a new one changes the result). */
  readonly probed: string[];
  readonly torch?: ResolvedTorch;
  /**
   * With `buildRequires`: what the lock holds of them, each with everything it needs (the lock's
   * graph), pinned with hashes; `missing` names those the lock does not hold (then `packages`
   * is empty). Undefined when the dependency files are no lock.
   */
  readonly build?: { readonly packages: ResolvedPackage[]; readonly missing: string[] };
}

/** The tiers in install order. */
export const TIER_NAMES: readonly TierName[] = ['ml', 'core', 'dev'];

/**
 * One package as a tier file's entry: the requirement (with its marker), then its hashes; the
 * reason pip would read it otherwise when it is not one requirement (see `TierRequirement`).
 */
export function packageEntry(p: ResolvedPackage): TierRequirement | string {
  return TierRequirement.check(p.marker ? `${p.requirement} ; ${p.marker}` : p.requirement, p.hashes);
}

/**
 * The requirement-file lines of one package: the requirement (with its marker), then one `--hash` per line.
 */
export function packageLines(p: ResolvedPackage): string[] {
  const entry = packageEntry(p);
  if (typeof entry === 'string') throw new Error(`internal error: ${p.from} gives ${JSON.stringify(p.requirement)}, which ${entry}`);
  return entry.lines();
}

/** The order of a tier's packages: by name, then requirement and marker. */
export function byKey(a: ResolvedPackage, b: ResolvedPackage): number {
  const x = `${a.key}\0${a.requirement}\0${a.marker ?? ''}`;
  const y = `${b.key}\0${b.requirement}\0${b.marker ?? ''}`;
  return x < y ? -1 : x > y ? 1 : 0;
}
