import { Project } from 'projen';
import { BackingService } from './backing-service';
import { Problems } from '../core/problems';
import { MlService } from '../service/service';

/**
 * Checks the `services` and `backingServices` a stack renderer (compose, Kubernetes) is
 * given, from plain JavaScript too: services of this project, backing services each once.
 */
export function checkStackMembers(
  problems: Problems, project: Project, services: unknown[] | undefined, backing: unknown[] | undefined,
): { services?: MlService[]; backing: BackingService[] } {
  (services ?? []).forEach((s, i) => {
    if (!(s instanceof MlService)) problems.add(`services[${i}]`, s, 'a service construct (PythonService, GpuTrainer or GpuInference)');
    else if (s.project !== project) problems.add(`services[${i}] belongs to another project`, s.serviceId, 'services of this project');
    else if ((services ?? []).indexOf(s) !== i) problems.add(`services[${i}] lists a service already listed`, s.serviceId, 'each service once in services');
  });
  const accepted: BackingService[] = [];
  (backing ?? []).forEach((b, i) => acceptBacking(problems, accepted, b, `backingServices[${i}]`));
  return { services: services ? [...services] as MlService[] : undefined, backing: accepted };
}

/** Appends a backing service to a stack's list, refusing anything else and a second one of a kind. */
export function acceptBacking(
  problems: Problems, accepted: BackingService[], candidate: unknown, field: string,
): void {
  if (!(candidate instanceof BackingService)) problems.add(field, candidate, 'a BackingService such as BackingService.POSTGRES');
  else if (accepted.some((x) => x.kind === candidate.kind)) problems.add('backing service added twice', candidate.kind, 'each backing service kind once');
  else accepted.push(candidate);
}

/**
 * Checks the scope and id of a stack-wide component (ComposeStack, KubernetesManifests)
 * before the construct exists, so plain-JavaScript mistakes and an id another construct of
 * the project already uses get our error instead of a TypeError from constructs.
 */
export function checkComponentScope(problems: Problems, project: unknown, id: unknown): void {
  if (!(project instanceof Project)) {
    problems.add('scope', project, 'a projen Project (e.g. the MlDockerProject of .projenrc.ts)');
    return;
  }
  if (typeof id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(id)) {
    problems.add('construct id', id, 'letters, digits, "_", "." and "-", starting with a letter or digit, at most 63 characters, e.g. "stack"');
  } else if (project.node.tryFindChild(id)) {
    problems.add('construct id is already used by another construct of the project', id, 'an id no other construct of the project uses (service ids count too)');
  }
}
