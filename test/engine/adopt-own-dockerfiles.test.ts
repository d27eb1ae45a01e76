/**
 * The corpus repositories' own Dockerfiles after adoption (../shared/data/realworld/adopt/<name>/tree,
 * read in place): each tree with a Dockerfile is copied into a temp folder, committed, adopted as
 * `projen new` adopts it and its definition synthesized as `npx projen` runs it
 * (test/corpus/support/adopt-tree.ts), then every Dockerfile the repository carries is built on the
 * engine with the context its own compose file or scripts give it.
 *
 * Proves, for each of them: what the Dockerfile COPYs reaches the engine after adoption. A probe image
 * (the python stand-in plus one `COPY <source> /probe/<n>/` per COPY source of the Dockerfile, in the
 * Dockerfile's own context with its own ignore file) holds every file of the repository as it was that
 * the source names and its ignore file lets through: adoption took nothing out of what those builds see.
 * And where nothing but a base image stands in the way, the Dockerfile itself builds unchanged:
 * willow-inference-server's Dockerfile.nginx (nginx's image: the python stand-in, a Debian bookworm as
 * the official one, under the name nginx:<tag>; its apt-get install of apache2-utils from the machine's
 * Debian mirror gives the image htpasswd) and Dockerfile.xtts (the xtts-streaming-server base: the
 * python stand-in under that name; its two COPYs land in /xtts).
 *
 * Not built, each with its reason in OWN below (the probe still runs for them): sam2's backend.Dockerfile
 * (remote checkpoints, a conda base), sam2's frontend.Dockerfile (Node.js and the yarn registry),
 * willow-inference-server's Dockerfile (a GPU base and torch 2.2.2, which the local PyPI copy lacks:
 * checked against MLDOCKER_PIP_MIRROR, so the day the copy holds it this test says to build it).
 * None of the buildable Dockerfiles installs Python packages, so no build needs the local PyPI copy.
 *
 * Skipped, with the reason in the test name, without ../shared/data (as the corpus suite needs it;
 * real-torch.test.ts skips the same way). Does not prove: the real base images (stand-ins), the
 * repositories' code (the corpus holds placeholders), their images running.
 */
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { dirname, join, relative } from 'path';
import ignore from '@balena/dockerignore';
import { Copy, DockerfileParser } from 'dockerfile-ast';
import { PYTHON_STANDIN, RunResult, docker, dockerTry, requireEngine, tail, tempDir } from './support/engine';
import { MIRROR, describeUnless, expectBuilt, indexVersions } from './support/mirror';
import { AdoptedTree, adoptTree, corpusTree } from '../corpus/support/adopt-tree';
import { SHARED_DATA } from '../support/shared-data';

const RUN_ID = `${process.pid}-${Date.now().toString(36)}`;
const LABEL = `dev.projen-ml-docker.adopt-own-dockerfiles=${RUN_ID}`;

/** A Dockerfile of a corpus repository, how its repository builds it, and what this test does with it. */
interface OwnDockerfile {
  readonly tree: string;
  /** The Dockerfile, relative to the tree. */
  readonly dockerfile: string;
  /** Its build context, relative to the tree, as the repository's compose file or scripts give it. */
  readonly context: string;
  /** The FROM images of the build, made from the python stand-in under those names. */
  readonly bases?: readonly string[];
  readonly buildArgs?: Readonly<Record<string, string>>;
  /** Why the Dockerfile itself cannot be built on this machine (its context is still probed). */
  readonly notBuilt?: string;
  /** `name==version` pins it installs that the local PyPI copy must still lack for `notBuilt` to hold. */
  readonly lackedPins?: readonly string[];
  /** True when it COPYs nothing from its context (its build reads only the Dockerfile). */
  readonly copiesNothing?: boolean;
  /** A shell check run in the built image, and its expected output. */
  readonly check?: { readonly script: string; readonly output: string };
}

const XTTS_BASE = 'ghcr.io/coqui-ai/xtts-streaming-server:'
  + 'main-cuda121-99286c10883cb9b9dcecdb6c68933c4dc0ecbec3';
/** Any tag: the repository's scripts pass their own NGINX_TAG (the Dockerfile has no default). */
const NGINX_TAG = '1.27.3';

const OWN: readonly OwnDockerfile[] = [
  {
    tree: 'sam2',
    dockerfile: 'backend.Dockerfile',
    context: '.',
    notBuilt: 'it ADDs the four SAM 2.1 checkpoints from dl.fbaipublicfiles.com, which this machine cannot '
      + 'reach, and edits its conda base (rm /opt/conda/bin/ffmpeg of pytorch/pytorch:2.5.1-cuda12.1-'
      + 'cudnn9-runtime), which no stand-in reproduces',
  },
  {
    tree: 'sam2',
    dockerfile: 'demo/frontend/frontend.Dockerfile',
    context: 'demo/frontend',
    notBuilt: 'it builds on node:22.9.0 (no Node.js stand-in) with `yarn install --frozen-lockfile` from the '
      + "yarn registry, which this machine cannot reach, and `yarn build` compiles the corpus's placeholder "
      + 'sources',
  },
  {
    tree: 'willow-inference-server',
    dockerfile: 'Dockerfile',
    context: '.',
    notBuilt: 'it builds on nvcr.io/nvidia/tensorrt:23.08-py3 (a GPU image with Ubuntu 22.04\'s Python 3.10) '
      + 'and pip-installs torch==2.2.2, torchvision==0.17.2 and torchaudio==2.2.2, which the local PyPI '
      + 'copy lacks',
    lackedPins: ['torch==2.2.2', 'torchvision==0.17.2', 'torchaudio==2.2.2'],
  },
  {
    tree: 'willow-inference-server',
    dockerfile: 'Dockerfile.nginx',
    context: '.',
    bases: [`nginx:${NGINX_TAG}`],
    buildArgs: { NGINX_TAG },
    copiesNothing: true,
    check: { script: 'command -v htpasswd', output: '/usr/bin/htpasswd' },
  },
  {
    tree: 'willow-inference-server',
    dockerfile: 'Dockerfile.xtts',
    context: '.',
    bases: [XTTS_BASE],
    check: {
      script: 'pwd; ls /xtts',
      output: ['/xtts', 'CLB.json', 'default.json', 'female.json', 'main.py', 'male.json'].join('\n'),
    },
  },
];

const ADOPT = join(SHARED_DATA, 'realworld', 'adopt');
/** A Dockerfile by its name: `Dockerfile`, `Dockerfile.<variant>` or `<name>.Dockerfile`. */
const DOCKERFILE = /(^|\/)(Dockerfile(\.[^/]+)?|[^/]+\.Dockerfile)$/;

/** Every Dockerfile of every corpus tree, as `<tree>/<path>`. */
function corpusDockerfiles(): string[] {
  const out: string[] = [];
  for (const tree of readdirSync(ADOPT).filter((t) => existsSync(join(ADOPT, t, 'tree')))) {
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const full = join(dir, e.name);
        if (e.isDirectory()) {
          walk(full);
        } else if (DOCKERFILE.test(e.name) && !e.name.endsWith('.dockerignore')) {
          out.push(`${tree}/${relative(corpusTree(tree), full)}`);
        }
      }
    };
    walk(corpusTree(tree));
  }
  return out.sort();
}

/** The sources of a Dockerfile's COPY instructions that read the build context (not `--from`). */
function copySources(text: string): string[] {
  const sources: string[] = [];
  for (const i of DockerfileParser.parse(text).getInstructions()) {
    if (i.getKeyword() !== 'COPY' || (i as Copy).getFromFlag()) continue;
    const args = i.getArguments().map((a) => a.getValue());
    sources.push(...args.slice(0, -1));
  }
  return sources;
}

/** Where `COPY <source> <dir>/` puts a context file, or undefined when the source does not name it. */
function copiedAs(source: string, file: string): string | undefined {
  const s = source.replace(/^\.\/|\/$/g, '');
  if (s === '.' || s === '') return file;
  if (file === s) return file.split('/').pop();
  if (file.startsWith(`${s}/`)) return file.slice(s.length + 1);
  if (/[*?]/.test(s)) {
    const pattern = s.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
    const glob = new RegExp(`^${pattern}$`);
    if (glob.test(file)) return file.split('/').pop();
  }
  return undefined;
}

/** The tree's files as they were (before adoption), relative to a context, through an ignore file. */
function contextFiles(tree: AdoptedTree, context: string, ignoreText: string): string[] {
  const matcher = ignore().add(ignoreText.split('\n'));
  const prefix = context === '.' ? '' : `${context}/`;
  return [...tree.before.keys()]
    .filter((f) => f.startsWith(prefix))
    .map((f) => f.slice(prefix.length))
    .filter((f) => !matcher.ignores(f));
}

/** The ignore file a build reads now: `<Dockerfile>.dockerignore`, else the context's `.dockerignore`. */
function ignoreFileOf(dir: string, own: OwnDockerfile): string | undefined {
  return [`${own.dockerfile}.dockerignore`, join(own.context, '.dockerignore')]
    .map((f) => join(dir, f))
    .find((f) => existsSync(f));
}

function build(args: string[]): RunResult {
  return dockerTry(['build', '--progress', 'plain', '--network', 'host', '--label', LABEL, ...args]);
}

const corpusMissing = existsSync(ADOPT) ? undefined
  : "the adopted repositories' own Dockerfiles (test/engine/adopt-own-dockerfiles.test.ts): "
    + `no corpus at ${ADOPT} (../shared/data)`;

describeUnless(corpusMissing, "the corpus repositories' own Dockerfiles after adoption", () => {
  const trees = new Map<string, AdoptedTree>();
  const scratch: string[] = [];
  const tags: string[] = [];

  beforeAll(() => {
    requireEngine();
    for (const name of new Set(OWN.map((o) => o.tree))) trees.set(name, adoptTree(name));
    // the base images, one stand-in per build, under the names the Dockerfiles give them
    for (const base of new Set(OWN.flatMap((o) => o.bases ?? []))) {
      const recipe = [
        `FROM ${PYTHON_STANDIN}`,
        // the machine's Debian mirror may serve a snapshot whose Release file has expired
        'RUN printf \'Acquire::Check-Valid-Until "false";\\n\' > /etc/apt/apt.conf.d/99-standin-mirror',
        `LABEL ${LABEL}`,
        '',
      ].join('\n');
      docker(['build', '--network', 'host', '-t', base, '-'], { input: recipe });
      tags.push(base);
    }
  }, 900_000);

  afterAll(() => {
    for (const tag of tags) dockerTry(['image', 'rm', '--force', tag]);
    for (const tree of trees.values()) rmSync(dirname(tree.dir), { recursive: true, force: true });
    for (const d of scratch) rmSync(d, { recursive: true, force: true });
  });

  /**
   * Builds the probe of a Dockerfile (see the file's header) and checks that it holds every file of
   * the tree as it was that a COPY source names and the ignore file lets through.
   */
  function probeContext(own: OwnDockerfile): void {
    const tree = trees.get(own.tree)!;
    const dockerfile = join(tree.dir, own.dockerfile);
    const sources = copySources(readFileSync(dockerfile, 'utf-8'));
    expect(sources.length).toBeGreaterThan(0);
    // the files each source names, from the tree as it was through the ignore file it has now
    const ignoreFile = ignoreFileOf(tree.dir, own);
    const visible = contextFiles(tree, own.context, ignoreFile ? readFileSync(ignoreFile, 'utf-8') : '');
    // the same files as through the ignore file the repository had before adoption (bytes as snapshotted)
    const beforeBytes = ignoreFile ? tree.before.get(relative(tree.dir, ignoreFile)) : undefined;
    const beforeText = beforeBytes ? Buffer.from(beforeBytes.slice(2), 'base64').toString('utf-8') : '';
    expect(visible).toEqual(contextFiles(tree, own.context, beforeText));
    const expected = sources.flatMap((s, n) => visible.flatMap((f) => {
      const at = copiedAs(s, f);
      return at === undefined ? [] : [`/probe/${n}/${at}`];
    }));
    expect(sources.filter((_s, n) => !expected.some((e) => e.startsWith(`/probe/${n}/`)))).toEqual([]);
    // the probe: the same sources, copied in the same context with the same ignore file
    const dir = tempDir('engine-adopt-probe-');
    scratch.push(dir);
    const probe = join(dir, 'probe.Dockerfile');
    writeFileSync(probe, [`FROM ${PYTHON_STANDIN}`,
      ...sources.map((s, n) => `COPY ${JSON.stringify([s, `/probe/${n}/`])}`), ''].join('\n'));
    if (existsSync(`${dockerfile}.dockerignore`)) {
      cpSync(`${dockerfile}.dockerignore`, `${probe}.dockerignore`);
    }
    const tag = `engine-adopt-probe/${own.tree}:${RUN_ID}-${tags.length}`;
    tags.push(tag);
    const res = build(['-f', probe, '-t', tag, join(tree.dir, own.context)]);
    expectBuilt(res);
    const find = ['run', '--rm', '--network', 'none', '--entrypoint', 'find', tag, '/probe', '!', '-type',
      'd'];
    const inImage = docker(find).split('\n').filter((l) => l !== '');
    expect(inImage).toEqual(expect.arrayContaining(expected));
  }

  test('every Dockerfile of the corpus trees is described here', () => {
    expect(corpusDockerfiles()).toEqual(OWN.map((o) => `${o.tree}/${o.dockerfile}`).sort());
  });

  describe.each(OWN.map((o) => [`${o.tree}: ${o.dockerfile}`, o] as const))('%s', (_name, own) => {
    if (own.copiesNothing) {
      test('it COPYs nothing from its context', () => {
        const tree = trees.get(own.tree)!;
        expect(copySources(readFileSync(join(tree.dir, own.dockerfile), 'utf-8'))).toEqual([]);
      });
    } else {
      test('what it COPYs from its context reaches the engine after adoption', () => probeContext(own));
    }

    if (own.notBuilt) {
      test.skip(`the Dockerfile itself builds [skipped: ${own.notBuilt}]`, () => undefined);
      if (own.lackedPins) {
        const title = `the reason holds: the local PyPI copy lacks ${own.lackedPins.join(', ')}`;
        const unless = MIRROR ? undefined : 'MLDOCKER_PIP_MIRROR is not set';
        (unless ? test.skip : test)(unless ? `${title} [skipped: ${unless}]` : title, () => {
          const held = own.lackedPins!.filter((pin) => {
            const [name, version] = pin.split('==');
            return indexVersions(MIRROR!.pypi, name).includes(version);
          });
          // the day the copy holds them, this Dockerfile can be built here: build it instead of skipping
          expect(held).toEqual([]);
        });
      }
      return;
    }

    test('the Dockerfile itself builds, unchanged, in its own context', () => {
      const tree = trees.get(own.tree)!;
      const tag = `engine-adopt-own/${own.tree}:${RUN_ID}-${tags.length}`;
      tags.push(tag);
      const args = Object.entries(own.buildArgs ?? {}).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
      const res = build(['-f', join(tree.dir, own.dockerfile), '-t', tag, ...args,
        join(tree.dir, own.context)]);
      expectBuilt(res);
      if (own.check) {
        const out = dockerTry(['run', '--rm', '--network', 'none', '--entrypoint', 'sh', tag, '-c',
          own.check.script]);
        expect({ status: out.status, stdout: out.stdout.trim(), stderr: tail(out.stderr, 5) })
          .toEqual({ status: 0, stdout: own.check.output, stderr: '' });
      }
    });
  });
});
