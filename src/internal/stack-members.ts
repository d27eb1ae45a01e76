import { Project } from 'projen';
import { BackingService } from '../backing-service';
import { MlService } from '../service';
import { Problems } from './problems';

/**
 * Checks the `services` and `backingServices` a stack renderer (compose, Kubernetes) is
 * given, from plain JavaScript too: services of this project, backing services each once.
 */
export function checkStackMembers(problems: Problems, project: Project, services: unknown[] | undefined, backing: unknown[] | undefined):
{ services?: MlService[]; backing: BackingService[] } {
  (services ?? []).forEach((s, i) => {
    if (!(s instanceof MlService)) problems.add(`services[${i}]`, s, 'a service construct (PythonService, GpuTrainer or GpuInference)');
    else if (s.project !== project) problems.add(`services[${i}] belongs to another project`, s.serviceId, 'services of this project');
  });
  const accepted: BackingService[] = [];
  (backing ?? []).forEach((b, i) => acceptBacking(problems, accepted, b, `backingServices[${i}]`));
  return { services: services ? [...services] as MlService[] : undefined, backing: accepted };
}

/** Appends a backing service to a stack's list, refusing anything else and a second one of a kind. */
export function acceptBacking(problems: Problems, accepted: BackingService[], candidate: unknown, field: string): void {
  if (!(candidate instanceof BackingService)) problems.add(field, candidate, 'a BackingService such as BackingService.POSTGRES');
  else if (accepted.some((x) => x.kind === candidate.kind)) problems.add('backing service added twice', candidate.kind, 'each backing service kind once');
  else accepted.push(candidate);
}
