/**
 * The renderer-neutral model of one container in the stack. Services and backing services
 * describe themselves with it; compose.yaml is one rendering (Kubernetes can be another).
 */
export interface ContainerSpec {
  /** Name in the stack (compose service name). */
  readonly name: string;
  /** Construct path for messages. */
  readonly path: string;
  /** Built from a Dockerfile of the project, or undefined for a prebuilt image. */
  readonly build?: { readonly dockerfile: string; readonly target: string };
  /** Image reference; for built services the repository without a tag. */
  readonly image: string;
  /** Whether `image` is a repository that still needs the stack's registry prefix and tag. */
  readonly imageIsBuilt: boolean;
  readonly command?: string[];
  /** Long-running server (restarted) or a job that finishes (trainer). */
  readonly workload: 'server' | 'job';
  readonly ports: PortSpec[];
  readonly environment: Record<string, string>;
  readonly healthcheck?: HealthSpec;
  /** `uid:gid` to run as; undefined keeps the image's USER (app images set 10001). */
  readonly user?: string;
  readonly readOnlyRootFilesystem: boolean;
  /** Writable in-memory mounts (compose `tmpfs`, Kubernetes `emptyDir` volumes). */
  readonly tmpfs: TmpfsSpec[];
  readonly capAdd: string[];
  readonly limits: { readonly memory: string; readonly cpus: number; readonly pids: number };
  readonly gpu?: GpuSpec;
  readonly shmSize?: string;
  readonly ulimits?: Record<string, number | { soft: number; hard: number }>;
  readonly profiles?: string[];
  readonly platform?: string;
  /**
   * Every platform the image is built for when there are several (compose `build.platforms`);
   * `platform` is then the first, the one compose runs locally.
   */
  readonly platforms?: string[];
  readonly volumes: VolumeSpec[];
  /** Compose secret names mounted at /run/secrets/<name>. */
  readonly secrets: string[];
  /** Names of containers this one waits for (until healthy, started or completed: stack/compose-dependencies.ts). */
  readonly dependsOn: string[];
  /** Compose keys we do not model, merged last (validated against the schema). */
  readonly overrides?: Record<string, unknown>;
}

export interface PortSpec {
  readonly container: number;
  readonly host: number;
  /** Published on every interface (true) or on 127.0.0.1 only. */
  readonly public: boolean;
}

export interface HealthSpec {
  /** Exec-form probe (no shell) or a shell string for images that need one. */
  readonly test: string[];
  readonly shell: boolean;
  readonly interval: number;
  readonly timeout: number;
  readonly startPeriod: number;
  /** Seconds between probes during the start period (Docker Engine 25+). */
  readonly startInterval: number;
  readonly retries: number;
}

export interface GpuSpec {
  /** A number of GPUs, or 'all'; exclusive with deviceIds. */
  readonly count?: number | 'all';
  readonly deviceIds?: string[];
}

/** A writable in-memory mount; its size counts against the container's memory. */
export interface TmpfsSpec {
  /** Absolute path in the container. */
  readonly path: string;
  /** Size in the canonical form (`64m`, `2g`). */
  readonly size: string;
  /** File mode of the mount point, octal (`1777`: everyone writes, only owners delete). */
  readonly mode: string;
  /** Whether programs may run from it (pip builds, Triton and torch.compile kernels). */
  readonly exec: boolean;
}

export interface VolumeSpec {
  /** A named volume (`checkpoints`) or a project-relative bind path (`./data`). */
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
  readonly named: boolean;
}
