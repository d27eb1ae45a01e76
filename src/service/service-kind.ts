import type { ModelFolder } from './model-dir';
import type { ModelSpec } from './model-weights';
import type { PythonImage } from './python-image';
import type { SampleKind } from './sample-kind';
import type { ServiceOptions } from './service-options';
import type { TorchWheels } from './torch';
import type { TorchPackage } from './torch-packages';
import type { ContainerSpec } from '../core/container-spec';
import type { Problems, Schema } from '../core/problems';
import type { Size } from '../core/sizes';
import type { ImageAdditions } from '../image/image-model';

/**
 * What makes a service class what it is: one typed kind object per class (`PYTHON_SERVICE` in
 * python-service.ts, `GPU_TRAINER` in gpu/gpu-trainer.ts, ...), a readonly description and pure
 * functions from the props to what the kind adds. The shared machinery (`MlService`) checks and
 * resolves every service's props, asks the kind at fixed points, and wires the result: no method
 * of the construct is overridden. Internal.
 */
export interface ServiceKind<P extends ServiceOptions, R extends KindResolution> {
  /** "CPU Python service", "GPU trainer", ...: the default `description`. */
  readonly title: string;
  /** Server (restarted) or job (runs to completion, e.g. training). */
  readonly workload: 'server' | 'job';
  /**
   * Whether the service gets GPUs: only these may leave the NVIDIA runtime's `NVIDIA_*`
   * variables to their kind; any other service may not set them.
   */
  readonly gpu: boolean;
  /** Limits of this kind of service unless its props say otherwise. */
  readonly defaults: KindDefaults;
  /** The props the kind adds to `ServiceOptions`, with their shapes. */
  readonly shape: Readonly<Record<string, Schema>>;

  /** Refuses a prop of another kind by name, before the shape check, so the message says what to use. */
  refuse?(problems: Problems, props: P): void;
  /** The starter code of a new service; undefined: HTTP, FastAPI or worker, from the props. */
  sample(props: P): SampleKind | undefined;
  /** Checks a replacement for the official Python image (a mirror); undefined keeps the official one. */
  pythonImage?(problems: Problems, props: P, python: PythonImage): string | undefined;
  /**
   * What the kind decides from its props (torch wheels, CUDA, platforms, folders), with the
   * problems it finds while deciding; called once the shared props are checked.
   */
  resolve(problems: Problems, props: P, ctx: KindContext): R;
  /** The kind's other refusals, reported after `resolve`'s. */
  check(problems: Problems, props: P, resolved: R, ctx: KindContext): void;
  /** What the kind adds to the container of the shared props. Pure. */
  container(spec: ContainerSpec, resolved: R): ContainerSpec;
}

/** What the shared machinery reads of every kind's resolution. Internal. */
export interface KindResolution {
  /** The torch wheels the image installs, if any. */
  readonly torch?: TorchWheels;
  /** The packages of the torch tier, in file order. */
  readonly torchPackages: readonly TorchPackage[];
  /** Every platform the image is built for; the first is the one compose builds and runs. */
  readonly platforms: ReadonlyArray<'linux/amd64' | 'linux/arm64'>;
  /** What the kind adds to the image of the shared props (the CPU image); none: that image as it is. */
  readonly image?: ImageAdditions;
  /** The model folder and the model hubs' cache: wired the same way for every kind. */
  readonly models?: ModelFolder;
  /** The model weights (`models`), checked: locked in `models.lock`, delivered as each says. */
  readonly weights?: readonly ModelSpec[];
  /** What the docs say about a GPU service. */
  readonly gpuSummary?: GpuSummary;
  /**
   * What the kind needs from the requirements that the typed lists do not give, so the
   * dependency files must (checked at synth, once they are read): `found` reads the lines of
   * the runtime tiers; the problem names `what` and `expected`.
   */
  readonly fromDependencyFiles?: RequiredFromFiles;
}

/** A requirement a kind needs from the dependency files. Internal. */
export interface RequiredFromFiles {
  readonly what: string;
  readonly got: string;
  readonly expected: string;
  readonly found: (lines: readonly string[]) => boolean;
}

/** What a kind's functions know of the service besides its props. Internal. */
export interface KindContext {
  readonly id: string;
  /** The project root on disk (where the kind's own folders, such as CUDA extensions, must be). */
  readonly root: string;
  /** The service's code folder: `sourceDir`, or its default `services/<module>`. */
  readonly sourceDir: string;
  /** The folders of the image's code, as [prop, project path]: each of `sources`, else `sourceDir`. */
  readonly code: ReadonlyArray<readonly [string, string]>;
  /** The service's Python; undefined when its version has a problem of its own. */
  readonly python?: PythonImage;
  /** The Python base image reference, mirror and digest included. */
  readonly pythonImage: string;
  /** The project's oldest NVIDIA host driver (a GPU service's default). */
  readonly hostDriverVersion: string;
  /** The project's GPU fleet as written (a GPU service's default); undefined: none. */
  readonly gpuFleet?: readonly string[];
  /** The service has dependency files (its own, or the project's): requirements may come from them too. */
  readonly dependencyFiles: boolean;
}

/** A kind's default limits. Internal. */
export interface KindDefaults {
  readonly memory?: Size;
  readonly cpus?: number;
  readonly pids?: number;
  readonly tmp?: Size;
}

/** What the docs say about a GPU service. Internal. */
export interface GpuSummary {
  readonly base: string;
  readonly torch: string;
  readonly cuda: string;
  readonly minDriver: string;
  readonly rule: string;
  /** Base images, in Dockerfile order. */
  readonly images: string[];
  readonly driverCheck: boolean;
  /** What the GPU fleet decided, when the service has one. */
  readonly fleet?: GpuFleetSummary;
}

/** The GPUs a service's image serves (`gpuFleet`), for the docs and node affinity. Internal. */
export interface GpuFleetSummary {
  /** The fleet as one line: `"T4" (7.5), "H100" (9.0)`. */
  readonly text: string;
  /** The fleet's distinct compute capabilities, oldest first. */
  readonly capabilities: readonly string[];
  /** How the image reaches each GPU, one line each. */
  readonly served: readonly string[];
  /** `TORCH_CUDA_ARCH_LIST` of what the image compiles (or a torch-free service's builds should target). */
  readonly archList?: string;
}

/** Any kind, as the shared machinery holds it. Internal. */
export type AnyServiceKind = ServiceKind<any, KindResolution>;

/**
 * Where props carry the kind of the class that made them to the base constructor: a symbol, so
 * neither the shape check nor jsii sees it, and every public constructor keeps its
 * `(project, id, props)` signature.
 */
const KIND = Symbol('service kind');

/** The tag of a kind, spread into the props a concrete class hands to its base constructor. Internal. */
export interface KindTag {
  readonly [KIND]: AnyServiceKind;
}

/** The kind's tag: `super(project, id, { ...props, ...ofKind(PYTHON_SERVICE) })`. Internal. */
export function ofKind<P extends ServiceOptions>(kind: ServiceKind<P, KindResolution>): KindTag {
  return { [KIND]: kind };
}

/** The kind the props were handed with (undefined: props a user passed to the base class). Internal. */
export function kindOf(props: ServiceOptions | undefined): AnyServiceKind | undefined {
  return (props as Partial<KindTag> | undefined)?.[KIND];
}
