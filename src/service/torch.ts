import { loadData } from '../core/data';
import { Platform } from '../core/platform';
import { Problems, oneOf } from '../core/problems';
import { compareVersions, isVersion } from '../core/requirement-grammar';

/** One row of the vendored torch wheel matrix (data/torch-cuda-matrix.json). */
export interface TorchWheels {
  /** The torch pin, with its local version label where the index uses one (`2.5.1+cpu`). */
  readonly torch: string;
  readonly torchvision: string;
  /**
   * The torchaudio paired with the release; undefined where the matrix knows of none (torch
   * 2.12 and later: no paired torchaudio release could be confirmed), so none is installed.
   */
  readonly torchaudio?: string;
  /** CUDA major.minor of the wheels; undefined for CPU wheels. */
  readonly cuda?: string;
  /** The PyTorch wheel index the pins come from. */
  readonly indexUrl: string;
  /** Python minor versions with wheels. */
  readonly pythons: string[];
}

interface MatrixRow {
  readonly torch: string;
  readonly torchvision: string;
  /** null: no torchaudio release is paired with this torch release. */
  readonly torchaudio: string | null;
  readonly cuda: string | null;
  /** null: the default wheels on PyPI are that variant (torch 2.0.x with CUDA 11.7). */
  readonly indexUrl: string | null;
  readonly pythons: string[];
  /** Where the row's facts come from and when they were checked (docs/reference-data.md). */
  readonly source: unknown;
}

/** PyPI's simple index, for matrix rows whose wheels are PyPI's default torch build. */
export const PYPI_SIMPLE_INDEX = 'https://pypi.org/simple/';

/** The torch version without its local label (`2.5.1+cu124` -> `2.5.1`). */
export function publicVersion(version: string): string {
  const plus = version.indexOf('+');
  return plus < 0 ? version : version.slice(0, plus);
}

/** Every row of the wheel matrix. */
export function torchMatrix(): readonly TorchWheels[] {
  return loadData<MatrixRow[]>('torch-cuda-matrix.json').map((r) => ({
    torch: r.torch,
    torchvision: r.torchvision,
    torchaudio: r.torchaudio ?? undefined,
    cuda: r.cuda ?? undefined,
    indexUrl: r.indexUrl ?? PYPI_SIMPLE_INDEX,
    pythons: [...r.pythons],
  }));
}

/** Known torch versions, oldest first. */
export function knownTorchVersions(): string[] {
  const versions = [...new Set(torchMatrix().map((r) => publicVersion(r.torch)))];
  return versions.sort(compareVersions);
}

/** The known versions closest to an unknown one, for the error message. */
export function nearbyTorchVersions(version: string): string[] {
  const known = knownTorchVersions();
  if (typeof version === 'string' && isVersion(version)) {
    const idx = known.findIndex((k) => compareVersions(k, version) > 0);
    const at = idx < 0 ? known.length : idx;
    return known.slice(Math.max(0, at - 3), at + 3);
  }
  return known.slice(-6);
}

/** Checks a torch version string and returns the matrix rows of that version. */
export function torchRows(problems: Problems, field: string, version: unknown): TorchWheels[] | undefined {
  const rows = torchMatrix().filter((r) => publicVersion(r.torch) === version);
  if (rows.length === 0) {
    problems.add(`${field} has no wheels in the torch matrix`, version,
      `a known torch version such as ${oneOf(nearbyTorchVersions(String(version)))} (all: ${knownTorchVersions()[0]} to ${knownTorchVersions().slice(-1)[0]})`);
    return undefined;
  }
  return rows;
}

/**
 * The platforms the vendored wheel matrix describes: it lists PyTorch's Linux x86_64 wheels
 * (data/torch-cuda-matrix.json, from the published torch compatibility table). It has no
 * aarch64 rows, so no torch pin is known to exist there.
 */
export const TORCH_MATRIX_PLATFORMS: readonly string[] = [Platform.LINUX_AMD64];

/**
 * CPU-only wheels for a torch version and Python minor, or a problem naming what exists.
 * With `platforms`, every platform must have that wheel in the matrix: a pin pip cannot find
 * for one of them would fail that platform's build.
 */
export function resolveCpuTorch(
  problems: Problems, version: unknown, pythonMinor: string,
  platforms: readonly string[] = [Platform.LINUX_AMD64],
): TorchWheels | undefined {
  const rows = torchRows(problems, 'torchVersion', version);
  if (!rows) return undefined;
  const cpu = rows.find((r) => r.cuda === undefined);
  if (!cpu) {
    problems.add('torchVersion has no cpu wheels', version, `a torch version with cpu wheels, e.g. ${oneOf(torchMatrix().filter((r) => !r.cuda).slice(-4).map((r) => publicVersion(r.torch)))}`);
    return undefined;
  }
  if (!cpu.pythons.includes(pythonMinor)) {
    problems.add(`torchVersion ${String(version)} has no cpu wheels for python ${pythonMinor}`, version,
      `a python version with wheels for it: ${oneOf(cpu.pythons)}, or another torch version`);
    return undefined;
  }
  const missing = platforms.filter((p) => !TORCH_MATRIX_PLATFORMS.includes(p));
  if (missing.length > 0) {
    problems.add(`torchVersion ${String(version)} has no cpu wheel for ${missing.join(', ')} in the torch matrix`, version,
      `only platforms the matrix has cpu wheels for: ${oneOf(TORCH_MATRIX_PLATFORMS)} (it lists no aarch64 torch wheels), or no torchVersion`);
    return undefined;
  }
  return cpu;
}
