import { readFileSync } from 'fs';
import { join } from 'path';

/** Top-level modules a service id may not shadow: the standard library (data) and our runtime helpers. */
const MODULES = new Set<string>([
  ...JSON.parse(readFileSync(join(__dirname, '..', '..', 'data', 'python-stdlib-modules.json'), 'utf-8')).modules,
  'mldocker_runtime',
]);

/** Whether a service id's Python module would shadow one (such ids are refused). */
export function shadowsModule(id: string): boolean {
  return MODULES.has(id.replace(/-/g, '_'));
}
