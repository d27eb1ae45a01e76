import { statSync } from 'fs';
import { join, posix } from 'path';
import { CopySource } from './image-files';
import { ProjectTree } from './project-tree';

/**
 * A file the container runs directly (`command: ['./start.sh']`) is executed by the kernel:
 * without the executable bit, `docker run` fails with "permission denied" although the file
 * is in the image. `COPY` keeps the mode the build context has, which is the work tree's on a
 * local build and git's recorded mode on a checkout (the CI build), so both are read.
 */

/** What the project says about one file's executable bit. */
export interface ExecutableFacts {
  /** The owner's executable bit on disk; undefined where the file system has none (Windows). */
  readonly onDisk?: boolean;
  /** Git's recorded mode (100755: true, 100644: false); undefined when git does not track the file. */
  readonly inGit?: boolean;
}

/** The project file an image path comes from (the last `COPY` that writes it wins), or undefined. */
export function projectPathOf(imagePath: string, copies: readonly CopySource[]): string | undefined {
  for (const copy of [...copies].reverse()) {
    const from = copy.from.replace(/^\.\/?/, '').replace(/\/+$/, '');
    const to = posix.normalize(copy.to).replace(/\/+$/, '') || '/';
    if (imagePath === to) return from;
    if (imagePath.startsWith(`${to}/`)) return posix.join(from, imagePath.slice(to.length + 1));
  }
  return undefined;
}

/** Reads a project file's executable bit on disk and in git's index (`tree` read with `readProjectTree`). */
export function executableFacts(
  root: string, projectPath: string, tree: ProjectTree, platform: string = process.platform,
): ExecutableFacts {
  const stat = statSync(join(root, ...projectPath.split('/')), { throwIfNoEntry: false });
  const onDisk = platform === 'win32' || stat === undefined ? undefined : Math.floor(stat.mode / 0o100) % 2 === 1;
  const inGit = tree.tracked.includes(projectPath)
    ? (tree.trackedExecutable ?? []).includes(projectPath) : undefined;
  return { ...(onDisk === undefined ? {} : { onDisk }), ...(inGit === undefined ? {} : { inGit }) };
}

/**
 * Why a file the container runs directly cannot start, with the fix, or undefined when its
 * executable bit is set wherever the project records one. `name` is the path as the command
 * writes it, `projectPath` the file in the project.
 */
export function executableProblem(role: string, name: string, projectPath: string, facts: ExecutableFacts):
{ readonly problem: string; readonly expected: string } | undefined {
  const interpreter = projectPath.endsWith('.py') ? 'python' : 'sh';
  if (facts.onDisk === false) {
    const git = facts.inGit === undefined ? '' : facts.inGit ? ' (git already records it as executable: the work tree lost the bit)' : `, then git update-index --chmod=+x ${projectPath} and commit`;
    return {
      problem: `${role} "${name}" (${projectPath}) is not executable, so the container cannot start it (exec fails with "permission denied")`,
      expected: `an executable file: chmod +x ${projectPath}${git}; or start it through its interpreter (["${interpreter}", "${name}"])`,
    };
  }
  if (facts.inGit === false) {
    return {
      problem: `${role} "${name}" (${projectPath}) is executable on disk, but git records it without the executable bit (mode 100644), so a checkout (the CI build) cannot start it`,
      expected: `git update-index --chmod=+x ${projectPath}, then commit it; or start it through its interpreter (["${interpreter}", "${name}"])`,
    };
  }
  return undefined;
}
