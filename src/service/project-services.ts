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
  /** The synth under way (an object of its own for each synth). */
  private current?: object;
  /** The project tree of each synth under every service's context paths (see `treeFor`). */
  private readonly trees = new WeakMap<object, ProjectTree>();

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

  /**
   * The project tree (git's view, ignored files included) under `paths`. During a synth it is
   * read once, under the context paths of every service, and cut to each one's (git runs three
   * times per synth, not three times per service); outside a synth, every call reads it.
   */
  public treeFor(paths: readonly string[]): ProjectTree {
    const root = this.project.outdir;
    const synth = this.current;
    if (synth === undefined) return readProjectTree(root, { paths: [...paths], includeIgnored: true });
    let tree = this.trees.get(synth);
    if (tree === undefined) {
      const all = [...new Set(this.members.flatMap((m) => m.contextPaths()))];
      tree = readProjectTree(root, { paths: all, includeIgnored: true });
      this.trees.set(synth, tree);
    }
    return projectSubtree(root, tree, paths);
  }

  public postSynthesize(): void {
    this.current = undefined;
  }
}
