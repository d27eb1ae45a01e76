import { Component, Project } from 'projen';
import * as z from 'zod/mini';
import { BackingService } from './backing-service';
import { checkComposeDocument } from './compose-check';
import { WaitFacts, checkDocumentWaits, checkTypedWaits, waitCondition, waitLabel } from './compose-dependencies';
import { ComposeModel, GPU_PROFILE, composeProfiles, renderCompose } from './compose-render';
import { validateComposeSchema } from './compose-schema';
import { renderSecretsScript } from './secrets-render';
import {
  DEFAULT_NETWORK, ReachTable, composeNetworks, linkTargets, reachTable, stackLinks,
} from './stack-links';
import { acceptBacking, checkComponentScope, checkStackMembers } from './stack-members';
import {
  DEFAULT_IMAGE_TAG, checkImageTarget, linkMembers, linkedEnvironmentClashes, resolveBacking,
} from './stack-model';
import { ContainerSpec, userText } from '../core/container-spec';
import { checkGeneratedPath } from '../core/generated-path';
import { checkImageNameLength } from '../core/image-name';
import { COMPOSE_SECRETS_DIR } from '../core/layout';
import { Problems, checkShape, oneOf, show, Schema } from '../core/problems';
import { RenderedFile } from '../core/rendered-file';
import { sizeBytes } from '../core/sizes';
import { renderTemplate } from '../core/template';
import { toSafeYaml } from '../core/yaml';
import { checkComposeNodes } from '../entry/distributed-launch';
import { MlService, servicesOf } from '../service/service';

/** Props of a `ComposeStack`. */
export interface ComposeStackProps {
  /**
   * The app services of the stack.
   * @default - every service of the project
   */
  readonly services?: MlService[];

  /**
   * Backing services: `BackingService.POSTGRES`, `BackingService.REDIS`, `BackingService.MLFLOW`
   * or their factories with options.
   * @default []
   */
  readonly backingServices?: BackingService[];

  /**
   * Registry prefix for built images (`ghcr.io/acme`), so `docker compose push` works.
   * @default - no prefix (local images)
   */
  readonly imageRegistry?: string;

  /**
   * Tag of built images.
   * @default "local"
   */
  readonly imageTag?: string;

  /**
   * The file the stack is written to, relative to the project root. Set it where a repository
   * already has a `compose.yaml` of its own (which is never overwritten), or where a generated
   * `compose.yaml` would change what a plain `docker compose up` runs next to the repository's
   * own `docker-compose.yml` (Compose prefers `compose.yaml`): the `docker:*` tasks and scripts
   * pass it with `-f`.
   * @default "compose.yaml"
   */
  readonly composeFile?: string;
}


/** What `docs/containers.md` draws and says of the compose stack. */
export interface StackOverview {
  readonly containers: ReadonlyArray<{
    readonly name: string;
    readonly backing: boolean;
    readonly ports: number[];
    readonly profiles: string[];
    /** Attached to the internal backend network only (no route out). */
    readonly internalOnly: boolean;
  }>;
  /** `[from, to, until]`: from waits for to to be healthy, started or completed (`depends_on`). */
  readonly waits: ReadonlyArray<readonly [string, string, 'healthy' | 'started' | 'completed']>;
  /** Who can reach what: the table both guides print, from the stack's links. */
  readonly reach: ReachTable;
}

/** The runtime shape of `ComposeStackProps` (test/props-shapes.test.ts holds it to the interface). */
export const COMPOSE_STACK_PROPS_SHAPE: Record<string, Schema> = {
  services: z.optional(z.array(z.any())),
  backingServices: z.optional(z.array(z.any())),
  imageRegistry: z.optional(z.string()),
  imageTag: z.optional(z.string()),
  composeFile: z.optional(z.string()),
};

/** Where the stack is written unless `composeFile` says otherwise. */
export const DEFAULT_COMPOSE_FILE = 'compose.yaml';

/**
 * The project's `compose.yaml`: every app service hardened (read-only root with an
 * exec-able tmpfs, no capabilities, no privilege escalation, limits, health checks, ports on
 * 127.0.0.1), GPU reservations for GPU services, and pinned backing services on an internal
 * network with credentials as compose secrets. One stack per project.
 */
export class ComposeStack extends Component {
  /**
   * The compose stack of a project, if it has one.
   * @param project the project to look in
   */
  public static of(project: Project): ComposeStack | undefined {
    return project.components.find((c): c is ComposeStack => c instanceof ComposeStack);
  }

  /** The construct path used in messages. */
  public readonly path: string;
  /** The file the stack is written to (`compose.yaml` unless `composeFile` says otherwise). */
  public readonly composeFile: string;
  private readonly explicitServices?: MlService[];
  private readonly backing: BackingService[] = [];
  private readonly registry?: string;
  private readonly tag: string;
  private readonly overrides = new Map<string, Record<string, unknown>>();
  private readonly extraVolumes: string[] = [];
  private model?: ComposeModel;

  constructor(project: Project, id: string, props: ComposeStackProps = {}) {
    const problems = new Problems(`${project instanceof Project ? project.name : '?'}/${String(id)}`);
    // Plain JavaScript may pass null: it means no props, like undefined.
    props = props ?? {};
    checkComponentScope(problems, project, id);
    const existing = project instanceof Project ? ComposeStack.of(project) : undefined;
    if (existing) problems.add('a second ComposeStack', id, `one stack per project (already "${existing.node.id}")`);
    problems.throwIfAny();
    if (!checkShape(problems, z.strictObject(COMPOSE_STACK_PROPS_SHAPE), props)) problems.throwIfAny();
    const members = checkStackMembers(problems, project, props.services, props.backingServices);
    checkImageTarget(problems, props.imageRegistry, props.imageTag);
    if (props.composeFile !== undefined) {
      checkGeneratedPath(problems, 'composeFile', props.composeFile, 'compose.mldocker.yaml', /\.ya?ml$/,
        'ending in .yaml or .yml');
    }
    problems.throwIfAny();
    super(project, id);
    this.path = problems.path;
    this.explicitServices = members.services;
    this.backing.push(...members.backing);
    this.registry = props.imageRegistry;
    this.tag = props.imageTag ?? DEFAULT_IMAGE_TAG;
    this.composeFile = props.composeFile ?? DEFAULT_COMPOSE_FILE;

    new RenderedFile(this, this.composeFile, (file) => this.renderYaml(file.marker ?? ''));
    new RenderedFile(this, 'docker/ensure-secrets.sh', (file) => this.renderSecretsScript(file.marker ?? ''), true);
    new RenderedFile(this, 'docker/up.sh', (file) => this.renderUpScript(file.marker ?? ''), true);
    project.gitignore.exclude('/secrets/');
    const up = project.tasks.tryFind('docker:up');
    up?.reset('sh docker/ensure-secrets.sh');
    up?.exec('sh docker/up.sh', { receiveArgs: true });
    const compose = `docker compose -f ${this.composeFile}`;
    project.tasks.tryFind('docker:down')?.reset(`${compose} down`);
    project.tasks.tryFind('docker:config')?.reset(`${compose} config -q`);
  }

  /** Adds a backing service; throws if the stack already has one of that kind. */
  public addBackingService(service: BackingService): BackingService {
    const problems = new Problems(this.path);
    acceptBacking(problems, this.backing, service, 'addBackingService');
    problems.throwIfAny();
    return service;
  }

  /** Adds an app service (when the stack was given an explicit list); throws on duplicates. */
  public addService(service: MlService): MlService {
    const problems = new Problems(this.path);
    if (!(service instanceof MlService)) problems.add('addService', service, 'a service construct (PythonService, GpuTrainer or GpuInference)');
    else if (this.appServices().includes(service)) problems.add('addService: already in the stack', service.serviceId, 'each service once');
    problems.throwIfAny();
    if (this.explicitServices) this.explicitServices.push(service);
    return service;
  }

  /** Declares an extra named volume in the stack (for overrides); throws on duplicates. */
  public addVolume(name: string): string {
    const problems = new Problems(this.path);
    if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9_.-]*$/.test(name)) problems.add('addVolume', name, 'a volume name of lowercase letters, digits, "_", ".", "-"');
    else if (this.extraVolumes.includes(name)) problems.add('addVolume: already declared', name, 'each volume once');
    problems.throwIfAny();
    this.extraVolumes.push(name);
    return name;
  }

  /**
   * Escape hatch: sets compose keys we do not model on one service (`stop_grace_period`,
   * `labels`, ...), merged last (objects deeply, everything else replaced). At synth the
   * final document is validated against the Compose Specification and held to every
   * promise of the generated output (ports on 127.0.0.1, no privileges, capabilities or
   * host namespaces, no-new-privileges, read-only root, non-root user, health checks,
   * limits, no host paths, no inline secrets, pinned images, no env_file, no backing
   * service's data volume or secret given to another container, no NVIDIA_* variable on a
   * service without GPUs, depends_on held to the rules of dependsOn); only the typed opt-outs
   * (`publicPort`, `writableRootFilesystem`, `disableHealthCheck`) relax one.
   */
  public addOverride(serviceName: string, key: string, value: any): void {
    const problems = new Problems(this.path);
    if (typeof serviceName !== 'string') problems.add('addOverride service name', serviceName, 'the name of a service of the stack, e.g. "api"');
    if (typeof key !== 'string' || !/^[a-z_]+$/.test(key)) problems.add('addOverride key', key, 'a top-level compose service key such as "stop_grace_period"');
    if (value === undefined || typeof value === 'function') problems.add(`addOverride(${serviceName}, ${key}) value`, value, 'a json value');
    problems.throwIfAny();
    const current = this.overrides.get(serviceName) ?? {};
    current[key] = value;
    this.overrides.set(serviceName, current);
  }

  /** The app services of the stack. */
  public appServices(): MlService[] {
    return [...(this.explicitServices ?? servicesOf(this.project))];
  }

  /** Every problem the whole stack has, checked before any file is written. */
  public preSynthesize(): void {
    this.model = this.buildModel();
  }

  private currentModel(): ComposeModel {
    this.model ??= this.buildModel();
    return this.model;
  }

  private buildModel(): ComposeModel {
    const problems = new Problems(this.path);
    const apps = this.appServices();
    if (apps.length === 0) problems.add('the stack has no services', [], 'at least one PythonService, GpuTrainer or GpuInference');
    const appNames = apps.map((a) => a.serviceId);
    const resolved = resolveBacking(problems, this.backing, appNames);
    for (const name of this.overrides.keys()) {
      if (!appNames.includes(name) && !resolved.has(name)) problems.add('addOverride names an unknown service', name, `one of: ${oneOf([...appNames, ...resolved.keys()])}`);
    }
    const links = [...resolved.values()].map((r) => r.link);
    const own = apps.map((app) => app._container());
    // who reaches whom: depends_on and the networks below, the same links the Kubernetes policies render
    const members = linkMembers(own, resolved);
    const connections = stackLinks(members);
    const containers: ContainerSpec[] = own.map((c, i) => {
      checkComposeNodes(problems, apps[i].path, c.distributed?.nodes ?? 1);
      const missing = c.dependsOn.filter((d) => !appNames.includes(d));
      if (missing.length) {
        problems.addAt(apps[i].path, 'dependsOn a service outside the stack', missing, `services of the stack: ${oneOf(appNames)}`);
      }
      return {
        ...c,
        environment: { ...Object.assign({}, ...links.map((l) => l.environment)), ...c.environment },
        secrets: [...new Set([...c.secrets, ...links.flatMap((l) => l.secrets)])],
        dependsOn: linkTargets(connections, c.name),
        overrides: this.overrides.get(c.name),
      };
    });
    const linkedNames = links.flatMap((l) => Object.keys(l.environment));
    for (const app of apps) {
      for (const [key, linked] of linkedEnvironmentClashes(app.environment, linkedNames)) {
        problems.addAt(app.path, `environment.${key} is set by a backing service`, key, `a name the backing services do not set (the stack sets ${linked})`);
      }
    }
    const backing = [...resolved.values()].map((r) => ({
      ...r.container, path: this.path, overrides: this.overrides.get(r.container.name),
    }));
    const all = [...containers, ...backing];
    checkImageNameLength(problems, 'imageRegistry', this.registry, containers.filter((c) => c.imageIsBuilt).map((c) => c.image));
    this.checkPorts(problems, all);
    this.checkCycles(problems, apps);
    checkTypedWaits(problems, containers, new Map(all.map((c) => [c.name, c])), composeProfiles(all));
    problems.throwIfAny();
    const model: ComposeModel = {
      name: composeName(this.project.name),
      containers: all,
      internalOnly: members.filter((m) => !composeNetworks(m).includes(DEFAULT_NETWORK)).map((m) => m.name),
      members,
      links: connections,
      volumes: [...new Set([
        ...all.flatMap((c) => c.volumes.filter((v) => v.named).map((v) => v.source)), ...this.extraVolumes,
      ])],
      secrets: [...new Set([...resolved.values()].flatMap((r) => r.secrets))],
      registry: this.registry,
      tag: this.tag,
    };
    // The final document, overrides applied, is held to the same promises as generated output.
    const doc = renderCompose(model);
    const policies = new Map(all.map((c) => [c.name, {
      publicPorts: c.ports.some((p) => p.public),
      readOnlyRoot: c.security.readOnlyRootFilesystem,
      healthCheck: c.healthcheck !== undefined,
      user: c.security.user && userText(c.security.user),
      capAdd: c.security.capAdd,
      internalOnly: model.internalOnly.includes(c.name),
      gpu: c.gpu !== undefined,
      secrets: c.secrets,
    }]));
    // a backing service's volumes hold its data (database files): no other container mounts them
    const backingVolumes = new Map(backing.flatMap((c) => c.volumes.filter((v) => v.named)
      .map((v) => [v.source, c.name] as [string, string])));
    checkComposeDocument(problems, doc, policies, this.overrides, backingVolumes);
    checkDocumentWaits(problems, doc, new Map<string, WaitFacts>(all.map((c) => [c.name, { job: c.workload === 'job' }])), this.overrides);
    if (this.overrides.size > 0) {
      const errors = validateComposeSchema(doc);
      for (const e of errors) problems.addRaw('compose.yaml with overrides breaks the compose specification', e, 'overrides the official compose schema accepts');
    }
    problems.throwIfAny();
    return model;
  }

  private checkPorts(problems: Problems, containers: ContainerSpec[]): void {
    const used = new Map<number, string>();
    for (const c of containers) {
      for (const p of c.ports) {
        const other = used.get(p.host);
        if (other) problems.add(`host port ${p.host} is published by both ${other} and ${c.name}`, p.host, 'each host port published once (set hostPort)');
        used.set(p.host, c.name);
      }
    }
  }

  private checkCycles(problems: Problems, apps: MlService[]): void {
    const byId = new Map(apps.map((a) => [a.serviceId, a]));
    const state = new Map<string, 'visiting' | 'done'>();
    const stack: string[] = [];
    const visit = (id: string): boolean => {
      if (state.get(id) === 'done') return false;
      if (state.get(id) === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(id)), id];
        problems.addRaw('dependsOn has a cycle', show(cycle.join(' -> ')), 'dependencies without cycles');
        return true;
      }
      state.set(id, 'visiting');
      stack.push(id);
      for (const dep of byId.get(id)?.dependsOn ?? []) {
        if (byId.has(dep.serviceId) && visit(dep.serviceId)) return true;
      }
      stack.pop();
      state.set(id, 'done');
      return false;
    };
    for (const id of byId.keys()) {
      if (visit(id)) return;
    }
  }

  private renderYaml(marker: string): string {
    return `# ${marker}\n${toSafeYaml(renderCompose(this.currentModel()))}`;
  }

  /**
   * The stack's shape, for the docs.
   * @internal
   */
  public _overview(): StackOverview {
    const model = this.currentModel();
    const profiles = composeProfiles(model.containers);
    const apps = new Set(this.appServices().map((a) => a.serviceId));
    return {
      containers: model.containers.map((c) => ({
        name: c.name,
        backing: !apps.has(c.name),
        ports: c.ports.map((p) => p.host),
        profiles: profiles.get(c.name)!,
        internalOnly: model.internalOnly.includes(c.name),
      })),
      waits: model.containers.flatMap((c) => [...c.dependsOn].sort().map((d) => {
        const target = model.containers.find((x) => x.name === d);
        return [c.name, d, target ? waitLabel(waitCondition(target)) : 'healthy'] as const;
      })),
      reach: reachTable(model.members, model.links),
    };
  }

  /**
   * `docker/up.sh`: compose up with the gpu profile where the engine has an NVIDIA runtime, limits fitted to
   * the engine.
   */
  private renderUpScript(marker: string): string {
    const containers = this.currentModel().containers;
    const profiles = composeProfiles(containers);
    const started = containers.filter((c) => {
      const p = profiles.get(c.name)!;
      return p.length === 0 || (p.length === 1 && p[0] === GPU_PROFILE);
    });
    return renderTemplate('compose-up.sh.ejs', {
      marker,
      composeFile: this.composeFile,
      gpu: containers.filter((c) => profiles.get(c.name)!.includes(GPU_PROFILE)).map((c) => c.name),
      limits: started.map((c) => ({
        name: c.name,
        cpus: c.limits.cpus,
        bytes: sizeBytes(c.limits.memory),
        profile: profiles.get(c.name)!.length ? GPU_PROFILE : '-',
      })),
    });
  }

  private renderSecretsScript(marker: string): string {
    return renderSecretsScript({
      marker,
      comments: [
        'Creates the compose secrets that do not exist yet, with random values: files are 0444',
        '(compose ignores uid/gid/mode for file secrets, so containers running as any user can',
        'read them) inside a 0700, git-ignored secrets/ directory. Existing files are kept.',
      ],
      dir: COMPOSE_SECRETS_DIR,
      dirVariable: false,
      names: this.currentModel().secrets,
      create: true,
      mode: '444',
      countMissing: false,
      root: '..',
    });
  }
}

/** A compose project name from the package name (lowercase letters, digits, "-", "_"). */
function composeName(name: string): string {
  return name.replace(/^@[^/]+\//, '').toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[^a-z0-9]+/, '') || 'stack';
}
