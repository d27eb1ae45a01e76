import { Project } from 'projen';
import { DEFAULT_HOST_DRIVER_VERSION } from '../gpu/cuda';
import { defaultDockerfileFrontend } from '../core/frontend';
import type { MlService } from './service';

/** Per-project state shared by the library's constructs. */
export interface ProjectRegistry {
  readonly services: MlService[];
  /** Whether Dockerfiles start with a `# syntax=` line. */
  dockerfileSyntax: boolean;
  /** The pinned frontend that line names (`docker/dockerfile:1.19.0@sha256:...`). */
  dockerfileFrontend: string;
  /** The project's default Python minor version. */
  pythonVersion: string;
  /** The oldest NVIDIA driver of the project's GPU hosts (the CUDA choice must run on it). */
  hostDriverVersion: string;
  /** Files every service shares (root ignore file, runtime helpers), created once. */
  sharedFilesCreated: boolean;
  /** Whether the project has a compose stack (then `docker:build` builds through compose). */
  composeStack: boolean;
  /** The compose stack's shape for the docs (services, networks, waits), once there is a stack. */
  stackOverview?: () => StackOverview;
}

/** What `docs/containers.md` draws and says of the compose stack. */
export interface StackOverview {
  readonly containers: ReadonlyArray<{
    readonly name: string;
    readonly backing: boolean;
    readonly ports: number[];
    readonly profiles: string[];
    /** Attached to the internal backend network only (no route out). */
    readonly internalOnly: boolean;
  }>;
  /** `[from, to]`: from waits for to to be healthy (`depends_on`). */
  readonly waits: ReadonlyArray<readonly [string, string]>;
}

const registries = new WeakMap<Project, ProjectRegistry>();

/** The registry of a project, created with defaults on first use. */
export function registryOf(project: Project): ProjectRegistry {
  let registry = registries.get(project);
  if (!registry) {
    registry = { services: [], dockerfileSyntax: true, dockerfileFrontend: defaultDockerfileFrontend(), pythonVersion: '3.11', hostDriverVersion: DEFAULT_HOST_DRIVER_VERSION, sharedFilesCreated: false, composeStack: false };
    registries.set(project, registry);
  }
  return registry;
}
