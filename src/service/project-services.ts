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

  private constructor(project: Project) {
    super(project);
    createSharedFiles(project, () => this.members);
  }

  /** A copy of the list of services. */
  public get services(): ServiceMember[] {
    return [...this.members];
  }
}
