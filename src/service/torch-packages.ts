import { TorchWheels, knownTorchVersions, publicVersion, torchMatrix } from './torch';
import { Problems, oneOf } from '../core/problems';

/** A package of the PyTorch release installed in the torch tier. */
export enum TorchPackage {
  /** torch itself: always installed. */
  TORCH = 'torch',
  /** torchvision, at the version paired with the torch release in the wheel matrix. */
  TORCHVISION = 'torchvision',
  /** torchaudio, at the version paired with the torch release in the wheel matrix. */
  TORCHAUDIO = 'torchaudio',
}

/** The order of the torch tier's requirement file (sorted by name, as every tier file is). */
const FILE_ORDER: readonly TorchPackage[] = [
  TorchPackage.TORCH, TorchPackage.TORCHAUDIO, TorchPackage.TORCHVISION,
];

/** Every package of the release, in file order (what services without `torchPackages` install). */
export const ALL_TORCH_PACKAGES: readonly TorchPackage[] = FILE_ORDER;

/**
 * The packages of the release that have a pin in a wheel-matrix row, in file order: torch
 * 2.12 and later have no torchaudio in the matrix, so a service installing "every package"
 * installs torch and torchvision there.
 */
export function packagesWithWheels(
  packages: readonly TorchPackage[], wheels: TorchWheels | undefined,
): TorchPackage[] {
  return packages.filter((p) => p === TorchPackage.TORCH || wheels === undefined || wheels[p] !== undefined);
}

/**
 * Checks a `torchPackages` list and returns what the torch tier installs, in file order:
 * torch always, plus the listed companions. Each name once; unknown names are refused, and so
 * is a companion the wheel matrix pairs with no version of the chosen torch release.
 */
export function resolveTorchPackages(
  problems: Problems, field: string, value: readonly string[] | undefined, wheels?: TorchWheels,
): TorchPackage[] {
  const list = value ?? [];
  const known = Object.values(TorchPackage) as string[];
  list.forEach((p, i) => {
    if (!known.includes(p)) {
      problems.add(`${field}[${i}] is not a package of the pytorch release`, p,
        `one of: ${oneOf(known)} (TorchPackage.TORCH, TORCHVISION, TORCHAUDIO); other packages go in requirements`);
    }
  });
  const dup = list.find((p, i) => list.indexOf(p) !== i);
  if (dup) problems.add(`${field} lists a package twice`, dup, 'each package once');
  const wanted = torchPackagesOf(value);
  const paired = packagesWithWheels(wanted, wheels);
  for (const p of wanted.filter((w) => !paired.includes(w))) {
    const others = paired.filter((q) => q !== TorchPackage.TORCH);
    problems.add(`${field} lists ${p}, which the wheel matrix pairs with no version of torch ${wheels!.torch}`, p,
      `${field} without ${p}${others.length ? ` (torch ${publicVersion(wheels!.torch)} pairs ${oneOf(others)})` : ''}, `
      + `or a torch release with a paired ${p} (${newestWith(p)} or older)`);
  }
  return paired;
}

/** What the torch tier installs for a `torchPackages` list, in file order (refusals: see above). */
export function torchPackagesOf(value: readonly string[] | undefined): TorchPackage[] {
  return FILE_ORDER.filter((p) => p === TorchPackage.TORCH || (value ?? []).includes(p));
}

/** The newest torch version whose matrix rows pair a companion package. */
function newestWith(pkg: TorchPackage): string {
  const versions = new Set(torchMatrix()
    .filter((r) => r[pkg as 'torchvision' | 'torchaudio'] !== undefined).map((r) => publicVersion(r.torch)));
  return knownTorchVersions().filter((v) => versions.has(v)).slice(-1)[0];
}

/**
 * The local version label of a matrix row's builds (`cu124`, `cpu`), read from its torch pin;
 * undefined for a row whose wheels are PyPI's default build (no label).
 */
export function variantLabel(wheels: TorchWheels): string | undefined {
  const plus = wheels.torch.indexOf('+');
  return plus < 0 ? undefined : wheels.torch.slice(plus + 1);
}

/**
 * How a package of the torch family reaches the image: installed by the torch tier from the
 * torch index, or pinned by the constraints of every later tier to the paired build (a package
 * that pulls it then gets that build, or the install fails).
 */
export type TorchBuildSource = 'torch tier' | 'constraint';

/** One package of the torch family as the image must hold it. */
export interface TorchBuild {
  readonly pkg: TorchPackage;
  /** The exact version with the torch build's local label: `0.19.1+cu124`. */
  readonly version: string;
  readonly source: TorchBuildSource;
}

/**
 * The builds of torch, torchvision and torchaudio an image may hold, in file order: the
 * matrix's pairing for the torch release, each with the local label of the torch build (the
 * PyTorch index labels every package of a variant alike). Companions the matrix pairs with no
 * version of the release are left out: nothing can install a paired build of them.
 */
export function torchFamily(wheels: TorchWheels, tierPackages: readonly TorchPackage[]): TorchBuild[] {
  const label = variantLabel(wheels);
  return packagesWithWheels(ALL_TORCH_PACKAGES, wheels).map((pkg) => ({
    pkg,
    version: `${publicVersion(wheels[pkg]!)}${label === undefined ? '' : `+${label}`}`,
    source: tierPackages.includes(pkg) ? 'torch tier' : 'constraint',
  }));
}
