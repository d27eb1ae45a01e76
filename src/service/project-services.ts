import { Component, Project } from 'projen';
import { ServiceFiles, createSharedFiles } from './shared-files';
import { ProjectTree, projectSubtree, readProjectTree } from '../entry';

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
  /** The project tree under every service's copied paths, read once per synth (see `treeFor`). */
  private tree?: ProjectTree;

  private constructor(project: Project) {
    super(project);
    createSharedFiles(project, () => this.members);
  }

  /** A copy of the list of services. */
  public get services(): ServiceMember[] {
    return [...this.members];
  }

  /**
   * Starts a synth: the first service calls it in its `preSynthesize()`, which runs before any
   * service renders its files, so every synth reads the project tree afresh.
   */
  public startSynth(service: ServiceMember): void {
    if (service === this.members[0]) this.tree = undefined;
  }

  /**
   * The project tree (git's view, ignored files included) under `paths`: read once per synth
   * for the copied paths of every service, then cut to each one's (git runs three times per
   * synth, not three times per service).
   */
  public treeFor(paths: readonly string[]): ProjectTree {
    const root = this.project.outdir;
    this.tree ??= readProjectTree(root, { paths: [...new Set(this.members.flatMap((m) => m.contextPaths()))], includeIgnored: true });
    return projectSubtree(root, this.tree, paths);
  }
}
