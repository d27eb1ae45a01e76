/**
 * The GPU fleet rule: which compute capabilities an image must carry kernels for, and whether a
 * torch wheel (or a CUDA toolkit, for services without torch) has them. Pure functions over the
 * reference data: `gpu-models.json` (model name -> compute capability, NVIDIA's published
 * list), `torch-cuda-kernels.json` (the SASS and PTX of each torch CUDA wheel, from PyTorch's
 * release build settings) and `cuda-compute-capabilities.json` (what nvcc of a release targets).
 *
 * A GPU of capability X.Z is served by
 * - a cubin (SASS) for X.Z, or for X.Y with Y < Z of the same major (NVIDIA's binary
 *   compatibility; never on or from an embedded part such as Jetson);
 * - PTX for a capability not newer than the GPU, JIT-compiled by the driver at load time, which
 *   only works where the host driver is at least the toolkit driver of the CUDA release that
 *   wrote the PTX (an older driver refuses newer PTX even under minor-version compatibility).
 * Where the data does not know a wheel's kernels, nothing is promised and the reason is named.
 */
import { DriverRule, GpuBase, compareCudaVersions, compareDriverVersions, driverRule } from './cuda';
import { supportedCapabilities } from './cuda-arch';
import { loadData } from '../core/data';
import { Problems, oneOf, show } from '../core/problems';
import { compareVersions } from '../core/requirement-grammar';
import { TorchWheels, publicVersion, torchMatrix } from '../service/torch';

interface GpuModelTable {
  readonly gpus: ReadonlyArray<{
    readonly name: string; readonly capability: string; readonly source: string;
  }>;
  readonly unconfirmed: { readonly rows: ReadonlyArray<{ readonly name: string }> };
}
interface KernelTable {
  readonly rows: ReadonlyArray<{
    readonly torch: string;
    readonly cuda: string;
    readonly sass: readonly string[] | null;
    readonly ptx: readonly string[] | null;
    readonly source: { readonly kind: string; readonly from: string };
  }>;
}
interface CapabilityTable { readonly embedded: readonly string[] }
interface DriverTable {
  readonly toolkits: ReadonlyArray<{
    readonly cuda: string; readonly release: string; readonly toolkitDriverMin: string;
  }>;
}

/** One GPU of the fleet, as the user named it. */
export interface FleetGpu {
  /** What the user wrote: `"H100"`, `"NVIDIA A100-SXM4-80GB"` or `"9.0"`. */
  readonly given: string;
  /** The model of the reference table, when a name was given. */
  readonly model?: string;
  /** Its compute capability, `"9.0"`. */
  readonly capability: string;
}

/** How a wheel or a toolkit's build reaches a GPU. */
export enum KernelKind {
  /** A cubin compiled for exactly this capability. */
  SASS = 'sass',
  /** A cubin of an older capability of the same major (e.g. sm_86 on an 8.9 GPU). */
  SASS_SAME_MAJOR = 'sass-same-major',
  /** PTX of an older capability, JIT-compiled by the host driver at first load. */
  PTX_JIT = 'ptx-jit',
}

/** A GPU that an image serves, and how. */
export interface ServedGpu {
  readonly gpu: FleetGpu;
  readonly kind: KernelKind;
  /** The kernel used: `sm_86` for a cubin, `compute_120` for PTX. */
  readonly kernel: string;
  /** One line for docs and messages: `"L4" (8.9): sm_86 cubins (same major)`. */
  readonly note: string;
}

/** What a set of kernels does for one GPU: served, or why not. */
export type GpuVerdict = { readonly served: ServedGpu } | { readonly why: string };

/** The kernels of one build: capabilities with SASS and with PTX; null where unknown. */
export interface KernelSet {
  readonly cuda: string;
  readonly sass: readonly string[] | null;
  readonly ptx: readonly string[] | null;
  /** Why the kernels are unknown (the data row's source), when they are. */
  readonly unknown?: string;
}

const CAPABILITY = /^([0-9]{1,2})\.([0-9])$/;

/** Compares two compute capabilities numerically (`10.0` > `9.0`). */
export function compareCapabilities(a: string, b: string): number {
  return compareCudaVersions(a, b);
}

function major(capability: string): string {
  return capability.split('.')[0];
}

function smName(capability: string, prefix: 'sm' | 'compute'): string {
  return `${prefix}_${capability.replace('.', '')}`;
}

/** The capabilities of Jetson, DGX Spark and Drive parts (their cubins run nowhere else). */
export function embeddedCapabilities(): readonly string[] {
  return loadData<CapabilityTable>('cuda-compute-capabilities.json').embedded;
}

/** Reduces a GPU name as nvidia-smi, GPU Feature Discovery or a person writes it to its table key. */
export function normalizeGpuName(name: string): string {
  const words = name.toLowerCase().replace(/[-_]+/g, ' ').trim().split(/\s+/);
  while (words.length > 1 && ['nvidia', 'tesla', 'geforce'].includes(words[0])) words.shift();
  const tail = /^([0-9]+gb|hbm[0-9]e?|sxm[0-9]?|pcie|nvl)$/;
  while (words.length > 1 && tail.test(words[words.length - 1])) words.pop();
  return words.join(' ');
}

let modelIndex: Map<string, { name: string; capability: string }> | undefined;

/** Every model of the reference table by its normalized name. */
function models(): Map<string, { name: string; capability: string }> {
  if (!modelIndex) {
    modelIndex = new Map();
    for (const row of loadData<GpuModelTable>('gpu-models.json').gpus) {
      modelIndex.set(normalizeGpuName(row.name), { name: row.name, capability: row.capability });
    }
  }
  return modelIndex;
}

/** The model and compute capability of a GPU name, if the reference table has it. */
export function lookupGpu(name: string): { readonly name: string; readonly capability: string } | undefined {
  return models().get(normalizeGpuName(name));
}

/** Every compute capability the model table names, oldest first. */
export function knownCapabilities(): string[] {
  return [...new Set([...models().values()].map((m) => m.capability))].sort(compareCapabilities);
}

function suggestions(name: string): string[] {
  const key = normalizeGpuName(name);
  const digits = key.replace(/[^0-9]/g, '');
  const all = [...models().values()].map((m) => m.name);
  return all.filter((m) => {
    const k = normalizeGpuName(m);
    return k.includes(key) || key.includes(k) || (digits.length >= 2 && k.replace(/[^0-9]/g, '') === digits);
  }).slice(0, 6);
}

/**
 * Reads a fleet: GPU model names of the reference table or compute capabilities (`"9.0"`).
 * Reports every entry it cannot place, with the nearest models; undefined when any failed.
 */
export function resolveFleet(problems: Problems, field: string, value: unknown): FleetGpu[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    problems.add(field, value, 'a non-empty list of gpu model names or compute capabilities, e.g. ["T4", "A100", "H100"] or ["7.5", "8.0", "9.0"]');
    return undefined;
  }
  const fleet: FleetGpu[] = [];
  const before = problems.count;
  const unconfirmed = loadData<GpuModelTable>('gpu-models.json').unconfirmed.rows.map((r) => normalizeGpuName(r.name));
  value.forEach((entry, i) => {
    const at = `${field}[${i}]`;
    if (typeof entry !== 'string' || entry.trim() === '') {
      problems.add(at, entry, 'a gpu model name such as "H100" or a compute capability such as "9.0"');
      return;
    }
    const m = CAPABILITY.exec(entry.trim());
    if (m) {
      const capability = `${Number(m[1])}.${m[2]}`;
      if (!knownCapabilities().includes(capability)) {
        problems.add(`${at} is no compute capability of nvidia's gpu list`, entry, `one of: ${oneOf(knownCapabilities())}`);
        return;
      }
      fleet.push({ given: entry, capability });
      return;
    }
    const model = lookupGpu(entry);
    if (model) {
      fleet.push({ given: entry, model: model.name, capability: model.capability });
    } else if (unconfirmed.includes(normalizeGpuName(entry))) {
      problems.add(`${at} names a gpu whose compute capability no nvidia page in the reference data states`, entry,
        'its compute capability instead (`nvidia-smi --query-gpu=compute_cap --format=csv,noheader` prints it), e.g. "8.6"');
    } else {
      const near = suggestions(entry);
      problems.add(`${at} is not in the reference gpu table`, entry,
        `${near.length ? `a model such as ${oneOf(near)}` : 'a model of nvidia\'s cuda gpu list'}, or its compute capability such as "9.0"`);
    }
  });
  return problems.count === before ? fleet : undefined;
}

/** The distinct compute capabilities of a fleet, oldest first. */
export function fleetCapabilities(fleet: readonly FleetGpu[]): string[] {
  return [...new Set(fleet.map((g) => g.capability))].sort(compareCapabilities);
}

/** How a fleet GPU is named in messages: `"H100" (9.0)`, or `9.0` when only the number was given. */
export function gpuLabel(gpu: FleetGpu): string {
  return gpu.given === gpu.capability ? `compute capability ${gpu.capability}` : `${JSON.stringify(gpu.given)} (${gpu.capability})`;
}

/**
 * The toolkit driver of a CUDA release (its GA row): the oldest driver whose JIT compiler reads
 * the PTX that release writes. Undefined where the data has no confirmed row.
 */
export function ptxJitDriver(cuda: string): string | undefined {
  const table = loadData<DriverTable>('cuda-driver-min.json');
  return table.toolkits.find((t) => t.cuda === cuda && t.release === `${cuda} GA`)?.toolkitDriverMin;
}

/** Whether the host driver JIT-compiles PTX of a CUDA release, and the reason when it does not. */
function jitProblem(cuda: string, hostDriver: string): string | undefined {
  const needed = ptxJitDriver(cuda);
  if (needed === undefined) return `the reference data has no toolkit driver for cuda ${cuda}, so its ptx jit cannot be promised`;
  if (compareDriverVersions(hostDriver, needed) < 0) {
    return `jit of cuda ${cuda} ptx needs a driver >= ${needed} (the toolkit driver), above the host driver ${hostDriver}`;
  }
  return undefined;
}

/**
 * What a set of kernels does for one GPU under a host driver: the exact cubin, a cubin of the
 * same major, or PTX the driver can JIT (in that order of preference), or why none applies.
 */
export function serveGpu(kernels: KernelSet, gpu: FleetGpu, hostDriver: string): GpuVerdict {
  const cap = gpu.capability;
  const label = gpuLabel(gpu);
  if (kernels.sass === null) return { why: `its kernels are not known (${kernels.unknown ?? 'no data'})` };
  const embedded = embeddedCapabilities();
  if (kernels.sass.includes(cap)) {
    return { served: { gpu, kind: KernelKind.SASS, kernel: smName(cap, 'sm'), note: `${label}: ${smName(cap, 'sm')} cubins` } };
  }
  if (!embedded.includes(cap)) {
    const same = kernels.sass
      .filter((s) => major(s) === major(cap) && compareCapabilities(s, cap) < 0 && !embedded.includes(s))
      .sort(compareCapabilities).pop();
    if (same) {
      const note = `${label}: ${smName(same, 'sm')} cubins (same major, binary compatible)`;
      return { served: { gpu, kind: KernelKind.SASS_SAME_MAJOR, kernel: smName(same, 'sm'), note } };
    }
  }
  const sassText = kernels.sass.length ? kernels.sass.map((s) => smName(s, 'sm')).join(' ') : 'none';
  if (kernels.ptx === null) return { why: `no cubin for it (cubins: ${sassText}) and its ptx is not known` };
  const ptx = kernels.ptx.filter((p) => compareCapabilities(p, cap) <= 0).sort(compareCapabilities).pop();
  if (!ptx) {
    const ptxText = kernels.ptx.length ? kernels.ptx.map((p) => smName(p, 'compute')).join(' ') : 'none';
    return { why: `no cubin for it (cubins: ${sassText}) and no ptx it could jit (ptx: ${ptxText})` };
  }
  const jit = jitProblem(kernels.cuda, hostDriver);
  if (jit) return { why: `no cubin for it (cubins: ${sassText}); ${smName(ptx, 'compute')} ptx: ${jit}` };
  const note = `${label}: ${smName(ptx, 'compute')} ptx, jit-compiled by the driver at first load (no cubin for it)`;
  return { served: { gpu, kind: KernelKind.PTX_JIT, kernel: smName(ptx, 'compute'), note } };
}

/** The kernels of one torch wheel (release and CUDA variant), from `torch-cuda-kernels.json`. */
export function torchKernels(torchVersion: string, cuda: string): KernelSet {
  const version = publicVersion(torchVersion);
  const row = loadData<KernelTable>('torch-cuda-kernels.json').rows.find((r) => r.torch === version && r.cuda === cuda);
  if (!row) return { cuda, sass: null, ptx: null, unknown: `torch-cuda-kernels.json has no row for torch ${version} with cuda ${cuda}` };
  // the row's source says at length why; messages name the table so the reader finds it
  const unknown = `torch-cuda-kernels.json could not read them for torch ${version} with cuda ${cuda}`;
  return { cuda, sass: row.sass, ptx: row.ptx, unknown: row.sass === null ? unknown : undefined };
}

/** One CUDA variant of a torch release judged against the python, the driver and the fleet. */
export interface VariantVerdict {
  readonly wheels: TorchWheels;
  readonly cuda: string;
  readonly driver?: DriverRule;
  /** Why the variant cannot be used, beside the fleet (python, driver); empty when it can. */
  readonly reasons: readonly string[];
  readonly served: readonly ServedGpu[];
  readonly unserved: ReadonlyArray<{ readonly gpu: FleetGpu; readonly why: string }>;
}

/** What a torch service asks of the fleet rule. */
export interface FleetRequest {
  readonly torchVersion: string;
  readonly cudaVersion?: string;
  readonly pythonMinor: string;
  readonly base: GpuBase;
  readonly hostDriver: string;
  /** The fields the values came from, for messages (`hostDriverVersion`, `gpuFleet`). */
  readonly hostDriverField: string;
  readonly fleetField: string;
  readonly fleet: readonly FleetGpu[];
  /**
   * A further reason a variant cannot be used (e.g. no nvidia/cuda tag of that CUDA for the
   * base), so the choice and its options skip it; undefined when it can.
   */
  readonly variantProblem?: (cuda: string) => string | undefined;
}

type JudgeRequest = Pick<FleetRequest, 'pythonMinor' | 'base' | 'hostDriver' | 'fleet' | 'variantProblem'>;

function judgeVariant(wheels: TorchWheels, req: JudgeRequest): VariantVerdict {
  const cuda = wheels.cuda!;
  const reasons: string[] = [];
  const extra = req.variantProblem?.(cuda);
  if (extra) reasons.push(extra);
  if (!wheels.pythons.includes(req.pythonMinor)) reasons.push(`no wheels for python ${req.pythonMinor}`);
  const driver = driverRule(req.base, cuda);
  if (!driver) reasons.push('no driver minimum in the reference data');
  else if (compareDriverVersions(driver.minimum, req.hostDriver) > 0) reasons.push(`needs driver >= ${driver.minimum}`);
  const kernels = torchKernels(wheels.torch, cuda);
  const served: ServedGpu[] = [];
  const unserved: Array<{ gpu: FleetGpu; why: string }> = [];
  for (const gpu of req.fleet) {
    const v = serveGpu(kernels, gpu, req.hostDriver);
    if ('served' in v) served.push(v.served);
    else unserved.push({ gpu, why: v.why });
  }
  return { wheels, cuda, driver, reasons, served, unserved };
}

/** Every CUDA variant of a torch release judged against the request, oldest CUDA first. */
export function fleetVerdicts(req: JudgeRequest & Pick<FleetRequest, 'torchVersion'>): VariantVerdict[] {
  const version = publicVersion(req.torchVersion);
  return torchMatrix().filter((r) => r.cuda !== undefined && publicVersion(r.torch) === version)
    .sort((a, b) => compareCudaVersions(a.cuda!, b.cuda!))
    .map((w) => judgeVariant(w, req));
}

function fits(v: VariantVerdict): boolean {
  return v.reasons.length === 0 && v.unserved.length === 0;
}

/** The resolved fleet side of a torch service: the variant, and how it serves each GPU. */
export interface FleetChoice {
  readonly wheels: TorchWheels;
  readonly cuda: string;
  readonly driver: DriverRule;
  readonly served: readonly ServedGpu[];
  /** The fleet's distinct compute capabilities, oldest first (image label, start-up check). */
  readonly capabilities: readonly string[];
}

function choiceOf(v: VariantVerdict, fleet: readonly FleetGpu[]): FleetChoice {
  return {
    wheels: v.wheels,
    cuda: v.cuda,
    driver: v.driver!,
    served: v.served,
    capabilities: fleetCapabilities(fleet),
  };
}

/** Torch versions (newest first) with a variant that fits python, the driver and the whole fleet. */
function otherTorchVersions(req: FleetRequest): string[] {
  const versions = [
    ...new Set(torchMatrix().filter((r) => r.cuda !== undefined).map((r) => publicVersion(r.torch))),
  ]
    .filter((v) => v !== publicVersion(req.torchVersion)).sort(compareVersions).reverse();
  return versions.filter((v) => fleetVerdicts({ ...req, torchVersion: v }).some(fits)).slice(0, 4);
}

/** The lowest host driver with which a variant of this torch serves the whole fleet, if any. */
function newerDriver(req: FleetRequest): { driver: string; cuda: string } | undefined {
  let best: { driver: string; cuda: string } | undefined;
  const rows = torchMatrix()
    .filter((r) => r.cuda !== undefined && publicVersion(r.torch) === publicVersion(req.torchVersion));
  for (const w of rows) {
    if (!w.pythons.includes(req.pythonMinor)) continue;
    const rule = driverRule(req.base, w.cuda!);
    if (!rule) continue;
    // the rule's minimum first; PTX-served GPUs may need the toolkit driver on top
    const jit = ptxJitDriver(w.cuda!);
    for (const driver of [rule.minimum, jit].filter((d): d is string => d !== undefined)) {
      if (compareDriverVersions(driver, rule.minimum) < 0) continue;
      if (!fits(judgeVariant(w, { ...req, hostDriver: driver }))) continue;
      if (compareDriverVersions(driver, req.hostDriver) <= 0) break;
      if (!best || compareDriverVersions(driver, best.driver) < 0) best = { driver, cuda: w.cuda! };
      break;
    }
  }
  return best;
}

/** The newest usable variant serving every GPU but the given ones. */
function bestWithout(
  verdicts: readonly VariantVerdict[], drop: readonly FleetGpu[],
): VariantVerdict | undefined {
  return verdicts.filter((v) => v.reasons.length === 0 && v.unserved.every((u) => drop.includes(u.gpu)))
    .pop();
}

/** The options a refused fleet is offered, each one line. */
function fleetOptions(
  req: FleetRequest, verdicts: readonly VariantVerdict[], blocked: readonly FleetGpu[],
): string[] {
  const options: string[] = [];
  const torch = otherTorchVersions(req);
  if (torch.length) options.push(`torchVersion one of: ${oneOf(torch)}`);
  const driver = newerDriver(req);
  if (driver) options.push(`a ${req.hostDriverField} >= ${driver.driver} if every gpu host has it (cuda ${driver.cuda} then serves the fleet)`);
  const rest = bestWithout(verdicts, blocked);
  const names = blocked.map((g) => JSON.stringify(g.given)).join(', ');
  if (rest && blocked.length < req.fleet.length) {
    options.push(`${req.fleetField} without ${names} (cuda ${rest.cuda} then serves the rest)`);
  }
  const other = verdicts
    .filter((v) => v.reasons.length === 0 && blocked.every((g) => !v.unserved.some((u) => u.gpu === g)))
    .pop();
  if (rest && other && blocked.length < req.fleet.length) {
    options.push(`two images: one service for ${names} (cuda ${other.cuda}), another for the rest (cuda ${rest.cuda})`);
  }
  return options;
}

function whyText(verdicts: readonly VariantVerdict[], gpu?: FleetGpu): string {
  return verdicts.map((v) => {
    const why = [...v.reasons, ...v.unserved.filter((u) => !gpu || u.gpu === gpu).map((u) => `${gpuLabel(u.gpu)}: ${u.why}`)];
    return `cuda ${v.cuda}: ${why.join(', ') || 'fits'}`;
  }).join('; ');
}

/**
 * The fleet rule for a torch service: the highest CUDA variant with wheels for the torch and
 * python that runs under the host driver (the driver rule of `cuda.ts`) and carries kernels for
 * every GPU of the fleet; with `cudaVersion`, the same checks on that variant. An impossible
 * fleet names the GPU that cannot be served and the options that would serve it.
 */
export function chooseFleetCuda(problems: Problems, req: FleetRequest): FleetChoice | undefined {
  const version = publicVersion(req.torchVersion);
  const verdicts = fleetVerdicts(req);
  if (verdicts.length === 0) {
    problems.add(`torch ${version} has no cuda wheels in the reference matrix`, req.torchVersion, 'a torch version with cuda wheels');
    return undefined;
  }
  if (req.cudaVersion !== undefined) {
    const chosen = verdicts.find((v) => v.cuda === req.cudaVersion);
    if (!chosen) {
      problems.add(`cudaVersion has no torch ${version} wheels`, req.cudaVersion, `one of: ${oneOf(verdicts.map((v) => v.cuda))}`);
      return undefined;
    }
    if (fits(chosen)) return choiceOf(chosen, req.fleet);
    if (chosen.reasons.length > 0) {
      problems.add(`cudaVersion ${chosen.cuda} of torch ${version} does not fit: ${chosen.reasons.join(', ')}`, req.cudaVersion,
        `a cudaVersion that fits python ${req.pythonMinor} and ${req.hostDriverField} ${req.hostDriver}`);
    }
    const serving = verdicts.filter(fits).map((v) => v.cuda);
    for (const u of chosen.unserved) {
      const options = serving.length ? `cudaVersion one of: ${oneOf(serving)}`
        : fleetOptions(req, verdicts.filter((v) => v.reasons.length === 0), [u.gpu]).join(', or ');
      problems.add(`torch ${version} with cuda ${chosen.cuda} has no kernels for ${req.fleetField} gpu ${gpuLabel(u.gpu)}: ${u.why}`,
        req.cudaVersion, options || `a ${req.fleetField} this torch serves`);
    }
    return undefined;
  }
  const usable = verdicts.filter((v) => v.reasons.length === 0);
  const fitting = usable.filter(fits);
  if (fitting.length) return choiceOf(fitting[fitting.length - 1], req.fleet);
  if (usable.length === 0) {
    const options = fleetOptions(req, usable, []);
    problems.add(`no cuda variant of torch ${version} fits python ${req.pythonMinor}, gpuBase "${req.base}" and `
      + `${req.hostDriverField} ${req.hostDriver} (${whyText(verdicts)})`, req.torchVersion,
    options.length ? options.join(', or ') : `a torch version, python or ${req.hostDriverField} with a fitting variant`);
    return undefined;
  }
  // the GPUs no usable variant serves, or else the GPUs the newest usable variant misses
  const never = req.fleet.filter((g) => usable.every((v) => v.unserved.some((u) => u.gpu === g)));
  const blocked = never.length ? never : usable[usable.length - 1].unserved.map((u) => u.gpu);
  for (const gpu of blocked) {
    const what = never.length
      ? `no cuda variant of torch ${version} that runs on ${req.hostDriverField} ${req.hostDriver} has kernels for ${req.fleetField} gpu ${gpuLabel(gpu)}`
      : `no single cuda variant of torch ${version} has kernels for the whole ${req.fleetField}: gpu ${gpuLabel(gpu)} is served only without others`;
    const options = fleetOptions(req, usable, [gpu]);
    problems.add(`${what} (${whyText(usable, never.length ? gpu : undefined)})`, req.fleet.map((g) => g.given),
      options.length ? options.join(', or ') : `a ${req.fleetField} without ${JSON.stringify(gpu.given)}`);
  }
  return undefined;
}

/** One entry of an arch list derived from the fleet, and the GPU it is for. */
export interface ArchEntry {
  readonly gpu: FleetGpu;
  /** `8.0`, or `8.0+PTX` where the GPU is served by JIT. */
  readonly entry: string;
  readonly kind: KernelKind;
}

/** What nvcc of a CUDA release builds for a fleet: `TORCH_CUDA_ARCH_LIST` and how each GPU is met. */
export interface FleetArchList {
  readonly cuda: string;
  /** `"7.5;8.0;9.0"`: distinct entries, oldest first. */
  readonly archList: string;
  readonly entries: readonly ArchEntry[];
}

/**
 * The arch list CUDA code compiled by nvcc of `cuda` needs for the fleet (the
 * `TORCH_CUDA_ARCH_LIST` of CUDA extensions, or a torch-free service's own builds): each GPU's
 * own capability where nvcc targets it, else the newest older capability of its major, else the
 * newest older capability as PTX (only where the host driver can JIT that release's PTX).
 * Problems name the GPU nvcc cannot reach and the CUDA releases that can.
 */
export function fleetArchList(problems: Problems, req: {
  readonly cuda: string;
  readonly hostDriver: string;
  readonly fleet: readonly FleetGpu[];
  readonly fleetField: string;
}): FleetArchList | undefined {
  const targets = supportedCapabilities(req.cuda);
  if (targets.length === 0) {
    problems.add(`the reference data has no list of the compute capabilities nvcc of cuda ${req.cuda} targets, so no arch list `
      + `can be derived for ${req.fleetField}`, req.cuda, `a cuda release with one: ${oneOf(capabilityReleases())}`);
    return undefined;
  }
  const kernels: KernelSet = { cuda: req.cuda, sass: targets, ptx: targets };
  const entries: ArchEntry[] = [];
  const before = problems.count;
  for (const gpu of req.fleet) {
    const v = serveGpu(kernels, gpu, req.hostDriver);
    if ('served' in v) {
      const cap = v.served.kernel.replace(/^(sm|compute)_/, '').replace(/([0-9])$/, '.$1');
      entries.push({ gpu, entry: v.served.kind === KernelKind.PTX_JIT ? `${cap}+PTX` : cap, kind: v.served.kind });
    } else {
      const able = capabilityReleases().filter((c) => supportedCapabilities(c).includes(gpu.capability));
      problems.add(`nvcc of cuda ${req.cuda} cannot build for ${req.fleetField} gpu ${gpuLabel(gpu)}: ${v.why}`, req.cuda,
        able.length ? `a cuda release whose nvcc targets ${gpu.capability}: ${oneOf(able)}, or ${req.fleetField} without it`
          : `${req.fleetField} without ${JSON.stringify(gpu.given)}`);
    }
  }
  if (problems.count !== before) return undefined;
  const distinct = [...new Set(entries.map((e) => e.entry))]
    .sort((a, b) => compareCapabilities(a.replace('+PTX', ''), b.replace('+PTX', '')) || (a < b ? -1 : a > b ? 1 : 0));
  return { cuda: req.cuda, archList: distinct.join(';'), entries };
}

/** CUDA releases of `cuda-compute-capabilities.json`, oldest first. */
export function capabilityReleases(): string[] {
  const table = loadData<{ releases: Record<string, unknown> }>('cuda-compute-capabilities.json');
  return Object.keys(table.releases).sort(compareCudaVersions);
}

/**
 * The fleet rule for a GPU service without torch: the CUDA runtime of `cuda` (from the image or
 * NVIDIA's wheels) must support every GPU of the fleet, read as what nvcc of that release
 * targets, and the service's own builds get the arch list of `fleetArchList`.
 */
export function checkToolkitFleet(problems: Problems, req: {
  readonly cuda: string;
  readonly hostDriver: string;
  readonly fleet: readonly FleetGpu[];
  readonly fleetField: string;
}): FleetArchList | undefined {
  return fleetArchList(problems, req);
}

/** The fleet as one line for messages and docs: `"T4" (7.5), "H100" (9.0)`. */
export function fleetText(fleet: readonly FleetGpu[]): string {
  return fleet.map(gpuLabel).join(', ') || show([]);
}
