/**
 * A synthetic uv.lock of N packages (default 300) with its pyproject.toml, for the benchmark
 * of the dependency files (synth with a 300-package lock against the same service with a typed list):
 * deterministic, shaped as uv writes version 1 locks (registry sources, an sdist and wheels
 * for several platforms per package, markers on some edges, extras, a dev group).
 */
import { createHash } from 'crypto';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

export interface GeneratedUvProject {
  readonly 'pyproject.toml': string;
  readonly 'uv.lock': string;
}

/**
 * Package i depends on two later packages (a DAG); every 7th edge carries a marker that never holds on linux.
 */
export function generateUvProject(count = 300, roots = 20): GeneratedUvProject {
  const name = (i: number) => `pkg-${String(i).padStart(3, '0')}`;
  const version = (i: number) => `${1 + (i % 5)}.${i % 11}.${i % 3}`;
  const rootNames = Array.from({ length: roots }, (_, i) => name(i));
  const devRoot = name(roots);
  const pyproject = [
    '[project]', 'name = "bench"', 'version = "0.1.0"', 'requires-python = ">=3.10"',
    'dependencies = [', ...rootNames.map((n, i) => `    "${n}>=${version(i)}",`), ']', '',
    '[dependency-groups]', `dev = ["${devRoot}"]`, '',
  ].join('\n');
  const lines = ['version = 1', 'revision = 3', 'requires-python = ">=3.10"', ''];
  lines.push('[[package]]', 'name = "bench"', 'version = "0.1.0"', 'source = { editable = "." }',
    `dependencies = [${rootNames.map((n) => `{ name = "${n}" }`).join(', ')}]`, '',
    '[package.dev-dependencies]', `dev = [{ name = "${devRoot}" }]`, '');
  for (let i = 0; i < count; i++) {
    const n = name(i);
    const v = version(i);
    const file = n.replace(/-/g, '_');
    lines.push('[[package]]', `name = "${n}"`, `version = "${v}"`, 'source = { registry = "https://index.example.invalid/simple" }');
    const deps = [2 * i + 1, 2 * i + 2].filter((j) => j < count && j !== roots)
      .map((j, k) => `{ name = "${name(j)}"${(i + k) % 7 === 0 ? ', marker = "sys_platform == \'win32\'"' : ''} }`);
    if (deps.length) lines.push(`dependencies = [${deps.join(', ')}]`);
    lines.push(`sdist = { url = "https://files.example.invalid/${file}-${v}.tar.gz", hash = "sha256:${sha(`${n}-sdist`)}", size = 1000 }`);
    const wheels = ['cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64', 'cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64',
      'cp311-cp311-win_amd64', 'cp311-cp311-macosx_11_0_arm64', 'cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64'];
    lines.push('wheels = [', ...wheels.map((t) => `    { url = "https://files.example.invalid/${file}-${v}-${t}.whl", hash = "sha256:${sha(`${n}-${t}`)}", size = 2000 },`), ']', '');
  }
  return { 'pyproject.toml': pyproject, 'uv.lock': lines.join('\n') };
}
