import { Component, Project } from 'projen';
import * as z from 'zod/mini';
import { BackingService, BackingServiceKind } from './backing-service';
import { distributedWorkload } from './distributed-workload';
import { renderKubernetesReadme, renderKubernetesSecretsScript } from './kubernetes-docs';
import { KubeClaim, KubeModel, KubeWorkload, namespaceLabels } from './kubernetes-model';
import {
  DNS1123_LABEL, DNS1123_SUBDOMAIN, checkRenderedNames, namespaceFromProject,
} from './kubernetes-names';
import { NetworkSettings, checkNetworkProps, networkModel } from './kubernetes-network';
import {
  KUBERNETES_MANIFESTS_PROPS_SHAPE, KUBERNETES_SERVICE_OPTIONS_SHAPE, KubernetesBackingMode,
  KubernetesManifestsProps, KubernetesServiceOptions,
} from './kubernetes-props';
import { checkCpu, checkMemory, checkNodeSelector, checkStorage } from './kubernetes-quantities';
import { renderKubernetes } from './kubernetes-render';
import { appWorkload, backingWorkload, checkOptionsFit, withHost } from './kubernetes-workloads';
import { NETWORK_POLICIES_FILE } from './network-policy-render';
import { DEFAULT_NETWORK, composeNetworks, stackLinks } from './stack-links';
import { checkComponentScope, checkStackMembers } from './stack-members';
import { DEFAULT_IMAGE_TAG, checkImageTarget, linkMembers, resolveBacking } from './stack-model';
import { checkGeneratedPath } from '../core/generated-path';
import { checkImageNameLength } from '../core/image-name';
import { BASE_DIR, K8S_DIR, SECRETS_DIR } from '../core/layout';
import { Problems, checkShape, oneOfOrNone, show } from '../core/problems';
import { RenderedFile } from '../core/rendered-file';
import { toSafeYaml } from '../core/yaml';
import { MlService, servicesOf } from '../service/service';

/**
 * The options of a configureService call whose shape is right; a wrong one (a misspelled
 * key, a number as a string) is a problem, and the other options are still checked, so
 * one error lists them all.
 */
function typedOptions(problems: Problems, options: unknown): KubernetesServiceOptions {
  if (checkShape(problems, z.strictObject(KUBERNETES_SERVICE_OPTIONS_SHAPE), options)) {
    return options as KubernetesServiceOptions;
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) return {};
  return Object.fromEntries(Object.entries(options).filter(([key, value]) =>
    Object.prototype.hasOwnProperty.call(KUBERNETES_SERVICE_OPTIONS_SHAPE, key)
    && KUBERNETES_SERVICE_OPTIONS_SHAPE[key].safeParse(value).success));
}

const HOST = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:([0-9]{1,5}))?$/;
const DEFAULT_VOLUME_SIZE = '20Gi';

/**
 * Kubernetes manifests under `k8s/` from the same service definitions as compose.yaml: a
 * Deployment and Service per server, a Job per trainer (in an overlay per compose profile,
 * applied on demand), PersistentVolumeClaims, the restricted Pod Security Standard on every
 * pod, and a generated `kustomization.yaml` whose secretGenerator reads git-ignored files.
 *
 * `kubectl apply -k k8s/` deploys the serving stack; `kubectl apply -k k8s/train` also
 * starts the training job. One set of manifests per project.
 */
export class KubernetesManifests extends Component {
  /**
   * The Kubernetes manifests of a project, if it has them.
   * @param project the project to look in
   */
  public static of(project: Project): KubernetesManifests | undefined {
    return project.components.find((c): c is KubernetesManifests => c instanceof KubernetesManifests);
  }

  /** The construct path used in messages. */
  public readonly path: string;
  /** The namespace of every object. */
  public readonly namespace: string;
  /** Whether the manifests render NetworkPolicies (`networkPolicies`). */
  public readonly networkPolicies: boolean;
  /** The folder the manifests go to (`k8s` unless `directory` says otherwise). */
  public readonly directory: string;
  private readonly explicitServices?: MlService[];
  private readonly backing: BackingService[] = [];
  private readonly mode: KubernetesBackingMode;
  private readonly hosts: Record<string, string>;
  private readonly createNamespace: boolean;
  private readonly registry?: string;
  private readonly tag: string;
  private readonly gpuNodeSelector: Record<string, string>;
  private readonly storageClassName?: string;
  private readonly volumeSize: string;
  private readonly volumeSizes: Record<string, string>;
  private readonly network: NetworkSettings;
  private readonly serviceOptions = new Map<MlService, KubernetesServiceOptions>();
  private readonly renderedFiles = new Map<string, RenderedFile>();
  private model?: KubeModel;

  constructor(project: Project, id: string, props: KubernetesManifestsProps = {}) {
    const problems = new Problems(`${project instanceof Project ? project.name : '?'}/${String(id)}`);
    // Plain JavaScript may pass null: it means no props, like undefined.
    props = props ?? {};
    checkComponentScope(problems, project, id);
    const existing = project instanceof Project ? KubernetesManifests.of(project) : undefined;
    if (existing) problems.add('a second KubernetesManifests', id, `one set of manifests per project (already "${existing.node.id}")`);
    problems.throwIfAny();
    super(project, id);
    this.path = problems.path;
    if (!checkShape(problems, z.strictObject(KUBERNETES_MANIFESTS_PROPS_SHAPE), props)) problems.throwIfAny();

    const members = checkStackMembers(problems, project, props.services, props.backingServices);
    this.explicitServices = members.services;
    this.backing.push(...members.backing);
    this.mode = (props.backingServiceMode as KubernetesBackingMode | undefined)
      ?? KubernetesBackingMode.EXTERNAL;

    this.hosts = { ...(props.backingServiceHosts ?? {}) };
    if (Object.keys(this.hosts).length > 0 && this.mode !== KubernetesBackingMode.EXTERNAL) {
      problems.add('backingServiceHosts is set with in-cluster backing services', Object.keys(this.hosts), 'backingServiceMode KubernetesBackingMode.EXTERNAL, or no backingServiceHosts');
    }
    for (const [kind, host] of Object.entries(this.hosts)) {
      if (!this.backing.some((b) => b.kind === kind)) {
        problems.add('backingServiceHosts names a backing service the manifests do not have', kind, oneOfOrNone(this.backing.map((b) => b.kind), 'the manifests have no backing services'));
      }
      const m = HOST.exec(host);
      if (!m || host.length > 253 || (m[3] !== undefined && !(Number(m[3]) >= 1 && Number(m[3]) <= 65535))) {
        problems.add(`backingServiceHosts.${kind}`, host, 'a lowercase dns name with an optional port, e.g. "pg-rw.databases.svc" or "redis:6379"');
      }
    }

    this.createNamespace = props.createNamespace ?? true;
    const namespace = props.namespace ?? namespaceFromProject(project.name);
    if (!DNS1123_LABEL.test(namespace) || namespace.length > 63) {
      problems.add(props.namespace === undefined ? 'the project name gives no valid namespace' : 'namespace', namespace,
        'a dns-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters (set namespace)');
    } else if (namespace.startsWith('kube-')) {
      problems.add('namespace is reserved for the cluster', namespace, 'a namespace of your own, not "kube-*"');
    } else if (namespace === 'default' && this.createNamespace) {
      problems.add('namespace "default" with createNamespace (it would relabel the default namespace)', namespace, 'a namespace of your own, or createNamespace: false');
    }
    this.namespace = namespace;

    checkImageTarget(problems, props.imageRegistry, props.imageTag);
    this.registry = props.imageRegistry;
    this.tag = props.imageTag ?? DEFAULT_IMAGE_TAG;

    this.gpuNodeSelector = checkNodeSelector(problems, 'gpuNodeSelector', props.gpuNodeSelector ?? {});
    if (props.storageClassName !== undefined
      && (!DNS1123_SUBDOMAIN.test(props.storageClassName) || props.storageClassName.length > 253)) {
      problems.add('storageClassName', props.storageClassName, 'a storageclass name: lowercase letters, digits, "-" and ".", e.g. "fast-ssd"');
    }
    this.storageClassName = props.storageClassName;
    this.volumeSize = props.volumeSize ?? DEFAULT_VOLUME_SIZE;
    checkStorage(problems, 'volumeSize', this.volumeSize);
    this.volumeSizes = { ...(props.volumeSizes ?? {}) };
    for (const [name, size] of Object.entries(this.volumeSizes)) checkStorage(problems, `volumeSizes.${name}`, size);
    const external = this.mode === KubernetesBackingMode.EXTERNAL ? this.backing.map((b) => b.kind) : [];
    this.network = checkNetworkProps(problems, props, external);
    this.networkPolicies = this.network.enabled;
    this.directory = props.directory ?? K8S_DIR;
    if (props.directory !== undefined) {
      checkGeneratedPath(problems, 'directory', props.directory, 'deploy/k8s');
    }
    problems.throwIfAny();
    const dir = this.directory;

    new RenderedFile(this, `${dir}/README.md`, (file) => this.renderReadme(file.marker ?? ''));
    const secretsScript = (file: RenderedFile) => this.renderSecretsScript(file.marker ?? '');
    new RenderedFile(this, `${dir}/ensure-secrets.sh`, secretsScript, true);
    // The files behind the secretGenerator hold credentials: never committed.
    project.gitignore.exclude(`/${dir}/${BASE_DIR}/${SECRETS_DIR}/`);
    project.addTask('k8s:secrets', {
      description: 'Check (or, for in-cluster backing services, create) the secret files under '
        + `${dir}/${BASE_DIR}/${SECRETS_DIR}/`,
      exec: `sh ${dir}/ensure-secrets.sh`,
    });
    // kustomize's secretGenerator needs the secret files: on a fresh checkout the script
    // creates them (in-cluster backing services) or names the missing ones, instead of
    // kustomize's "evalsymlink failure". It keeps existing files and writes only to stderr.
    project.addTask('k8s:render', {
      description: `Print the manifests kustomize builds from ${dir}/ `
        + `(k8s:secrets first, then kubectl kustomize ${dir}/)`,
      steps: [{ spawn: 'k8s:secrets' }, { exec: `kubectl kustomize ${dir}/` }],
    });
    project.addTask('k8s:apply', {
      description: `Deploy the serving stack to the current kubectl context (kubectl apply -k ${dir}/)`,
      steps: [{ spawn: 'k8s:secrets' }, { exec: `kubectl apply -k ${dir}/` }],
    });
  }

  /**
   * Sets the Kubernetes-only settings of one service (replicas, requests, node selector,
   * GPU count, job retries). Throws if the service was configured already; one error lists
   * every problem of the call, those against the service itself too (replicas on a job,
   * requests above its limits).
   */
  public configureService(service: MlService, options: KubernetesServiceOptions): void {
    const problems = new Problems(this.path);
    if (!(service instanceof MlService)) {
      problems.add('configureService', service, 'a service construct (PythonService, GpuTrainer or GpuInference)');
      problems.throwIfAny();
    }
    const field = `configureService(${service.serviceId})`;
    if (this.serviceOptions.has(service)) problems.add(`${field}: already configured`, service.serviceId, 'one configureService call per service');
    const o = typedOptions(problems, options ?? {});
    if (o.replicas !== undefined && !(Number.isInteger(o.replicas) && o.replicas >= 0 && o.replicas <= 1000)) problems.add(`${field} replicas`, o.replicas, 'an integer from 0 to 1000');
    if (o.cpuRequest !== undefined) checkCpu(problems, `${field} cpuRequest`, o.cpuRequest);
    if (o.memoryRequest !== undefined) checkMemory(problems, `${field} memoryRequest`, o.memoryRequest);
    if (o.nodeSelector !== undefined) checkNodeSelector(problems, `${field} nodeSelector`, o.nodeSelector);
    if (o.gpuCount !== undefined && !(Number.isInteger(o.gpuCount) && o.gpuCount >= 1 && o.gpuCount <= 64)) problems.add(`${field} gpuCount`, o.gpuCount, 'an integer from 1 to 64');
    if (o.backoffLimit !== undefined && !(Number.isInteger(o.backoffLimit) && o.backoffLimit >= 0 && o.backoffLimit <= 100)) problems.add(`${field} backoffLimit`, o.backoffLimit, 'an integer from 0 to 100');
    if (o.exposeToIngress !== undefined) {
      if (!this.network.ingressSource) {
        problems.add(`${field} exposeToIngress is set, but the manifests name no ingress source`, o.exposeToIngress,
          'ingressNamespaceSelector or ingressPodSelector on the manifests, or no exposeToIngress');
      } else if (service._container().ports.length === 0) {
        problems.add(`${field} exposeToIngress is set on a service without a port`, o.exposeToIngress,
          'exposeToIngress only on services with a port');
      }
    }
    // The checks the manifests repeat at synth, against the service's container, now: no second round.
    checkOptionsFit(problems, field, service._container(), o);
    problems.throwIfAny();
    this.serviceOptions.set(service, { ...o, nodeSelector: o.nodeSelector && { ...o.nodeSelector } });
  }

  /** The app services deployed. */
  public appServices(): MlService[] {
    return [...(this.explicitServices ?? servicesOf(this.project))];
  }

  /** Every problem of the manifests, found before any file is written. */
  public preSynthesize(): void {
    this.model = this.buildModel();
    this.syncFiles(this.model);
  }

  private currentModel(): KubeModel {
    this.model ??= this.buildModel();
    return this.model;
  }

  /** One RenderedFile per manifest (their set depends on the services, known at synth). */
  private syncFiles(model: KubeModel): void {
    for (const file of renderKubernetes(model)) {
      const path = `${this.directory}/${file.path}`;
      if (this.renderedFiles.has(path)) continue;
      const rendered = new RenderedFile(this, path, (f) => this.renderYaml(f.marker ?? '', file.path));
      rendered.preSynthesize();
      this.renderedFiles.set(path, rendered);
    }
  }

  private renderYaml(marker: string, path: string): string {
    const file = renderKubernetes(this.currentModel()).find((f) => f.path === path);
    // Number-like strings (versions such as "535.104.05") stay quoted, as they always were here.
    const docs = (file?.documents ?? []).map((d) => toSafeYaml(d, { aliasDuplicateObjects: false }, /^[-+.0-9][-+.0-9eE_:]*$/));
    return `# ${marker}\n${docs.join('---\n')}`;
  }

  private buildModel(): KubeModel {
    const problems = new Problems(this.path);
    const apps = this.appServices();
    if (apps.length === 0) problems.add('the manifests have no services', [], 'at least one PythonService, GpuTrainer or GpuInference');
    const appNames = apps.map((a) => a.serviceId);
    for (const service of this.serviceOptions.keys()) {
      if (!apps.includes(service)) problems.add('configureService names a service the manifests do not deploy', service.serviceId, oneOfOrNone(appNames, 'the manifests deploy no services'));
    }
    const resolved = resolveBacking(problems, this.backing, appNames);
    const backingConfig: Record<string, string> = {};
    for (const [kind, r] of resolved) {
      for (const [key, value] of Object.entries(r.link.environment)) {
        backingConfig[key] = this.hosts[kind] ? withHost(value, kind, this.hosts[kind]) : value;
      }
    }
    const linkSecrets = [...new Set([...resolved.values()].flatMap((r) => r.link.secrets))];

    const claims = new Map<string, { size: string; source: string }>();
    const sizeOf = (claim: string): string => this.volumeSizes[claim] ?? this.volumeSize;
    const workloads: KubeWorkload[] = [];
    checkImageNameLength(problems, 'imageRegistry', this.registry, apps.map((a) => a._container().image));
    for (const app of apps) {
      const c = app._container();
      const options = this.serviceOptions.get(app) ?? {};
      const field = `configureService(${app.serviceId})`;
      const gpu = app._gpuSummary();
      const w = appWorkload(problems, field, c, options, gpu?.minDriver, {
        backingConfig,
        linkSecrets,
        gpuNodeSelector: this.gpuNodeSelector,
        sizeOf,
        claims,
        gpuCapabilities: gpu?.fleet?.capabilities,
      });
      if (c.distributed && options.gpuCount !== undefined && options.gpuCount !== c.distributed.gpusPerNode) {
        problems.add(`${field} gpuCount disagrees with the trainer's gpusPerNode`, options.gpuCount,
          `${c.distributed.gpusPerNode} (gpusPerNode), or no gpuCount: each pod of a distributed trainer `
          + 'asks for its gpusPerNode, and torchrun starts one process per gpu');
      }
      // a trainer across GPUs or nodes: its JobSet or TrainJob, its peer ports, its sizes in the environment
      workloads.push(c.distributed ? distributedWorkload(w, c.distributed) : w);
    }
    const secrets = new Set(linkSecrets);
    if (this.mode === KubernetesBackingMode.DEVELOPMENT_STATEFUL_SETS) {
      for (const [kind, r] of resolved) {
        const w = backingWorkload(kind as BackingServiceKind, r.container, this.path, sizeOf);
        w.secretKeys.forEach((s) => secrets.add(s));
        workloads.push(w);
      }
    }
    for (const name of Object.keys(this.volumeSizes)) {
      const templates = workloads.flatMap((w) => w.claimTemplates.map((t) => t.name));
      if (!claims.has(name) && !templates.includes(name)) {
        problems.add('volumeSizes names a claim the manifests do not have', name, oneOfOrNone([...claims.keys(), ...templates].sort(), 'the manifests have no volume claims'));
      }
    }
    const partOf = namespaceFromProject(this.project.name) || this.namespace;
    // who reaches whom: the links compose renders as depends_on and networks
    const members = linkMembers(apps.map((a) => a._container()), resolved);
    const network = networkModel(problems, this.network, {
      members,
      links: stackLinks(members),
      workloads,
      hidden: new Set(apps.filter((a) => this.serviceOptions.get(a)?.exposeToIngress === false)
        .map((a) => a.serviceId)),
      internalOnly: members.filter((m) => !composeNetworks(m).includes(DEFAULT_NETWORK)).map((m) => m.name),
      partOf,
      namespace: this.namespace,
      namespaceLabels: this.createNamespace ? namespaceLabels(partOf) : undefined,
    });
    problems.throwIfAny();
    const model: KubeModel = {
      partOf,
      namespace: this.namespace,
      createNamespace: this.createNamespace,
      registry: this.registry,
      tag: this.tag,
      workloads,
      claims: [...claims.entries()].map(([name, c]): KubeClaim => ({ name, size: c.size })),
      storageClassName: this.storageClassName,
      backingConfig: Object.fromEntries(Object.keys(backingConfig).sort().map((k) => [k, backingConfig[k]])),
      secrets: [...secrets].sort(),
      network,
    };
    this.checkNames(problems, model, apps, claims);
    problems.throwIfAny();
    return model;
  }

  /**
   * Every object and file name of the rendered tree valid for its kind and unique, checked
   * on the renderer's own output (so no name the renderer makes escapes the check).
   */
  private checkNames(
    problems: Problems, model: KubeModel, apps: MlService[], claims: Map<string, { source: string }>,
  ): void {
    const owners = (kind: string, name: string, path?: string): string => {
      if (kind === 'Namespace') return `the namespace "${name}"`;
      if (kind === 'NetworkPolicy' && path === `${BASE_DIR}/${NETWORK_POLICIES_FILE}`) {
        return `the default deny NetworkPolicy "${name}"`;
      }
      if (kind === 'PersistentVolumeClaim') {
        const claim = claims.get(name);
        return claim ? `volume "${claim.source}"` : `claim "${name}"`;
      }
      const app = apps.find((a) => a.serviceId === name);
      const ownKinds = ['Deployment', 'Service', 'Job', 'JobSet', 'TrainJob', 'NetworkPolicy'];
      if (app && ownKinds.includes(kind)) return `service "${name}" (${app.path})`;
      if (model.workloads.some((w) => w.kind === 'StatefulSet' && w.spec.name === name)) return `backing service "${name}"`;
      return `the generated ${kind} "${name}"`;
    };
    for (const p of checkRenderedNames(renderKubernetes(model), owners)) {
      problems.addRaw(p.message, show(p.got), p.expected);
    }
  }

  /**
   * `k8s/README.md` (templates/k8s-README.md.ejs): how to apply, the files, volumes, secrets, backing
   * services.
   */
  private renderReadme(marker: string): string {
    const kinds = this.backing.map((b) => b.kind);
    return renderKubernetesReadme(marker, this.currentModel(), this.mode, kinds, this.hosts, this.directory);
  }

  private renderSecretsScript(marker: string): string {
    return renderKubernetesSecretsScript(marker, this.currentModel(), this.mode, this.directory);
  }
}
