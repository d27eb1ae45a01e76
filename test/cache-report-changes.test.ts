/**
 * The changes a Dockerfile can see (src/cache-report/change-groups.ts), the stages a target
 * builds (targets.ts), what a change re-runs (impact.ts) and the layout's promises (promises.ts),
 * each on a small hand-written Dockerfile.
 */
import { DOCKERFILE } from './support/cache-report-fixture';
import { analyzeDockerfile } from '../src/cache-report/analyze';
import { changesOf } from '../src/cache-report/change-groups';
import { parseStages } from '../src/cache-report/dockerfile-steps';
import { impactOf } from '../src/cache-report/impact';
import { assignRoles } from '../src/cache-report/layer-roles';
import { checkPromises } from '../src/cache-report/promises';
import { CacheChangeKind } from '../src/cache-report/report-types';
import { stagesOfTarget, targetsOf } from '../src/cache-report/targets';

const NOTHING_IGNORED = (): boolean => false;

function changes(
  text: string, files?: (path: string) => string[], ignores: (p: string) => boolean = NOTHING_IGNORED,
) {
  const stages = parseStages(text);
  assignRoles(stages);
  const reads = [...new Set(stages.flatMap((s) => s.steps.flatMap((step) => step.contextPaths)))];
  return changesOf(stages, reads, files, ignores);
}

describe('changesOf', () => {
  test('one change per kind, in display order: code, shared code, helpers, tiers, base image, hooks, stages', () => {
    expect(changes(DOCKERFILE).map((c) => c.id)).toEqual([
      'app-code', 'shared-code', 'runtime-helpers', 'requirements:ml', 'requirements:core', 'base-image',
      'dockerfile:base', 'dockerfile:builder', 'dockerfile:prod',
    ]);
  });

  test('tiers in install order whatever order the Dockerfile reads them in; an unknown tier last', () => {
    const text = ['FROM python:3.12 AS b', ...['extra', 'dev', 'core', 'ml', 'torch'].map((t) => `COPY requirements-${t}.txt /r/`)].join('\n');
    expect(changes(text).filter((c) => c.kind === CacheChangeKind.REQUIREMENTS).map((c) => c.tier)).toEqual(['torch', 'ml', 'core', 'dev', 'extra']);
  });

  test('a context change names a file the context really sends (first in order, not ignored), else one assumed inside the path', () => {
    const files = (path: string) => (path === 'services/api' ? ['services/api/z.py', 'services/api/a.secret', 'services/api/b.py'] : []);
    const withFiles = changes(DOCKERFILE, files, (p) => p.endsWith('.secret'));
    expect(withFiles.find((c) => c.id === 'app-code')!.files).toEqual(['services/api/b.py']);
    expect(changes(DOCKERFILE).find((c) => c.id === 'app-code')!.files).toEqual(['services/api/__init__.py']);
    expect(changes(DOCKERFILE).find((c) => c.id === 'requirements:ml')!.files).toEqual(['docker/api/requirements-ml.txt']);
  });

  test('several base images get one change each, named by their build arg', () => {
    const text = 'ARG A=python:3.12\nARG B=debian:12\nFROM ${A} AS a\nRUN true\nFROM ${B} AS b\nRUN true\n';
    expect(changes(text).filter((c) => c.kind === CacheChangeKind.BASE_IMAGE)
      .map((c) => [c.id, c.description]))
      .toEqual([['base-image:A', 'the base image ${A} (default python:3.12)'], ['base-image:B', 'the base image ${B} (default debian:12)']]);
  });
});

describe('targets', () => {
  test('the default targets the Dockerfile has, else its last stage; an unknown one is refused with the stages', () => {
    const stages = parseStages(DOCKERFILE);
    expect(targetsOf(stages)).toEqual(['prod']);
    expect(targetsOf(parseStages('FROM python:3.12 AS one\nFROM one AS two\n'))).toEqual(['two']);
    expect(() => targetsOf(stages, ['prod', 'nope'])).toThrow('no stage named "nope"; stages: base, builder, prod');
  });

  test('a target needs its parents and the stages it copies from, in file order', () => {
    const stages = parseStages(`${DOCKERFILE}FROM base AS lone\nRUN true\n`);
    expect(stagesOfTarget(stages, 'prod').map((s) => s.name)).toEqual(['base', 'builder', 'prod']);
    expect(stagesOfTarget(stages, 'lone').map((s) => s.name)).toEqual(['base', 'lone']);
  });
});

describe('impact', () => {
  const report = analyzeDockerfile({ service: 'api', dockerfile: DOCKERFILE });

  test('a core-tier change re-runs its install and everything after it, keeping the ml layer', () => {
    const impact = impactOf(report, 'prod', 'requirements:core');
    expect(impact.invalidated).toEqual(['[builder 3/3]', '[prod 1/4]', '[prod 2/4]', '[prod 3/4]', '[prod 4/4]']);
    expect(impact.kept).toContain('[builder 2/3]');
    expect(impact.invalidatedDependencyLayers).toBe(2);
  });

  test('a code change re-runs only the code copy; the base image re-runs every step', () => {
    expect(impactOf(report, 'prod', 'app-code').invalidated).toEqual(['[prod 4/4]']);
    const base = impactOf(report, 'prod', 'base-image');
    expect(base.kept).toEqual([]);
  });

  test('an unknown target or change is an error naming the known ones', () => {
    expect(() => impactOf(report, 'dev', 'app-code')).toThrow('service "api" has no target "dev" in the report; targets: prod');
    expect(() => impactOf(report, 'prod', 'nope')).toThrow(/has no change "nope"; changes: app-code, shared-code/);
  });

  test('a path the ignore file excludes is a warning; a context path besides the code is a change of its own', () => {
    const ignored = analyzeDockerfile({ service: 'api', dockerfile: DOCKERFILE, ignoreFile: 'services/api\n' });
    expect(ignored.warnings).toEqual(['docker/api/Dockerfile reads services/api, but docker/api/Dockerfile.dockerignore excludes it: the build fails or copies nothing']);
    const glob = analyzeDockerfile({ service: 'g', dockerfile: 'FROM python:3.12 AS prod\nCOPY conf/*.yaml /conf/\nCOPY app app\n', contextFiles: ['conf/a.yaml', 'app/x.py'] });
    expect(glob.changes.map((c) => c.id)).toContain('context:conf/*.yaml');
    expect(impactOf(glob, 'prod', 'app-code').invalidated).toEqual(['[prod 3/3]']);
  });
});

describe('promises', () => {
  test('hold on a layout that installs dependencies before code', () => {
    const results = checkPromises(analyzeDockerfile({ service: 'api', dockerfile: DOCKERFILE }));
    expect(results.map((r) => [r.promise, r.holds])).toEqual([['code-keeps-dependencies', true], ['core-tier-keeps-ml', true]]);
  });

  test('break, with the step named, when code is copied before a dependency install', () => {
    const text = [
      'FROM python:3.12 AS prod',
      'COPY services/api services/api',
      'RUN --mount=type=bind,source=docker/api/requirements-core.txt,target=/r.txt pip install -r /r.txt',
    ].join('\n');
    const [code] = checkPromises(analyzeDockerfile({ service: 'api', dockerfile: text }));
    expect(code.promise).toBe('code-keeps-dependencies');
    expect(code.holds).toBe(false);
    expect(code.detail).toBe('app-code rebuilds 1 dependency layer(s) of prod: [prod 3/3]');
  });
});
