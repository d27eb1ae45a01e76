import { Component, Project, SampleFile } from 'projen';
import { ServiceFiles, createSharedFiles } from './shared-files';
import { ProjectTree, projectSubtree, readIgnoredPaths, readProjectTree } from '../entry';

/** The whole project as git sees it, and what git ignores: what a project stage is made of. */
export interface ProjectFiles {
  /** Every file git tracks or would track (not ignored), root-relative, sorted. */
  readonly visible: readonly string[];
  /** The paths git ignores, a wholly ignored folder once as `folder/`, sorted. */
  readonly ignored: readonly string[];
  /** The paths of the files this project generates, sorted. */
  readonly generated: readonly string[];
}

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
  /** The whole project of each synth (see `projectFiles`). */
  private readonly wholes = new WeakMap<object, ProjectFiles>();

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

  /**
   * The whole project as git sees it, what git ignores, and the files this project generates:
   * read once per synth (outside a synth, on every call), for the services that build the
   * project's own wheel.
   */
  public projectFiles(): ProjectFiles {
    const synth = this.current;
    const known = synth === undefined ? undefined : this.wholes.get(synth);
    if (known) return known;
    const root = this.project.outdir;
    // the sample files this synth writes count as there already: the second synth sees the same project
    const samples = this.project.components.filter((c): c is SampleFile => c instanceof SampleFile)
      .map((c) => (c as unknown as { readonly filePath: string }).filePath);
    const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const files: ProjectFiles = {
      visible: [...new Set([...readProjectTree(root).files, ...samples])].sort(byCodeUnit),
      ignored: readIgnoredPaths(root),
      generated: this.project.files.map((f) => f.path).sort(byCodeUnit),
    };
    if (synth !== undefined) this.wholes.set(synth, files);
    return files;
  }

  public postSynthesize(): void {
    this.current = undefined;
  }
}
