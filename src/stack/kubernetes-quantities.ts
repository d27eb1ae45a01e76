import { DNS1123_SUBDOMAIN, LABEL_VALUE } from './kubernetes-names';
import { Problems } from '../core/problems';
import { Size, SizeUnit } from '../core/sizes';

// Kubernetes quantities and labels as the API server accepts them: checks with messages in
// our words, the arithmetic the stack needs to compare requests with limits, and the
// container spec's sizes and cores as quantities.

const MEMORY = /^([1-9][0-9]{0,8})(Ki|Mi|Gi|Ti)$/;
const STORAGE = /^([1-9][0-9]{0,8})(Mi|Gi|Ti)$/;
const CPU = /^(?:([1-9][0-9]{0,6})m|([0-9]{1,4}(?:\.[0-9]{1,3})?))$/;
const BINARY: Record<string, number> = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
const QUANTITY_UNITS: Record<SizeUnit, string> = { k: 'Ki', m: 'Mi', g: 'Gi' };

export function checkNodeSelector(
  problems: Problems, field: string, selector: Record<string, string>,
): Record<string, string> {
  for (const [key, value] of Object.entries(selector)) {
    const slash = key.lastIndexOf('/');
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    if ((prefix !== undefined && (!DNS1123_SUBDOMAIN.test(prefix) || prefix.length > 253))
      || !LABEL_VALUE.test(name) || name.length > 63) {
      problems.add(`${field} key`, key, 'a label key: an optional dns prefix and "/", then at most 63 letters, digits, "-", "_" or "." starting and ending with a letter or digit, e.g. "nvidia.com/gpu.product"');
    }
    if (typeof value !== 'string' || value.length > 63 || (value !== '' && !LABEL_VALUE.test(value))) {
      problems.add(`${field}.${key}`, value, 'a label value: at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit');
    }
  }
  return { ...selector };
}

export function checkCpu(problems: Problems, field: string, value: string): void {
  const m = CPU.exec(value);
  if (!m || cpuMillis(value) <= 0) {
    problems.add(field, value, 'a cpu quantity greater than zero: cores ("2", "0.5") or millicores ("500m")');
  }
}

export function checkMemory(problems: Problems, field: string, value: string): void {
  if (MEMORY.test(value)) return;
  const hint = /^[0-9]+m$/.test(value) ? ' ("m" is milli in kubernetes: "512m" is half a byte)' : /^[0-9]+(k|K|M|G|T)B?$|^[0-9]+[kmgt]i?b$/i.test(value) ? ' (decimal and "B" units are ambiguous)' : '';
  problems.add(field, value, `a memory quantity in binary units: an integer and Ki, Mi, Gi or Ti, e.g. "512Mi" or "8Gi"${hint}`);
}

export function checkStorage(problems: Problems, field: string, value: unknown): void {
  if (typeof value === 'string' && STORAGE.test(value)) return;
  problems.add(field, value, 'a storage quantity in binary units: an integer and Mi, Gi or Ti, e.g. "20Gi"');
}

export function cpuMillis(value: string): number {
  const m = CPU.exec(value);
  if (!m) return NaN;
  return m[1] !== undefined ? Number(m[1]) : Math.round(Number(m[2]) * 1000);
}

export function quantityBytes(value: string): number {
  const m = MEMORY.exec(value);
  return m ? Number(m[1]) * BINARY[m[2]] : NaN;
}

/** A size of the container spec as a Kubernetes quantity: the same binary units (`512Mi`, `8Gi`). */
export function sizeQuantity(size: Size): string {
  return `${size.amount}${QUANTITY_UNITS[size.unit]}`;
}

/** Compose cores (`2`, `0.5`) as a Kubernetes CPU quantity (`2`, `500m`). */
export function coresToQuantity(cores: number): string {
  return Number.isInteger(cores) ? String(cores) : `${Math.round(cores * 1000)}m`;
}
