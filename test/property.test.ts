/**
 * Property tests: random valid definitions render output that is schema-valid, parses,
 * keeps the ignore files consistent and is byte-identical when synthesized twice; random
 * invalid ones raise our validation error and nothing else.
 *
 * `FC_RUNS` sets the number of cases (nightly: FC_RUNS=1000); the default run is smaller.
 */
import ignore from '@balena/dockerignore';
import { DockerfileParser } from 'dockerfile-ast';
import * as fc from 'fast-check';
import * as YAML from 'yaml';
import { BackingService, ComposeStack, MlDockerProject, MlDockerValidationError, PythonService, RequirementTier } from '../src';
import { composeConfig } from './support/compose-cli';
import { DANGEROUS, HARMLESS } from './support/hostile-overrides';
import { shadowsModule } from './support/module-names';
import { serviceViolations } from './support/security-promises';
import { newProject, synth } from './util';
import { validateComposeSchema } from '../src/stack/compose-schema';

const RUNS = Number(process.env.FC_RUNS ?? 40);
// Ids whose Python module would shadow the standard library (or our runtime helpers) are refused.
const shadows = shadowsModule;

const PACKAGES = ['numpy', 'pandas', 'scipy', 'fastapi', 'uvicorn', 'httpx', 'pydantic', 'requests', 'pytest', 'ruff', 'mlstub', 'Scikit_Learn'];
const version = fc.tuple(fc.nat(30), fc.nat(30), fc.nat(30)).map(([a, b, c]) => `${a}.${b}.${c}`);
const requirement = fc.tuple(fc.constantFrom(...PACKAGES), version).map(([name, v]) => `${name}==${v}`);
const tier = fc.uniqueArray(requirement, { maxLength: 4, selector: (r) => r.split('==')[0].toLowerCase().replace(/[-_.]+/g, '-') });

interface ServiceDef {
  id: string;
  port?: number;
  ml: string[];
  core: string[];
  dev: string[];
  torch: boolean;
  publicPort: boolean;
  memory: string;
}

const serviceDef: fc.Arbitrary<ServiceDef> = fc.record({
  id: fc.stringMatching(/^[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,4})?$/),
  port: fc.option(fc.integer({ min: 1024, max: 65535 }), { nil: undefined }),
  ml: tier,
  core: tier,
  dev: tier,
  torch: fc.boolean(),
  publicPort: fc.boolean(),
  memory: fc.tuple(fc.integer({ min: 1, max: 64 }), fc.constantFrom('m', 'g')).map(([n, u]) => `${u === 'm' ? n * 64 : n}${u}`),
});

/** Keeps one pin per package across tiers (a package in two tiers must have one version). */
function consistentTiers(def: ServiceDef): ServiceDef {
  const seen = new Map<string, string>();
  const keep = (reqs: string[]) => reqs.filter((r) => {
    const [name, v] = r.split('==');
    const key = name.toLowerCase().replace(/[-_.]+/g, '-');
    if (seen.has(key)) return false;
    seen.set(key, v);
    return true;
  });
  return { ...def, ml: keep(def.ml), core: keep(def.core), dev: keep(def.dev) };
}

const stackDef = fc.record({
  services: fc.uniqueArray(serviceDef.map(consistentTiers), {
    minLength: 1,
    maxLength: 4,
    selector: (s) => s.id.replace(/-/g, '_'),
  }).filter((services) => {
    const ports = services.flatMap((s) => (s.port === undefined ? [] : [s.port]));
    return new Set(ports).size === ports.length && !services.some((s) => ['postgres', 'redis', 'mlflow', 'common', 'runtime'].includes(s.id) || shadows(s.id)) && !ports.includes(5000);
  }),
  backing: fc.subarray(['postgres', 'redis', 'mlflow'] as const),
  syntax: fc.boolean(),
});

type StackDef = typeof stackDef extends fc.Arbitrary<infer T> ? T : never;

function build(def: StackDef): MlDockerProject {
  const project = newProject({ dockerfileSyntax: def.syntax });
  for (const s of def.services) {
    const svc = new PythonService(project, s.id, {
      command: ['python', '-m', `${s.id.replace(/-/g, '_')}.main`],
      port: s.port,
      requirements: { ml: s.ml, core: s.core },
      torchVersion: s.torch ? '2.5.1' : undefined,
      publicPort: s.port !== undefined && s.publicPort,
      memoryLimit: s.memory,
    });
    for (const req of s.dev) svc.addRequirement(RequirementTier.DEV, req);
  }
  const backing = {
    postgres: BackingService.POSTGRES, redis: BackingService.REDIS, mlflow: BackingService.MLFLOW,
  };
  new ComposeStack(project, 'stack', { backingServices: def.backing.map((b) => backing[b]) });
  return project;
}

function withoutProjenState(out: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(out).filter(([f]) => !f.startsWith('.projen/')).map(([f, v]) => [f, JSON.stringify(v)]));
}

test('random valid stacks render valid, consistent, deterministic output', () => {
  fc.assert(fc.property(stackDef, (def) => {
    const project = build(def);
    const out = synth(project);
    // compose: the real `docker compose config` (the official schema and compose's own rules)
    expect(composeConfig(project.outdir, out['compose.yaml'])).toEqual({ ok: true, output: '' });
    expect(validateComposeSchema(YAML.parse(out['compose.yaml']))).toEqual([]); // our own rules agree
    const root = ignore().add(out['.dockerignore'].split('\n'));
    for (const s of def.services) {
      const dockerfile = out[`docker/${s.id}/Dockerfile`];
      const doc = DockerfileParser.parse(dockerfile);
      expect(doc.getFROMs().map((f) => f.getBuildStage())).toEqual(['base', 'deps-ml', 'builder', 'dev', 'test', 'prod']);
      expect(dockerfile.split('\n')[def.syntax ? 1 : 0]).toMatch(/^# ~~ Generated by projen/);
      // every file the Dockerfile reads from the context passes both ignore files
      const own = ignore().add(out[`docker/${s.id}/Dockerfile.dockerignore`].split('\n'));
      const sources = [...dockerfile.matchAll(/source=([^,\s]+)/g)].map((m) => m[1])
        .concat([...dockerfile.matchAll(/^COPY --chown=\S+ (\S+) /gm)].map((m) => `${m[1]}/x.py`));
      for (const src of sources) {
        expect({ src, own: own.ignores(src), root: root.ignores(src) })
          .toEqual({ src, own: false, root: false });
      }
      for (const secret of ['.env', `services/${s.id.replace(/-/g, '_')}/.env`, 'data/a.csv', 'model.pt']) {
        expect(own.ignores(secret)).toBe(true);
      }
      // tiers: file contents match the definition, sorted
      for (const [name, reqs] of [['ml', s.ml], ['core', s.core], ['dev', s.dev]] as const) {
        const file = out[`docker/${s.id}/requirements-${name}.txt`];
        if (reqs.length === 0) expect(file).toBeUndefined();
        else expect(file.split('\n').filter((l: string) => l && !l.startsWith('#')).sort()).toEqual([...reqs].sort());
      }
    }
    expect(withoutProjenState(synth(build(def)))).toEqual(withoutProjenState(out));
  }), { numRuns: RUNS });
});

const badValue = fc.oneof(
  fc.constant(undefined), fc.constant(null), fc.constant(NaN), fc.constant(-1), fc.constant(''), fc.constant('   '),
  fc.constant('../x'), fc.constant('/abs'), fc.constant({}), fc.constant([]), fc.constant('ünïcode'), fc.constant(1e12), fc.string(),
);
const badField = fc.constantFrom('command', 'port', 'healthCheckPath', 'requirements', 'aptPackages', 'sourceDir', 'pythonVersion',
  'memoryLimit', 'cpuLimit', 'pidsLimit', 'environment', 'torchVersion', 'hostPort', 'tmpSize', 'heartbeatMaxAge');

test('random invalid props raise our validation error, never anything else', () => {
  fc.assert(fc.property(badField, badValue, (field, value) => {
    const project = newProject();
    const props: Record<string, unknown> = { command: ['python', '-m', 'api.main'], port: 8000, [field]: value };
    try {
      new PythonService(project, 'api', props as any);
      new ComposeStack(project, 'stack');
      synth(project);
    } catch (e) {
      expect(e).toBeInstanceOf(MlDockerValidationError);
      expect((e as Error).message).toContain('[vision/');
      return;
    }
    // a few random values are valid (e.g. a random string as a health path is refused, but
    // undefined for an optional prop is fine): then the output must still be sound
  }), { numRuns: RUNS * 2 });
});

test('random ids are accepted exactly when they are valid service ids', () => {
  fc.assert(fc.property(fc.string({ maxLength: 45 }), (id) => {
    const project = newProject();
    const valid = /^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/.test(id) && !['common', 'runtime'].includes(id) && !shadows(id);
    try {
      new PythonService(project, id, { command: ['python', '-m', 'x'] });
      expect(valid).toBe(true);
    } catch (e) {
      expect(e).toBeInstanceOf(MlDockerValidationError);
      expect(valid).toBe(false);
    }
  }), { numRuns: RUNS * 2 });
});

test('random addOverride patches are refused, or the final compose.yaml keeps every security promise', () => {
  const patch = fc.constantFrom(...DANGEROUS, ...HARMLESS);
  const optOuts = fc.record({
    publicPort: fc.boolean(), writableRootFilesystem: fc.boolean(), disableHealthCheck: fc.boolean(),
  });
  let refused = 0;
  let kept = 0;
  fc.assert(fc.property(fc.array(patch, { minLength: 1, maxLength: 4 }), optOuts, (patches, opt) => {
    const project = newProject();
    new PythonService(project, 'api', { command: ['python', '-m', 'api.main'], port: 8000, ...opt });
    const stack = new ComposeStack(project, 'stack', { backingServices: [BackingService.POSTGRES] });
    for (const p of patches) stack.addOverride(p.service, p.key, p.value);
    let out: Record<string, any>;
    try {
      out = synth(project);
    } catch (e) {
      expect(e).toBeInstanceOf(MlDockerValidationError);
      for (const problem of (e as MlDockerValidationError).problems) {
        expect(problem).toMatch(/^\[vision\/stack\] (override services\.(api|postgres)[.[]|compose\.yaml with overrides breaks the compose specification)/);
      }
      // only harmless patches are never refused
      expect(patches.every((p) => HARMLESS.includes(p))).toBe(false);
      refused++;
      return;
    }
    const compose = YAML.parse(out['compose.yaml']);
    expect(serviceViolations(compose.services.api, opt)).toEqual([]);
    expect(serviceViolations(compose.services.postgres, { user: '999:999', internalOnly: true })).toEqual([]);
    kept++;
  }), { numRuns: RUNS * 2 });
  // both outcomes occur, so neither branch is vacuous
  expect(refused).toBeGreaterThan(0);
  expect(kept).toBeGreaterThan(0);
});
