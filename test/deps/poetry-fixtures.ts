/**
 * Poetry projects whose locks hold several entries of one name, in the shapes poetry writes
 * (lock-version 2.0: per-entry python-versions; 2.1: groups and markers per entry): shared by
 * test/deps/lock-fidelity.test.ts and the differential test against poetry's own exporter
 * (test/corpus/lock-differential.test.ts, which replaces the placeholder content-hash with the
 * one poetry computes). Every package has an sdist, so it installs on every platform.
 */
import { sha } from './lock-fixtures';

const file = (name: string) => `{file = "${name}", hash = "sha256:${sha(name)}"}`;

/**
 * One poetry.lock package; `extra` holds further lines (markers, groups, then sub-tables such as
 * dependencies).
 */
export function poetryPackage(
  name: string, version: string, python: string, files: string[], extra: string[] = [],
): string {
  const tables = extra.findIndex((l) => l.startsWith('['));
  const [keys, subtables] = tables < 0 ? [extra, []] : [extra.slice(0, tables), extra.slice(tables)];
  return [
    '[[package]]', `name = "${name}"`, `version = "${version}"`, 'description = ""', 'optional = false',
    `python-versions = "${python}"`, ...keys, `files = [${[...files, `${name.replace(/-/g, '_')}-${version}.tar.gz`].map(file).join(', ')}]`, '',
    ...subtables, '',
  ].join('\n');
}

export const wheel = (name: string, version: string, tag = 'cp311-cp311') =>
  `${name}-${version}-${tag}-manylinux_2_17_x86_64.manylinux2014_x86_64.whl`;
export const anyWheel = (name: string, version: string) => `${name.replace(/-/g, '_')}-${version}-py3-none-any.whl`;
export const meta = (lockVersion: string) => `[metadata]\nlock-version = "${lockVersion}"\npython-versions = ">=3.10,<3.14"\ncontent-hash = "x"\n`;

export const SCIPY_LOCK = [
  poetryPackage('scipy', '1.15.3', '>=3.10', [wheel('scipy', '1.15.3', 'cp310-cp310'), wheel('scipy', '1.15.3')]),
  poetryPackage('scipy', '1.16.0', '>=3.11', [wheel('scipy', '1.16.0'), wheel('scipy', '1.16.0', 'cp312-cp312')]),
  meta('2.0'),
].join('\n');

export const poetryPyproject = (dependencies: string[]) => [
  '[tool.poetry]', 'name = "demo"', 'version = "0.1.0"', 'description = ""', 'authors = []', 'package-mode = false', '',
  '[tool.poetry.dependencies]', 'python = ">=3.10,<3.14"', ...dependencies, '',
].join('\n');

const source = (name: string, url: string) => ['[package.source]', 'type = "legacy"', `url = "${url}"`, `reference = "${name}"`];

/** A project with its lock, by what it shows. */
export interface PoetryScenario {
  readonly name: string;
  readonly pyproject: string;
  readonly lock: string;
  /** The groups besides main the export installs (`--with`). */
  readonly groups: readonly string[];
}

export const POETRY_SCENARIOS: readonly PoetryScenario[] = [
  {
    name: 'one scipy entry per python in the pyproject (lock 2.0)',
    pyproject: poetryPyproject(['scipy = [{version = "1.15.3", python = "<3.11"}, {version = "^1.16", python = ">=3.11"}]']),
    lock: SCIPY_LOCK,
    groups: [],
  },
  {
    name: 'a plain range over two scipy entries (lock 2.0)',
    pyproject: poetryPyproject(['scipy = ">=1.15"']),
    lock: SCIPY_LOCK,
    groups: [],
  },
  {
    name: 'edge constraints choosing among scipy entries (lock 2.0)',
    pyproject: poetryPyproject(['app-lib = "^1.0"', 'other = "^2.0"']),
    lock: [
      poetryPackage('app-lib', '1.0.0', '>=3.10', [anyWheel('app-lib', '1.0.0')], ['[package.dependencies]', 'scipy = ">=1.15,<1.16"']),
      poetryPackage('other', '2.0.0', '>=3.10', [anyWheel('other', '2.0.0')], ['[package.dependencies]', 'scipy = ">=1.10"']),
      SCIPY_LOCK,
    ].join('\n'),
    groups: [],
  },
  {
    name: 'torch for darwin, linux aarch64 (+cpu) and x86_64 (+cu126) by markers, a dev group (lock 2.1)',
    pyproject: [
      '[project]', 'name = "demo"', 'version = "0.1.0"', 'requires-python = ">=3.10,<3.14"', 'dependencies = ["torch==2.7.1"]', '',
      '[tool.poetry]', 'package-mode = false', '', '[tool.poetry.group.dev.dependencies]', 'pytest = "^8"', '',
    ].join('\n'),
    lock: [
      poetryPackage('torch', '2.7.1', '>=3.9', ['torch-2.7.1-cp311-none-macosx_11_0_arm64.whl'],
        ['groups = ["main"]', 'markers = "sys_platform == \\"darwin\\""']),
      poetryPackage('torch', '2.7.1+cpu', '>=3.9', ['torch-2.7.1+cpu-cp311-cp311-manylinux_2_28_aarch64.whl'],
        ['groups = ["main"]', 'markers = "sys_platform == \\"linux\\" and platform_machine == \\"aarch64\\""',
          ...source('pytorch-cpu', 'https://download.pytorch.org/whl/cpu')]),
      poetryPackage('torch', '2.7.1+cu126', '>=3.9', ['torch-2.7.1+cu126-cp311-cp311-manylinux_2_28_x86_64.whl'],
        ['groups = ["main"]', 'markers = "sys_platform == \\"linux\\" and platform_machine == \\"x86_64\\""',
          ...source('pytorch-cu126', 'https://download.pytorch.org/whl/cu126')]),
      poetryPackage('pytest', '8.3.4', '>=3.8', [anyWheel('pytest', '8.3.4')], ['groups = ["dev"]']),
      meta('2.1'),
    ].join('\n'),
    groups: ['dev'],
  },
];
