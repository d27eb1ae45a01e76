/** The choices of a `CiWorkflow` and its resolved settings. */

/** Where BuildKit keeps its layer cache between CI runs. */
export enum CiCache {
  /** The GitHub Actions cache (`type=gha`, one scope per image): no registry access needed. */
  GITHUB_ACTIONS = 'gha',
  /**
   * A `buildcache` tag next to each image in the registry (`type=registry`): shared with
   * other builders, not limited by the Actions cache quota; pull requests read it.
   */
  REGISTRY = 'registry',
}

/** The lowest hadolint severity that fails the lint step. */
export enum HadolintThreshold {
  /** Only errors fail. */
  ERROR = 'error',
  /** Warnings and errors fail. */
  WARNING = 'warning',
  /** Info, warnings and errors fail. */
  INFO = 'info',
  /** Everything fails, style suggestions too. */
  STYLE = 'style',
}

/** The lowest vulnerability severity that fails the image scan. */
export enum ScanSeverity {
  /** Low and above. */
  LOW = 'low',
  /** Medium and above. */
  MEDIUM = 'medium',
  /** High and critical. */
  HIGH = 'high',
  /** Critical only. */
  CRITICAL = 'critical',
}

/** A `CiWorkflow`'s settings with every default applied. */
export interface CiSettings {
  /** The registry prefix; none: `ghcr.io/<repository owner>`. */
  readonly imageRegistry?: string;
  readonly registryUsernameSecret: string;
  readonly registryPasswordSecret: string;
  readonly defaultBranch: string;
  readonly nodeVersion: string;
  readonly runsOn: string;
  readonly cache: CiCache;
  readonly hadolintFailureThreshold: HadolintThreshold;
  readonly hadolintIgnoreRules: string[];
  readonly scanSeverityCutoff: ScanSeverity;
  readonly scanOnlyFixed: boolean;
  readonly pushImages: boolean;
}

/**
 * Whether images go to ghcr.io (no registry given, or a ghcr.io prefix): the workflow's own token pushes
 * there.
 */
export function isGhcr(imageRegistry: string | undefined): boolean {
  return imageRegistry === undefined || imageRegistry.split('/')[0] === 'ghcr.io';
}
