/**
 * Catalogue rows (`platforms` of CPU services): platforms we do not build,
 * duplicates, an empty list, platforms on a GPU service, CPU torch for arm64, and a lock with
 * no file for one of the platforms.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { any, inference, Row, svc, trainer } from './support';
import { Dependencies } from '../../src';

const PATH = 'vision/api';
const PLATFORMS = 'one of: "linux/amd64", "linux/arm64"';
const BOTH = ['linux/amd64', 'linux/arm64'];

/** The pylock fixture of the deps tests without any aarch64 wheel or sdist (x86_64 only). */
function x86OnlyLock(): Record<string, string> {
  const dir = join(__dirname, '..', 'deps', 'fixtures', 'pylock');
  const lock = readFileSync(join(dir, 'pylock.toml'), 'utf-8')
    .replace(/\n {4}\[\[packages\.wheels\]\]\n {4}name = '[^']*aarch64[^']*'\n(?: {4}[^\n]*\n)*/g, '\n')
    .replace(/\n {4}\[packages\.sdist\]\n(?: {4}[^\n]*\n)*/g, '\n');
  return { 'platforms/pyproject.toml': readFileSync(join(dir, 'pyproject.toml'), 'utf-8'), 'platforms/pylock.toml': lock };
}

export const rows: Row[] = [
  { name: 'platforms: riscv64', build: svc({ platforms: ['linux/riscv64'] }), path: PATH, got: '"linux/riscv64"', expected: PLATFORMS },
  { name: 'platforms: arm64 without the os', build: svc({ platforms: ['arm64'] }), path: PATH, got: '"arm64"', expected: PLATFORMS },
  { name: 'platforms: windows', build: svc({ platforms: ['linux/amd64', 'windows/amd64'] }), path: PATH, got: '"windows/amd64"', expected: PLATFORMS },
  { name: 'platforms: arm64 twice', build: svc({ platforms: ['linux/arm64', 'linux/amd64', 'linux/arm64'] }), path: PATH, got: '"linux/arm64"', expected: 'each platform once' },
  { name: 'platforms: empty list', build: svc({ platforms: [] }), path: PATH, got: '[]', expected: 'at least one platform' },
  { name: 'platforms: a string, not a list', build: svc({ platforms: 'linux/amd64,linux/arm64' }), path: PATH, got: '"linux/amd64,linux/arm64"', expected: 'a list' },
  {
    name: 'platforms: cpu torch for arm64',
    build: svc({ torchVersion: '2.5.1', platforms: BOTH }),
    path: PATH,
    got: '"2.5.1"',
    expected: 'it lists no aarch64 torch wheels',
  },
  {
    name: 'platforms: on a gpu trainer',
    build: trainer({ platforms: BOTH }),
    path: 'vision/trainer',
    got: '["linux/amd64","linux/arm64"]',
    expected: 'platform: GpuPlatform.LINUX_AMD64',
  },
  {
    name: 'platforms: on a gpu inference server',
    build: inference({ platforms: ['linux/arm64'] }),
    path: 'vision/inference',
    got: '["linux/arm64"]',
    expected: 'GpuPlatform.LINUX_ARM64 with allowArm64: true',
  },
  {
    name: 'platforms: a lock without an aarch64 wheel',
    files: x86OnlyLock(),
    build: svc({ pythonVersion: '3.11', platforms: BOTH, dependencies: any(Dependencies.fromPyproject({ path: 'platforms/pyproject.toml' })) }),
    path: PATH,
    got: 'numpy',
    expected: 'aarch64',
  },
];
