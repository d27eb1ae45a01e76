import { ProjectFiles } from './files';
import { Problems, oneOf } from '../core/problems';
import { LINE_BREAK } from '../core/requirement-grammar';
import { secretValueKind } from '../core/secrets';
import { YAML } from '../core/yaml';

/**
 * A Cog model's `cog.yaml` read as cog reads it (replicate/cog `pkg/config`: the `build` keys
 * of its JSON schema, which refuses any other; `python_version` is the literal text of the
 * scalar, so `3.10` stays "3.10", as Go's YAML decoder gives it to cog's string field; `gpu`
 * takes YAML 1.1's yes/no/on/off as Go's decoder does for a bool). Only what concerns the
 * image's dependencies is kept; the keys of cog's own runtime (`predict`, `run` at the top,
 * `image`, `concurrency`, `weights`...) are not read. Pure: text in, facts or problems out.
 */

/** A value of the cog.yaml and where it is written (`cog.yaml:13`). */
export interface CogValue<T> {
  readonly value: T;
  readonly at: string;
}

/** One setup command of `build.run` (or the deprecated `build.pre_install`). */
export interface CogStep {
  /** `build.run[2]`. */
  readonly field: string;
  readonly line: number;
  readonly command: string;
}

/** What a cog.yaml says about the image's dependencies. */
export interface CogFile {
  /** The cog.yaml, relative to the project root. */
  readonly path: string;
  readonly pythonVersion?: CogValue<string>;
  readonly gpu?: CogValue<boolean>;
  readonly systemPackages: Array<CogValue<string>>;
  /** `build.python_packages`: requirement-file lines, each with the line it stands on. */
  readonly pythonPackages: Array<{ readonly line: number; readonly text: string }>;
  /** `build.python_requirements`: a requirement file, relative to the cog.yaml's folder. */
  readonly pythonRequirements?: CogValue<string>;
  readonly steps: CogStep[];
}

/** The keys of cog's `build` (its schema refuses any other). */
const BUILD_KEYS = [
  'cuda', 'cudnn', 'gpu', 'pre_install', 'python_packages', 'python_requirements', 'python_version', 'run',
  'sdk_version', 'system_packages',
];

const TRUE_WORDS = ['true', 'True', 'TRUE', 'y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON'];
const FALSE_WORDS = ['false', 'False', 'FALSE', 'n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF'];


type Node = { range?: [number, number, number]; items?: unknown[]; value?: unknown; key?: unknown };

/** Reports a node's value, hidden when it holds a credential. */
function addNode(problems: Problems, what: string, node: unknown, expected: string): void {
  const value = (node as { toJSON?: () => unknown } | undefined)?.toJSON?.();
  if (secretValueKind(JSON.stringify(value) ?? '')) problems.addRaw(what, '(value hidden)', expected);
  else problems.add(what, value, expected);
}

/** Parses a cog.yaml; undefined after a problem. `path` is project-relative. */
export function parseCogYaml(problems: Problems, path: string, text: string): CogFile | undefined {
  const lineCounter = new YAML.LineCounter();
  // the failsafe schema keeps every scalar as its text: cog's fields are strings, read as written
  const doc = YAML.parseDocument(text, { schema: 'failsafe', lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line ?? 0;
    const what = e.message.split('\n')[0].toLowerCase();
    problems.add(`${path}:${line} is not valid yaml (${what})`, text.split(/\r?\n/)[line - 1] ?? '',
      'a cog.yaml (https://cog.run/yaml)');
    return undefined;
  }
  const at = (node: unknown): string => `${path}:${lineOf(node)}`;
  const lineOf = (node: unknown): number => {
    const range = (node as Node | undefined)?.range;
    return range ? lineCounter.linePos(range[0]).line : 0;
  };
  const before = problems.count;
  const root = doc.contents as Node | null;
  const out = {
    path,
    systemPackages: [] as Array<CogValue<string>>,
    pythonPackages: [] as CogFile['pythonPackages'],
    steps: [] as CogStep[],
  } as { -readonly [K in keyof CogFile]: CogFile[K] };
  if (root === null || root === undefined) return out;
  if (!YAML.isMap(root)) {
    problems.add(`${path} is not a mapping`, doc.toJS(), 'a cog.yaml with a build: section');
    return undefined;
  }
  const build = root.get('build', true) as Node | undefined;
  if (build === undefined || (YAML.isScalar(build) && build.value === '')) return out;
  if (!YAML.isMap(build)) {
    problems.add(`${at(build)} build is not a mapping`, doc.toJS().build,
      'build: with python_version, python_packages, system_packages, run...');
    return undefined;
  }
  const scalar = (key: string): CogValue<string> | undefined => {
    const node = build.get(key, true) as Node | undefined;
    if (node === undefined || node === null) return undefined;
    if (!YAML.isScalar(node) || typeof node.value !== 'string') {
      addNode(problems, `${at(node)} build.${key} is not a single value`, node, 'a string');
      return undefined;
    }
    return { value: node.value, at: at(node) };
  };
  const list = (key: string): Node[] => {
    const node = build.get(key, true) as Node | undefined;
    if (node === undefined || node === null || (YAML.isScalar(node) && node.value === '')) return [];
    if (!YAML.isSeq(node)) {
      addNode(problems, `${at(node)} build.${key} is not a list`, node, 'a list');
      return [];
    }
    return node.items as Node[];
  };
  for (const pair of build.items) {
    const key = YAML.isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (!BUILD_KEYS.includes(key)) {
      problems.add(`${at(pair.key)} build has a key cog does not know`, key, `one of: ${oneOf(BUILD_KEYS)}`);
    }
  }
  const python = scalar('python_version');
  if (python && !/^3\.\d+(\.\d+)?$/.test(python.value.trim())) {
    problems.add(`${python.at} build.python_version is not a python version`, python.value,
      'a minor ("3.11") or patch ("3.11.9") version of python 3');
  } else if (python) {
    out.pythonVersion = { value: python.value.trim(), at: python.at };
  }
  const gpu = scalar('gpu');
  if (gpu && TRUE_WORDS.includes(gpu.value)) out.gpu = { value: true, at: gpu.at };
  else if (gpu && FALSE_WORDS.includes(gpu.value)) out.gpu = { value: false, at: gpu.at };
  else if (gpu) problems.add(`${gpu.at} build.gpu is not true or false`, gpu.value, 'true or false');
  list('system_packages').forEach((node, i) => {
    if (!YAML.isScalar(node) || typeof node.value !== 'string') {
      addNode(problems, `${at(node)} build.system_packages[${i}] is not a package name`, node, 'a string');
    } else {
      out.systemPackages.push({ value: node.value, at: at(node) });
    }
  });
  list('python_packages').forEach((node, i) => {
    if (!YAML.isScalar(node) || typeof node.value !== 'string') {
      addNode(problems, `${at(node)} build.python_packages[${i}] is not a requirement`, node,
        'a string such as "numpy==1.26.4"');
    } else if (LINE_BREAK.test(node.value)) {
      // cog writes the list into a requirements file, one item per line: a line break inside an
      // item would make pip read a second line (an --index-url, say) that no item shows
      problems.add(`${at(node)} build.python_packages[${i}] has a line break (pip would read two lines)`,
        node.value,
        'one requirement per item, on one line');
    } else {
      out.pythonPackages.push({ line: lineOf(node), text: node.value });
    }
  });
  const requirements = scalar('python_requirements');
  if (requirements && out.pythonPackages.length > 0) {
    problems.add(`${requirements.at} sets build.python_requirements beside build.python_packages`,
      requirements.value,
      'one of the two, as cog requires ("only one of python_packages or python_requirements can be set")');
  } else if (requirements) {
    out.pythonRequirements = requirements;
  }
  for (const key of ['pre_install', 'run']) {
    list(key).forEach((node, i) => {
      const field = `build.${key}[${i}]`;
      const inMap = YAML.isMap(node) ? (node.get('command', true) as Node | undefined)?.value : undefined;
      const command = YAML.isScalar(node) ? node.value : inMap;
      if (typeof command !== 'string') {
        addNode(problems, `${at(node)} ${field} is not a command`, node,
          'a string, or a mapping with command:');
        return;
      }
      out.steps.push({ field, line: lineOf(node), command });
    });
  }
  return problems.count > before ? undefined : out;
}

/** Reads and parses the cog.yaml at `path` (checked and relative to the project root). */
export function readCogYaml(
  files: ProjectFiles, problems: Problems, field: string, path: string,
): CogFile | undefined {
  const rel = files.checkPath(field, path);
  if (rel === undefined) return undefined;
  const text = files.read(field, rel);
  if (text === undefined) return undefined;
  return parseCogYaml(problems, rel, text);
}
