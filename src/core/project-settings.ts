import { Component, Project } from 'projen';
import { defaultDockerfileFrontend } from './frontend';

/**
 * The oldest NVIDIA driver of the GPU hosts when the project does not say (the CUDA choice must run on it).
 */
export const DEFAULT_HOST_DRIVER_VERSION = '535.104.05';
/** The Python minor version of services when neither the project nor the service says. */
export const DEFAULT_PYTHON_VERSION = '3.11';

/**
 * The project-wide settings every container file reads (`MlDockerProject` options), one per
 * project. `ProjectSettings.of(project)` finds it among the project's components, or adds
 * one with the defaults (a service in a project that is not an `MlDockerProject`).
 */
export class ProjectSettings extends Component {
  /** The settings of a project: the one among its components, else new defaults. */
  public static of(project: Project): ProjectSettings {
    return project.components.find((c): c is ProjectSettings => c instanceof ProjectSettings)
      ?? new ProjectSettings(project);
  }

  /** Whether Dockerfiles start with a `# syntax=` line. */
  public dockerfileSyntax = true;
  /** The pinned frontend that line names (`docker/dockerfile:1.19.0@sha256:...`). */
  public dockerfileFrontend = defaultDockerfileFrontend();
  /** The project's default Python minor version. */
  public pythonVersion = DEFAULT_PYTHON_VERSION;
  /**
   * Whether the project sets `pythonVersion` itself: a service whose dependency files name a
   * Python (a cog.yaml's `python_version`) takes theirs only when neither it nor the project does.
   */
  public pythonVersionGiven = false;
  /** The oldest NVIDIA driver of the project's GPU hosts (the CUDA choice must run on it). */
  public hostDriverVersion = DEFAULT_HOST_DRIVER_VERSION;
  /**
   * The GPUs of the project's hosts, model names or compute capabilities (`gpuFleet`), as the
   * user wrote them; undefined: no fleet, the CUDA choice follows the driver alone.
   */
  public gpuFleet?: readonly string[];
  /**
   * The project's default dependency files (a `Dependencies` of the deps room, which core
   * cannot name): services without their own `dependencies` use them.
   */
  public dependencies?: object;
  /** Whether unpinned requirements of dependency files are errors instead of warnings. */
  public strictPins = false;
}
