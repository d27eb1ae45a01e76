/**
 * The official Compose Specification schema (read from the shared reference data, never
 * shipped) compiled with ajv: the yardstick our own compose rules are held to.
 */
import Ajv, { ValidateFunction } from 'ajv';
import { readSharedJson } from './shared-data';

let validator: ValidateFunction | undefined;

/** Errors of a compose document against the official schema (empty when valid). */
export function officialComposeErrors(doc: unknown): string[] {
  if (!validator) {
    // The schema names its draft-07 meta-schema without the trailing "#", which ajv does not
    // know; the schema itself is plain draft-07, so the key is dropped before compiling.
    const { $schema: _ignored, ...schema } = readSharedJson<Record<string, unknown>>('compose-spec.json');
    validator = new Ajv({ allErrors: true, strict: false }).compile(schema);
  }
  if (validator(JSON.parse(JSON.stringify(doc)))) return [];
  return (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}
