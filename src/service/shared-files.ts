import { Project } from 'projen';
import { readAsset } from '../core/data';
import { registryOf } from './registry';
import { RenderedFile } from '../core/rendered-file';
import { ignoreFileLines } from '../core/dockerignore';
import { ensureDocs } from '../project/docs';
import { addCommonSample } from './samples';

/** Generated helper modules every image copies to /opt/mldocker. */
export const RUNTIME_HELPERS_DIR = 'docker/runtime';
/** The Python package of the runtime helpers, importable in every image (`/opt/mldocker` is on PYTHONPATH). */
export const RUNTIME_PACKAGE = 'mldocker_runtime';
/** Code shared by every service, copied to /app/common (user-owned sample). */
export const SHARED_CODE_DIR = 'services/common';

const RUNTIME_MODULES = ['__init__.py', 'driver_check.py', 'healthcheck.py', 'heartbeat.py'];

/**
 * Creates, once per project, the files all services share: the runtime helper modules and
 * the root `.dockerignore` (the union of every service's allow-list, for builders that do
 * not read per-Dockerfile ignore files).
 */
export function ensureSharedFiles(project: Project): void {
  const registry = registryOf(project);
  if (registry.sharedFilesCreated) return;
  registry.sharedFilesCreated = true;
  ensureDocs(project);
  addCommonSample(project, SHARED_CODE_DIR);
  for (const module of RUNTIME_MODULES) {
    new RenderedFile(project, `${RUNTIME_HELPERS_DIR}/${RUNTIME_PACKAGE}/${module}`, (file) =>
      `# ${file.marker}\n${readAsset('templates', 'runtime', module)}`);
  }
  new RenderedFile(project, '.dockerignore', (file) => [
    `# ${file.marker}`,
    '# Fallback for builders without per-Dockerfile ignore files (docker/<id>/Dockerfile.dockerignore):',
    '# the union of what every service\'s Dockerfile reads.',
    ...ignoreFileLines(registry.services.flatMap((s) => s.contextPaths())),
    ...registry.services.flatMap((s) => s._ignoreExtraLines()),
  ].join('\n') + '\n');
}
