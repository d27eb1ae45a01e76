/**
 * Every name the Kubernetes manifests use: how object, volume and file names are made from
 * the definition (slugs cut without a trailing "-"), which DNS rule each kind of name
 * follows, and the check that the rendered tree has valid, unique names only.
 *
 * The rules are Kubernetes' own (apimachinery's validation): a DNS-1123 label is at most 63
 * lowercase letters, digits and "-", starting and ending with a letter or digit; a DNS-1123
 * subdomain is at most 253 characters of dot-separated labels; a DNS-1035 label is a DNS-1123
 * label that starts with a letter; an IANA service name (port names) is at most 15 lowercase
 * letters, digits and "-", with a letter, no "--" and no "-" at either end.
 */

export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
/** Label values: at most 63 letters, digits, "-", "_", "." starting and ending alphanumeric. */
export const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** The kinds of names Kubernetes validates, each with its rule. */
export type NameRule = 'dns1123-label' | 'dns1123-subdomain' | 'dns1035-label' | 'iana-svc-name';

const RULE_TEXT: Record<NameRule, string> = {
  'dns1123-label': 'a dns-1123 label: at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit',
  'dns1123-subdomain': 'a dns-1123 subdomain: at most 253 characters of dot-separated dns-1123 labels',
  'dns1035-label': 'a dns-1035 label: at most 63 lowercase letters, digits and "-", starting with a letter and ending with a letter or digit',
  'iana-svc-name': 'an iana service name: at most 15 lowercase letters, digits and "-", with a letter, no "--", not starting or ending with "-"',
};

/** True when the name follows the rule. */
export function isValidName(rule: NameRule, name: string): boolean {
  switch (rule) {
    case 'dns1123-label': return name.length <= 63 && DNS1123_LABEL.test(name);
    case 'dns1123-subdomain': return name.length <= 253 && DNS1123_SUBDOMAIN.test(name);
    case 'dns1035-label': return name.length <= 63 && DNS1035_LABEL.test(name);
    case 'iana-svc-name': return name.length <= 15 && IANA_SVC_NAME.test(name) && /[a-z]/.test(name) && !name.includes('--');
  }
}

/** What a rule allows, for messages. */
export function ruleText(rule: NameRule): string {
  return RULE_TEXT[rule];
}

/**
 * The rule an object's `metadata.name` must follow. The API server takes subdomains for most
 * kinds, but several names become more: a Service name is a DNS name of the cluster
 * (DNS-1035); a Namespace is a label; a Deployment, Job or StatefulSet name is also the
 * `app.kubernetes.io/name` label value of its pods (and a Job's `job-name` label, a
 * StatefulSet's pod host names), so those are labels too.
 */
export const OBJECT_NAME_RULES: Readonly<Record<string, NameRule>> = {
  Namespace: 'dns1123-label',
  Service: 'dns1035-label',
  Deployment: 'dns1123-label',
  Job: 'dns1123-label',
  StatefulSet: 'dns1123-label',
  // a JobSet's name starts its pods' host names and is the subdomain of its headless Service
  JobSet: 'dns1123-label',
  // Kubeflow Trainer refuses a TrainJob name that does not start with a letter
  TrainJob: 'dns1035-label',
  PersistentVolumeClaim: 'dns1123-subdomain',
  ConfigMap: 'dns1123-subdomain',
  Secret: 'dns1123-subdomain',
};

/**
 * Cuts a slug to `max` characters without leaving "-" at either end (a cut slug that ends
 * in "-" is not a DNS name). Empty when nothing is left.
 */
export function trimSlug(text: string, max = 63): string {
  return text.slice(0, max).replace(/^-+|-+$/g, '');
}

/** Lowercase letters and digits; every other run of characters becomes one "-". */
function slug(text: string, keep: RegExp): string {
  return text.toLowerCase().replace(keep, '-').replace(/^-+|-+$/g, '');
}

/** The namespace a project name gives (`@acme/Vision_ML` -> `vision-ml`); empty when none. */
export function namespaceFromProject(name: string): string {
  return trimSlug(slug(String(name ?? '').replace(/^@[^/]+\//, ''), /[^a-z0-9-]+/g));
}

/**
 * The PersistentVolumeClaim of a compose volume: named volumes keep their (slugged) name,
 * bind paths (`./data`) become a slug of the path. Also the pod volume name, so a label.
 */
export function claimName(source: string, named: boolean): string {
  if (named) return trimSlug(slug(source, /[^a-z0-9-]+/g));
  return trimSlug(slug(source.replace(/^\.\//, ''), /[^a-z0-9]+/g)) || 'data';
}

/** The pod volume name of a scratch (`emptyDir`) directory: `scratch-` and a slug of the path. */
export function scratchVolumeName(path: string): string {
  return `scratch-${trimSlug(slug(path.replace(/^\/+/, ''), /[^a-z0-9]+/g), 55) || 'root'}`;
}

/** Fixed pod volume names of the renderer. */
export const SHM_VOLUME = 'dshm';
export const SECRETS_VOLUME = 'secrets';

/** The PersistentVolumeClaims a StatefulSet's claim template creates (`<template>-<set>-<ordinal>`). */
export function claimTemplatePvcNames(template: string, statefulSet: string, replicas: number): string[] {
  return Array.from({ length: Math.max(replicas, 1) }, (_, i) => `${template}-${statefulSet}-${i}`);
}

/** One name problem of the rendered tree. */
export interface NameProblem {
  readonly message: string;
  readonly got: unknown;
  readonly expected: string;
}

/** A rendered manifest file: its path under the tree and its objects. */
export interface NamedFile {
  readonly path: string;
  readonly documents: ReadonlyArray<Record<string, any>>;
}

function describeFile(file: NamedFile): string {
  return file.documents.map((d) => `${d.kind} "${d.metadata?.name}"`).join(' and ') || 'a kustomization';
}

/**
 * Checks the names of a rendered tree: every file path once; every object name valid for its
 * kind and unique per kind in each kustomize build (the base alone, and the base with each
 * overlay); inside each pod, valid and unique volume, container and port names. `owners`
 * says which definition produced an object name (of a kind, in a file), for messages (a clash
 * also names both files).
 */
export function checkRenderedNames(files: readonly NamedFile[],
  owners: (kind: string, name: string, path?: string) => string): NameProblem[] {
  const problems: NameProblem[] = [];
  const byPath = new Map<string, NamedFile>();
  for (const file of files) {
    const other = byPath.get(file.path);
    if (other) {
      problems.push({
        message: `two generated files would be written to ${file.path}: ${describeFile(other)} and ${describeFile(file)}`,
        got: file.path,
        expected: 'service ids, volume names and profiles that do not give the name of another generated file '
          + '(kustomization, namespace, volumes, network-policies)',
      });
    }
    byPath.set(file.path, file);
  }
  const dirOf = (p: string) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');
  type Placed = { doc: Record<string, any>; path: string };
  const objects = (dir: string): Placed[] => files.filter((f) => dirOf(f.path) === dir)
    .flatMap((f) => f.documents.filter((d) => d.kind !== 'Kustomization').map((doc) => ({ doc, path: f.path })));
  const dirs = [...new Set(files.map((f) => dirOf(f.path)))].filter((d) => d !== '').sort();
  const base = dirs.includes('base') ? 'base' : undefined;
  const builds = dirs.map((d) => (d === base || !base ? objects(d) : [...objects(base), ...objects(d)]));
  const reported = new Set<string>();
  const podsChecked = new Set<Record<string, any>>();
  for (const build of builds) {
    const seen = new Map<string, { owner: string; path: string }>();
    for (const { doc, path } of build) {
      const kind = String(doc.kind);
      const name = String(doc.metadata?.name);
      const key = `${kind}/${name}`;
      if (reported.has(key)) continue;
      const rule = OBJECT_NAME_RULES[kind] ?? 'dns1123-subdomain';
      const owner = owners(kind, name, path);
      if (!isValidName(rule, name)) {
        reported.add(key);
        problems.push({ message: `the ${kind} name of ${owner} is not a valid kubernetes name`, got: name, expected: ruleText(rule) });
        continue;
      }
      const first = seen.get(key);
      if (first) {
        reported.add(key);
        problems.push({ message: `${first.owner} (${first.path}) and ${owner} (${path}) both give the ${kind} "${name}"`, got: name, expected: `one ${kind} per name (rename one of them)` });
        continue;
      }
      seen.set(key, { owner, path });
      if (!podsChecked.has(doc)) problems.push(...podNameProblems(doc, owner));
      podsChecked.add(doc);
    }
    // PersistentVolumeClaims a StatefulSet will create exist too, under names of their own.
    for (const { doc } of build.filter((p) => p.doc.kind === 'StatefulSet')) {
      for (const t of doc.spec?.volumeClaimTemplates ?? []) {
        for (const pvc of claimTemplatePvcNames(t.metadata.name, doc.metadata.name, doc.spec.replicas ?? 1)) {
          const key = `PersistentVolumeClaim/${pvc}`;
          const clash = seen.get(key);
          if (clash !== undefined && !reported.has(key)) {
            reported.add(key);
            problems.push({ message: `${clash.owner} and the claim template of ${owners('StatefulSet', doc.metadata.name)} both give the PersistentVolumeClaim "${pvc}"`, got: pvc, expected: 'one PersistentVolumeClaim per name (rename the volume)' });
          }
        }
      }
    }
  }
  return problems;
}

/** The pod template of an object: a workload's, a JobSet's replicated Job's, a TrainJob's runtime patch. */
function podTemplateOf(doc: Record<string, any>): Record<string, any> | undefined {
  if (doc.kind === 'JobSet') return doc.spec?.replicatedJobs?.[0]?.template?.spec?.template;
  if (doc.kind === 'TrainJob') {
    const job = doc.spec?.runtimePatches?.[0]?.trainingRuntimeSpec?.template?.spec?.replicatedJobs?.[0];
    return job?.template?.spec?.template;
  }
  return doc.spec?.template;
}

function podNameProblems(doc: Record<string, any>, owner: string): NameProblem[] {
  const template = podTemplateOf(doc);
  const pod = template?.spec;
  if (!pod) return [];
  const problems: NameProblem[] = [];
  const unique = (what: string, names: string[], rule: NameRule) => {
    const seen = new Set<string>();
    for (const name of names) {
      if (!isValidName(rule, name)) problems.push({ message: `a pod ${what} of ${owner} is not a valid kubernetes name`, got: name, expected: ruleText(rule) });
      else if (seen.has(name)) problems.push({ message: `two pod ${what}s of ${owner} have the same name`, got: name, expected: `distinct ${what} names (a volume, data or model directory named like a scratch, shm or secrets volume clashes)` });
      seen.add(name);
    }
  };
  unique('volume', [
    ...(pod.volumes ?? []).map((v: any) => v.name),
    ...(doc.spec?.volumeClaimTemplates ?? []).map((t: any) => t.metadata.name),
  ], 'dns1123-label');
  unique('container', (pod.containers ?? []).map((c: any) => c.name), 'dns1123-label');
  unique('port', (pod.containers ?? []).flatMap((c: any) => (c.ports ?? []).map((p: any) => p.name)), 'iana-svc-name');
  const label = template?.metadata?.labels?.['app.kubernetes.io/name'];
  if (label !== undefined && (String(label).length > 63 || !LABEL_VALUE.test(String(label)))) {
    problems.push({ message: `the app.kubernetes.io/name label of ${owner} is not a valid label value`, got: label, expected: 'at most 63 letters, digits, "-", "_" or "."' });
  }
  return problems;
}
