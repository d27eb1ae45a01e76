import { DistributedSpec } from './distributed-spec';
import { Size } from './sizes';

/**
 * The renderer-neutral model of one container in the stack. Services and backing services
 * describe themselves with it; compose.yaml is one rendering, the Kubernetes manifests another.
 * It carries typed values (sizes as `Size`), which each renderer formats its own way.
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
  /** How the container is locked down (`hardenedSecurity()` gives the defaults). */
  readonly security: SecuritySpec;
  /** Writable in-memory mounts (compose `tmpfs`, Kubernetes `emptyDir` volumes). */
  readonly tmpfs: TmpfsSpec[];
  readonly limits: { readonly memory: Size; readonly cpus: number; readonly pids: number };
  readonly gpu?: GpuSpec;
  /** Shared memory (`/dev/shm`); counts against the memory limit. */
  readonly shmSize?: Size;
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
  /**
   * Names of containers this one waits for (until healthy, started or completed:
   * stack/compose-dependencies.ts).
   */
  readonly dependsOn: string[];
  /**
   * A trainer that runs across GPUs or nodes (its `command` is then the launcher's): compose
   * refuses one of several nodes, the Kubernetes manifests render its JobSet or TrainJob.
   */
  readonly distributed?: DistributedSpec;
  /** Compose keys we do not model, merged last (validated against the schema). */
  readonly overrides?: Record<string, unknown>;
}

/**
 * How a container is locked down; every renderer writes each field (compose `user`, `read_only`,
 * `cap_drop`/`cap_add`, `security_opt`; a Kubernetes `securityContext`). Dropping every
 * capability and refusing new privileges are typed `true`: no container can ask for less
 * (compose overrides are held to the same promises at synth).
 */
export interface SecuritySpec {
  /** The user to run as; undefined keeps the image's USER (app images set 10001). */
  readonly user?: { readonly uid: number; readonly gid: number };
  /** The root filesystem is read-only (writable paths are tmpfs mounts and volumes). */
  readonly readOnlyRootFilesystem: boolean;
  /** Every capability is dropped first (compose `cap_drop: [ALL]`, Kubernetes `drop: [ALL]`). */
  readonly dropAllCapabilities: true;
  /** Capabilities added back after dropping all; none by default. */
  readonly capAdd: string[];
  /**
   * No process gains privileges (compose `no-new-privileges`, Kubernetes `allowPrivilegeEscalation: false`).
   */
  readonly noNewPrivileges: true;
}

/**
 * The hardened defaults: the image's user, a read-only root, every capability dropped and none
 * added back, no new privileges.
 */
export function hardenedSecurity(options: {
  readonly user?: { readonly uid: number; readonly gid: number };
  readonly readOnlyRootFilesystem?: boolean;
} = {}): SecuritySpec {
  return {
    ...(options.user ? { user: { ...options.user } } : {}),
    readOnlyRootFilesystem: options.readOnlyRootFilesystem ?? true,
    dropAllCapabilities: true,
    capAdd: [],
    noNewPrivileges: true,
  };
}

/** The user as compose and `docker run --user` write it (`uid:gid`). */
export function userText(user: { readonly uid: number; readonly gid: number }): string {
  return `${user.uid}:${user.gid}`;
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
  /**
   * The probe only asks whether the main process runs: Kubernetes, which restarts or ends a
   * pod by its process anyway, gets no probe from it.
   */
  readonly watchesProcessOnly?: boolean;
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
  readonly size: Size;
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
