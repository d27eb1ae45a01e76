import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { projectWith, resolveIn } from './support';
import { generateUvProject } from './uv-lock-generator';
import { Dependencies, resolveDependencies } from '../../src/deps';

test('the generated 300-package uv.lock resolves: every package reachable on linux, with its two linux x86_64 files', () => {
  const root = projectWith({ ...generateUvProject() });
  const r = resolveIn(root, Dependencies.fromPyproject());
  const all = [...r.packages.core, ...r.packages.dev];
  // the win32-only edges cut some packages off; what stays is reachable from the roots
  expect(all.length).toBeGreaterThan(150);
  expect(all.length).toBeLessThanOrEqual(300);
  expect(all.every((p) => p.hashes.length === 2)).toBe(true);
  expect(r.packages.dev.map((p) => p.key)).toContain('pkg-020');
  expect(generateUvProject()).toEqual(generateUvProject());
});

describe('the result cache (cacheDir)', () => {
  const resolveCached = (root: string, cacheDir: string) =>
    resolveDependencies(Dependencies.fromPyproject(), {
      projectRoot: root, pythonVersion: '3.11.9', platform: 'linux/amd64', path: 'vision/api', cacheDir,
    });

  test('an unchanged project reuses the result; a changed, new or removed file resolves again', () => {
    const root = projectWith({ ...generateUvProject(40, 5) });
    const cacheDir = mkdtempSync(join(tmpdir(), 'mld-deps-cache-'));
    const first = resolveCached(root, cacheDir);
    expect(readdirSync(cacheDir)).toHaveLength(1);
    expect(resolveCached(root, cacheDir)).toEqual(first);
    // the second resolution came from the entry: a marked entry comes back as it is
    const [entryName] = readdirSync(cacheDir);
    const entry = JSON.parse(readFileSync(join(cacheDir, entryName), 'utf-8'));
    writeFileSync(join(cacheDir, entryName), JSON.stringify({ ...entry, result: { ...entry.result, warnings: ['from the cache'] } }));
    expect(resolveCached(root, cacheDir).warnings).toEqual(['from the cache']);
    // a changed lock: the new pins, not the cached ones
    const lock = readFileSync(join(root, 'uv.lock'), 'utf-8').replace('name = "pkg-000"\nversion = "1.0.0"', 'name = "pkg-000"\nversion = "1.0.1"');
    writeFileSync(join(root, 'uv.lock'), lock);
    expect(resolveCached(root, cacheDir).packages.core.find((p) => p.key === 'pkg-000')!.version).toBe('1.0.1');
    // a lock appearing beside pyproject.toml (a probed name) is seen
    writeFileSync(join(root, 'poetry.lock'), '');
    expect(() => resolveCached(root, cacheDir)).toThrow(/finds more than one lock file/);
    rmSync(join(root, 'poetry.lock'));
    expect(resolveCached(root, cacheDir).packages.core.find((p) => p.key === 'pkg-000')!.version).toBe('1.0.1');
    // the same options in another project root are another entry
    const other = projectWith({ ...generateUvProject(40, 5) });
    expect(resolveCached(other, cacheDir).packages.core.find((p) => p.key === 'pkg-000')!.version).toBe('1.0.0');
  });

  test('a corrupt entry is ignored', () => {
    const root = projectWith({ ...generateUvProject(10, 2) });
    const cacheDir = mkdtempSync(join(tmpdir(), 'mld-deps-cache-'));
    const first = resolveCached(root, cacheDir);
    for (const f of readdirSync(cacheDir)) writeFileSync(join(cacheDir, f), '{ not json');
    expect(resolveCached(root, cacheDir)).toEqual(first);
  });
});
