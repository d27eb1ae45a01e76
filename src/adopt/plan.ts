/**
 * What an adoption decided, before it is checked and written: the project's options and each
 * service's props, every value with where it came from, and what it could not decide. Plain
 * data: the dry run builds the constructs from it, the writer turns it into `.projenrc.ts`.
 */

/** A `Dependencies` factory call, as data. */
export interface DependenciesPlan {
  readonly factory: 'fromRequirementsFiles' | 'fromPyproject' | 'fromCogYaml' | 'fromSetupPy';
  readonly options: Readonly<Record<string, unknown>>;
}

/** One prop with its value and where it came from (`Dockerfile:31 CMD`). */
export interface PlannedProp {
  readonly key: string;
  /** A JSON value, or a `DependenciesPlan` for `dependencies`. */
  readonly value: unknown;
  /** Where the value was read, or why it was chosen. */
  readonly from: string;
}

/** The service classes adoption writes. */
export type ServiceKind = 'PythonService' | 'GpuTrainer' | 'GpuInference';

export interface ServicePlan {
  readonly id: string;
  readonly kind: ServiceKind;
  /** Why this kind (comment lines above the service). */
  readonly why: readonly string[];
  readonly props: readonly PlannedProp[];
  /** What the service needs that adoption cannot decide or give (written as TODO comments). */
  readonly todos: readonly string[];
}

export interface AdoptionPlan {
  /** The project name (the folder's name made valid). */
  readonly name: string;
  /** The folder's name as it is, when the name differs from it. */
  readonly folder?: string;
  /** Options of `MlDockerProject` besides name and description. */
  readonly project: readonly PlannedProp[];
  readonly services: readonly ServicePlan[];
  /** Props of the `ComposeStack`, when the project gets one. */
  readonly stack?: readonly PlannedProp[];
  /** Project-wide TODO lines. */
  readonly todos: readonly string[];
  /** What the repository has that the definition does not take over, and why. */
  readonly notAdopted: readonly string[];
  /** What was read and how (the header comment). */
  readonly read: readonly string[];
}

/** A plan's prop by key. */
export function propOf(props: readonly PlannedProp[], key: string): PlannedProp | undefined {
  return props.find((p) => p.key === key);
}

/** A copy of props with one replaced, added or (value undefined) removed. */
export function withProp(
  props: readonly PlannedProp[],
  key: string,
  value: unknown,
  from = '',
): PlannedProp[] {
  const rest = props.filter((p) => p.key !== key);
  return value === undefined ? rest : [...rest, { key, value, from }];
}
