/**
 * Checks every Kubernetes test holds rendered objects to, written from the upstream
 * documents and independent of the product code: the upstream OpenAPI schemas
 * (kubernetes-models), and the "restricted" Pod Security Standard on every pod template.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

const REPO = path.resolve(__dirname, '..', '..');

// ---------------------------------------------------------------------------------------
// Schema validation with kubernetes-models (an ES module: validated in a child process,
// many objects per call).

const VALIDATE = `
import { readFileSync } from 'node:fs';
const docs = JSON.parse(readFileSync(0, 'utf-8'));
const errors = [];
for (const [i, d] of docs.entries()) {
  const [group, version] = d.apiVersion.includes('/') ? d.apiVersion.split('/') : [undefined, d.apiVersion];
  const mod = await import(group ? 'kubernetes-models/' + group + '/' + version + '/' + d.kind : 'kubernetes-models/' + version + '/' + d.kind);
  try { new mod[d.kind](d).validate(); } catch (e) { errors.push(i + ' ' + d.kind + '/' + (d.metadata && d.metadata.name) + ': ' + e.message); }
}
process.stdout.write(JSON.stringify(errors));
`;

/** Schema errors of Kubernetes objects (empty when all are valid). */
export function schemaErrors(docs: unknown[]): string[] {
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', VALIDATE], {
    cwd: REPO, input: JSON.stringify(docs), encoding: 'utf-8', maxBuffer: 256 * 1024 * 1024,
  });
  if (res.status !== 0) throw new Error(`kubernetes-models validation failed to run: ${res.stderr}`);
  return JSON.parse(res.stdout);
}

// ---------------------------------------------------------------------------------------
// The "restricted" Pod Security Standard (https://kubernetes.io/docs/concepts/security/pod-security-standards/),
// baseline checks included, as the policy's own list of controls.

const RESTRICTED_VOLUME_TYPES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
const SAFE_SYSCTLS = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'];
const SELINUX_TYPES = ['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'];

/**
 * The pod spec of an object: a Pod's own, a workload's template, a JobSet's (its one
 * replicated Job's template), or the pod a Kubeflow TrainJob's runtime patch writes (the
 * Trainer merges it into the runtime's pod, whose own template holds only the image).
 */
export function podSpecOf(doc: any): any {
  if (doc.kind === 'Pod') return doc.spec;
  if (doc.kind === 'JobSet') return doc.spec?.replicatedJobs?.[0]?.template?.spec?.template?.spec;
  if (doc.kind === 'TrainJob') {
    const job = doc.spec?.runtimePatches?.[0]?.trainingRuntimeSpec?.template?.spec?.replicatedJobs?.[0];
    return job?.template?.spec?.template?.spec;
  }
  if (['Deployment', 'StatefulSet', 'Job', 'DaemonSet', 'ReplicaSet'].includes(doc.kind)) return doc.spec?.template?.spec;
  if (doc.kind === 'CronJob') return doc.spec?.jobTemplate?.spec?.template?.spec;
  return undefined;
}

/** Every control of the restricted profile the pod of `doc` breaks. */
export function restrictedViolations(doc: any): string[] {
  const spec = podSpecOf(doc);
  if (!spec) return [];
  const out: string[] = [];
  const psc = spec.securityContext ?? {};
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) out.push('host namespaces');
  if (psc.windowsOptions?.hostProcess) out.push('hostProcess');
  for (const v of spec.volumes ?? []) {
    const type = Object.keys(v).find((k) => k !== 'name')!;
    if (!RESTRICTED_VOLUME_TYPES.includes(type)) out.push(`volume type ${type}`);
  }
  for (const s of psc.sysctls ?? []) if (!SAFE_SYSCTLS.includes(s.name)) out.push(`sysctl ${s.name}`);
  if (psc.runAsUser === 0) out.push('pod runAsUser 0');
  if (psc.seLinuxOptions && (!SELINUX_TYPES.includes(psc.seLinuxOptions.type ?? '') || psc.seLinuxOptions.user || psc.seLinuxOptions.role)) out.push('pod seLinuxOptions');
  if (psc.appArmorProfile && !['RuntimeDefault', 'Localhost'].includes(psc.appArmorProfile.type)) out.push('pod appArmorProfile');
  for (const c of [
    ...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? []),
  ]) {
    const sc = c.securityContext ?? {};
    const where = `container ${c.name}`;
    if (sc.windowsOptions?.hostProcess) out.push(`${where} hostProcess`);
    if (sc.privileged) out.push(`${where} privileged`);
    if (sc.allowPrivilegeEscalation !== false) out.push(`${where} allowPrivilegeEscalation`);
    if ((sc.runAsNonRoot ?? psc.runAsNonRoot) !== true) out.push(`${where} runAsNonRoot`);
    if (sc.runAsUser === 0) out.push(`${where} runAsUser 0`);
    if (!['RuntimeDefault', 'Localhost'].includes((sc.seccompProfile ?? psc.seccompProfile)?.type)) out.push(`${where} seccompProfile`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) out.push(`${where} capabilities.drop ALL`);
    for (const cap of sc.capabilities?.add ?? []) if (cap !== 'NET_BIND_SERVICE') out.push(`${where} capabilities.add ${cap}`);
    for (const p of c.ports ?? []) if (p.hostPort) out.push(`${where} hostPort`);
    if (sc.procMount && sc.procMount !== 'Default') out.push(`${where} procMount`);
    if (sc.seLinuxOptions && (!SELINUX_TYPES.includes(sc.seLinuxOptions.type ?? '') || sc.seLinuxOptions.user || sc.seLinuxOptions.role)) out.push(`${where} seLinuxOptions`);
    if (sc.appArmorProfile && !['RuntimeDefault', 'Localhost'].includes(sc.appArmorProfile.type)) out.push(`${where} appArmorProfile`);
  }
  return out;
}
