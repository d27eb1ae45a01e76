import { statSync } from 'fs';
import { join } from 'path';
import ignore from '@balena/dockerignore';
import { Project } from 'projen';
import { ProjectServices } from './project-services';
import { checkRelativeDir, checkWorkdir, resolveSources } from './sources';
import { HealthSpec } from '../core/container-spec';
import { DELIBERATE_EXCLUSIONS, alwaysExcludedPattern, reExclusionOf } from '../core/dockerignore';
import { moduleName } from '../core/names';
import { Problems, oneOf } from '../core/problems';
import { secretValueKind } from '../core/secrets';
import { MIN_MEMORY_BYTES, Size, checkSize, gib, mib } from '../core/sizes';
import { ShadowKind, moduleNameCollision } from '../entry/collisions';
import { stdlibVersions } from '../entry/requirements-index';
import type { ServiceHealthCheck, SourceCopy } from '../image/image-model';
import { APP_DIR, RUNTIME_PACKAGE } from '../image/image-paths';

const ID_PATTERN = /^[a-z][a-z0-9-]{0,38}[a-z0-9]$|^[a-z]$/;
const RESERVED_IDS = ['common', 'runtime'];

export function checkCommand(problems: Problems, field: string, command: string[]): void {
  if (command.length === 0) {
    problems.add(field, command, 'a non-empty list, e.g. ["python", "-m", "app.main"]');
    return;
  }
  command.forEach((arg, i) => {
    if (i === 0 && arg.trim() === '') problems.add(`${field}[0]`, arg, 'the program to run, not an empty string');
    if (arg.includes('\n') || arg.includes('\0')) {
      // a credential in it is reported (value hidden) by the secrets check; never shown here
      if (secretValueKind(arg)) problems.addRaw(`${field}[${i}]`, '(value hidden)', 'an argument without newlines or NUL');
      else problems.add(`${field}[${i}]`, arg, 'an argument without newlines or NUL');
    }
  });
}

function checkSeconds(
  problems: Problems, field: string, value: number | undefined, fallback: number, min: number, max: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.add(field, value, `a whole number of seconds from ${min} to ${max}`);
    return fallback;
  }
  return value;
}

/** The image's health check as the neutral model's (the probe becomes `test`, in exec form). */
export function healthSpec({ command, ...timing }: ServiceHealthCheck): HealthSpec {
  return { ...timing, test: command, shell: false };
}

/** Checks a service id before the construct exists (constructs' own error would be cryptic). */
export function checkServiceId(project: Project, id: string): string {
  const problems = new Problems(`${project?.name ?? '?'}/${String(id)}`);
  if (!(project instanceof Project)) {
    problems.add('scope', project, 'a projen Project (e.g. the MlDockerProject of .projenrc.ts)');
    problems.throwIfAny();
  }
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    problems.add('service id', id, 'lowercase letters, digits and "-", starting with a letter, at most 40 characters (it names the compose service, the image and docker/<id>/)');
  } else if (RESERVED_IDS.includes(id)) {
    problems.add('service id is reserved', id, `an id other than ${oneOf(RESERVED_IDS)}`);
  } else if (moduleNameCollision(moduleName(id), [RUNTIME_PACKAGE]) === ShadowKind.RUNTIME) {
    problems.add(`service id gives the python package "${RUNTIME_PACKAGE}" of the runtime helpers`, id, 'an id whose module name (the id with "-" as "_") is not the runtime helpers\' package');
  } else if (moduleNameCollision(moduleName(id)) === ShadowKind.STDLIB) {
    problems.add(`service id gives the python package "${moduleName(id)}", which would shadow the standard library module of that name (the code is at /app/${moduleName(id)}, first on PYTHONPATH)`, id,
      `an id whose module name (the id with "-" as "_") is not a standard library module of python ${stdlibVersions().join(', ')}, e.g. "${id}-service"`);
  } else if (project.node.tryFindChild(id)) {
    problems.add('service id is already used by another construct of the project', id, 'an id no other component of the project uses');
  } else {
    // the services registered so far (ProjectServices holds them as the members it needs)
    const services = (ProjectServices.of(project)?.services ?? []) as unknown as
      ReadonlyArray<{ readonly serviceId: string; readonly moduleName: string }>;
    const clash = services.find((s) => s.serviceId === id || s.moduleName === moduleName(id));
    if (clash) problems.add('service id is already used', id, `a unique id (taken: ${oneOf(services.map((s) => s.serviceId))})`);
  }
  problems.throwIfAny();
  return id;
}

/** The health check props as resolved: the heartbeat check only where the code beats. */
export interface HealthProps {
  readonly path?: string;
  readonly heartbeat: boolean;
  readonly heartbeatMaxAge: number;
  readonly startPeriod: number;
  readonly disabled: boolean;
}

/** The health check props, checked: the probed path (with a port), the heartbeat age, the start period. */
export function resolveHealthProps(problems: Problems, props: {
  readonly port?: number;
  readonly healthCheckPath?: string;
  readonly heartbeat?: boolean;
  readonly heartbeatMaxAge?: number;
  readonly healthCheckStartPeriod?: number;
  readonly disableHealthCheck?: boolean;
}): HealthProps {
  if (props.port !== undefined && !(Number.isInteger(props.port) && props.port >= 1 && props.port <= 65535)) {
    problems.add('port', props.port, 'an integer from 1 to 65535');
  }
  if (props.healthCheckPath !== undefined) {
    if (props.port === undefined) {
      problems.add('healthCheckPath is set without a port', props.healthCheckPath, 'a port to probe, or no healthCheckPath (services without a port use a heartbeat file)');
    } else if (!/^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$/.test(props.healthCheckPath)) {
      problems.add('healthCheckPath', props.healthCheckPath, 'a url path starting with "/" without spaces or quotes, e.g. "/health"');
    }
  }
  if (props.port !== undefined && props.heartbeat === true) {
    problems.add('heartbeat is set with a port', true,
      'no heartbeat (a service with a port is probed over HTTP on healthCheckPath)');
  }
  if (props.heartbeat === false && props.heartbeatMaxAge !== undefined) {
    problems.add('heartbeatMaxAge is set with heartbeat: false', props.heartbeatMaxAge,
      'heartbeat: true (or left out) with heartbeatMaxAge, or no heartbeatMaxAge');
  }
  return {
    path: props.port !== undefined ? props.healthCheckPath ?? '/health' : undefined,
    // the heartbeat check only where the code says it beats: a job that never calls beat()
    // would otherwise be marked unhealthy, and on Kubernetes killed, mid-step
    heartbeat: props.port === undefined && (props.heartbeat ?? props.heartbeatMaxAge !== undefined),
    heartbeatMaxAge: checkSeconds(problems, 'heartbeatMaxAge', props.heartbeatMaxAge, 300, 10, 86_400),
    startPeriod: checkSeconds(problems, 'healthCheckStartPeriod', props.healthCheckStartPeriod, 30, 0, 3_600),
    disabled: props.disableHealthCheck ?? false,
  };
}

/**
 * Where the service's code comes from and lands: `sourceDir` or `sources`, the working directory, the entry
 * check.
 */
export function resolveCodeProps(problems: Problems, outdir: string, id: string, props: {
  readonly sourceDir?: string;
  readonly sources?: string[];
  readonly workdir?: string;
  readonly entryCheck?: boolean;
  readonly packageData?: string[];
}): {
    readonly sourceDir: string;
    readonly copies: SourceCopy[];
    readonly workdir: string;
    readonly entryCheck: boolean;
    readonly packageData: string[];
  } {
  const module = moduleName(id);
  const sourceDir = props.sourceDir ?? `services/${module}`;
  if (props.sourceDir !== undefined) checkRelativeDir(problems, 'sourceDir', props.sourceDir);
  if (props.sources !== undefined && props.sourceDir !== undefined) {
    problems.add('sources and sourceDir are both set', props.sourceDir, 'one of them: sources (paths copied to /app keeping their layout) or sourceDir (one folder copied to /app/<module>)');
  }
  const copies = props.sources !== undefined ? resolveSources(problems, outdir, props.sources) : [{ from: sourceDir, to: `${APP_DIR}/${module}` }];
  if (props.workdir !== undefined) checkWorkdir(problems, props.workdir);
  const excludedBy = props.sources === undefined ? alwaysExcludedPattern(sourceDir) : undefined;
  if (excludedBy) {
    problems.add(`${props.sourceDir !== undefined ? 'sourceDir' : 'service id'} names a folder the ignore files always exclude (${excludedBy})`,
      props.sourceDir ?? id, 'a code folder whose path has no data, weights, environment or secrets folder in it (e.g. not "data", "secrets", "venv")');
  }
  const packageData = props.packageData === undefined ? []
    : checkPackageData(problems, outdir, copies, props.packageData);
  return {
    sourceDir, copies, workdir: props.workdir ?? APP_DIR, entryCheck: props.entryCheck ?? true, packageData,
  };
}

/**
 * `packageData`: files the ignore files leave out by their extension (weights, arrays, tables)
 * that the code itself loads, inside the copied code; each is let back in by name. Credentials,
 * environments and VCS metadata are never let in, whatever their name.
 */
function checkPackageData(
  problems: Problems, outdir: string, copies: readonly SourceCopy[], files: readonly string[],
): string[] {
  const ok: string[] = [];
  files.forEach((file, i) => {
    const field = `packageData[${i}]`;
    const before = problems.count;
    checkRelativeDir(problems, field, file);
    if (problems.count > before) return;
    if (files.indexOf(file) !== i) {
      problems.add(`${field} is listed twice`, file, 'each file once');
      return;
    }
    if (!copies.some((c) => file.startsWith(`${c.from}/`))) {
      problems.add(`${field} is not inside the service's code`, file,
        `a file under one of: ${oneOf(copies.map((c) => c.from))}`);
      return;
    }
    let isFile = false;
    try {
      isFile = statSync(join(outdir, file)).isFile();
    } catch {
      problems.add(`${field} does not exist`, file, 'a file of the project (package data the code loads)');
      return;
    }
    if (!isFile) {
      problems.add(`${field} is not a file`, file,
        'one file per entry (package data is let in by name, never a whole folder)');
      return;
    }
    const deliberate = DELIBERATE_EXCLUSIONS.find((p) => ignore().add([p]).ignores(file));
    const excluded = reExclusionOf(file);
    if (deliberate) {
      problems.add(`${field} is a credential, environment or VCS file the ignore files always leave out `
        + `(${deliberate})`, file, 'package data (weights, arrays, tables the code loads): credentials are passed as secrets, '
          + 'never copied into an image');
    } else if (!excluded) {
      problems.add(`${field} is not left out by the ignore files`, file,
        'a file the ignore files leave out by its extension (e.g. "pkg/assets/mel_filters.npz"), '
          + 'or no packageData entry');
    } else {
      ok.push(file);
    }
  });
  return ok;
}

/** The ignore-file lines that let a service's package data back in, after the re-exclusions. */
export function packageDataIgnoreLines(serviceId: string, files: readonly string[]): string[] {
  if (files.length === 0) return [];
  const title = `# Package data ${serviceId}'s code loads, let back in by name (packageData).`;
  return [title, ...files.map((f) => `!${f}`)];
}

/** The container's limits and exposure, checked, with the kind's defaults. */
export function resolveLimitProps(problems: Problems, props: {
  readonly port?: number;
  readonly publicPort?: boolean;
  readonly hostPort?: number;
  readonly memoryLimit?: string;
  readonly tmpSize?: string;
  readonly cpuLimit?: number;
  readonly pidsLimit?: number;
  readonly writableRootFilesystem?: boolean;
}, kindDefaults: {
  readonly memory?: Size; readonly cpus?: number; readonly pids?: number; readonly tmp?: Size;
} | undefined): {
    readonly publicPort: boolean;
    readonly memory: Size;
    readonly tmp: Size;
    readonly cpus: number;
    readonly pids: number;
    readonly writableRoot: boolean;
  } {
  const defaults = { memory: gib(1), cpus: 2, pids: 512, tmp: mib(256), ...kindDefaults };
  if (props.hostPort !== undefined) {
    if (props.port === undefined) problems.add('hostPort is set without a port', props.hostPort, 'a port to publish, or no hostPort');
    else if (!(Number.isInteger(props.hostPort) && props.hostPort >= 1 && props.hostPort <= 65535)) problems.add('hostPort', props.hostPort, 'an integer from 1 to 65535');
  }
  // A size with a problem resolves to the default, so the result stays usable until the caller throws.
  const memory = props.memoryLimit === undefined ? defaults.memory : checkSize(problems, 'memoryLimit', props.memoryLimit, undefined, MIN_MEMORY_BYTES) ?? defaults.memory;
  const tmp = props.tmpSize === undefined ? defaults.tmp : checkSize(problems, 'tmpSize', props.tmpSize, 64 * 1024 ** 3) ?? defaults.tmp;
  const cpus = props.cpuLimit ?? defaults.cpus;
  if (!(Number.isFinite(cpus) && cpus >= 0.01 && cpus <= 1024)) problems.add('cpuLimit', props.cpuLimit, 'a number of cores from 0.01 to 1024, e.g. 2 or 0.5');
  const pids = props.pidsLimit ?? defaults.pids;
  if (!(Number.isInteger(pids) && pids >= 16 && pids <= 4_194_304)) problems.add('pidsLimit', props.pidsLimit, 'an integer from 16 to 4194304');
  return {
    publicPort: props.publicPort ?? false,
    memory,
    tmp,
    cpus,
    pids,
    writableRoot: props.writableRootFilesystem ?? false,
  };
}
