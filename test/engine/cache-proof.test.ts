/**
 * The cache-impact report (src/cache-report.ts) proven against real builds: every service,
 * target and kind of change the report lists is applied for real, the target is rebuilt
 * with `--progress=plain`, and the steps BuildKit prints as CACHED must be exactly the
 * steps the report keeps (and every other step exactly the ones it invalidates).
 *
 * One trial = one (service, change): apply a change never seen by the cache before (a nonce
 * in a file, a version no earlier trial used, a fresh base image), build `dev`, `test` and
 * `prod` in that order, comparing each build, then revert. The targets share steps (`base`
 * and `deps-ml` in all three, `builder` and `dev` in two): a step the report invalidates is
 * re-run by the first target of the trial that has it, and that same step is then CACHED in
 * the later targets, which is what they must show. So every step the report invalidates is
 * proven re-run exactly once, where it first occurs, and proven reused after that; the
 * shared steps are not rebuilt three times per change (a trial per target, each with its own
 * change, did that).
 *
 * Services: `api` (CPU, every requirement tier and CPU torch), `trainer` (GPU, default
 * python-slim base with CUDA torch wheels, ml and dev tiers) and `inference` (GPU, a baked
 * model directory, no tiers but torch and torchvision). Torch and every pinned package come from a local
 * index of stub wheels written for exactly the pins the generated requirement files hold
 * (torch `+cu124` included); nothing runs on a GPU, these are builds.
 *
 * What counts as "CACHED": a vertex line `#N CACHED`. `FROM <image>` is the exception:
 * BuildKit prints a local image's FROM as CACHED or DONE whatever changed (both were seen
 * on unchanged rebuilds here), so a FROM step counts as re-run exactly when BuildKit names
 * another image than in the baseline build.
 *
 * Edited files get their mode back with their content: BuildKit's checksum of a COPY source
 * includes permission bits, so a generated 0444 file left 0644 counts as a change.
 *
 * Unique per run as well: the index URL (and so every pip step's cache key) carries a run id,
 * and so do the image tags, so an earlier or a concurrent run of this suite on the same
 * engine (the suite shares one engine) never hands a trial a CACHED step.
 *
 * Same network mode (`--network host`) for every build: switching it changes every RUN's
 * cache key. The base image is switched between content-different stand-in images (a
 * label-only variant keeps every step CACHED: BuildKit keys an image by its layers).
 */
import { execFileSync } from 'child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'fs';
import { join } from 'path';
import { GpuInference, GpuTrainer, MlDockerProject, PythonService, TorchPackage } from '../../src';
import { CacheChange, CacheChangeKind, ServiceCacheReport } from '../../src/cache-report/cache-report';
import { cacheReportOfProject } from '../../src/cache-report/project-report';
import { synth } from '../util';
import { IndexServer, PYTHON_STANDIN, REPO, docker, dockerTry, requireEngine, startIndexServer, tail, tempDir } from './support/engine';

jest.setTimeout(40 * 60_000);

const TARGETS = ['dev', 'test', 'prod'];
const PREFIX = 'local/cacheproof';
/** This run's id: in the index URL and the image tags. */
const RUN_ID = `r${Date.now().toString(36)}${process.pid.toString(36)}`;

/** One definition of the example project; each trial changes one field of it. */
interface Variant {
  /** torch version of `api` (CPU wheels). */
  readonly cpuTorch: string;
  /** torch version of `trainer` and `inference` (CUDA wheels). */
  readonly gpuTorch: string;
  /** mlstub pin of the ml tiers. */
  readonly ml: string;
  /** corestub pin of the core tier. */
  readonly core: string;
  /** A dev tool added to the dev tiers (`devstub==<version>`), or none. */
  readonly devTool?: string;
}

const BASELINE: Variant = { cpuTorch: '2.5.1', gpuTorch: '2.5.1', ml: '1.0.0', core: '1.0.0' };
const SERVICES = ['api', 'trainer', 'inference'];
/** The new version of a tier change's trial. */
const BUMP = '1.1.0';

/** Public torch versions with wheels of one index for Python 3.11 in the vendored matrix. */
function torchVersionsOf(indexUrl: string): string[] {
  const rows = JSON.parse(readFileSync(join(REPO, 'data', 'torch-cuda-matrix.json'), 'utf-8')) as Array<Record<string, any>>;
  return rows.filter((r) => r.indexUrl === indexUrl && (r.pythons as string[]).includes('3.11')).map((r) => String(r.torch).replace(/\+.*$/, ''));
}

/** The index URL a service's torch tier installs from (its requirements-torch.txt header). */
function torchIndexOf(outdir: string, service: string): string {
  const text = readFileSync(join(outdir, 'docker', service, 'requirements-torch.txt'), 'utf-8');
  return /--index-url (\S+)/.exec(text)![1];
}

/** Adds pure-Python stub wheels (any name/version) to a PEP 503 wheelhouse and rewrites its index pages. */
function addStubWheels(wheelhouse: string, specs: string[]): void {
  const script = `
import base64, hashlib, html, pathlib, re, sys, zipfile
out = pathlib.Path(sys.argv[1]) / "simple"
EPOCH = (1980, 1, 1, 0, 0, 0)
def norm(n): return re.sub(r"[-_.]+", "-", n).lower()
def rec(d): return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode()
for spec in sys.argv[2:]:
    name, version = spec.split("==")
    dist = re.sub(r"[-_.]+", "_", name); module = dist.lower(); info = f"{dist}-{version}.dist-info"
    files = {f"{module}/__init__.py": f'__version__ = "{version}"\\n',
             f"{info}/METADATA": f"Metadata-Version: 2.1\\nName: {name}\\nVersion: {version}\\n",
             f"{info}/WHEEL": "Wheel-Version: 1.0\\nGenerator: cache-proof\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
             f"{info}/top_level.txt": module + "\\n"}
    files[f"{info}/RECORD"] = "".join(f"{p},{rec(t.encode())},{len(t.encode())}\\n" for p, t in files.items()) + f"{info}/RECORD,,\\n"
    target = out / norm(name) / f"{dist}-{version}-py3-none-any.whl"
    if target.exists():
        continue
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for p, t in files.items():
            entry = zipfile.ZipInfo(p, EPOCH); entry.external_attr = 0o644 << 16; entry.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(entry, t)
projects = sorted(p for p in out.iterdir() if p.is_dir())
for d in projects:
    links = "".join(f'<a href="{w.name}#sha256={hashlib.sha256(w.read_bytes()).hexdigest()}">{html.escape(w.name)}</a><br/>\\n' for w in sorted(d.glob("*.whl")))
    (d / "index.html").write_text(f"<!DOCTYPE html>\\n<html><body>\\n{links}</body></html>\\n")
(out / "index.html").write_text("<!DOCTYPE html>\\n<html><body>\\n" + "".join(f'<a href="{d.name}/">{d.name}</a><br/>\\n' for d in projects) + "</body></html>\\n")
`;
  execFileSync('python3', ['-c', script, wheelhouse, ...specs], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Synthesizes the example project into `outdir`, with stub wheels for every pin it generates; returns the
 * project.
 */
function define(outdir: string, v: Variant, wheelhouse?: string): MlDockerProject {
  const project = new MlDockerProject({ name: 'cacheproof', outdir, dockerfileSyntax: false });
  const dev = ['mlstub-dev==1.0.0', ...(v.devTool ? [`devstub==${v.devTool}`] : [])];
  new PythonService(project, 'api', {
    command: ['python', '-m', 'api.main'],
    port: 8000,
    torchVersion: v.cpuTorch,
    // torch alone: the one stand-in index serves the inference server's +cu124 torchvision too, and
    // the torch tier's unlabelled companion pins would take the highest build of both (PyTorch's
    // own indexes serve one build per release; the image's torch check refuses a mixed one)
    torchPackages: [TorchPackage.TORCH],
    requirements: { ml: [`mlstub==${v.ml}`], core: [`corestub==${v.core}`], dev },
  });
  new GpuTrainer(project, 'trainer', {
    torchVersion: v.gpuTorch,
    command: ['python', '-m', 'trainer.train'],
    requirements: { ml: [`mlstub==${v.ml}`], dev },
  });
  new GpuInference(project, 'inference', {
    torchVersion: v.gpuTorch,
    // torchvision too, so that its torch tier file differs from the trainer's: with the same file
    // and the same steps before it, BuildKit would reuse the trainer's torch step (it keys a bound
    // file by content), and a torch bump the trainer's trial built would not be new to the cache.
    torchPackages: [TorchPackage.TORCHVISION],
    port: 8080,
    modelDir: 'models',
    bakeModel: true,
    command: ['python', '-m', 'inference.serve'],
  });
  synth(project);
  // The baked model directory the inference image copies.
  mkdirSync(join(outdir, 'models'), { recursive: true });
  if (!existsSync(join(outdir, 'models', 'model.safetensors'))) writeFileSync(join(outdir, 'models', 'model.safetensors'), 'stub weights\n');
  if (wheelhouse) addStubWheels(wheelhouse, pinsOf(outdir));
  return project;
}

/** Every `name==version` pin of the generated requirement files. */
function pinsOf(outdir: string): string[] {
  const pins = new Set<string>();
  for (const service of readdirSync(join(outdir, 'docker'))) {
    const dir = join(outdir, 'docker', service);
    if (!statSync(dir).isDirectory()) continue;
    for (const file of readdirSync(dir).filter((f) => /^requirements-.*\.txt$/.test(f))) {
      const lines = readFileSync(join(dir, file), 'utf-8').split('\n');
      // PyTorch's index serves torchvision and torchaudio with torch's local label (+cpu, +cu124),
      // as the image's torch check expects: the stand-ins are labelled the same way
      const label = /^torch==[^+\s]+(\+\S+)$/.exec(lines.find((l) => l.startsWith('torch==')) ?? '')?.[1];
      for (const line of lines) {
        if (!/^[A-Za-z0-9._-]+==\S+$/.test(line)) continue;
        const companion = file === 'requirements-torch.txt' && /^torch(vision|audio)==[^+]+$/.test(line);
        pins.add(companion && label ? `${line}${label}` : line);
      }
    }
  }
  return [...pins].sort();
}

type Observed = Record<string, 'kept' | 'invalidated'>;

interface Build {
  /** label -> CACHED or not, every numbered step BuildKit printed. */
  readonly cached: Record<string, boolean>;
  /** label -> the text BuildKit printed after it. */
  readonly text: Record<string, string>;
  /** Every numbered step's label, sorted. */
  readonly labels: string[];
}

/** Parses `docker build --progress=plain` output: numbered steps and which were CACHED. */
function parseBuild(log: string): Build {
  const vertexLabel = new Map<string, string>();
  const cached: Record<string, boolean> = {};
  const text: Record<string, string> = {};
  for (const line of log.split('\n')) {
    const named = /^#(\d+) (\[[^\]]*\d+\/\d+\]) (.*)$/.exec(line);
    if (named) {
      if (!vertexLabel.has(named[1])) {
        vertexLabel.set(named[1], named[2]);
        text[named[2]] = named[3];
        cached[named[2]] ??= false;
      }
      continue;
    }
    const status = /^#(\d+) CACHED$/.exec(line);
    if (status && vertexLabel.has(status[1])) cached[vertexLabel.get(status[1])!] = true;
  }
  return { cached, text, labels: Object.keys(cached).sort() };
}

describe('cache-impact report versus real builds', () => {
  let outdir: string;
  /** The baseline definition: the report reads its services' image models. */
  let baselineProject: MlDockerProject;
  let wheelhouse: string;
  let index: IndexServer;
  /** The index URL of this run: the server's root holds one wheelhouse per run id. */
  let indexUrl: string;
  /** Torch versions for the torch-tier trials: CPU for api, same CUDA index for the GPU services. */
  const torchBumps = { cpu: '', gpu: '' };
  let nonce = 0;
  const images: string[] = [];
  const baselineFrom: Record<string, string> = {};
  const results: string[] = [];

  beforeAll(async () => {
    requireEngine();
    docker(['image', 'inspect', PYTHON_STANDIN]);
    // scripts/engine/wheelhouse.sh (mlstub 1.0.0/1.1.0, mlstub-dev 1.0.0) under <root>/<run id>/simple
    const root = tempDir('cache-proof-index-');
    wheelhouse = join(root, RUN_ID);
    execFileSync('bash', [join(REPO, 'scripts', 'engine', 'wheelhouse.sh'), wheelhouse], { stdio: ['ignore', 'ignore', 'pipe'] });
    outdir = tempDir('cache-proof-');
    baselineProject = define(outdir, BASELINE, wheelhouse);
    // Alternatives from the same wheel index as the baseline, so only the tier file changes.
    const pick = (service: string, baseline: string, field: 'cpuTorch' | 'gpuTorch'): string => {
      const torchIndex = torchIndexOf(outdir, service);
      for (const version of torchVersionsOf(torchIndex).filter((t) => t !== baseline).reverse()) {
        const scratch = tempDir('cache-proof-torch-');
        try {
          define(scratch, { ...BASELINE, [field]: version });
        } catch {
          continue; // no fitting variant for this version
        }
        if (torchIndexOf(scratch, service) === torchIndex) return version;
      }
      throw new Error(`no other torch version with wheels on ${torchIndex} than ${baseline}`);
    };
    torchBumps.cpu = pick('api', BASELINE.cpuTorch, 'cpuTorch');
    torchBumps.gpu = pick('trainer', BASELINE.gpuTorch, 'gpuTorch');
    const variants: Array<Partial<Variant>> = [
      { cpuTorch: torchBumps.cpu }, { gpuTorch: torchBumps.gpu }, { ml: BUMP, core: BUMP, devTool: BUMP },
    ];
    for (const variant of variants) {
      define(tempDir('cache-proof-pins-'), { ...BASELINE, ...variant }, wheelhouse);
    }
    index = await startIndexServer(root);
    indexUrl = index.url.replace(/\/simple\/$/, `/${RUN_ID}/simple/`);
  });

  afterAll(async () => {
    await index?.close();
    for (const image of images) dockerTry(['rmi', '-f', image]);
    dockerTry(['rmi', '-f', ...SERVICES.flatMap((s) => TARGETS.map((t) => `${PREFIX}-${s}:${t}-${RUN_ID}`))]);
    // The agreement table, for the test log.
    if (results.length > 0) process.stdout.write(`${results.join('\n')}\n`);
  });

  function build(service: string, target: string, baseImage = PYTHON_STANDIN): Build {
    const args = [
      'build', '--network', 'host', '--progress=plain',
      '-f', `docker/${service}/Dockerfile`, '--target', target, '-t', `${PREFIX}-${service}:${target}-${RUN_ID}`,
      '--build-arg', `PYTHON_IMAGE=${baseImage}`,
      '--build-arg', `PIP_INDEX_URL=${indexUrl}`,
      '--build-arg', `TORCH_INDEX_URL=${indexUrl}`,
      '.',
    ];
    const res = dockerTry(args, { cwd: outdir });
    if (res.status !== 0) throw new Error(`docker ${args.join(' ')} failed (${res.status})\n${tail(res.stderr, 60)}`);
    return parseBuild(res.stderr + res.stdout);
  }

  /** What happened to each step, FROM judged by the image BuildKit names (see the file comment). */
  function observed(service: string, b: Build): Observed {
    const out: Observed = {};
    for (const label of b.labels) {
      if (b.text[label].startsWith('FROM ')) out[label] = b.text[label] === baselineFrom[`${service} ${label}`] ? 'kept' : 'invalidated';
      else out[label] = b.cached[label] ? 'kept' : 'invalidated';
    }
    return out;
  }

  /**
   * What the report says BuildKit does to each step of a target; `rebuilt` holds the steps an
   * earlier target of the same trial re-ran (same label, same stage: the same BuildKit step), which
   * this build then finds CACHED. A FROM is judged by the image it names, not by the cache.
   */
  function expected(
    report: ServiceCacheReport, target: string, change?: string, rebuilt: ReadonlySet<string> = new Set(),
  ): Observed {
    const t = report.targets.find((x) => x.target === target)!;
    const out: Observed = {};
    const impact = change ? t.impacts.find((i) => i.change === change)! : undefined;
    for (const step of t.steps) {
      const invalidated = impact?.invalidated.includes(step.label)
        && (step.keyword === 'FROM' || !rebuilt.has(step.label));
      out[step.label] = invalidated ? 'invalidated' : 'kept';
    }
    return out;
  }

  /** The steps of a target the report says a change re-runs (FROM lines aside). */
  function rerunBy(report: ServiceCacheReport, target: string, change: string): string[] {
    const t = report.targets.find((x) => x.target === target)!;
    const impact = t.impacts.find((i) => i.change === change)!;
    return t.steps.filter((step) => step.keyword !== 'FROM' && impact.invalidated.includes(step.label))
      .map((step) => step.label);
  }

  /**
   * Edits a generated (read-only) or sample file; the undo restores content and mode
   * (BuildKit's checksum of a COPY source includes permission bits: a file left 0644
   * instead of 0444 would count as a change).
   */
  function rewrite(file: string, edit: (text: string) => string): () => void {
    const path = join(outdir, file);
    const before = readFileSync(path, 'utf-8');
    /* eslint-disable no-bitwise */
    const mode = statSync(path).mode & 0o7777;
    const writable = mode | 0o200;
    /* eslint-enable no-bitwise */
    chmodSync(path, writable);
    writeFileSync(path, edit(before));
    chmodSync(path, mode);
    return () => {
      chmodSync(path, writable);
      writeFileSync(path, before);
      chmodSync(path, mode);
    };
  }

  /** A base image nobody built before: the stand-in plus one file with new content. */
  function freshBaseImage(tag: string): string {
    const dir = tempDir('cacheproof-base-');
    writeFileSync(join(dir, 'marker'), `${tag}\n`);
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${PYTHON_STANDIN}\nCOPY marker /etc/cacheproof-marker\n`);
    const image = `${PREFIX}-base:${RUN_ID}-${tag}`;
    docker(['build', '--network', 'host', '-q', '-t', image, dir]);
    images.push(image);
    return image;
  }

  /**
   * Edits the first build step of a stage the way a template change would: the step's result
   * changes, and the image still builds (later steps use what that step made). A RUN also
   * writes the trial's tag to a file, a COPY gets a group id of its own (`--chown=0:<gid>`:
   * same files, owner root, another group), a WORKDIR a new directory; a stage without build
   * steps gets a LABEL (metadata only).
   *
   * The edit must change the step's result, not only its text: BuildKit keeps a RUN with a
   * cache or secret mount CACHED when its parent step re-ran but gave a byte-identical result
   * (seen here: a no-op `&& :` appended to builder's `RUN pip check`, or a trailing slash on
   * the venv copy's destination, re-ran that step and kept every later one). A template change
   * worth a report changes what the step makes, so the report counts every later step as
   * re-run; a no-op edit would prove nothing about it.
   */
  function editStage(report: ServiceCacheReport, stage: string, tag: string, gid: number): () => void {
    const all = report.targets.flatMap((t) => t.steps);
    const first = all.find((s) => s.stage === stage && s.keyword !== 'FROM');
    return rewrite(report.dockerfile, (text) => {
      const lines = text.split('\n');
      if (!first) {
        const from = lines.findIndex((l) => new RegExp(`^FROM\\s+\\S+\\s+AS\\s+${stage}\\s*$`, 'i').test(l));
        expect(from).toBeGreaterThanOrEqual(0);
        lines.splice(from + 1, 0, `LABEL cacheproof.edit="${tag}"`);
        return lines.join('\n');
      }
      const start = first.line - 1;
      let end = start;
      while (lines[end].trimEnd().endsWith('\\')) end++;
      if (first.keyword === 'RUN') {
        expect(lines[start]).toMatch(/^RUN (?!\[)/); // shell form: a command can be appended
        lines[end] = `${lines[end]} && echo ${tag} > /tmp/cacheproof-edit`;
      } else if (first.keyword === 'COPY') {
        expect(lines[start]).toMatch(/^COPY /);
        lines[start] = /--chown=/.test(lines[start])
          ? lines[start].replace(/--chown=(\S+?)(:\S+)?(?=\s)/, `--chown=$1:${gid}`)
          : lines[start].replace(/^COPY /, `COPY --chown=0:${gid} `);
      } else if (first.keyword === 'WORKDIR') {lines[end] = `${lines[end].trimEnd()}-${tag}`;} else {throw new Error(`no edit for ${first.keyword}`);}
      return lines.join('\n');
    });
  }

  /** Applies one change, new to the cache, and returns how to undo it. */
  function apply(report: ServiceCacheReport, change: CacheChange): { undo: () => void; baseImage?: string } {
    const tag = `${RUN_ID}-t${++nonce}`;
    switch (change.kind) {
      case CacheChangeKind.APP_CODE:
      case CacheChangeKind.SHARED_CODE:
      case CacheChangeKind.RUNTIME_HELPERS:
      case CacheChangeKind.OTHER_CONTEXT: {
        const undos = change.files!.map((f) => rewrite(f, (t) => `${t}\n# cache-proof ${tag}\n`));
        return { undo: () => undos.forEach((u) => u()) };
      }
      case CacheChangeKind.REQUIREMENTS: {
        const dockerfileBefore = readFileSync(join(outdir, report.dockerfile), 'utf-8');
        const bump = BUMP;
        const torch = torchBumps[report.service === 'api' ? 'cpu' : 'gpu'];
        const variant: Variant = change.tier === 'torch' ? { ...BASELINE, [report.service === 'api' ? 'cpuTorch' : 'gpuTorch']: torch }
          : change.tier === 'ml' ? { ...BASELINE, ml: bump }
            : change.tier === 'core' ? { ...BASELINE, core: bump }
              : change.tier === 'dev' ? { ...BASELINE, devTool: bump }
                : fail(`no variant for tier ${change.tier}`);
        define(outdir, variant);
        // The tier's file changed; the Dockerfile at most in comments, the torch label and, for a torch
        // bump, the torch check naming the builds it expects (a step after the torch tier, which the
        // bump invalidates anyway).
        const after = readFileSync(join(outdir, report.dockerfile), 'utf-8').split('\n');
        const changed = after.filter((line, i) => line !== dockerfileBefore.split('\n')[i]);
        const torchLines = /^\s*#|dev\.projen-ml-docker\.torch=|"mldocker_runtime\.torch_check"/;
        expect(changed.filter((l) => !(change.tier === 'torch' ? torchLines : /^\s*#/).test(l))).toEqual([]);
        return { undo: () => define(outdir, BASELINE) };
      }
      case CacheChangeKind.BASE_IMAGE:
        expect(change.image).toBe('${PYTHON_IMAGE}');
        return { undo: () => undefined, baseImage: freshBaseImage(tag) };
      case CacheChangeKind.DOCKERFILE:
        return { undo: editStage(report, change.stage!, tag, 50_000 + nonce) };
      default:
        return fail(`no way to apply ${change.kind}`);
    }
  }

  for (const service of SERVICES) {
    describe(service, () => {
      let report: ServiceCacheReport;

      beforeAll(() => {
        // the project's own path: roles and tiers from the image model, the Dockerfile held to it
        report = cacheReportOfProject(baselineProject, { services: [service] }).service(service);
        for (const target of TARGETS) {
          const first = build(service, target);
          for (const label of first.labels) {
            if (first.text[label].startsWith('FROM ')) baselineFrom[`${service} ${label}`] = first.text[label];
          }
        }
      });

      test('BuildKit numbers exactly the steps the report lists, and an unchanged rebuild keeps them all', () => {
        for (const target of TARGETS) {
          const b = build(service, target);
          const steps = report.targets.find((t) => t.target === target)!.steps;
          expect(b.labels).toEqual(steps.map((s) => s.label).sort());
          for (const s of steps) expect(b.text[s.label].startsWith(`${s.keyword} `)).toBe(true);
          expect(observed(service, b)).toEqual(expected(report, target));
        }
      });

      test('every change: the steps BuildKit re-runs are exactly the ones the report invalidates', () => {
        const mismatches: string[] = [];
        /** What BuildKit did to prod's copy of the deps-ml virtualenv on a core bump (the layout's point). */
        const venvCopyOnCoreBump: string[] = [];
        for (const change of report.changes) {
          const { undo, baseImage } = apply(report, change);
          /** Steps an earlier target of this trial re-ran (by the report): CACHED in the later ones. */
          const rebuilt = new Set<string>();
          try {
            for (const target of TARGETS) {
              const want = expected(report, target, change.id, rebuilt);
              rerunBy(report, target, change.id).forEach((label) => rebuilt.add(label));
              let got: Observed;
              try {
                got = observed(service, build(service, target, baseImage));
              } catch (e) {
                // A build that fails proves nothing: say so and go on with the others.
                const line = `${service} ${target} ${change.id}: the build failed: ${(e as Error).message}`;
                mismatches.push(line);
                results.push(`${service.padEnd(7)} ${target.padEnd(5)} ${change.id.padEnd(22)} BUILD FAILED`);
                process.stdout.write(`cache-proof ${line}\n`);
                continue;
              }
              if (change.id === 'requirements:core' && target === 'prod') {
                const copy = report.targets.find((t) => t.target === 'prod')!.steps
                  .find((x) => x.keyword === 'COPY' && x.fromStages.includes('deps-ml'))!;
                venvCopyOnCoreBump.push(`${copy.label} ${got[copy.label]}`);
              }
              const rerun = Object.keys(got).filter((l) => got[l] === 'invalidated');
              const agree = same(got, want);
              results.push(`${service.padEnd(7)} ${target.padEnd(5)} ${change.id.padEnd(22)} `
                + `re-run ${String(rerun.length).padStart(2)}/${Object.keys(got).length}`
                + ` ${agree ? 'agrees' : 'DISAGREES'}`);
              if (!agree) {
                const diff = Object.keys({ ...want, ...got }).filter((l) => got[l] !== want[l])
                  .map((l) => `${l} report=${want[l]} buildkit=${got[l]}`);
                mismatches.push(`${service} ${target} ${change.id}: ${diff.join('; ')}`);
                // In the log as it happens: the whole file takes many minutes.
                process.stdout.write(`cache-proof ${mismatches[mismatches.length - 1]}\n`);
              }
            }
          } finally {
            undo();
          }
        }
        // Only api has a core tier. On a core bump BuildKit kept prod's copy of the deps-ml
        // virtualenv CACHED (the point of the deps-ml layout); checked before the mismatches so
        // that a disagreement elsewhere never hides it.
        expect(report.changes.some((c) => c.id === 'requirements:core')).toBe(service === 'api');
        if (service === 'api') expect(venvCopyOnCoreBump).toEqual([expect.stringMatching(/^\[prod 1\/\d+\] kept$/)]);
        expect(mismatches).toEqual([]);
      });
    });
  }
});

function same(a: Observed, b: Observed): boolean {
  const keys = Object.keys({ ...a, ...b });
  return keys.every((k) => a[k] === b[k]);
}

function fail(message: string): never {
  throw new Error(message);
}
