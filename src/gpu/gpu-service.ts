import { Project } from 'projen';
import { GpuBase, GpuPlatform } from './cuda';
import { GpuSettings, gpuKindOf } from './gpu-kind';
import { GpuServiceOptions } from './gpu-service-options';
import { MlService } from '../service/service';
import { kindOf } from '../service/service-kind';

/**
 * The GPU machinery `GpuTrainer` and `GpuInference` share: the CUDA choice, the base images,
 * the driver minimum (image label, entrypoint check, docs) and the GPU reservation. What it adds
 * to every GPU service is the GPU kind (gpu-kind.ts); this class names what it resolved.
 */
export abstract class GpuService extends MlService {
  /** Where the image's CUDA libraries come from. */
  public readonly gpuBase: GpuBase;
  /** The CUDA variant of the torch wheels (`12.4`). */
  public readonly cudaVersion: string;
  /** The minimum host driver of this image (`525.60.13`). */
  public readonly minDriverVersion: string;
  /** Why `minDriverVersion` is what it is. */
  public readonly driverRule: string;
  /** The host driver the CUDA choice was fitted to. */
  public readonly hostDriverVersion: string;
  /** The nvidia/cuda runtime base image, for nvidia/cuda bases. */
  public readonly cudaImage?: string;
  /** The nvidia/cuda devel image of the builder, when CUDA extensions are compiled. */
  public readonly cudaDevelImage?: string;
  /** The platform of the image and container. */
  public readonly platform: GpuPlatform;
  /** Whether the entrypoint checks the host driver before starting the command. */
  public readonly driverCheck: boolean;

  private readonly settings: GpuSettings;

  protected constructor(project: Project, id: string, props: GpuServiceOptions) {
    super(project, id, props);
    // The base constructor threw unless the GPU kind resolved every setting.
    const settings = this._resolvedBy(gpuKindOf(kindOf(props))).settings;
    const choice = settings.choice!;
    this.settings = settings;
    this.gpuBase = settings.base!;
    this.cudaVersion = choice.cuda;
    this.minDriverVersion = choice.driver.minimum;
    this.driverRule = choice.driver.rule;
    this.hostDriverVersion = settings.hostDriver!;
    this.cudaImage = choice.runtimeImage;
    this.cudaDevelImage = choice.develImage;
    this.platform = settings.platform;
    this.driverCheck = settings.driverCheck;
  }

  /** The GPUs compose reserves: a count (or "all") or device ids. */
  public get gpuReservation(): string {
    const { deviceIds, count } = this.settings.reservation;
    return deviceIds ? `device ids ${deviceIds.join(', ')}` : `${count === 'all' ? 'all' : count} gpu(s)`;
  }
}
