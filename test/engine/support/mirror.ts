import { spawnSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';
import { docker, tail, tempDir } from './engine';

/**
 * The local PyPI mirror of the real-package tests (test/engine/real-*.test.ts): the root URL
 * run-suite.sh exports as MLDOCKER_PIP_MIRROR after scripts/engine/pip-mirror.py found the
 * machine's offline copy of PyPI and started serving it on 127.0.0.1. `<root>simple/` is PyPI
 * (torch there is PyPI's default CUDA build), `<root>whl/cpu/` PyTorch's CPU index (the `+cpu`
 * wheels and what they depend on). When the machine has none, run-suite.sh exports
 * MLDOCKER_PIP_MIRROR_ABSENT instead, one line saying why, and these tests are skipped with it.
 */
export interface PipMirror {
  readonly root: string;
  /** The PyPI index, for PIP_INDEX_URL. */
  readonly pypi: string;
  /** PyTorch's CPU index, for TORCH_INDEX_URL. */
  readonly torchCpu: string;
}

const ROOT = process.env.MLDOCKER_PIP_MIRROR;

/** The mirror, or undefined when the suite runs without one. */
export const MIRROR: PipMirror | undefined = ROOT ? mirrorAt(ROOT.replace(/\/?$/, '/')) : undefined;

function mirrorAt(root: string): PipMirror {
  return { root, pypi: new URL('simple/', root).href, torchCpu: new URL('whl/cpu/', root).href };
}

/** Why the real-package tests cannot run here, or undefined when they can. */
export function mirrorMissing(): string | undefined {
  if (MIRROR) return undefined;
  const why = process.env.MLDOCKER_PIP_MIRROR_ABSENT
    ?? 'MLDOCKER_PIP_MIRROR is not set (`npx projen test:build` finds the local PyPI copy and sets it)';
  return `the real-package tests (test/engine/real-*.test.ts): ${why}`;
}

/**
 * `describe`, or `describe.skip` with the reason in its title as `[skipped: reason]`: the form
 * .ci/summary.js reads from the JUnit report to print, in one line per reason, what was skipped.
 */
export function describeUnless(reason: string | undefined, title: string, fn: () => void): void {
  if (reason) describe.skip(`${title} [skipped: ${reason}]`, fn);
  else describe(title, fn);
}

/** Runs python3 without the PIP_* variables the machine may set (PIP_FIND_LINKS and such). */
function python(args: string[], input?: string): string {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PIP_')));
  const res = spawnSync('python3', args, { encoding: 'utf-8', env, input, maxBuffer: 64 * 1024 * 1024 });
  if (res.status !== 0) {
    throw new Error(`python3 ${args.slice(0, 4).join(' ')} ... exited ${res.status}: ${res.stderr}`);
  }
  return res.stdout;
}

/** The versions of a project's files on an index page (PEP 503), as their file names give them. */
export function indexVersions(indexUrl: string, project: string): string[] {
  const script = `import re, sys, urllib.request
try:
    page = urllib.request.urlopen(sys.argv[1], timeout=30).read().decode()
except OSError:
    page = ""
for name in re.findall(r'>([^<]+\\.(?:whl|tar\\.gz|zip))<', page):
    stem = name[:-4] if name.endswith(".whl") else re.sub(r"\\.(tar\\.gz|zip)$", "", name)
    print(stem.split("-")[1] if name.endswith(".whl") else stem.rsplit("-", 1)[1])`;
  const lines = python(['-c', script, `${indexUrl}${project}/`]).trim().split('\n');
  return [...new Set(lines.filter((l) => l !== ''))];
}

/** Throws, naming each pin and what the index has instead, unless every `name==version` pin is there. */
export function requireOnIndex(indexUrl: string, pins: readonly string[]): void {
  const missing = pins.flatMap((pin) => {
    const [name, version] = pin.split('==');
    const versions = indexVersions(indexUrl, name.toLowerCase());
    const has = versions.length > 0 ? versions.join(', ') : 'no such project';
    return versions.includes(version) ? [] : [`${pin} (the index has ${has})`];
  });
  if (missing.length > 0) {
    throw new Error(`the mirror at ${indexUrl} lacks pins these tests use: ${missing.join('; ')}`);
  }
}

/** One locked file: what pip would install for a requirement set, with the sha256 the index gave. */
export interface LockedFile {
  readonly name: string;
  readonly version: string;
  readonly sha256: string;
  readonly url: string;
  /** The files of the result this one's metadata requires (Requires-Dist names, whatever their markers). */
  readonly requires: readonly string[];
}

/**
 * Resolves requirements against the index with the host's pip (`install --dry-run --report`,
 * nothing installed, no cache written) and returns every file of the result with the sha256
 * the index page carries: the content of a hash lock (`pip-compile --generate-hashes` form).
 * The host's Python is 3.11 on linux x86_64, as the images are.
 */
export function lockFrom(indexUrl: string, requirements: readonly string[]): LockedFile[] {
  const dir = tempDir('engine-lock-');
  const report = join(dir, 'report.json');
  python(['-m', 'pip', 'install', '--isolated', '--no-cache-dir', '--disable-pip-version-check', '--quiet',
    '--dry-run', '--ignore-installed', '--only-binary', ':all:', '--index-url', indexUrl, '--report', report,
    ...requirements]);
  const parsed = JSON.parse(readFileSync(report, 'utf-8')) as { install: any[] };
  spawnSync('rm', ['-rf', dir]);
  const normal = (name: string) => name.toLowerCase().replace(/[-_.]+/g, '-');
  const names = new Set(parsed.install.map((i) => normal(String(i.metadata.name))));
  return parsed.install.map((i) => ({
    name: normal(String(i.metadata.name)),
    version: String(i.metadata.version),
    sha256: String(i.download_info.archive_info.hashes.sha256),
    url: String(i.download_info.url),
    requires: [...new Set((i.metadata.requires_dist ?? [] as string[])
      .map((r: string) => normal(/^[A-Za-z0-9._-]+/.exec(r)![0])))]
      .filter((n) => names.has(n as string)).sort() as string[],
  })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A file an index page links: its name, absolute url and the sha256 the link carries. */
export interface IndexFile {
  readonly file: string;
  readonly url: string;
  readonly sha256: string;
}

/** The files of a project on an index page (PEP 503). */
export function indexFiles(indexUrl: string, project: string): IndexFile[] {
  const script = `import html, json, re, sys, urllib.parse, urllib.request
page = urllib.request.urlopen(sys.argv[1], timeout=30).read().decode()
out = []
for href, name in re.findall(r'<a[^>]*href="([^"]+)"[^>]*>([^<]+)</a>', page):
    url, _, fragment = urllib.parse.urljoin(sys.argv[1], html.unescape(href)).partition("#")
    out.append({"file": name, "url": url, "sha256": fragment.removeprefix("sha256=")})
print(json.dumps(out))`;
  return JSON.parse(python(['-c', script, `${indexUrl}${project}/`]));
}

/** The sha256 of the bytes at a url, read here (a wheel the index serves, hashed as pip hashes it). */
export function sha256At(url: string): string {
  const script = `import hashlib, sys, urllib.request
h = hashlib.sha256()
with urllib.request.urlopen(sys.argv[1], timeout=120) as r:
    for chunk in iter(lambda: r.read(1 << 20), b""):
        h.update(chunk)
print(h.hexdigest())`;
  return python(['-c', script, url]).trim();
}

/** A hash-locked requirements file of those files (pip-compile's form). */
export function lockText(files: readonly LockedFile[]): string {
  const lines = files.map((f) => `${f.name}==${f.version} \\\n    --hash=sha256:${f.sha256}`);
  return ['# pip-compile --generate-hashes (from the local mirror)', ...lines, ''].join('\n');
}

/**
 * The steps of a `--progress plain` BuildKit log by name, with the output lines each printed
 * and how it ended (`DONE`, `CACHED` or `ERROR`). Compose's log names a step `[api prod 3/9]`,
 * docker build's `[prod 3/9]`.
 */
export interface LoggedStep {
  readonly name: string;
  readonly output: string[];
  readonly end?: 'DONE' | 'CACHED' | 'ERROR';
}

export function buildSteps(log: string): LoggedStep[] {
  const steps = new Map<string, { name: string; output: string[]; end?: 'DONE' | 'CACHED' | 'ERROR' }>();
  for (const line of log.split('\n')) {
    const m = /^#(\d+) (.*)$/.exec(line);
    if (!m) continue;
    const [, id, rest] = m;
    const step = steps.get(id);
    if (!step) {
      if (/^\[[^\]]+\] /.test(rest)) steps.set(id, { name: rest, output: [] });
      continue;
    }
    const end = rest === 'CACHED' ? 'CACHED'
      : /^DONE /.test(rest) ? 'DONE' : /^ERROR\b/.test(rest) ? 'ERROR' : undefined;
    const out = /^\d+\.\d+ (.*)$/.exec(rest);
    if (end) step.end = end;
    else if (out) step.output.push(out[1]);
  }
  return [...steps.values()];
}

/** What compose.yaml gives every app service, as `docker run` flags. */
export const HARDENING = [
  '--read-only', '--tmpfs', '/tmp:exec,mode=1777,size=64m', '--cap-drop', 'ALL',
  '--security-opt', 'no-new-privileges:true',
];

/** Runs Python code in an image as its own user (10001), hardened and without network; its stdout. */
export function pythonIn(tag: string, code: string): string {
  const run = ['run', '--rm', '--network', 'none', ...HARDENING, '--entrypoint', 'python', tag, '-c', code];
  return docker(run).trim();
}

/** name -> version of every distribution in an image's virtualenv (names normalized as PEP 503 does). */
export function distributions(tag: string): Record<string, string> {
  return JSON.parse(pythonIn(tag, 'import importlib.metadata as m, json, re; print(json.dumps('
    + '{re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower(): d.version for d in m.distributions()}))'));
}

/** Passes when a build exited 0; otherwise fails showing the end of its log. */
export function expectBuilt(res: { status: number; stdout: string; stderr: string }): void {
  const log = `${res.stdout}${res.stderr}`;
  expect({ status: res.status, log: res.status === 0 ? '' : tail(log, 60) }).toEqual({ status: 0, log: '' });
}
