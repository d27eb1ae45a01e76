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
const FILE_ORDER: readonly TorchPackage[] = [TorchPackage.TORCH, TorchPackage.TORCHAUDIO, TorchPackage.TORCHVISION];

/** Every package of the release, in file order (what services without `torchPackages` install). */
export const ALL_TORCH_PACKAGES: readonly TorchPackage[] = FILE_ORDER;

/**
 * Checks a `torchPackages` list and returns what the torch tier installs, in file order:
 * torch always, plus the listed companions. Each name once; unknown names are refused.
 */
export function resolveTorchPackages(problems: Problems, field: string, value: readonly string[] | undefined): TorchPackage[] {
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
  return torchPackagesOf(value);
}

/** What the torch tier installs for a `torchPackages` list, in file order (refusals: see above). */
export function torchPackagesOf(value: readonly string[] | undefined): TorchPackage[] {
  return FILE_ORDER.filter((p) => p === TorchPackage.TORCH || (value ?? []).includes(p));
}
