import { renderTemplate } from '../core/template';

/**
 * What the ensure-secrets script of a stack does (compose: `docker/ensure-secrets.sh`, Kubernetes:
 * `k8s/ensure-secrets.sh`).
 */
export interface SecretsScriptModel {
  /** The generated-file marker. */
  readonly marker: string;
  /** Comment lines under the marker: what the script does, for a reader. */
  readonly comments: readonly string[];
  /** The folder of the secret files, relative to the project root. */
  readonly dir: string;
  /** Whether the script names the folder through a `dir` variable. */
  readonly dirVariable: boolean;
  /** The secret files (one per name). */
  readonly names: readonly string[];
  /** Whether missing files are created with random values (else they are listed and the script fails). */
  readonly create: boolean;
  /** The mode of a created file. */
  readonly mode: string;
  /** Whether the script counts missing files and exits 1 when one is missing. */
  readonly countMissing: boolean;
  /** The project root seen from the script's folder (`..`, or `../..` for `deploy/k8s/`). */
  readonly root: string;
}

/**
 * The ensure-secrets script: a folder only its owner can enter, random secrets created once, existing ones
 * kept. Pure.
 */
export function renderSecretsScript(model: SecretsScriptModel): string {
  return renderTemplate('ensure-secrets.sh.ejs', model);
}
