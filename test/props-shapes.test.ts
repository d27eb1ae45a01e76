/**
 * Every props interface and the runtime shape its construct checks plain-JavaScript input
 * with describe the same properties: the interfaces are read from the source with the
 * TypeScript compiler (as test/project-options.test.ts reads MlDockerProjectOptions), and each
 * property must be in the shape with the same optionality and the same kind of value.
 */
/* eslint-disable no-bitwise */ // the compiler's type and symbol flags are bit sets
import { join } from 'path';
import * as ts from 'typescript';
import * as z from 'zod/mini';
import { CI_WORKFLOW_PROPS_SHAPE } from '../src/ci/ci-workflow';
import { Schema } from '../src/core/problems';
import { GPU_INFERENCE_SHAPE } from '../src/gpu/gpu-inference';
import { GPU_SERVICE_SHAPE } from '../src/gpu/gpu-service-options';
import { GPU_TRAINER_SHAPE } from '../src/gpu/gpu-trainer';
import { BUILD_HOOKS_SHAPE, BUILD_STEP_SHAPE, COPY_FROM_IMAGE_SHAPE } from '../src/service/build-hooks';
import { PYTHON_SERVICE_SHAPE } from '../src/service/python-service';
import { SERVICE_OPTIONS_SHAPE } from '../src/service/service-options';
import { MLFLOW_OPTIONS_SHAPE, POSTGRES_OPTIONS_SHAPE, REDIS_OPTIONS_SHAPE } from '../src/stack/backing-service';
import { COMPOSE_STACK_PROPS_SHAPE } from '../src/stack/compose-stack';
import { KUBERNETES_MANIFESTS_PROPS_SHAPE, KUBERNETES_SERVICE_OPTIONS_SHAPE } from '../src/stack/kubernetes-props';

const SRC = join(__dirname, '..', 'src');

/** [file, interface, the shape of the whole props (inherited interfaces included)] */
const CASES: Array<[string, string, Record<string, Schema>]> = [
  ['service/service-options.ts', 'ServiceOptions', SERVICE_OPTIONS_SHAPE],
  ['service/build-hooks.ts', 'BuildHookOptions', BUILD_HOOKS_SHAPE],
  ['service/build-hooks.ts', 'BuildStep', BUILD_STEP_SHAPE],
  ['service/build-hooks.ts', 'CopyFromImage', COPY_FROM_IMAGE_SHAPE],
  ['service/python-service.ts', 'PythonServiceProps', { ...SERVICE_OPTIONS_SHAPE, ...PYTHON_SERVICE_SHAPE }],
  ['gpu/gpu-service-options.ts', 'GpuServiceOptions', { ...SERVICE_OPTIONS_SHAPE, ...GPU_SERVICE_SHAPE }],
  ['gpu/gpu-trainer.ts', 'GpuTrainerProps', { ...SERVICE_OPTIONS_SHAPE, ...GPU_SERVICE_SHAPE, ...GPU_TRAINER_SHAPE }],
  ['gpu/gpu-inference.ts', 'GpuInferenceProps', { ...SERVICE_OPTIONS_SHAPE, ...GPU_SERVICE_SHAPE, ...GPU_INFERENCE_SHAPE }],
  ['stack/backing-service.ts', 'PostgresOptions', POSTGRES_OPTIONS_SHAPE],
  ['stack/backing-service.ts', 'RedisOptions', REDIS_OPTIONS_SHAPE],
  ['stack/backing-service.ts', 'MlflowOptions', MLFLOW_OPTIONS_SHAPE],
  ['stack/compose-stack.ts', 'ComposeStackProps', COMPOSE_STACK_PROPS_SHAPE],
  ['stack/kubernetes-props.ts', 'KubernetesManifestsProps', KUBERNETES_MANIFESTS_PROPS_SHAPE],
  ['stack/kubernetes-props.ts', 'KubernetesServiceOptions', KUBERNETES_SERVICE_OPTIONS_SHAPE],
  ['ci/ci-workflow.ts', 'CiWorkflowProps', CI_WORKFLOW_PROPS_SHAPE],
];

const program = ts.createProgram([...new Set(CASES.map(([file]) => join(SRC, file)))], {
  strict: true, skipLibCheck: true, noEmit: true,
});
const checker = program.getTypeChecker();

/**
 * A class, or a jsii reference interface (`IMlService`): a construct, checked with `instanceof`
 * by the construct, so its shape accepts any value there.
 */
function isConstructReference(type: ts.Type): boolean {
  const declaration = type.getSymbol()?.declarations?.[0];
  if (type.isClass() || (declaration && ts.isClassDeclaration(declaration))) return true;
  return !!declaration && ts.isInterfaceDeclaration(declaration) && /^I[A-Z]/.test(declaration.name.text);
}

/** The kind of value a TypeScript type asks for, in the words of the shapes (`def.type`). */
function kindOfType(type: ts.Type): string {
  const t = type.isUnion() ? type.types.find((u) => !(u.flags & ts.TypeFlags.Undefined))! : type;
  if (t.flags & (ts.TypeFlags.EnumLike | ts.TypeFlags.Union)) return 'enum';
  if (t.flags & ts.TypeFlags.StringLike) return 'string';
  if (t.flags & ts.TypeFlags.NumberLike) return 'number';
  if (t.flags & ts.TypeFlags.BooleanLike) return 'boolean';
  if (checker.isArrayType(t)) {
    const element = checker.getTypeArguments(t as ts.TypeReference)[0];
    return `array of ${isConstructReference(element) ? 'any' : kindOfType(element)}`;
  }
  if (checker.getIndexInfoOfType(t, ts.IndexKind.String)) return 'record';
  return 'object';
}

/** The same words for a shape's schema; a string checked against an enum by hand counts as an enum. */
function kindOfSchema(schema: Schema): string {
  const def = schema._zod.def;
  switch (def.type) {
    case 'optional': return kindOfSchema((def as z.core.$ZodOptionalDef).innerType as Schema);
    case 'array': return `array of ${kindOfSchema((def as z.core.$ZodArrayDef).element as Schema)}`;
    default: return def.type;
  }
}

function interfaceProperties(
  file: string, name: string,
): Record<string, { optional: boolean; kind: string }> {
  const source = program.getSourceFile(join(SRC, file))!;
  let out: Record<string, { optional: boolean; kind: string }> | undefined;
  ts.forEachChild(source, (node) => {
    if (!ts.isInterfaceDeclaration(node) || node.name.text !== name) return;
    out = {};
    for (const p of checker.getPropertiesOfType(checker.getTypeAtLocation(node))) {
      const declaration = p.valueDeclaration ?? p.declarations![0];
      out[p.getName()] = {
        optional: (p.flags & ts.SymbolFlags.Optional) !== 0,
        kind: kindOfType(checker.getTypeOfSymbolAtLocation(p, declaration)),
      };
    }
  });
  if (!out) throw new Error(`no interface ${name} in ${file}`);
  return out;
}

type Properties = Record<string, { optional: boolean; kind: string }>;

function shapeProperties(shape: Record<string, Schema>, props: Properties): Properties {
  return Object.fromEntries(Object.entries(shape).map(([key, schema]) => {
    const kind = kindOfSchema(schema);
    // gpuBase, platform and platforms hold strings checked against their enum by hand, for a better message
    const byHand = (props[key]?.kind === 'enum' && kind === 'string') || (props[key]?.kind === 'array of enum' && kind === 'array of string');
    return [key, { optional: schema._zod.def.type === 'optional', kind: byHand ? props[key].kind : kind }];
  }));
}

test.each(CASES)('%s: %s and its runtime shape describe the same properties', (file, name, shape) => {
  const props = interfaceProperties(file, name);
  expect(Object.keys(props).length).toBeGreaterThan(0);
  expect(shapeProperties(shape, props)).toEqual(props);
});

test('a drift is caught: a key only one side has, another optionality, another kind of value', () => {
  const props = interfaceProperties('service/service-options.ts', 'ServiceOptions');
  expect(props.command).toEqual({ optional: false, kind: 'array of string' });
  expect(props.environment).toEqual({ optional: true, kind: 'record' });
  expect(props.dependsOn).toEqual({ optional: true, kind: 'array of any' });
  const { port: _port, ...withoutPort } = SERVICE_OPTIONS_SHAPE;
  expect(shapeProperties(withoutPort, props)).not.toEqual(props);
  expect(shapeProperties({ ...SERVICE_OPTIONS_SHAPE, extra: SERVICE_OPTIONS_SHAPE.port }, props))
    .not.toEqual(props);
  expect(shapeProperties({
    ...SERVICE_OPTIONS_SHAPE, command: z.optional(SERVICE_OPTIONS_SHAPE.command),
  }, props)).not.toEqual(props);
  expect(shapeProperties({ ...SERVICE_OPTIONS_SHAPE, port: SERVICE_OPTIONS_SHAPE.description }, props))
    .not.toEqual(props);
});
