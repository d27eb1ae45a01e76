import { existsSync, readFileSync, readdirSync, statSync } from 'fs';
import { join } from 'path';
import type { FilesUnder } from './change-groups';
import { CacheReportOptions, DockerfileCacheInput } from './report-types';

/** A project's Dockerfiles as the report reads them from disk. */
export interface ProjectDockerfiles {
  /** One input per service asked for, in id order (or the order asked for). */
  readonly inputs: DockerfileCacheInput[];
  /** The files of the build context (the project root) under a path. */
  readonly filesUnder: FilesUnder;
}

/**
 * Reads every `docker/<id>/Dockerfile` of a project (the build context is the project
 * root, as in the generated compose.yaml) with its ignore file: `<Dockerfile>.dockerignore`,
 * else the root `.dockerignore`. A service asked for without a Dockerfile is an error naming
 * the services there are.
 */
export function readProjectDockerfiles(
  projectDir: string, options: CacheReportOptions = {},
): ProjectDockerfiles {
  const dockerDir = join(projectDir, 'docker');
  const ids = existsSync(dockerDir)
    ? readdirSync(dockerDir).filter((d) => existsSync(join(dockerDir, d, 'Dockerfile'))).sort()
    : [];
  const wanted = options.services ?? ids;
  const unknown = wanted.filter((s) => !ids.includes(s));
  if (unknown.length > 0) {
    throw new Error(`no Dockerfile for service ${unknown.map((u) => `"${u}"`).join(', ')} under ${dockerDir}; services: ${ids.join(', ') || '(none)'}`);
  }
  const filesUnder = (path: string): string[] => {
    const full = join(projectDir, path === '.' ? '' : path);
    if (safeIsFile(full)) return [path];
    return listFiles(projectDir, path === '.' ? '' : path);
  };
  const inputs = wanted.map((service): DockerfileCacheInput => {
    const dockerfilePath = `docker/${service}/Dockerfile`;
    const own = `${dockerfilePath}.dockerignore`;
    const ignorePath = existsSync(join(projectDir, own)) ? own : existsSync(join(projectDir, '.dockerignore')) ? '.dockerignore' : undefined;
    return {
      service,
      dockerfile: readFileSync(join(projectDir, dockerfilePath), 'utf-8'),
      dockerfilePath,
      ignoreFile: ignorePath && readFileSync(join(projectDir, ignorePath), 'utf-8'),
      ignoreFilePath: ignorePath,
      targets: options.targets,
    };
  });
  return { inputs, filesUnder };
}

/**
 * Every file under `dir`/`prefix` (relative to `dir`, `/`-separated, sorted); skips node_modules and .git.
 */
function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  let entries;
  try {
    entries = readdirSync(join(dir, prefix), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (entry.name === 'node_modules' || entry.name === '.git') continue;
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(dir, rel));
    else if (entry.isFile() || (entry.isSymbolicLink() && safeIsFile(join(dir, rel)))) out.push(rel);
  }
  return out.sort();
}

function safeIsFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
