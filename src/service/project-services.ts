import { Component, Project } from 'projen';
import { ServiceFiles, createSharedFiles } from './shared-files';

/** What the project's list holds of a service: its project and what the shared files read. */
export interface ServiceMember extends ServiceFiles {
  readonly project: Project;
}

/**
 * The services of one project, in the order they were defined. It exists once the first
 * service passed its checks, and creates the files all services share (runtime helpers, the
 * root `.dockerignore`, the shared code sample). Stacks, CI and docs read it at synth through
 * `servicesOf(project)` (service.ts), which types the members as `MlService`.
 */
export class ProjectServices extends Component {
  /** The services of a project, or undefined before its first service. */
  public static of(project: Project): ProjectServices | undefined {
    return project.components.find((c): c is ProjectServices => c instanceof ProjectServices);
  }

  /** Adds a service that passed its checks; the first one creates the shared files. */
  public static register(service: ServiceMember): void {
    (ProjectServices.of(service.project) ?? new ProjectServices(service.project)).members.push(service);
  }

  private readonly members: ServiceMember[] = [];
  /** The synth under way (an object of its own for each synth). */
  private current?: object;

  private constructor(project: Project) {
    super(project);
    createSharedFiles(project, () => this.members);
  }

  /** A copy of the list of services. */
  public get services(): ServiceMember[] {
    return [...this.members];
  }

  /**
   * Marks the start of a synth: called by the first service's `preSynthesize()`, which precedes
   * every other service and the shared files among the project's components.
   */
  public beginSynth(): void {
    this.current = {};
  }

  /**
   * The synth under way: what the services compute once per synth (each one's image) is kept with
   * it and dropped when the next synth begins. Undefined before the first synth and after one
   * that ran its post-synthesis steps: nothing is kept then.
   */
  public get synth(): object | undefined {
    return this.current;
  }

  public postSynthesize(): void {
    this.current = undefined;
  }
}
