import { Project } from 'projen';
import { addCommonSample } from './samples';
import { readAsset } from '../core/data';
import { ignoreFileLines } from '../core/dockerignore';
import { RenderedFile } from '../core/rendered-file';
import { RUNTIME_HELPERS_DIR, RUNTIME_PACKAGE, SHARED_CODE_DIR } from '../image/image-paths';


export { RUNTIME_HELPERS_DIR, RUNTIME_PACKAGE, SHARED_CODE_DIR } from '../image/image-paths';

/** What the root ignore file reads of each service. */
export interface ServiceFiles {
  /** The paths its Dockerfile reads from the build context. */
  contextPaths(): string[];
  /** Lines its ignore file adds after the allow-list. */
  _ignoreExtraLines(): string[];
}

const RUNTIME_MODULES = ['__init__.py', 'driver_check.py', 'entry_check.py', 'healthcheck.py', 'heartbeat.py'];

/**
 * The files all services share: the runtime helper modules, the shared code sample and the
 * root `.dockerignore` (the union of every service's allow-list, for builders that do not
 * read per-Dockerfile ignore files). Called once per project, by `ProjectServices`.
 */
export function createSharedFiles(project: Project, services: () => readonly ServiceFiles[]): void {
  addCommonSample(project, SHARED_CODE_DIR);
  for (const module of RUNTIME_MODULES) {
    new RenderedFile(project, `${RUNTIME_HELPERS_DIR}/${RUNTIME_PACKAGE}/${module}`, (file) =>
      `# ${file.marker}\n${readAsset('templates', 'runtime', module)}`);
  }
  new RenderedFile(project, '.dockerignore', (file) => [
    `# ${file.marker}`,
    '# Fallback for builders without per-Dockerfile ignore files (docker/<id>/Dockerfile.dockerignore):',
    '# the union of what every service\'s Dockerfile reads.',
    ...ignoreFileLines(services().flatMap((s) => s.contextPaths())),
    ...services().flatMap((s) => s._ignoreExtraLines()),
  ].join('\n') + '\n');
}
