import * as z from 'zod/mini';
import { BUILD_HOOKS_SHAPE, BuildHookOptions } from './build-hooks';
import { RequirementTiers } from '../core/requirements';
import { Dependencies } from '../deps';

/**
 * A service of the stack, as other constructs refer to it (`dependsOn`): `PythonService`,
 * `GpuTrainer` and `GpuInference` are services.
 */
export interface IMlService {
  /** The service id: the compose service name and the `docker/<id>/` directory. */
  readonly serviceId: string;
  /** The construct path used in messages, e.g. `vision/api`. */
  readonly path: string;
}

/** Options every service type shares. */
export interface ServiceOptions extends BuildHookOptions {
  /**
   * The command the container runs, in exec form (no shell), e.g.
   * `['uvicorn', 'api.main:app', '--host', '0.0.0.0', '--port', '8000']`.
   */
  readonly command: string[];

  /**
   * The TCP port the service listens on inside the container. With a port the image gets
   * an HTTP health check on `healthCheckPath`; without one, the service is healthy while its
   * process runs (or, with `heartbeat`, while it writes its heartbeat).
   * @default - no port (a worker)
   */
  readonly port?: number;

  /**
   * The HTTP path probed by the health check. Only with `port`.
   * @default "/health"
   */
  readonly healthCheckPath?: string;

  /**
   * The service's code calls `mldocker_runtime.heartbeat.beat()` from its main loop, so its
   * health check is the heartbeat file's age (`heartbeatMaxAge`). Only for services without a
   * port. Without it such a service is healthy while its process runs: a long step (a big
   * checkpoint, a first download) is never taken for a hang.
   * @default - true when `heartbeatMaxAge` is given, else false (healthy while the process runs)
   */
  readonly heartbeat?: boolean;

  /**
   * Seconds the service may go without writing its heartbeat before it counts as
   * unhealthy. Giving it turns the heartbeat check on (`heartbeat`); only for services
   * without a port.
   * @default 300 (when `heartbeat` is true)
   */
  readonly heartbeatMaxAge?: number;

  /**
   * Seconds a starting container has before failed health checks count.
   * @default 30
   */
  readonly healthCheckStartPeriod?: number;

  /**
   * Leave the image without a HEALTHCHECK. Opt-out of a secure default: only for
   * services probed some other way.
   * @default false
   */
  readonly disableHealthCheck?: boolean;

  /**
   * Pinned requirements per tier (`ml`, `core`, `dev`), each its own file and cached layer.
   * @default - no requirements
   */
  readonly requirements?: RequirementTiers;

  /**
   * Dependencies taken from the files the project already has: pip requirement files per
   * tier, or a pyproject.toml with its uv.lock, poetry.lock, pylock.toml or pip-compile lock
   * (`Dependencies.fromRequirementsFiles(...)`, `Dependencies.fromPyproject(...)`), or a Cog
   * model's cog.yaml (`Dependencies.fromCogYaml(...)`, which also gives the service its Python
   * and Debian packages). Read at
   * synth for the service's exact Python and platform; a lock gives hash-pinned tiers
   * installed with `pip install --require-hashes --no-deps`. `requirements` still add to
   * the tiers (the same package in both only at the same version).
   * @default - the project's `dependencies`, else none
   */
  readonly dependencies?: Dependencies;

  /**
   * Extra Debian packages for the runtime image (e.g. `libgomp1`). Installed with
   * `--no-install-recommends` in the shared base stage.
   * @default - only tini
   */
  readonly aptPackages?: string[];

  /**
   * The service's code, relative to the project root. Copied to `/app/<module>` where
   * `<module>` is the service id with `-` replaced by `_`.
   * @default "services/<module>"
   */
  readonly sourceDir?: string;

  /**
   * The service's code as paths relative to the project root (folders or files), each copied to
   * `/app/<path>` keeping its layout: `["nanochat", "scripts", "train.py"]` gives
   * `/app/nanochat/`, `/app/scripts/` and `/app/train.py`. For layouts that are not one package
   * folder (flat modules, several top-level folders, configs beside the code). Every path must
   * exist when the project is synthesized; not together with `sourceDir`. No starter code is
   * written.
   * @default - `sourceDir` is copied to `/app/<module>`
   */
  readonly sources?: string[];

  /**
   * Files inside the service's code that the ignore files leave out by their extension (weights,
   * arrays, tables) but the code itself loads, relative to the project root: a default model
   * shipped in the package (`whisperx/assets/pytorch_model.bin`), a filter bank
   * (`wis/assets/mel_filters.npz`). Each is let back into the build context by name; data and
   * weights elsewhere stay out. Credentials and environments are never let in.
   * @default []
   */
  readonly packageData?: string[];

  /**
   * The container's working directory: `/app` or a folder under it (e.g. `/app/src`).
   * @default "/app"
   */
  readonly workdir?: string;

  /**
   * Check that the command's entry (`python -m pkg.mod`, `python path.py`, `uvicorn pkg.mod:app`,
   * `celery -A pkg`, a requirement's console script) resolves to a file copied into the image or
   * a module of a declared requirement, at synth (an error naming the nearest match) and again
   * in the prod stage's build (`python -m mldocker_runtime.entry_check`: `importlib.util.find_spec`,
   * nothing of the project runs). Turn it off only for entries the check cannot see (a shell
   * script, a program from `aptPackages`).
   * @default true
   */
  readonly entryCheck?: boolean;

  /**
   * Install the project's own package (the `pyproject.toml` at the project root) into the
   * image's venv: a wheel built in a stage of its own after every dependency layer, from the
   * project's files as git sees them (paths kept; no data, weights, credentials or generated
   * files), installed without dependencies and not editable, so `importlib.metadata` knows the
   * project and its `[project.scripts]` work as `command`. The `sources` that are the wheel's
   * packages are not copied into `/app` as well (the installed package wins). A version from
   * git tags (hatch-vcs, setuptools-scm) is taken from `git describe` at synth. The build
   * backend's distribution (e.g. `setuptools==75.6.0`, `hatchling==1.26.3`) must be pinned in
   * `buildRequirements`, `requirements.ml` or `.core`: the wheel is built with no index and no
   * build isolation.
   * @default false
   */
  readonly installProject?: boolean;

  /**
   * Build-only pins for `installProject` (e.g. `['hatchling==1.26.3', 'packaging==24.2', ...]`):
   * installed only in the stage that builds the project's wheel, never in a runtime tier, so a
   * hash-locked install needs nothing of them in its lock. They must pin the build backend's
   * distribution.
   * @default - the backend pinned in `requirements.ml` or `.core`; else the lock of
   *   `dependencies` when it holds `[build-system] requires`; else exact pins there
   */
  readonly buildRequirements?: string[];

  /**
   * Python version for this service (`3.11` or the exact `3.11.16`).
   * @default - the project's `pythonVersion`; when the project sets none and the dependencies
   *   come from a cog.yaml, its `build.python_version`
   */
  readonly pythonVersion?: string;

  /**
   * The command of the `test` target.
   * @default - `python -m pytest` when pytest is in the dev tier, else `python -m unittest discover`
   */
  readonly testCommand?: string[];

  /**
   * A one-line description, used in labels and docs.
   * @default - the service kind
   */
  readonly description?: string;

  /**
   * Environment of the container (compose and Kubernetes): non-secret values only. Names with
   * a secret word as a whole word in any case (`DB_PASS`, `API_TOKEN`, `SECRET_KEY`,
   * `*_CREDENTIALS`, ...) and values holding credentials (a URL with a password, `sk-`,
   * `ghp_`, `AKIA`, `hf_` tokens, private keys) are refused: pass those as compose secrets
   * (Kubernetes Secrets) with their path in `<NAME>_FILE` (backing services do this for you).
   * Names the image needs (`PATH`, `HOME`, `PYTHONPATH`, every `MLDOCKER_*`, the backing
   * services' `*_PASSWORD_FILE`) are refused in any letter case.
   * @default {}
   */
  readonly environment?: { [key: string]: string };

  /**
   * Publish the port on every host interface instead of 127.0.0.1 only. Opt-out of a
   * secure default.
   * @default false
   */
  readonly publicPort?: boolean;

  /**
   * The host port `port` is published on.
   * @default - the same as `port`
   */
  readonly hostPort?: number;

  /**
   * Memory limit, in the canonical form `<integer><unit>` with unit `k`, `m` or `g`
   * (`512m`, `8g`); at least `6m`, the smallest limit Docker accepts.
   * @default - "1g" for services, "16g" for trainers, "8g" for inference
   */
  readonly memoryLimit?: string;

  /**
   * CPU limit in cores (may be fractional, e.g. 0.5).
   * @default - 2 for services, 8 for trainers, 4 for inference
   */
  readonly cpuLimit?: number;

  /**
   * Maximum number of processes and threads.
   * @default - 512 for services, 8192 for trainers (DataLoader workers x threads), 2048 for inference
   */
  readonly pidsLimit?: number;

  /**
   * Size of the exec-able tmpfs mounted at /tmp (the only writable path besides volumes).
   * @default - "256m" for services, "2g" for GPU services
   */
  readonly tmpSize?: string;

  /**
   * Give the container a writable root filesystem. Opt-out of a secure default.
   * @default false
   */
  readonly writableRootFilesystem?: boolean;

  /**
   * Other services of the stack this one waits for before it starts: until healthy, until
   * started for a service without a health check, until finished successfully for a job (a
   * trainer). A service that keeps running may not wait for a job, and no service may wait for
   * one compose does not start with it (a trainer for a GPU server): the stack refuses both.
   * @default []
   */
  readonly dependsOn?: IMlService[];

  /**
   * Also pin the Python base image by digest (`sha256:` and 64 hex digits): the Dockerfile's
   * default becomes `python:<X.Y.Z>-slim-bookworm@sha256:...`, so a re-pushed tag cannot
   * change the image.
   * @default - pinned by full tag only
   */
  readonly baseImageDigest?: string;
}

const stringList = z.array(z.string());

/** The shape of `ServiceOptions` (strict: unknown keys are reported by name). */
export const SERVICE_OPTIONS_SHAPE = {
  command: stringList,
  port: z.optional(z.number()),
  healthCheckPath: z.optional(z.string()),
  heartbeat: z.optional(z.boolean()),
  heartbeatMaxAge: z.optional(z.number()),
  healthCheckStartPeriod: z.optional(z.number()),
  disableHealthCheck: z.optional(z.boolean()),
  requirements: z.optional(z.strictObject({
    ml: z.optional(stringList), core: z.optional(stringList), dev: z.optional(stringList),
  })),
  dependencies: z.optional(z.object({})),
  aptPackages: z.optional(stringList),
  sourceDir: z.optional(z.string()),
  sources: z.optional(stringList),
  packageData: z.optional(stringList),
  workdir: z.optional(z.string()),
  entryCheck: z.optional(z.boolean()),
  installProject: z.optional(z.boolean()),
  buildRequirements: z.optional(stringList),
  pythonVersion: z.optional(z.string()),
  testCommand: z.optional(stringList),
  description: z.optional(z.string()),
  environment: z.optional(z.record(z.string(), z.string())),
  publicPort: z.optional(z.boolean()),
  hostPort: z.optional(z.number()),
  memoryLimit: z.optional(z.string()),
  cpuLimit: z.optional(z.number()),
  pidsLimit: z.optional(z.number()),
  tmpSize: z.optional(z.string()),
  writableRootFilesystem: z.optional(z.boolean()),
  dependsOn: z.optional(z.array(z.any())),
  baseImageDigest: z.optional(z.string()),
  ...BUILD_HOOKS_SHAPE,
};
