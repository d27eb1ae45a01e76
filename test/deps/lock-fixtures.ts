/**
 * Lock and pyproject fixtures the dependency tests and the catalogue rows share: a pyproject of
 * the project "demo" and a uv.lock (version 1) built from a list of packages, with made-up hashes.
 */
import { createHash } from 'crypto';

export const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
export const H = (s: string): string => `--hash=sha256:${sha(s)}`;

export const PYPROJECT = [
  '[project]', 'name = "demo"', 'version = "0.1.0"', 'requires-python = ">=3.10"',
  'dependencies = [', '    "fastapi>=0.110,<1.0",', '    "numpy>=2",', ']', '',
  '[project.optional-dependencies]', 'viz = ["matplotlib>=3.8"]', '',
  '[dependency-groups]', 'dev = ["pytest>=8"]', '',
].join('\n');

export interface Pkg {
  name: string;
  version: string;
  deps?: string[];
  wheels?: string[];
  sdist?: boolean;
  hash?: boolean;
  source?: string;
}

/** A uv.lock (version 1) for the project "demo" and these packages. */
export function uvLock(pkgs: Pkg[], head: string[] = ['version = 1', 'revision = 3', 'requires-python = ">=3.10"']): string {
  const out = [...head, ''];
  const dep = (n: string) => `{ name = "${n}" }`;
  out.push('[[package]]', 'name = "demo"', 'version = "0.1.0"', 'source = { editable = "." }',
    'dependencies = [{ name = "fastapi" }, { name = "numpy" }]', '', '[package.dev-dependencies]', 'dev = [{ name = "pytest" }]', '');
  for (const p of pkgs) {
    out.push('[[package]]', `name = "${p.name}"`, `version = "${p.version}"`, `source = ${p.source ?? '{ registry = "https://pypi.org/simple" }'}`);
    if (p.deps) out.push(`dependencies = [${p.deps.map(dep).join(', ')}]`);
    const hash = (f: string) => (p.hash === false ? '' : `, hash = "sha256:${sha(f)}"`);
    if (p.sdist !== false) out.push(`sdist = { url = "https://files.example.invalid/${p.name}-${p.version}.tar.gz"${hash(`${p.name}.tar.gz`)} }`);
    const wheels = p.wheels ?? [`${p.name}-${p.version}-py3-none-any.whl`];
    out.push(`wheels = [${wheels.map((w) => `{ url = "https://files.example.invalid/${w}"${hash(w)} }`).join(', ')}]`, '');
  }
  return out.join('\n');
}

/** A pyproject of "demo" whose only ML dependency is timm (which needs torch and torchvision). */
export const PYPROJECT_TIMM = [
  '[project]', 'name = "demo"', 'version = "0.1.0"', 'requires-python = ">=3.10"',
  'dependencies = ["fastapi>=0.110,<1.0", "timm==1.0.12"]', '',
].join('\n');

/**
 * A uv.lock of PYPROJECT_TIMM: timm pulls torch 2.4.1 and torchvision 0.19.1, which the project
 * never names. `torchLabel`/`visionLabel`: the local labels of their builds (`cu124`; '' for
 * PyPI's default builds, with no label and PyPI as their source).
 */
export function timmLock(torchLabel: string, visionLabel = torchLabel): string {
  const pkg = (name: string, version: string, label: string, deps: string[]): Pkg => ({
    name,
    version: `${version}${label === '' ? '' : `+${label}`}`,
    deps,
    sdist: false,
    source: label === '' ? undefined : `{ registry = "https://download.pytorch.org/whl/${label}" }`,
    wheels: [`${name}-${version}${label === '' ? '' : `+${label}`}-cp311-cp311-manylinux_2_28_x86_64.whl`],
  });
  return uvLock([
    { name: 'fastapi', version: '0.115.6' },
    { name: 'timm', version: '1.0.12', deps: ['torch', 'torchvision'] },
    pkg('torch', '2.4.1', torchLabel, []),
    pkg('torchvision', '0.19.1', visionLabel, ['torch']),
  ]).replace('dependencies = [{ name = "fastapi" }, { name = "numpy" }]',
    'dependencies = [{ name = "fastapi" }, { name = "timm" }]')
    .replace('[package.dev-dependencies]\ndev = [{ name = "pytest" }]\n', '');
}
