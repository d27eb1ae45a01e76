import { Project } from 'projen';
import { MlService, ServiceKindSpec, ServiceOptions } from './service';
import { resolveCpuTorch } from './torch';
import { ContainerSpec } from '../core/container-spec';
import { Platform, checkPlatforms } from '../core/platform';
import { Problems } from '../core/problems';
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

  /**
   * The platforms the image is built for, each once; the first is the one compose builds and
   * runs locally (`platform`), all of them are listed in compose `build.platforms` when there
   * are several, the CI workflow builds every one (QEMU for the foreign ones) and
   * `docker/build.sh` passes them as `--platform`. Dependency files resolve for each and the
   * tier files hold the wheels (hashes) of all; Kubernetes pins the node architecture only
   * when there is exactly one.
   * @default - linux/amd64 only, with no `platform` key written
   */
  readonly platforms?: Platform[];
}

/** The runtime shape of what `PythonServiceProps` adds to `ServiceOptions` (test/props-shapes.test.ts holds it to the interface). */
export const PYTHON_SERVICE_SHAPE: Record<string, Schema> = {
  torchVersion: z.string().optional(),
  platforms: z.array(z.string()).optional(),
};

/**
 * A CPU Python service: an API or a worker, built from a multi-stage Dockerfile with
 * `dev`, `test` and `prod` targets and tiered, cached requirement layers.
 */
export class PythonService extends MlService {
  /** The platforms chosen with `platforms` (empty: the default, linux/amd64 without a `platform` key). */
  public readonly platforms: Platform[];

  constructor(project: Project, id: string, props: PythonServiceProps) {
    super(project, id, props);
    this.platforms = [...(this._spec.resolved as { platforms?: Platform[] } | undefined)?.platforms ?? []];
  }

  /** @internal */
  protected _kindSpec(props: PythonServiceProps): ServiceKindSpec {
    const resolved: { platforms?: Platform[]; checked?: boolean } = {};
    const platforms = (problems: Problems): readonly string[] => {
      if (props.platforms === undefined) return [Platform.LINUX_AMD64];
      if (!resolved.checked) {
        resolved.checked = true;
        resolved.platforms = checkPlatforms(problems, 'platforms', props.platforms);
      }
      return resolved.platforms ?? [];
    };
    return {
      kindTitle: 'CPU Python service',
      extraShape: PYTHON_SERVICE_SHAPE,
      resolved,
      check: (problems) => { platforms(problems); },
      resolveTorch: props.torchVersion === undefined ? undefined
        : (problems, pythonMinor) => resolveCpuTorch(problems, props.torchVersion, pythonMinor, platforms(problems)),
    };
  }

  /** @internal */
  protected _imagePlatform(): 'linux/amd64' | 'linux/arm64' {
    return this._imagePlatforms()[0];
  }

  /** @internal */
  public _imagePlatforms(): Array<'linux/amd64' | 'linux/arm64'> {
    const chosen = this.platforms ?? (this._spec.resolved as { platforms?: Platform[] } | undefined)?.platforms ?? [];
    return chosen.length > 0 ? chosen.map((p) => p as 'linux/amd64' | 'linux/arm64') : [Platform.LINUX_AMD64 as 'linux/amd64'];
  }

  /** @internal */
  protected _extendContainer(spec: ContainerSpec): ContainerSpec {
    if (this.platforms.length === 0) return spec;
    return { ...spec, platform: this.platforms[0], platforms: [...this.platforms] };
  }
}
