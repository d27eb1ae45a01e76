import { publicVersion, TorchWheels } from './torch';
import { Problems } from '../core/problems';
import { RequirementTier, TIER_ORDER } from '../core/requirements';
import { packageLines, ResolvedDependencies, ResolvedPackage, ResolvedTorch } from '../deps';
import { exactPin, parseRequirementText, satisfiesClauses } from '../deps/requirement';

/** What a service installs per tier once its dependency files and its typed lists are merged. */
export interface MergedTiers {
  /** The requirement lines of each tier's file (without the header), sorted by package. */
  readonly lines: Record<RequirementTier, string[]>;
  /** True when every tier is hash-locked: installed with `--require-hashes --no-deps`. */
  readonly locked: boolean;
  /** Constraint lines of `-c` files (unlocked requirement files only), for a constraints file. */
  readonly constraints: string[];
  /** The files each tier's packages come from (a lock, or requirement files), sorted. */
  readonly sources: Record<RequirementTier, string[]>;
}

interface Entry {
  readonly key: string;
  readonly lines: string[];
}

function byKey(a: Entry, b: Entry): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * Merges what the dependency files resolved to with the typed `requirements` lists. A package
 * may be in both only at the same exact version (it is then installed once, where the files
 * put it); anything else is a conflict. A locked install takes every package from the lock:
 * a typed pin the lock does not hold cannot be hash-checked and is refused.
 */
export function mergeTiers(problems: Problems, resolved: ResolvedDependencies, typed: Record<RequirementTier, string[]>, field: string): MergedTiers {
  const fileOf = new Map<string, { tier: RequirementTier; pkg: ResolvedPackage }>();
  for (const tier of TIER_ORDER) for (const pkg of resolved.packages[tier]) fileOf.set(pkg.key, { tier, pkg });
  const entries: Record<RequirementTier, Entry[]> = { ml: [], core: [], dev: [] };
  for (const tier of TIER_ORDER) entries[tier] = resolved.packages[tier].map((p) => ({ key: p.key, lines: packageLines(p) }));
  const source = resolved.lockFile ?? 'the dependency files';
  for (const tier of TIER_ORDER) {
    typed[tier].forEach((line, i) => {
      const at = `requirements.${tier}[${i}]`;
      const req = parseRequirementText(line);
      const pin = exactPin(req);
      const there = fileOf.get(req.key);
      if (there) {
        if (pin !== undefined && there.pkg.version === pin && (resolved.locked || there.pkg.requirement === `${req.name}==${pin}` || there.pkg.requirement === line)) return;
        problems.add(`${at} pins ${req.name} differently than ${field} (${there.pkg.from}, ${there.tier} tier)`, line,
          `one version of a package in the image: "${there.pkg.requirement}" as ${there.pkg.from} has it, or ${req.name} in only one of the two`);
        return;
      }
      if (resolved.locked) {
        problems.add(`${at} is not in the lock ${source}`, line,
          `packages of a hash-locked install to come from the lock (add ${req.name} to the project and lock again; typed pins carry no hashes)`);
        return;
      }
      entries[tier].push({ key: req.key, lines: [line] });
    });
  }
  const lines = { ml: [] as string[], core: [] as string[], dev: [] as string[] };
  for (const tier of TIER_ORDER) lines[tier] = [...entries[tier]].sort(byKey).flatMap((e) => e.lines);
  const sources = { ml: [] as string[], core: [] as string[], dev: [] as string[] };
  for (const tier of TIER_ORDER) sources[tier] = [...new Set(resolved.packages[tier].map((p) => p.from.replace(/:\d+$/, '')))].sort();
  return { lines, locked: resolved.locked, constraints: resolved.constraints, sources };
}

/** `cu124` for CUDA 12.4 wheels, `cpu` for CPU wheels: the local version label of PyTorch's index. */
export function torchVariant(wheels: TorchWheels): string {
  return wheels.cuda ? `cu${wheels.cuda.replace('.', '')}` : 'cpu';
}

function describeVariant(label: string | undefined): string {
  if (label === undefined) return 'no local label';
  if (label === 'cpu') return 'cpu wheels';
  const m = /^cu(\d+)(\d)$/.exec(label);
  return m ? `cuda ${m[1]}.${m[2]} wheels` : `the local label +${label}`;
}

/**
 * Checks the torch packages found in the dependency files against the service's torch choice:
 * they are installed from the PyTorch index (the torch tier), never from the tier files, so
 * their versions and their `+cuXYZ`/`+cpu` variant must be the ones `torchVersion` (and a GPU
 * service's `cudaVersion`) select.
 */
export function checkFileTorch(problems: Problems, torch: ResolvedTorch | undefined, wheels: TorchWheels | undefined, field: string): void {
  if (!torch) return;
  for (const pkg of torch.packages) {
    if (!wheels) {
      problems.add(`${field} lists ${pkg.name} (${pkg.from}), but the service installs no torch`, pkg.requirement,
        `torchVersion set to the version of the files (torch, torchvision and torchaudio are installed alone from the PyTorch index), or no ${pkg.name} in the files`);
      continue;
    }
    if (pkg.key === 'torchaudio' && wheels.torchaudio === undefined) {
      problems.add(`${field} lists ${pkg.name} (${pkg.from}), which the wheel matrix pairs with no version of torch ${wheels.torch}`, pkg.requirement,
        `no ${pkg.name} in the files, or a torchVersion with a paired torchaudio (2.11.0 or older)`);
      continue;
    }
    const wanted = { torch: wheels.torch, torchvision: wheels.torchvision, torchaudio: wheels.torchaudio }[pkg.key as 'torch'] ?? wheels.torch;
    const wantedPublic = publicVersion(wanted);
    const how = pkg.key === 'torch' ? `torchVersion ${wantedPublic}` : `torchVersion ${publicVersion(wheels.torch)} (with ${pkg.name} ${wantedPublic})`;
    if (pkg.version !== undefined) {
      const [pub, local] = pkg.version.split('+');
      if (pub !== wantedPublic) {
        problems.add(`${field}: ${pkg.from} pins ${pkg.name} ${pkg.version}, but the service installs ${pkg.name} ${wanted} (${how})`, pkg.version,
          `${pkg.name} ${wantedPublic} in the files, or torchVersion set to match them`);
        continue;
      }
      const variant = torchVariant(wheels);
      if (local !== undefined && local !== variant) {
        problems.add(`${field}: ${pkg.from} pins ${pkg.name} ${pkg.version} (${describeVariant(local)}), but the service installs ${wanted} (${describeVariant(variant)})`,
          pkg.version, `the variant +${variant} in the files, or ${wheels.cuda ? 'cudaVersion' : 'a gpu service with cudaVersion'} set to match them`);
      }
      continue;
    }
    const req = parseRequirementText(pkg.requirement);
    if (req.url === undefined && !satisfiesClauses(wantedPublic, req.clauses)) {
      problems.add(`${field}: ${pkg.from} asks for "${pkg.requirement}", but the service installs ${pkg.name} ${wanted} (${how})`, pkg.requirement,
        `a range that admits ${pkg.name} ${wantedPublic}, or torchVersion set to a version within it`);
    }
  }
}

/** The files of a service's file dependencies, as docs list them: the inputs and the unpinned lines. */
export interface FileDependencyReport {
  readonly inputs: string[];
  readonly lockFile?: string;
  readonly locked: boolean;
  readonly warnings: string[];
}
