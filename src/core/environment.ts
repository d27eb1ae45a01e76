/**
 * The checks of a service's `environment`: names, spellings, values, secrets given inline
 * (./secrets) and names the image and the generated files set themselves.
 */
import { Problems } from './problems';
import { secretProblem } from './secrets';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Names the image needs as it sets them (the interpreter, the venv, the import path, the
 * writable home and caches) or that would let a variable load other code into it. Compared
 * in any letter case.
 */
export const IMAGE_ENV = ['PATH', 'HOME', 'PYTHONPATH', 'PYTHONHOME', 'VIRTUAL_ENV', 'XDG_CACHE_HOME', 'LD_PRELOAD', 'LD_LIBRARY_PATH', 'LD_AUDIT'];

/** The variables holding the paths of the backing services' password files, set by the stack. */
export const PASSWORD_FILE_ENV = { postgres: 'POSTGRES_PASSWORD_FILE', redis: 'REDIS_PASSWORD_FILE' } as const;

/** The prefix of the variables our runtime helpers read (driver check, heartbeat, model and data dirs). */
export const RUNTIME_ENV_PREFIX = 'MLDOCKER_';

/**
 * The prefix of the variables the NVIDIA container runtime reads (`NVIDIA_VISIBLE_DEVICES`,
 * `NVIDIA_DRIVER_CAPABILITIES`, `NVIDIA_REQUIRE_*`, `NVIDIA_MIG_*`, ...): on a host whose
 * default runtime is nvidia, `NVIDIA_VISIBLE_DEVICES=all` alone hands a container every GPU.
 */
export const NVIDIA_ENV_PREFIX = 'NVIDIA_';

/**
 * Why a container that gets no GPU may not set `name`, or undefined: every `NVIDIA_*` name in
 * any letter case (only GPU services get GPUs, through their reservations).
 */
export function gpuEnvProblem(name: string): { what: string; expected: string } | undefined {
  if (!name.toUpperCase().startsWith(NVIDIA_ENV_PREFIX)) return undefined;
  return {
    what: `environment.${name} is read by the nvidia container runtime and would hand a service without gpus the host's gpus`,
    expected: `a name not starting with ${NVIDIA_ENV_PREFIX} in any letter case on a service that gets no gpu (only GpuTrainer and GpuInference get gpus, chosen with gpuCount or gpuDeviceIds)`,
  };
}

/**
 * Why an environment name is reserved, or undefined. `generated` lists names that generated
 * files set (the backing services' `*_PASSWORD_FILE`), compared in any letter case. A service
 * that gets no GPU (`gpu` false) may not set the NVIDIA runtime's variables either; a GPU
 * service's kind refuses them with its own reason.
 */
export function reservedEnvProblem(
  name: string, generated: readonly string[] = Object.values(PASSWORD_FILE_ENV), gpu = false,
): { what: string; expected: string } | undefined {
  const upper = name.toUpperCase();
  if (IMAGE_ENV.includes(upper)) {
    return { what: `environment.${name} overrides a variable the image needs`, expected: `a name other than ${IMAGE_ENV.join(', ')} in any letter case (the Dockerfile sets them; code goes in sourceDir, packages in requirements)` };
  }
  if (upper.startsWith(RUNTIME_ENV_PREFIX)) {
    return { what: `environment.${name} is a name of the runtime helpers`, expected: `a name not starting with ${RUNTIME_ENV_PREFIX} in any letter case (use the typed options: skipDriverCheck, gpuCount, dataDir, modelDir)` };
  }
  const clash = generated.find((g) => g.toUpperCase() === upper);
  if (clash) {
    return { what: `environment.${name} is a name the backing services set`, expected: `a name other than ${generated.join(', ')} in any letter case (the stack sets ${clash} when it has that backing service)` };
  }
  return gpu ? undefined : gpuEnvProblem(name);
}

/**
 * Checks a service's environment and returns it sorted by name. Every problem is added, the
 * values of secrets never shown.
 */
export function checkEnvironment(
  problems: Problems, env: Record<string, string>,
  generated: readonly string[] = Object.values(PASSWORD_FILE_ENV), gpu = false,
): Record<string, string> {
  const seen = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    if (!ENV_NAME.test(name)) {
      problems.add('environment name', name, 'letters, digits and "_", not starting with a digit');
      continue;
    }
    const folded = name.toUpperCase();
    if (seen.has(folded)) problems.add(`environment has ${name} twice in different case`, name, `one spelling (also "${seen.get(folded)}")`);
    seen.set(folded, name);
    const reserved = reservedEnvProblem(name, generated, gpu);
    if (reserved) problems.add(reserved.what, name, reserved.expected);
    const secret = secretProblem(name, value);
    if (secret) {
      problems.addRaw(secret.what, secret.got, secret.expected);
      continue;
    }
    if (/[\r\n\0]/.test(value)) problems.add(`environment.${name}`, value, 'a single-line value');
  }
  return Object.fromEntries(Object.keys(env).sort().map((k) => [k, env[k]]));
}
