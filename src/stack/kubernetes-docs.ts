import { BackingServiceKind } from './backing-service';
import { DRIVER_ANNOTATION, KubeModel, KubeWorkload } from './kubernetes-model';
import { KubernetesBackingMode } from './kubernetes-props';
import { renderSecretsScript } from './secrets-render';
import { BASE_DIR, K8S_DIR, SECRETS_DIR } from '../core/layout';
import { renderTemplate } from '../core/template';

/**
 * The two files beside the manifests that people read or run: `k8s/README.md` (how to apply,
 * the files, volumes, secrets, what to run each backing service with) and
 * `k8s/ensure-secrets.sh`. Both from the manifests' model alone.
 */

/** What to run each backing service with instead, when it is not run for you. */
const RECOMMENDED: Record<BackingServiceKind, string> = {
  [BackingServiceKind.POSTGRES]: 'the CloudNativePG operator (https://cloudnative-pg.io; a `Cluster` named `pg` serves read-write at `pg-rw` and keeps the app user\'s password in the Secret `pg-app`, key `password`) or a managed PostgreSQL (Amazon RDS, Cloud SQL, Azure Database for PostgreSQL)',
  [BackingServiceKind.REDIS]: 'a managed Redis or Valkey (ElastiCache, Memorystore, Azure Cache for Redis) or an operator your platform runs (for example the OT-CONTAINER-KIT redis-operator), with `requirepass` set',
  [BackingServiceKind.MLFLOW]: 'MLflow\'s own Helm chart (https://mlflow.org/docs/latest/self-hosting/kubernetes-helm/), backed by the PostgreSQL above and object storage for artifacts',
};

/** `k8s/README.md` (templates/k8s-README.md.ejs): how to apply, the files, volumes, secrets, backing services. */
export function renderKubernetesReadme(marker: string, model: KubeModel, mode: KubernetesBackingMode, kinds: readonly BackingServiceKind[],
  hosts: Readonly<Record<string, string>>, dir: string = K8S_DIR): string {
  const overlays = [...new Set(model.workloads.flatMap((w) => w.overlays))].sort();
  return renderTemplate('k8s-README.md.ejs', {
    marker,
    dir,
    namespace: model.namespace,
    overlays,
    commands: [
      ['npx projen k8s:secrets', 'checks (or creates) the secret files kustomize reads'],
      [`kubectl apply -k ${dir}/`, 'the serving stack'],
      ...overlays.map((o) => [`kubectl apply -k ${dir}/${o}/`, `the serving stack plus the "${o}" jobs`]),
    ],
    files: [
      ['kustomization.yaml', 'entry point: the base'],
      [`${BASE_DIR}/kustomization.yaml`, `namespace \`${model.namespace}\`, resources, the \`backing-services\` ConfigMap and the \`stack-secrets\` Secret generators`],
      ...model.workloads.filter((w) => w.overlays.length === 0).map((w) => [`${BASE_DIR}/${w.spec.name}.yaml`, describe(w)]),
      ...(model.claims.length ? [[`${BASE_DIR}/volumes.yaml`, `PersistentVolumeClaims: ${model.claims.map((c) => `\`${c.name}\` (${c.size})`).join(', ')}`]] : []),
      ...overlays.flatMap((o) => [
        [`${o}/kustomization.yaml`, `overlay for the compose profile \`${o}\`: the base plus its jobs`],
        ...model.workloads.filter((w) => w.overlays.includes(o)).map((w) => [`${o}/${w.spec.name}.yaml`, describe(w)]),
      ]),
    ],
    volumes: model.claims.length > 0 || model.workloads.some((w) => w.claimTemplates.length > 0),
    secrets: model.secrets,
    secretsDir: `${dir}/${BASE_DIR}/${SECRETS_DIR}`,
    external: mode === KubernetesBackingMode.EXTERNAL,
    backing: kinds.map((k) => ({ kind: k, recommended: RECOMMENDED[k], host: hosts[k] ?? k })),
  });
}

/** `k8s/ensure-secrets.sh`: checks (external backing services) or creates (in-cluster ones) the files kustomize's secretGenerator reads. */
export function renderKubernetesSecretsScript(
  marker: string, model: KubeModel, mode: KubernetesBackingMode, dir: string = K8S_DIR,
): string {
  const create = mode === KubernetesBackingMode.DEVELOPMENT_STATEFUL_SETS;
  return renderSecretsScript({
    marker,
    comments: [
      `The files kustomize's secretGenerator reads (${dir}/${BASE_DIR}/${SECRETS_DIR}/, git-ignored, 0700).`,
      create
        ? 'In-cluster backing services: missing files are created with random values; existing ones are kept.'
        : 'External backing services: their passwords must be placed here; missing files are listed.',
    ],
    dir: `${dir}/${BASE_DIR}/${SECRETS_DIR}`,
    dirVariable: true,
    names: model.secrets,
    create,
    mode: '400',
    countMissing: true,
    root: dir.split('/').map(() => '..').join('/'),
  });
}

function describe(w: KubeWorkload): string {
  const parts = [w.kind === 'Job' ? `Job (restartPolicy Never, backoffLimit ${w.backoffLimit})` : w.kind === 'StatefulSet' ? 'StatefulSet (1 replica, development only)' : `Deployment (${w.replicas} replica${w.replicas === 1 ? '' : 's'})`];
  if (w.ports.length && w.kind !== 'Job') parts.push(`Service on port ${w.ports.map((p) => p.port).join(', ')}`);
  if (w.gpuCount !== undefined) parts.push(`${w.gpuCount} GPU${w.gpuCount === 1 ? '' : 's'}${w.annotations[DRIVER_ANNOTATION] ? `, driver >= ${w.annotations[DRIVER_ANNOTATION]}` : ''}`);
  return parts.join('; ');
}
