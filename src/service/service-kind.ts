import { PythonImage } from './python-image';
import { SampleKind } from './samples';
import { TorchWheels } from './torch';
import { Problems } from '../core/problems';
import { Schema } from '../core/shape';
import { Size } from '../core/sizes';

/** What the kind's resolution found: the torch wheels it installs and its own facts (e.g. a GPU service's CUDA choice). Internal. */
export interface KindResolution {
  readonly torch?: TorchWheels;
  readonly facts?: object;
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

/**
 * What a service type adds to the shared machinery, made by the concrete class's static
 * `_kindSpec(project, id, props)` before the service has any state. Its functions are pure:
 * they return what they resolve, and the base constructor keeps the result (`_kind`). Internal.
 */
export interface ServiceKindSpec {
  /** "CPU Python service", "GPU trainer", ... */
  readonly kindTitle: string;
  /** Extra allowed prop keys of the subclass, with their schemas. */
  readonly extraShape: Record<string, Schema>;
  /** The starter code written for a new service (default: HTTP, FastAPI or worker, from the props). */
  readonly sample?: SampleKind;
  /** Server (restarted, default) or job (runs to completion, e.g. training). */
  readonly workload?: 'server' | 'job';
  /**
   * Whether the service gets GPUs (GPU services): only these may leave the NVIDIA runtime's
   * `NVIDIA_*` variables to their kind; any other service may not set them (default false).
   */
  readonly gpu?: boolean;
  /** Default limits of this kind of service. */
  readonly defaults?: { readonly memory?: Size; readonly cpus?: number; readonly pids?: number; readonly tmp?: Size };
  /**
   * Checks a replacement reference for the official Python image (a mirror), returning it;
   * undefined keeps `python:<X.Y.Z>-slim-bookworm`.
   */
  readonly pythonImage?: (problems: Problems, python: PythonImage) => string | undefined;
  /** Resolves the torch wheels the service installs (and the kind's facts), reporting problems. Only with a valid Python. */
  readonly resolveTorch?: (problems: Problems, python: PythonImage) => KindResolution;
  /**
   * Checks the subclass's own props once the shared ones are checked, before the error is
   * thrown, so one error lists every problem of the service; returns the kind's resolution
   * (`resolveTorch`'s, undefined when it did not run, completed).
   */
  readonly check?: (problems: Problems, resolved: KindResolution | undefined) => KindResolution | undefined;
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
}
