import ignore from '@balena/dockerignore';
import { ALWAYS_EXCLUDED } from '../core/dockerignore';
import { Problems } from '../core/problems';
import { RUNTIME_HELPERS_DIR } from '../image/image-paths';

/**
 * What the `project` stage of an `installProject` service receives: the project's files as git
 * sees them (tracked, and untracked but not ignored), with their paths, minus what no image ever
 * receives (data, weights, environments, credentials: the ignore files' re-exclusions) and the
 * files this project generates. A build backend may read any of them (a setup.py that opens the
 * README, `[tool.setuptools.dynamic]` files, a CMakeLists.txt and its `vendor/` folder), so all
 * of them go in; the stage's only output is the wheel.
 */
export interface ProjectStage {
  /** Files at the root, copied by one `COPY` into `/tmp/project/`. */
  readonly files: readonly string[];
  /** Folders at the root holding files of the stage: one `COPY` each, to their path under `/tmp/project/`. */
  readonly folders: readonly string[];
  /**
   * Ignore-file lines that keep out what lies in those folders but is not the project's as git
   * sees it (ignored files such as `build/`, `*.egg-info`, a module compiled in place, and the
   * generated files), except under `keep` (the folders copied into `/app`, whose files are copied
   * as they are on disk).
   */
  readonly ignoreLines: readonly string[];
}

/** Folders this project's generator owns: never part of the user's package. */
const GENERATED_DIRS: readonly string[] = ['docker', '.projen', 'node_modules', RUNTIME_HELPERS_DIR];

/**
 * The definition and its Node toolchain at the root, which no Python build backend reads: left
 * out, so that a change of the definition does not rebuild the wheel. (The generated
 * `.gitignore` is left out too; what it ignores is out of the stage already, so hatchling,
 * which reads it to choose the wheel's files, chooses the same.)
 */
const DEFINITION_FILES: readonly string[] = [
  '.projenrc.ts', '.projenrc.js', '.projenrc.json', 'package-lock.json', 'yarn.lock', 'pnpm-lock.yaml',
];

/** A path a `COPY` line and an ignore-file line take as written: no spaces, no pattern characters. */
const PLAIN_PATH = /^[A-Za-z0-9_.@+-][A-Za-z0-9_.@+-]*(\/[A-Za-z0-9_.@+-]+)*$/;

function under(path: string, folder: string): boolean {
  return path === folder || path.startsWith(`${folder}/`);
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What `projectStageOf` reads. */
export interface ProjectStageInput {
  /** The project's files as git sees them (root-relative), without the ignored ones. */
  readonly visible: readonly string[];
  /** The paths git ignores (root-relative; a wholly ignored folder as `folder/`). */
  readonly ignored: readonly string[];
  /** The paths of the files this project generates. */
  readonly generated: readonly string[];
  /** Folders and files the service copies into `/app` (root-relative). */
  readonly keep: readonly string[];
}

/**
 * The project stage of a project tree. A name a `COPY` or an ignore line cannot take as written
 * (a space, `*`, `?`, `[`) is refused, with the file and the characters allowed.
 */
export function projectStageOf(problems: Problems, input: ProjectStageInput): ProjectStage {
  const never = ignore().add([...ALWAYS_EXCLUDED]);
  const generated = new Set(input.generated);
  const ours = (path: string) => generated.has(path) || DEFINITION_FILES.includes(path)
    || GENERATED_DIRS.some((dir) => under(path, dir));
  const files = new Set<string>();
  const folders = new Set<string>();
  for (const file of input.visible) {
    if (ours(file) || never.ignores(file)) continue;
    const slash = file.indexOf('/');
    (slash < 0 ? files : folders).add(slash < 0 ? file : file.slice(0, slash));
  }
  const top = [...files, ...folders].sort(byCodeUnit);
  const odd = top.find((path) => !PLAIN_PATH.test(path));
  if (odd !== undefined) {
    problems.add(
      'installProject: a file or folder at the project root has a name the build context cannot list as written',
      odd,
      'names of letters, digits, "_", ".", "-", "+" and "@" (rename it, or have git ignore it: the project stage receives the project\'s files as git sees them)');
  }
  const kept = (path: string) => input.keep.some((k) => under(path, k) || under(k, path));
  const inFolders = (path: string) => [...folders].some((f) => path.startsWith(`${f}/`));
  const left = [
    ...input.ignored.map((p) => p.replace(/\/+$/, '')),
    ...input.generated,
  ].filter((p) => inFolders(p) && !kept(p) && !never.ignores(p));
  const lines = [...new Set(left)].sort(byCodeUnit);
  const oddLine = lines.find((path) => !PLAIN_PATH.test(path));
  if (oddLine !== undefined) {
    problems.add(
      'installProject: a file git ignores or this project generates has a name the ignore file cannot exclude as written',
      oddLine,
      'names of letters, digits, "_", ".", "-", "+" and "@" (rename it or move it out of the project)');
  }
  return {
    files: [...files].sort(byCodeUnit),
    folders: [...folders].sort(byCodeUnit),
    ignoreLines: lines.length > 0
      ? ['# The project stage (installProject): what lies in its folders but is not the project\'s as git sees it.',
        ...lines]
      : [],
  };
}
