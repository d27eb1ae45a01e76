import { MarkerEnvironment } from '../core/requirement-grammar';

/** The CPU architecture of an image. */
export type TargetArch = 'x86_64' | 'aarch64';

/** What the image is: glibc-based Linux, one architecture, one exact CPython version. */
export interface Target {
  /** `3.11.9`. */
  readonly pythonVersion: string;
  readonly arch: TargetArch;
  /** The image's glibc, `[2, 35]`: manylinux wheels up to it apply. */
  readonly glibc: readonly [number, number];
}

/**
 * The PEP 508 marker values of the image's interpreter; `extras` and `groups` are PEP 751's
 * set-valued variables (what an install from a pylock.toml asks for).
 */
export function markerEnvironment(target: Target, extra = '', extras: readonly string[] = [], groups: readonly string[] = []): MarkerEnvironment {
  const [major, minor] = target.pythonVersion.split('.');
  return {
    python_version: `${major}.${minor}`,
    python_full_version: target.pythonVersion,
    os_name: 'posix',
    sys_platform: 'linux',
    platform_system: 'Linux',
    platform_machine: target.arch,
    platform_python_implementation: 'CPython',
    implementation_name: 'cpython',
    implementation_version: target.pythonVersion,
    // the kernel of the build host: unknown at synth; markers on it compare to an empty string
    platform_release: '',
    platform_version: '',
    extra,
    extras,
    dependency_groups: groups,
  };
}

/**
 * The wheel tags pip accepts on the target, as pip's `packaging.tags` lists them for CPython
 * on glibc Linux: `cpXY-cpXY`, `cpXY-abi3` down to `cp32`, `cpXY-none`, `py3Y-none` down to
 * `py30`, `py3-none`, on the platforms `linux_<arch>`, `manylinux_2_N_<arch>` for N up to the
 * image's glibc, their legacy aliases (`manylinux1`, `manylinux2010`, `manylinux2014`) and `any`.
 */
export class WheelTags {
  private readonly interpreter: Set<string>;
  private readonly platforms: Set<string>;

  constructor(target: Target) {
    const [, minorText] = target.pythonVersion.split('.');
    const minor = Number(minorText);
    const cp = `cp3${minor}`;
    const tags: string[] = [`${cp}-${cp}`, `${cp}-none`];
    for (let m = minor; m >= 2; m--) tags.push(`cp3${m}-abi3`);
    for (let m = minor; m >= 0; m--) tags.push(`py3${m}-none`);
    tags.push('py3-none');
    this.interpreter = new Set(tags);
    const arch = target.arch;
    const platforms = [`linux_${arch}`, 'any'];
    for (let n = target.glibc[1]; n >= 0; n--) platforms.push(`manylinux_2_${n}_${arch}`);
    const legacy: Array<[string, number]> = [['manylinux2014', 17], ['manylinux2010', 12], ['manylinux1', 5]];
    for (const [alias, n] of legacy) {
      // manylinux2010 and manylinux1 only ever existed for x86 (and i686)
      if (target.glibc[1] >= n && (alias === 'manylinux2014' || arch === 'x86_64')) platforms.push(`${alias}_${arch}`);
    }
    this.platforms = new Set(platforms);
  }

  /**
   * True when a wheel file applies (any of its compressed tag sets, `py2.py3-none-any`,
   * matches). Undefined when the name is not a wheel file name.
   */
  public applies(filename: string): boolean | undefined {
    if (!filename.endsWith('.whl')) return undefined;
    const parts = filename.slice(0, -4).split('-');
    if (parts.length !== 5 && parts.length !== 6) return undefined;
    const [py, abi, plat] = parts.slice(-3);
    for (const pl of plat.split('.')) {
      if (!this.platforms.has(pl)) continue;
      for (const p of py.split('.')) {
        for (const a of abi.split('.')) {
          // packaging pairs "any" with the "none" abi only
          if (this.interpreter.has(`${p}-${a}`) && (pl !== 'any' || a === 'none')) return true;
        }
      }
    }
    return false;
  }
}

/** True for a source distribution file name (pip builds it at install). */
export function isSdist(filename: string): boolean {
  return /\.(tar\.gz|zip|tar\.bz2|tar\.xz|tgz|tar)$/.test(filename);
}
