import { Component, Project } from 'projen';
import { buildHooksSection } from './build-hooks-doc';
import { loadData } from '../core/data';
import { ProjectSettings } from '../core/project-settings';
import { RenderedFile } from '../core/rendered-file';
import { renderTemplate } from '../core/template';
import { INSTALL_ORDER, tierFileName } from '../core/tier-files';
import { modelSummaries } from '../service/model-delivery';
import { PythonService } from '../service/python-service';
import { MlService, servicesOf } from '../service/service';
import { ComposeStack, StackOverview } from '../stack/compose-stack';
import { distributedKind } from '../stack/distributed-workload';
import { KubernetesManifests } from '../stack/kubernetes';

/** Where the containers guide goes unless the project's `containersDoc` says otherwise. */
export const DEFAULT_CONTAINERS_DOC = 'docs/containers.md';

/**
 * `docs/containers.md`, the generated guide to the project's containers. It reads the
 * services, the compose stack and the project settings when it renders (at synth), so it
 * sees every service however late it was added. One per project.
 */
export class ContainersDoc extends Component {
  /** The containers guide of a project, if it has one. */
  public static of(project: Project): ContainersDoc | undefined {
    return project.components.find((c): c is ContainersDoc => c instanceof ContainersDoc);
  }

  /** Where the guide goes (`docs/containers.md` unless the project's `containersDoc` says otherwise). */
  public readonly path: string;

  constructor(project: Project, path: string = DEFAULT_CONTAINERS_DOC) {
    super(project);
    this.path = path;
    new RenderedFile(project, path, (file) => renderContainersDoc(project, file.marker ?? ''));
  }
}

/**
 * The generated guide to the project's containers (`templates/containers.md.ejs`): services,
 * the stack, then a section per feature some service uses (GPU, dependency files, build hooks,
 * platforms), the generated files, the tiers and the tasks.
 */
export function renderContainersDoc(project: Project, marker: string): string {
  const services = servicesOf(project);
  const stack = ComposeStack.of(project);
  return renderTemplate('containers.md.ejs', {
    marker,
    name: project.name,
    services: services.map((s) => ({
      id: s.serviceId,
      node: nodeId(s.serviceId),
      description: s.description,
      command: s.command.join(' '),
      entryCheck: s.entryCheck,
      python: s.pythonVersion,
      port: s.port,
      probe: !s.healthCheck ? undefined : s.port !== undefined ? s.healthCheckPath
        : s.healthCheck.watchesProcessOnly ? 'process' : 'heartbeat',
      tiers: s.installedTiers.join(', ') || 'none',
      dockerfile: s.dockerfilePath,
    })),
    stack: stack && services.length > 0
      ? stackSection(stack._overview(), KubernetesManifests.of(project))
      : undefined,
    sections: [
      gpuSection(project, services),
      torchSection(services),
      dependenciesSection(services),
      buildHooksSection(services.map((s) => ({ id: s.serviceId, hooks: s._buildHooks() }))),
      platformsSection(services),
      modelsSection(services),
      distributedSection(project, services),
    ].filter((s): s is string => s !== undefined),
    tierFile: tierFileName('<tier>'),
    tiers: INSTALL_ORDER,
    tasks: project.tasks.all.filter((t) => t.name.startsWith('docker:')).map((t) => ({ name: t.name, description: t.description ?? '' })),
    dataChecked: loadData<{ checked: string }>('reference-data.json').checked,
  });
}

/** A template's text without its last newline, to stand as one section of the guide. */
function section(name: string, model: object): string {
  return renderTemplate(name, model).replace(/\n$/, '');
}

function nodeId(name: string): string {
  return `n_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/**
 * The compose stack as a diagram (app services, backing services on the internal `backend`
 * network, `depends_on` waits), who can reach what (the table the Kubernetes README prints too)
 * and what `docker:up` starts on each kind of host.
 */
function stackSection(stack: StackOverview, kubernetes: KubernetesManifests | undefined): string {
  type Container = StackOverview['containers'][number];
  const label = (c: Container) => [c.name, ...c.ports.map((p) => `:${p}`), ...c.profiles.map((p) => `profile ${p}`)].join('<br/>');
  const node = (c: Container) => ({ node: nodeId(c.name), shape: c.backing ? `[("${label(c)}")]` : `["${label(c)}"]` });
  const names = (list: readonly Container[]) => list.length ? list.map((c) => `\`${c.name}\``).join(', ') : 'none';
  const gpu = stack.containers.filter((c) => c.profiles.includes('gpu'));
  const jobs = stack.containers.filter((c) => c.profiles.length > 0 && !c.profiles.includes('gpu'));
  return section('containers-stack.md.ejs', {
    outside: stack.containers.filter((c) => !c.internalOnly).map(node),
    inside: stack.containers.filter((c) => c.internalOnly).map(node),
    waits: stack.waits.map(([from, to, until]) => [nodeId(from), nodeId(to), until]),
    // every wait "healthy" keeps the short legend
    otherWaits: stack.waits.some(([, , until]) => until !== 'healthy'),
    always: names(stack.containers.filter((c) => c.profiles.length === 0)),
    gpu: gpu.length ? names(gpu) : undefined,
    jobs: jobs.length ? names(jobs) : undefined,
    reach: stack.reach,
    kubernetes: kubernetes === undefined ? undefined : kubernetes.networkPolicies ? 'policies' : 'none',
  });
}

/** The GPU services, their CUDA choice and minimum host driver, and the rule behind it. */
function gpuSection(project: Project, services: MlService[]): string | undefined {
  const gpu = services.filter((s) => s._gpuSummary() !== undefined);
  if (gpu.length === 0) return undefined;
  return section('containers-gpu.md.ejs', {
    hostDriverVersion: ProjectSettings.of(project).hostDriverVersion,
    rows: gpu.map((s) => {
      const g = s._gpuSummary()!;
      return {
        id: s.serviceId,
        base: g.base,
        torch: g.torch,
        cuda: g.cuda,
        minDriver: g.minDriver,
        rule: g.rule,
        driverCheck: g.driverCheck,
        images: g.images,
        fleet: g.fleet,
      };
    }),
  });
}

/** Each service with torch: the builds of torch, torchvision and torchaudio, and how each is installed. */
function torchSection(services: MlService[]): string | undefined {
  const rows = services.map((s) => ({ id: s.serviceId, builds: s._torchFamily() }))
    .filter((r) => r.builds.length > 0);
  return rows.length > 0 ? section('containers-torch.md.ejs', { rows }) : undefined;
}

/** Services whose dependencies come from files: the files, how they install, and the resolver's notes. */
function dependenciesSection(services: MlService[]): string | undefined {
  const fromFiles = services.map((s) => ({ s, report: s._dependencyReport() }))
    .filter((x) => x.report !== undefined);
  if (fromFiles.length === 0) return undefined;
  const warnings = fromFiles.flatMap(({ report }) => report!.warnings).map((w) => w.replace(/`/g, "'"));
  return section('containers-dependencies.md.ejs', {
    services: fromFiles.map(({ s, report }) => ({
      id: s.serviceId, inputs: report!.inputs, locked: report!.locked,
    })),
    unpinned: warnings.filter((w) => w.includes(' is not pinned ')),
    notes: warnings.filter((w) => !w.includes(' is not pinned ')),
  });
}

/** Each service's models: source, revision, size, delivery and where they land (from `models.lock`). */
function modelsSection(services: MlService[]): string | undefined {
  const rows = services.flatMap((s) => {
    const specs = s._modelWeights();
    return specs.length === 0 ? [] : modelSummaries(specs, s._modelFiles()).map((m) => ({
      id: s.serviceId, ...m, size: humanBytes(m.bytes),
    }));
  });
  return rows.length > 0 ? section('containers-models.md.ejs', { rows }) : undefined;
}

/** A size for people: bytes below 1 KiB, else KiB, MiB or GiB with one decimal. */
function humanBytes(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 'bytes';
  for (const u of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = u;
  }
  return unit === 'bytes' ? `${bytes} bytes` : `${value.toFixed(1)} ${unit}`;
}

/** Services built for chosen platforms, and what that changes in each generated file. */
function platformsSection(services: MlService[]): string | undefined {
  const platforms = services
    .map((s) => ({ id: s.serviceId, platforms: s instanceof PythonService ? s.platforms : [] }))
    .filter((x) => x.platforms.length > 0);
  return platforms.length > 0 ? section('containers-platforms.md.ejs', { services: platforms }) : undefined;
}

/**
 * Trainers across GPUs or nodes: their sizes, the command each container runs (the launcher's),
 * and how compose and the Kubernetes manifests run them.
 */
function distributedSection(project: Project, services: MlService[]): string | undefined {
  const trainers = services.map((s) => ({ s, c: s._container() })).filter(({ c }) => c.distributed);
  if (trainers.length === 0) return undefined;
  const stack = ComposeStack.of(project);
  const kubernetes = KubernetesManifests.of(project);
  return section('containers-distributed.md.ejs', {
    trainers: trainers.map(({ s, c }) => {
      const d = c.distributed!;
      // a trainer of several nodes in the stack is refused at synth: here it is left out
      const compose = !stack ? 'no compose stack' : stack.appServices().includes(s) ? 'runs'
        : d.nodes > 1 ? `left out (nodes ${d.nodes}: one host)` : 'not in the stack';
      const k8s = !kubernetes ? 'no manifests'
        : kubernetes.appServices().includes(s) ? distributedKind(d) ?? 'Job' : 'not in the manifests';
      return {
        id: s.serviceId,
        nodes: d.nodes,
        gpusPerNode: d.gpusPerNode,
        command: (c.command ?? s.command).join(' '),
        compose,
        kubernetes: k8s,
      };
    }),
  });
}
