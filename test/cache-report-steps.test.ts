/**
 * Reading a Dockerfile the way BuildKit numbers its steps (src/cache-report/dockerfile-steps.ts)
 * and classifying the steps (src/cache-report/layer-roles.ts).
 */
import { DOCKERFILE } from './support/cache-report-fixture';
import { normalizeContextPath, parseStages } from '../src/cache-report/dockerfile-steps';
import { assignRoles } from '../src/cache-report/layer-roles';
import { LayerRole } from '../src/cache-report/report-types';

function stagesOf(text: string) {
  const stages = parseStages(text);
  assignRoles(stages);
  return stages;
}

describe('parseStages', () => {
  test('names the stages, their parents and base image (build args expanded, the name as BuildKit prints it)', () => {
    const [base, builder, prod] = parseStages(DOCKERFILE);
    expect([base.name, builder.name, prod.name]).toEqual(['base', 'builder', 'prod']);
    expect(base.fromRaw).toBe('${PYTHON_IMAGE}');
    expect(base.image).toBe('python:3.12-slim');
    expect(builder.parent).toBe(base);
    expect(builder.image).toBeUndefined();
    expect(base.steps[0].instruction).toBe('FROM docker.io/library/python:3.12-slim');
  });

  test('numbers each stage\'s steps with labels like BuildKit\'s, a continuation joined on one line', () => {
    const builder = parseStages(DOCKERFILE)[1];
    expect(builder.steps.map((s) => s.label)).toEqual(['[builder 1/3]', '[builder 2/3]', '[builder 3/3]']);
    expect(builder.steps[2].instruction).toBe('RUN --mount=type=bind,source=docker/api/requirements-core.txt,target=/tmp/core.txt     pip install -r /tmp/core.txt');
    expect(builder.steps[2].line).toBe(9);
  });

  test('pads the index to the width of the total', () => {
    const text = ['FROM scratch AS s', ...Array.from({ length: 10 }, (_, i) => `WORKDIR /w${i}`)].join('\n');
    const steps = parseStages(text)[0].steps;
    expect(steps[0].label).toBe('[s  1/10]');
    expect(steps[9].label).toBe('[s 10/10]');
  });

  test('records the tiers a bind-mounted requirement file installs, the context paths and the stages a step reads', () => {
    const [, builder, prod] = parseStages(DOCKERFILE);
    expect(builder.steps.map((s) => s.installsTiers)).toEqual([[], ['ml'], ['core']]);
    expect(builder.steps[1].contextPaths).toEqual(['docker/api/requirements-ml.txt']);
    expect(prod.steps[0].fromStages).toEqual(['builder']);
    expect(prod.steps.slice(1).map((s) => s.contextPaths)).toEqual([['docker/runtime'], ['services/common'], ['services/api']]);
  });

  test('a mounted tier file the command does not install is read but not installed', () => {
    const text = 'FROM python:3.12 AS b\nRUN --mount=type=bind,source=requirements-ml.txt,target=/r.txt cat /r.txt\n';
    const step = parseStages(text)[0].steps[1];
    expect(step.contextPaths).toEqual(['requirements-ml.txt']);
    expect(step.installsTiers).toEqual([]);
  });

  test('a copy from an image names the image as BuildKit does; a build hook comment marks the next step', () => {
    const text = [
      'FROM python:3.12 AS b',
      '# build hook copy ffmpeg: /ffmpeg of the image',
      'COPY --from=mwader/static-ffmpeg:7.1.1 /ffmpeg /usr/local/bin/ffmpeg',
    ].join('\n');
    const step = parseStages(text)[0].steps[1];
    expect(step.fromImages).toEqual(['docker.io/mwader/static-ffmpeg:7.1.1']);
    expect(step.hooks).toEqual(['copy ffmpeg']);
  });

  test('expands ${NAME:-default} in FROM with the global ARG defaults', () => {
    const stage = parseStages('ARG IMG\nFROM ${IMG:-python:3.11} AS a\n')[0];
    expect(stage.image).toBe('python:3.11');
  });
});

test('normalizeContextPath drops ./, duplicate and trailing slashes; the context root is "."', () => {
  expect(normalizeContextPath('./services//api/')).toBe('services/api');
  expect(normalizeContextPath('./')).toBe('.');
  expect(normalizeContextPath('.')).toBe('.');
  expect(normalizeContextPath('a\\b')).toBe('a/b');
});

describe('assignRoles', () => {
  test('base image, set-up, dependency layers and code', () => {
    const roles = stagesOf(DOCKERFILE).map((s) => s.steps.map((step) => step.role));
    expect(roles).toEqual([
      [LayerRole.BASE_IMAGE, LayerRole.SETUP],
      [LayerRole.DEPENDENCIES, LayerRole.DEPENDENCIES, LayerRole.DEPENDENCIES],
      [LayerRole.DEPENDENCIES, LayerRole.CODE, LayerRole.CODE, LayerRole.CODE],
    ]);
  });

  test('system steps, copies from images and stages without dependencies, the project wheel as code', () => {
    const text = [
      'FROM python:3.12 AS base',
      'RUN apt-get update && apt-get install -y curl',
      'FROM base AS tools',
      'RUN echo hi > /hi',
      'FROM base AS project',
      'COPY pyproject.toml src ./',
      'RUN pip wheel --no-deps -w /wheels .',
      'FROM base AS prod',
      'COPY --from=tools /hi /hi',
      'COPY --from=mwader/static-ffmpeg:7.1.1 /ffmpeg /usr/local/bin/ffmpeg',
      'COPY docker/api/requirements-core.txt /tmp/',
    ].join('\n');
    const steps = Object.fromEntries(stagesOf(text).flatMap((s) => s.steps).map((s) => [s.label, s.role]));
    expect(steps['[base 2/2]']).toBe(LayerRole.SYSTEM);
    expect(steps['[project 1/2]']).toBe(LayerRole.CODE);
    expect(steps['[project 2/2]']).toBe(LayerRole.CODE);
    expect(steps['[prod 1/3]']).toBe(LayerRole.SYSTEM);
    expect(steps['[prod 2/3]']).toBe(LayerRole.SYSTEM);
    expect(steps['[prod 3/3]']).toBe(LayerRole.DEPENDENCIES);
  });
});
