import { Project } from 'projen';
import { MlService, ServiceKindSpec, ServiceOptions } from './service';
import { resolveCpuTorch } from './torch';
import { Schema, z } from '../core/shape';

/** Props of a CPU Python service (API, worker). */
export interface PythonServiceProps extends ServiceOptions {
  /**
   * Install CPU-only torch, torchvision and torchaudio at this version from PyTorch's CPU
   * wheel index (`requirements-torch.txt`, its own layer, `--index-url` only). Without it,
   * torch must not appear in any tier: PyPI's default torch wheels bundle CUDA (gigabytes).
   * @default - no torch
   */
  readonly torchVersion?: string;
}

/** The runtime shape of what `PythonServiceProps` adds to `ServiceOptions` (test/props-shapes.test.ts holds it to the interface). */
export const PYTHON_SERVICE_SHAPE: Record<string, Schema> = { torchVersion: z.string().optional() };

/**
 * A CPU Python service: an API or a worker, built from a multi-stage Dockerfile with
 * `dev`, `test` and `prod` targets and tiered, cached requirement layers.
 */
export class PythonService extends MlService {
  constructor(project: Project, id: string, props: PythonServiceProps) {
    super(project, id, props);
  }

  /** @internal */
  protected _kindSpec(props: PythonServiceProps): ServiceKindSpec {
    return {
      kindTitle: 'CPU Python service',
      extraShape: PYTHON_SERVICE_SHAPE,
      resolveTorch: props.torchVersion === undefined ? undefined
        : (problems, pythonMinor) => resolveCpuTorch(problems, props.torchVersion, pythonMinor),
    };
  }
}
