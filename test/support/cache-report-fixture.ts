/**
 * A small hand-written Dockerfile for the cache report's module tests (the generated ones are tested in
 * cache-report.test.ts).
 */
export const DOCKERFILE = [
  '# syntax=docker/dockerfile:1',
  'ARG PYTHON_IMAGE=python:3.12-slim',
  'FROM ${PYTHON_IMAGE} AS base',
  'WORKDIR /app',
  '',
  'FROM base AS builder',
  'RUN python -m venv /opt/venv',
  'RUN --mount=type=bind,source=docker/api/requirements-ml.txt,target=/tmp/ml.txt pip install -r /tmp/ml.txt',
  'RUN --mount=type=bind,source=docker/api/requirements-core.txt,target=/tmp/core.txt \\',
  '    pip install -r /tmp/core.txt',
  '',
  'FROM base AS prod',
  'COPY --from=builder /opt/venv /opt/venv',
  'COPY docker/runtime /opt/mldocker',
  'COPY services/common services/common',
  'COPY services/api services/api',
  '',
].join('\n');
