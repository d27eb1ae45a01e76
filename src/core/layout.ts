/**
 * Folders of the generated tree that more than one room names (a service must keep its mounts
 * away from the folders the stacks fill with credentials).
 */

/** The file tree under `k8s/`. */
export const K8S_DIR = 'k8s';
/** The kustomization every entry point builds on. */
export const BASE_DIR = 'base';
/** Files the user places (git-ignored) and the kustomize secretGenerator reads. */
export const SECRETS_DIR = 'secrets';
/** Where `docker compose` reads the stack's secret files from (`secrets/<name>`). */
export const COMPOSE_SECRETS_DIR = 'secrets';

/** Project folders the generated files fill with credentials (compose and Kubernetes secrets). */
export const GENERATED_SECRET_DIRS: readonly string[] = [COMPOSE_SECRETS_DIR, `${K8S_DIR}/${BASE_DIR}/${SECRETS_DIR}`];
