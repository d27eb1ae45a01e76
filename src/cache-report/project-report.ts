import type { Project } from 'projen';
import { analyzeDockerfile } from './analyze';
import { CacheReport } from './cache-report';
import { readProjectDockerfiles } from './project-files';
import { CacheReportOptions } from './report-types';
import { describeImageLayers } from '../image/image-layers';
import { servicesOf } from '../service/service';

/**
 * A synthesized project's report, read from its output directory like `CacheReport.fromProject`;
 * the steps of the project's own services take their roles and tiers from the image models
 * their Dockerfiles are rendered from (`describeImageLayers`), and a Dockerfile that is not
 * the one its service renders is an error. Other Dockerfiles there are read from their text.
 *
 * The only part of the report that reads constructs: its own module, so that `cache-report.ts`
 * and the `mldocker-cache-report` CLI load neither projen nor constructs.
 */
export function cacheReportOfProject(project: Project, options: CacheReportOptions = {}): CacheReport {
  const { inputs, filesUnder } = readProjectDockerfiles(project.outdir, options);
  const services = new Map(servicesOf(project).map((s) => [s.serviceId, s]));
  return CacheReport._of(project.outdir, inputs.map((input) => {
    const service = services.get(input.service);
    return analyzeDockerfile(input, filesUnder,
      service && describeImageLayers(service._renderedImageModel()));
  }));
}
