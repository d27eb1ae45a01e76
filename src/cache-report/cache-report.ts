import { analyzeDockerfile } from './analyze';
import { impactOf } from './impact';
import { readProjectDockerfiles } from './project-files';
import { checkPromises } from './promises';
import { renderReportTable, reportJson } from './report-render';
import { CachePromiseResult, CacheReportOptions, DockerfileCacheInput, ServiceCacheReport, TargetImpact } from './report-types';

export { CacheChangeKind, LayerRole } from './report-types';
export type {
  CacheChange, CachePromiseResult, CacheReportOptions, CacheStep, DockerfileCacheInput, ServiceCacheReport,
  TargetCacheReport, TargetImpact,
} from './report-types';

/**
 * Which build steps each kind of change invalidates, per service and target, computed
 * statically from the generated Dockerfiles and ignore files the way BuildKit keys its
 * cache: a step re-runs when the step before it re-runs, when its own instruction changes,
 * when a build-context file it reads (COPY source, bind mount; after the ignore file)
 * changes, or when a stage or image it copies from changes.
 *
 * ```ts
 * const report = CacheReport.fromProject('.');
 * console.log(report.renderTable());
 * ```
 */
export class CacheReport {
  /**
   * Reads every `docker/<id>/Dockerfile` of a project (the build context is the project
   * root, as in the generated compose.yaml) with its ignore file.
   */
  public static fromProject(projectDir: string, options: CacheReportOptions = {}): CacheReport {
    const { inputs, filesUnder } = readProjectDockerfiles(projectDir, options);
    return new CacheReport(projectDir, inputs.map((input) => analyzeDockerfile(input, filesUnder)));
  }

  /**
   * A report of analysed services (`cacheReportOfProject` in `project-report.ts` makes a
   * synthesized project's, the one path that reads the project's constructs: kept out of this
   * module so the CLI, which reads Dockerfiles from text, never loads projen).
   * @internal
   */
  public static _of(projectDir: string, services: ServiceCacheReport[]): CacheReport {
    return new CacheReport(projectDir, services);
  }

  /** Analyses one Dockerfile given as text. */
  public static analyze(input: DockerfileCacheInput): ServiceCacheReport {
    return analyzeDockerfile(input);
  }

  /** The layout's promises, checked on one service's report. */
  public static promisesOf(service: ServiceCacheReport): CachePromiseResult[] {
    return checkPromises(service);
  }

  /** The services, in id order. */
  public readonly services: ServiceCacheReport[];

  private constructor(
    /** The project directory the report was read from. */
    public readonly projectDir: string,
    services: ServiceCacheReport[],
  ) {
    this.services = services;
  }

  /** One service's report. */
  public service(id: string): ServiceCacheReport {
    const found = this.services.find((s) => s.service === id);
    if (!found) throw new Error(`no service "${id}" in the cache report; services: ${this.services.map((s) => s.service).join(', ')}`);
    return found;
  }

  /** The impact of one change on one target of one service. */
  public impact(service: string, target: string, change: string): TargetImpact {
    return impactOf(this.service(service), target, change);
  }

  /** The layout's promises, checked on every service. */
  public checkPromises(): CachePromiseResult[] {
    return this.services.flatMap((s) => checkPromises(s));
  }

  /** The whole report as plain JSON data (`docker:cache-report --json`). */
  public toJson(): any {
    return reportJson(this.projectDir, this.services, this.checkPromises());
  }

  /** The report as text tables, one per service and target, then the promises. */
  public renderTable(): string {
    return renderReportTable(this.services, this.checkPromises());
  }
}
