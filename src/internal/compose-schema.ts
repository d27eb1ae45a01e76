import type { ValidateFunction } from 'ajv';
import { loadData } from './data';

let validator: ValidateFunction | undefined;

/**
 * Validates a compose document against the vendored official Compose Specification schema.
 * The schema is compiled on first use only (synth pays for it only when overrides exist).
 */
export function validateComposeSchema(doc: unknown): string[] {
  if (!validator) {
    // The schema names its draft-07 meta-schema without the trailing "#", which ajv does not
    // know; the schema itself is plain draft-07, so the key is dropped before compiling.
    const { $schema: _ignored, ...schema } = loadData<Record<string, unknown>>('compose-spec.json');
    // ajv is loaded here, not at import: synth pays for it only when overrides exist.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Ajv: typeof import('ajv').default = require('ajv').default;
    validator = new Ajv({ allErrors: true, strict: false }).compile(schema);
  }
  if (validator(doc)) return [];
  return (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String((e.params as any).additionalProperty)})` : ''}`);
}
