import { chmodSync, lstatSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { Component, FileBase, Project } from 'projen';
import { ContainersDoc } from './docs';
import { PROJEN_MARKER } from './user-lines';
import { Problems } from '../core/problems';

/** projen's list of the files it generated at the last synth. */
const MANIFEST = '.projen/files.json';

/**
 * The last check before projen touches the disk: no file of the user's is replaced or deleted.
 *
 * projen writes every generated file over whatever is at its path, and before writing it
 * deletes the files of its previous manifest that the definition no longer generates. A
 * hand-written `docker/worker/Dockerfile`, `compose.yaml` or `k8s/kustomization.yaml` (no
 * projen marker) at a path the definition generates fails the synth here, before anything is
 * written, naming the file and the ways out. A file of the previous manifest that a user has
 * since replaced with their own is taken off the manifest, so projen's cleanup keeps it.
 *
 * Created by the project in its `preSynthesize()`, after every other component: it is the last
 * child of the project, so its `preSynthesize()` runs after every file has been rendered.
 */
export class UserFilesGuard extends Component {
  /**
   * @param ownLines files whose lines outside projen's block are the user's (`.gitignore`,
   *   `.gitattributes`): never a conflict.
   */
  constructor(
    project: Project,
    private readonly ownLines: ReadonlySet<string>,
  ) {
    super(project, 'UserFilesGuard');
  }

  public preSynthesize(): void {
    const outdir = this.project.outdir;
    const previous = readManifest(outdir);
    const problems = new Problems(this.project.name);
    const generated = new Set<string>();
    for (const file of this.project.files) {
      generated.add(file.path);
      if (this.ownLines.has(file.path)) continue;
      const held = userHeld(outdir, file.path);
      if (held === undefined) continue;
      // a file projen writes without its marker, written by projen at the last synth
      if (held === 'no-marker' && file.marker === undefined && previous.includes(file.path)) continue;
      if (file.path === 'package.json' && held === 'no-marker' && npmCreated(join(outdir, file.path))) {
        continue;
      }
      reportConflict(problems, file, held);
    }
    try {
      problems.throwIfAny();
    } catch (e) {
      // projen new prints an error's stack: the message is what the user needs
      if (this.project.initProject !== undefined && e instanceof Error) e.stack = e.message;
      throw e;
    }
    // files of the last synth that are the user's now: projen's cleanup would delete them
    const kept = previous.filter((path) => !generated.has(path) && userHeld(outdir, path) !== undefined);
    if (kept.length > 0) {
      writeManifest(
        outdir,
        previous.filter((path) => !kept.includes(path)),
      );
      for (const path of kept) {
        this.project.logger.info(
          `${path}: kept (it no longer carries projen's marker, so it is yours; the definition no longer `
            + 'generates it)',
        );
      }
    }
  }
}

/**
 * Whether a path holds something of the user's: a file without projen's marker, or a folder
 * (or a link) where projen would write a file. Undefined when nothing is there or the file is
 * projen's.
 */
function userHeld(outdir: string, path: string): 'no-marker' | 'folder' | 'link' | undefined {
  const full = join(outdir, path);
  let isDir: boolean;
  try {
    const stat = lstatSync(full);
    if (stat.isSymbolicLink()) return 'link';
    isDir = stat.isDirectory();
  } catch {
    return undefined;
  }
  if (isDir) return 'folder';
  let text: string;
  try {
    text = readFileSync(full, 'latin1');
  } catch {
    return 'no-marker';
  }
  return text.includes(PROJEN_MARKER) ? undefined : 'no-marker';
}

/**
 * A `package.json` that `projen new` itself made with `npm install` into a folder that had none:
 * only the dependencies it installed (projen and this library), nothing of a user's.
 */
function npmCreated(file: string): boolean {
  try {
    const json = JSON.parse(readFileSync(file, 'utf-8'));
    return (
      typeof json === 'object' &&
      json !== null &&
      !Array.isArray(json) &&
      Object.keys(json).every((k) => k === 'dependencies' || k === 'devDependencies')
    );
  } catch {
    return false;
  }
}

function reportConflict(problems: Problems, file: FileBase, held: 'no-marker' | 'folder' | 'link'): void {
  const owner = file.node.scope as { path?: unknown } | undefined;
  // services and stacks name themselves `project/id` in every message
  const ownerPath = typeof owner?.path === 'string' ? owner.path : file.project.name;
  const what =
    held === 'folder'
      ? 'a folder of yours'
      : held === 'link'
        ? 'a link of yours'
        : 'a file of yours (it has no projen marker)';
  const elsewhere = elsewhereOption(file);
  problems.addAt(
    ownerPath,
    `${what} is where the definition writes a file (never over yours)`,
    file.path,
    `yours moved away first (git mv ${shellWord(file.path)} <another `
      + `path>)${elsewhere ? `, or ${elsewhere}` : ''}`,
  );
}

/** The option that puts the generated file somewhere else, where there is one. */
function elsewhereOption(file: FileBase): string | undefined {
  // read by the owner's public fields, not its class: the guard runs in every synth, and a class
  // import would load the Kubernetes and CI code into projects that use neither
  const owner = file.node.scope as {
    composeFile?: unknown; directory?: unknown; namespace?: unknown; serviceId?: unknown;
  };
  if (typeof owner.composeFile === 'string') {
    return file.path === owner.composeFile
      ? 'composeFile set to another name on the ComposeStack (e.g. composeFile: "compose.mldocker.yaml"; '
        + 'Compose reads it with -f, and the docker:* tasks do)'
      : undefined;
  }
  if (typeof owner.directory === 'string' && typeof owner.namespace === 'string') {
    return 'directory set to another folder on the KubernetesManifests (e.g. directory: '
      + `"deploy/mldocker"; now "${owner.directory}")`;
  }
  if (typeof owner.serviceId === 'string') {
    return `another id for the service (its files go to docker/<id>/; now "${owner.serviceId}")`;
  }
  if (file.path.startsWith('.github/workflows/')) {
    return 'ciWorkflow: false on the project (no generated workflow)';
  }
  if (owner instanceof ContainersDoc || file.path === ContainersDoc.of(file.project)?.path) {
    return 'containersDoc set to another path on the project (e.g. containersDoc: '
      + '"docs/mldocker-containers.md")';
  }
  return undefined;
}

/** A path as one shell word (quoted when it holds anything but plain path characters). */
function shellWord(path: string): string {
  return /^[A-Za-z0-9._/@%+=:,-]+$/.test(path) ? path : `'${path.replace(/'/g, "'\\''")}'`;
}

function readManifest(outdir: string): string[] {
  try {
    const files = JSON.parse(readFileSync(join(outdir, MANIFEST), 'utf-8')).files;
    return Array.isArray(files) ? files.filter((f): f is string => typeof f === 'string') : [];
  } catch {
    return [];
  }
}

/** Rewrites the manifest (read-only, as projen leaves it) without the user's files. */
function writeManifest(outdir: string, files: string[]): void {
  const full = join(outdir, MANIFEST);
  const json = JSON.parse(readFileSync(full, 'utf-8'));
  json.files = files;
  chmodSync(full, 0o644);
  writeFileSync(full, `${JSON.stringify(json, undefined, 2)}\n`);
  chmodSync(full, 0o444);
}
