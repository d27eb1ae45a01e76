import { publicVersion, TorchWheels } from './torch';
import { compareCodeUnits } from '../core/order';
import { Problems } from '../core/problems';
import {
  combineRequirements, exactPin, extrasKey, parseRequirementText, requirementLine, sameRequirement,
  satisfiesClauses,
} from '../core/requirement-grammar';
import { RequirementTier, TIER_ORDER } from '../core/requirements';
import { TierRequirement } from '../core/tier-requirement';
import {
  PackageIndex, packageEntry, ResolvedDependencies, ResolvedPackage, ResolvedTorch, UNREADABLE_EXPECTED,
} from '../deps';

/** What a service installs per tier once its dependency files and its typed lists are merged. */
export interface MergedTiers {
  /** The entries of each tier's file, sorted by package: what the file holds, checked. */
  readonly entries: Record<RequirementTier, TierRequirement[]>;
  /** The same as the file's lines (without the header). */
  readonly lines: Record<RequirementTier, string[]>;
  /** True when every tier is hash-locked: installed with `--require-hashes --no-deps`. */
  readonly locked: boolean;
  /** Constraints of `-c` files (unlocked requirement files only), for a constraints file. */
  readonly constraints: TierRequirement[];
  /** The files each tier's packages come from (a lock, or requirement files), sorted. */
  readonly sources: Record<RequirementTier, string[]>;
  /** Packages the project binds to another index, per tier and index: installed from that index alone. */
  readonly indexed: readonly IndexedTier[];
}

/** The packages of one tier bound to one index other than the default. */
export interface IndexedTier {
  readonly tier: RequirementTier;
  readonly index: PackageIndex;
  /** sorted by package */
  readonly entries: readonly TierRequirement[];
}

function byKey(a: TierRequirement, b: TierRequirement): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * The resolved packages as tier-file entries. A result read back from the resolve cache is
 * checked again here: a cache entry is input like any file.
 */
function checkedEntries(
  problems: Problems, packages: readonly ResolvedPackage[], field: string,
): TierRequirement[] {
  const out: TierRequirement[] = [];
  for (const p of packages) {
    const entry = packageEntry(p);
    if (typeof entry === 'string') {
      problems.add(`${field}: ${p.from} gives ${JSON.stringify(p.name)} a requirement pip would not read as written (it ${entry})`,
        p.requirement, UNREADABLE_EXPECTED);
    } else {
      out.push(entry);
    }
  }
  return out;
}

/**
 * Merges what the dependency files resolved to with the typed `requirements` lists. A package
 * may be in both only at the same exact version (it is then installed once, where the files
 * put it); anything else is a conflict. A locked install takes every package from the lock:
 * a typed pin the lock does not hold cannot be hash-checked and is refused.
 */
export function mergeTiers(
  problems: Problems, resolved: ResolvedDependencies, typed: Record<RequirementTier, TierRequirement[]>,
  field: string,
): MergedTiers {
  const fileOf = new Map<string, { tier: RequirementTier; pkg: ResolvedPackage }>();
  for (const tier of TIER_ORDER) {
    for (const pkg of resolved.packages[tier]) fileOf.set(pkg.key, { tier, pkg });
  }
  const entries: Record<RequirementTier, TierRequirement[]> = { ml: [], core: [], dev: [] };
  for (const tier of TIER_ORDER) entries[tier] = checkedEntries(problems, resolved.packages[tier], field);
  const source = resolved.lockFile ?? 'the dependency files';
  for (const tier of TIER_ORDER) {
    typed[tier].forEach((entry, i) => {
      const at = `requirements.${tier}[${i}]`;
      const line = entry.text;
      const req = entry.requirement;
      const pin = exactPin(req);
      const there = fileOf.get(req.key);
      if (there) {
        // installed once where the files put it: never in a later tier than the typed list wants it
        // (a package typed in core but locked in dev would be missing from the prod image); without
        // a lock, a runtime tier's line moves to the earlier tier with the typed pin (pip reads
        // them together), a dev one is refused: what it needs came with the dev files
        const later = TIER_ORDER.indexOf(there.tier) > TIER_ORDER.indexOf(tier);
        if (later && (resolved.locked || there.tier === RequirementTier.DEV)) {
          const what = `${at} names ${req.name}, which ${field} install${resolved.locked ? 's' : ''} `
            + `only in the ${there.tier} tier (${there.pkg.from})`;
          problems.add(what, line, there.tier === 'dev'
            ? `${req.name} with what it needs in the ${tier} tier: corePackages (or mlPackages) of `
              + 'Dependencies.fromPyproject, or the dependency in the project\'s main dependencies; '
              + 'the prod image has no dev tier'
            : `${req.name} in the ${there.tier} tier only, or moved to the ${tier} tier in the dependency `
              + 'files');
          return;
        }
        const conflict = () => problems.add(`${at} pins ${req.name} differently than ${field} (${there.pkg.from}, ${there.tier} tier)`, line,
          `one version of a package in the image: "${there.pkg.requirement}" as ${there.pkg.from} has it, or ${req.name} in only one of the two`);
        if (resolved.locked) {
          if (pin === undefined || there.pkg.version !== pin) conflict();
          return;
        }
        // pip reads both together: a range of the files beside the typed pin is the pin, extras united
        const combined = combineRequirements(parseRequirementText(there.pkg.requirement), req);
        if ('conflict' in combined) {
          conflict();
          return;
        }
        const text = requirementLine(combined.requirement);
        if (text === there.pkg.requirement && !later) return;
        // the typed line as written when it asks for all of it, else the combined one
        const asTyped = sameRequirement(combined.requirement, req)
          && extrasKey(combined.requirement) === extrasKey(req);
        const merged = asTyped ? entry : TierRequirement.of(text);
        const earliest = later ? tier : there.tier;
        entries[there.tier] = entries[there.tier].filter((e) => e.key !== req.key);
        entries[earliest].push(merged);
        const pkg = { ...there.pkg, requirement: merged.text, version: exactPin(combined.requirement), from: `${there.pkg.from}, ${at}` };
        fileOf.set(req.key, { tier: earliest, pkg });
        return;
      }
      if (resolved.locked) {
        problems.add(`${at} is not in the lock ${source}`, line,
          `packages of a hash-locked install to come from the lock (add ${req.name} to the project and lock again; typed pins carry no hashes)`);
        return;
      }
      entries[tier].push(entry);
    });
  }
  // a package bound to another index leaves its tier's file for one of its own, installed from that index
  const boundTo = new Map<string, PackageIndex>();
  for (const tier of TIER_ORDER) {
    for (const p of resolved.packages[tier]) if (p.index) boundTo.set(p.key, p.index);
  }
  const indexed: IndexedTier[] = [];
  const lines = { ml: [] as string[], core: [] as string[], dev: [] as string[] };
  for (const tier of TIER_ORDER) {
    const sorted = [...entries[tier]].sort(byKey);
    const byIndex = new Map<string, { index: PackageIndex; entries: TierRequirement[] }>();
    for (const e of sorted.filter((x) => boundTo.has(x.key))) {
      const index = boundTo.get(e.key)!;
      const group = byIndex.get(index.name) ?? { index, entries: [] };
      group.entries.push(e);
      byIndex.set(index.name, group);
    }
    for (const name of [...byIndex.keys()].sort(compareCodeUnits)) {
      indexed.push({ tier, ...byIndex.get(name)! });
    }
    entries[tier] = sorted.filter((e) => !boundTo.has(e.key));
    lines[tier] = entries[tier].flatMap((e) => e.lines());
  }
  const constraints: TierRequirement[] = [];
  for (const text of resolved.constraints) {
    const entry = TierRequirement.check(text);
    if (typeof entry === 'string') {
      problems.add(`${field} has a constraint pip would not read as written (it ${entry})`, text, UNREADABLE_EXPECTED);
    } else {
      constraints.push(entry);
    }
  }
  const sources = { ml: [] as string[], core: [] as string[], dev: [] as string[] };
  // a package read from several lines names each (`a.txt:1, b.txt:3`): the files, without lines
  const filesOf = (p: ResolvedPackage) => p.from.split(', ').map((f) => f.replace(/:\d+$/, ''));
  for (const tier of TIER_ORDER) {
    sources[tier] = [...new Set(resolved.packages[tier].flatMap(filesOf))].sort();
  }
  return { entries, lines, locked: resolved.locked, constraints, sources, indexed };
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
export function checkFileTorch(
  problems: Problems, torch: ResolvedTorch | undefined, wheels: TorchWheels | undefined, field: string,
): void {
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
