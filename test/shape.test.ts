/**
 * The props checks (src/internal/shape.ts) against zod 4, their model: every schema the
 * constructs really check with is captured, converted to zod, and both run through
 * `checkShape` on the same generated input. The problems (wording, order, paths, "did you
 * mean") must be identical. `FC_RUNS` sets the number of cases per schema.
 */
import * as fc from 'fast-check';
import { z as zod } from 'zod';
import {
  BackingService, ComposeStack, GpuInference, GpuTrainer, KubernetesManifests, PythonService,
} from '../src';
import { newProject, synth } from './util';
import * as problemsModule from '../src/core/problems';
import { Problems } from '../src/core/problems';
import { Schema, z } from '../src/core/shape';

const RUNS = Number(process.env.FC_RUNS ?? 150);

/** The same schema, built with zod. */
function toZod(schema: Schema): zod.ZodType {
  const def = schema.def;
  switch (def.type) {
    case 'string': return zod.string();
    case 'number': return zod.number();
    case 'boolean': return zod.boolean();
    case 'any': return zod.any();
    case 'enum': return zod.enum(def.values as [string, ...string[]]);
    case 'array': return zod.array(toZod(def.element));
    case 'record': return zod.record(toZod(def.keyType) as zod.ZodString, toZod(def.valueType));
    case 'optional': return toZod(def.innerType).optional();
    case 'object': {
      const shape = Object.fromEntries(Object.entries(def.shape).map(([k, v]) => [k, toZod(v)]));
      return def.strict ? zod.strictObject(shape) : zod.object(shape);
    }
  }
}

/** What checkShape reports for `input` with `schema` (zod's or ours: both have safeParse and def). */
function report(schema: unknown, input: unknown): string[] {
  const problems = new Problems('vision/x');
  const ok = problemsModule.checkShape(problems, schema as Schema, input);
  try {
    problems.throwIfAny();
  } catch (e) {
    return [String(ok), ...(e as { problems: string[] }).problems];
  }
  return [String(ok)];
}

class Custom {
  public readonly command = ['python'];
}

/** Values of no particular shape, including the ones plain JavaScript gets wrong. */
const junk = fc.oneof(
  fc.anything({ maxDepth: 2 }),
  fc.constantFrom<unknown>(null, undefined, NaN, Infinity, -Infinity, 0, '', ' ', [], {}, true, 'latest', -1, 1e300),
  fc.constant(null).map(() => new Date(0)),
  fc.constant(null).map(() => Object.create(null)),
  fc.constant(null).map(() => new Custom()),
  fc.constant(null).map(() => (() => 1)),
  fc.constant(null).map(() => new Map([['a', 1]])),
  fc.constant(null).map(() => JSON.parse('{"__proto__": 1, "a": "x"}')),
  // keys only some loops see: inherited, non-enumerable, symbols
  fc.constant(null).map(() => Object.create({ inherited: 'x' })),
  fc.constant(null).map(() => Object.defineProperty({ a: 'x' }, 'hidden', { value: 1, enumerable: false })),
  fc.constant(null).map(() => ({ [Symbol('s')]: 'x' })),
);

/** Keys near the known ones (case, one letter off) and unrelated ones. */
function extraKey(known: string[]): fc.Arbitrary<string> {
  const near = known.length === 0 ? fc.string() : fc.tuple(fc.constantFrom(...known), fc.nat(3)).map(([k, how]) =>
    how === 0 ? k.toUpperCase() : how === 1 ? `${k}s` : how === 2 ? k.slice(1) : `${k.slice(0, -1)}x`);
  return fc.oneof(near, fc.string({ maxLength: 8 }), fc.constant('__proto__'));
}

/** Input for a schema: mostly the right shape, with wrong values, extra keys and junk mixed in. */
function inputFor(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  const def = schema.def;
  return depth > 3 ? junk : fc.oneof({ weight: 1, arbitrary: junk }, { weight: 4, arbitrary: shaped() });
  function shaped(): fc.Arbitrary<unknown> {
    switch (def.type) {
      case 'string': return fc.string({ maxLength: 6 });
      case 'number': return fc.oneof(fc.integer(), fc.double());
      case 'boolean': return fc.boolean();
      case 'any': return junk;
      case 'enum': return fc.constantFrom(...def.values);
      case 'optional': return fc.oneof(fc.constant(undefined), inputFor(def.innerType, depth + 1));
      case 'array': return fc.array(inputFor(def.element, depth + 1), { maxLength: 3 });
      case 'record': return fc.dictionary(fc.string({ maxLength: 5 }), inputFor(def.valueType, depth + 1), { maxKeys: 3 });
      case 'object': {
        const known = Object.keys(def.shape);
        const fields = Object.fromEntries(known.map((k) => [k, inputFor(def.shape[k], depth + 1)]));
        return fc.tuple(
          fc.record(fields, { requiredKeys: [] }),
          fc.dictionary(extraKey(known), junk, { maxKeys: 2 }),
          fc.boolean(),
        ).map(([base, extra, withExtra]) => (withExtra ? { ...base, ...extra } : base));
      }
    }
  }
}

/** Every schema the constructs check props with, captured while they build a wide project. */
function realSchemas(): Schema[] {
  // the spy calls through to the real checkShape and records its arguments
  const spy = jest.spyOn(problemsModule, 'checkShape');
  try {
    const project = newProject({ ciWorkflowOptions: { imageRegistry: 'ghcr.io/acme' } });
    const api = new PythonService(project, 'api', {
      command: ['python', '-m', 'api.main'], port: 8000, environment: { A: 'b' }, requirements: { core: ['fastapi==0.115.6'] },
    });
    const trainer = new GpuTrainer(project, 'trainer', { torchVersion: '2.5.1', command: ['python', '-m', 'trainer.train'], dataDir: 'data' });
    const inference = new GpuInference(project, 'inference', { torchVersion: '2.5.1', port: 8080, modelDir: 'models', command: ['python', '-m', 'inference.serve'] });
    new ComposeStack(project, 'stack', {
      services: [api, trainer, inference],
      backingServices: [BackingService.postgres({ version: '17' }), BackingService.redis({ version: '7.4' }), BackingService.mlflow({ hostPort: 5000 })],
    });
    const k8s = new KubernetesManifests(project, 'k8s', { namespace: 'ml' });
    k8s.configureService(api, { replicas: 2, nodeSelector: { pool: 'cpu' } });
    // backing services check their options when the stack resolves them, at synth
    synth(project);
    const seen = new Map<string, Schema>();
    for (const [, schema] of spy.mock.calls) seen.set(JSON.stringify(structure(schema)), schema);
    return [...seen.values()];
  } finally {
    spy.mockRestore();
  }
}

/** A schema as plain data, to tell schemas apart. */
function structure(schema: Schema): unknown {
  const def = schema.def;
  switch (def.type) {
    case 'enum': return { enum: def.values };
    case 'array': return { array: structure(def.element) };
    case 'record': return { record: structure(def.valueType) };
    case 'optional': return { optional: structure(def.innerType) };
    case 'object': return { object: Object.fromEntries(Object.entries(def.shape).map(([k, v]) => [k, structure(v)])), strict: def.strict };
    default: return def.type;
  }
}

const schemas = realSchemas();

test('the constructs check their props with these schemas (the test below covers each)', () => {
  // project options, CI workflow options, the three service kinds, compose stack, three
  // backing services, kubernetes props and configureService options
  expect(schemas.length).toBeGreaterThanOrEqual(11);
  expect(schemas.every((s) => s.def.type === 'object')).toBe(true);
});

test.each(schemas.map((s, i) => [i, Object.keys((s.def as { shape: object }).shape).slice(0, 4).join(', '), s] as const))(
  'schema %i (%s, ...): the same problems as zod 4 on generated input', (_i, _keys, schema) => {
    const asZod = toZod(schema);
    fc.assert(fc.property(inputFor(schema), (input) => {
      expect(report(schema, input)).toEqual(report(asZod, input));
    }), { numRuns: RUNS });
  });

test('hand-picked cases agree too, and produce the wording users see', () => {
  const schema = z.strictObject({
    port: z.number().optional(),
    command: z.array(z.string()),
    env: z.record(z.string(), z.string()).optional(),
    mode: z.enum(['a', 'b']).optional(),
    nested: z.strictObject({ ml: z.array(z.string()).optional() }).optional(),
    options: z.record(z.string(), z.any()).optional(),
  });
  const cases: Array<[unknown, string[]]> = [
    [{ command: ['x'] }, ['true']],
    [{ command: ['x'], prot: 1 }, ['false', '[vision/x] unknown property "prot": got 1; expected did you mean "port"? known: port, command, env, mode, nested, options']],
    [{ command: 'x', port: NaN }, ['false', '[vision/x] port: got NaN; expected a finite number', '[vision/x] command has the wrong type: got "x"; expected a list']],
    [{}, ['false', '[vision/x] command is required: got undefined; expected a list']],
    [{ command: [], env: { A: 1 }, mode: 'c' }, ['false', '[vision/x] env.A has the wrong type: got 1; expected a string', '[vision/x] mode: got "c"; expected one of: "a", "b"']],
    [{ command: [], nested: { ml: [1], dev: [] } }, ['false', '[vision/x] nested.ml[0] has the wrong type: got 1; expected a string',
      '[vision/x] unknown property "nested.dev": got []; expected one of: ml']],
    [{ command: [], env: new Date(0) }, ['false', '[vision/x] env has the wrong type: got "1970-01-01T00:00:00.000Z"; expected an object of string values']],
    // a map of options of any kind (ciWorkflowOptions) is an object, not "of string values"
    [{ command: [], options: null }, ['false', '[vision/x] options has the wrong type: got null; expected an object']],
  ];
  for (const [input, expected] of cases) {
    expect(report(schema, input)).toEqual(expected);
    expect(report(toZod(schema), input)).toEqual(expected);
  }
});
