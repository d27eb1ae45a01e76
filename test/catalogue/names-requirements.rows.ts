/**
 * Catalogue rows: requirement lines pip would read differently than we do,
 * Kubernetes names that are not valid DNS-1123 or collide, and the BuildKit frontend pin.
 */
import { any, Row, svc, trainer } from './support';
import { BackingService, KubernetesBackingMode, KubernetesManifests } from '../../src';

const req = (line: string, tier = 'core'): Row['build'] => svc({ requirements: { [tier]: [line] } });
const show = (v: string) => JSON.stringify(v);
const PIN = 'pinned pep 508 requirement';

const requirementRows: Row[] = [
  // pip's line handling: continuation, comments, options, environment variables
  { name: 'requirement with a trailing backslash continuation', build: req('numpy==2.1.3 \\'), path: 'vision/api', got: show('numpy==2.1.3 \\'), expected: 'on one line' },
  { name: 'requirement with a backslash inside the marker', build: req('numpy==2.1.3; os_name == "a\\\\b"'), path: 'vision/api', got: 'backslash', expected: PIN },
  { name: 'requirement with a carriage return', build: req('numpy==2.1.3\r'), path: 'vision/api', got: show('numpy==2.1.3\r'), expected: 'on one line' },
  { name: 'requirement with a comment after the pin', build: req('numpy==2.1.3 # pinned for the model'), path: 'vision/api', got: 'has a comment', expected: 'without comments' },
  { name: 'requirement with a comment inside the marker', build: req('numpy==2.1.3; platform_version == "x #1"'), path: 'vision/api', got: 'has a comment', expected: PIN },
  { name: 'requirement that is only a comment', build: req('# numpy==2.1.3'), path: 'vision/api', got: show('# numpy==2.1.3'), expected: PIN },
  { name: 'requirement with --hash after the marker', build: req('numpy==2.1.3; python_version >= "3.10" --hash=sha256:abc'), path: 'vision/api', got: 'has a pip option', expected: 'without comments or pip options' },
  { name: 'requirement with --index-url after the pin', build: req('numpy==2.1.3 --index-url http://evil.example/simple'), path: 'vision/api', got: 'has a pip option', expected: PIN },
  { name: 'requirement that is an editable install', build: req('-e git+https://example.com/x.git#egg=x'), path: 'vision/api', got: 'has a pip option', expected: PIN },
  { name: 'requirement that is a -r include', build: req('-r other.txt'), path: 'vision/api', got: show('-r other.txt'), expected: PIN },
  { name: 'requirement with an option hidden in a marker string', build: req('numpy==2.1.3; platform_release != " --pre"'), path: 'vision/api', got: 'has a pip option', expected: PIN },
  { name: 'requirement with an environment variable', build: req('numpy==${NUMPY_VERSION}'), path: 'vision/api', got: 'has a ${VARIABLE}', expected: PIN },
  { name: 'requirement with a tab', build: req('numpy==2.1.3;\tos_name == "posix"'), path: 'vision/api', got: 'has a tab', expected: PIN },
  { name: 'requirement with a non-ascii name', build: req('nümpy==2.1.3'), path: 'vision/api', got: 'non-ascii', expected: PIN },
  // markers: the text after ";" must be a PEP 508 marker pip can evaluate
  { name: 'marker that is not a marker', build: req('numpy==2.1.3; linux'), path: 'vision/api', got: 'unknown marker variable "linux"', expected: 'sys_platform == "linux"' },
  { name: 'marker with a misspelled variable', build: req('numpy==2.1.3; sys_platfrom == "linux"'), path: 'vision/api', got: 'unknown marker variable "sys_platfrom"', expected: PIN },
  { name: 'marker with an unquoted version', build: req('numpy==2.1.3; python_version < 3.12'), path: 'vision/api', got: 'invalid environment marker', expected: PIN },
  { name: 'marker with a single "="', build: req('numpy==2.1.3; python_version = "3.11"'), path: 'vision/api', got: 'unexpected character "="', expected: PIN },
  { name: 'marker with an unclosed parenthesis', build: req('numpy==2.1.3; (python_version < "3.12" or os_name == "nt"'), path: 'vision/api', got: 'expected ")"', expected: PIN },
  { name: 'marker with an unterminated string', build: req('numpy==2.1.3; python_version < "3.12'), path: 'vision/api', got: 'unterminated string', expected: PIN },
  { name: 'marker that is empty after the semicolon', build: req('numpy==2.1.3;'), path: 'vision/api', got: 'the marker is empty', expected: PIN },
  { name: 'marker with uppercase AND', build: req('numpy==2.1.3; os_name == "posix" AND python_version < "3.12"'), path: 'vision/api', got: 'expected "and", "or"', expected: PIN },
  { name: 'marker with a legacy dotted name', build: req('numpy==2.1.3; sys.platform == "linux"'), path: 'vision/api', got: 'legacy marker name', expected: PIN },
  { name: 'marker comparing two variables', build: req('numpy==2.1.3; python_version == python_full_version'), path: 'vision/api', got: 'two variables', expected: PIN },
  { name: 'marker on extra, never set in a requirements file', build: req('numpy==2.1.3; extra == "gpu"'), path: 'vision/api', got: 'no value in a requirements file', expected: PIN },
  { name: 'marker with ~= on a string variable', build: req('numpy==2.1.3; os_name ~= "posix"'), path: 'vision/api', got: 'stops the install', expected: PIN },
  { name: 'marker ordering strings', build: req('numpy==2.1.3; sys_platform < "win32"'), path: 'vision/api', got: 'compares strings', expected: PIN },
  // pins
  { name: 'arbitrary equality with a space', build: req('numpy=== 2.1.3 x'), path: 'vision/api', got: 'invalid arbitrary version', expected: 'one word without spaces' },
  { name: 'arbitrary equality with nothing after it', build: req('numpy==='), path: 'vision/api', got: 'invalid arbitrary version', expected: PIN },
  { name: 'pin with a wildcard', build: req('numpy==2.1.*'), path: 'vision/api', got: show('numpy==2.1.*'), expected: 'one exact version' },
  { name: 'pin plus an exclusion', build: req('numpy==2.1.3,!=2.1.2'), path: 'vision/api', got: show('numpy==2.1.3,!=2.1.2'), expected: 'one exact version' },
  { name: 'pin that is not pep 440', build: req('numpy==2.1.3-final-x'), path: 'vision/api', got: 'invalid pep 440 version', expected: '"===" takes a version that is not pep 440' },
  { name: 'pin with a direct url in the marker part', build: req('numpy @ https://example.com/numpy.whl; os_name == "posix"'), path: 'vision/api', got: 'direct url', expected: PIN },
  { name: 'pin with unbalanced parentheses', build: req('numpy (==2.1.3'), path: 'vision/api', got: 'invalid version specifier', expected: PIN },
  { name: 'requirement via addRequirement with an option', build: (p) => { svc({})(p); (p.node.findChild('api') as any).addRequirement('dev', 'pytest==8.3.4 --pre'); }, path: 'vision/api', got: 'addRequirement(dev) has a pip option', expected: PIN },
];

const k8s = (props: Record<string, unknown> = {}): Row['build'] => (p) => {
  new KubernetesManifests(p, 'k8s', any(props));
};
const both = (...builds: Array<Row['build']>): Row['build'] => (p) => builds.forEach((b) => b(p));
const DEV = {
  backingServices: [BackingService.POSTGRES],
  backingServiceMode: KubernetesBackingMode.DEVELOPMENT_STATEFUL_SETS,
};

const kubernetesRows: Row[] = [
  { name: 'k8s: service id "namespace" replaces base/namespace.yaml', build: both(svc({ port: 8000 }, 'namespace'), k8s()), path: 'vision/k8s', got: '"base/namespace.yaml"', expected: 'another generated file' },
  { name: 'k8s: service id "kustomization" replaces base/kustomization.yaml', build: both(svc({ port: 8000 }, 'kustomization'), k8s()), path: 'vision/k8s', got: '"base/kustomization.yaml"', expected: 'another generated file' },
  { name: 'k8s: worker id "kustomization" without a port', build: both(svc({}, 'kustomization'), k8s()), path: 'vision/k8s', got: '"base/kustomization.yaml"', expected: 'another generated file' },
  { name: 'k8s: service id "volumes" beside claims', build: both(svc({ port: 8000 }, 'volumes'), trainer({}), k8s()), path: 'vision/k8s', got: '"base/volumes.yaml"', expected: 'another generated file' },
  { name: 'k8s: service id "namespace" with createNamespace off is fine, but "kustomization" is not', build: both(svc({}, 'namespace'), svc({}, 'kustomization'), k8s({ createNamespace: false })), path: 'vision/k8s', got: '"base/kustomization.yaml"', expected: 'another generated file' },
  { name: 'k8s: trainer data dir named like the shm volume', build: both(trainer({ dataDir: 'dshm' }), k8s()), path: 'vision/k8s', got: '"dshm"', expected: 'distinct volume names' },
  { name: 'k8s: trainer data dir named like the scratch volume', build: both(trainer({ dataDir: 'scratch/tmp' }), k8s()), path: 'vision/k8s', got: '"scratch-tmp"', expected: 'distinct volume names' },
  // refused before any name is made: a folder called secrets is never mounted
  { name: 'k8s: trainer data dir named like the secrets volume', build: both(trainer({ dataDir: 'secrets' }), k8s({ backingServices: [BackingService.REDIS] })), path: 'vision/trainer', got: '"secrets"', expected: 'does not hold secrets' },
  { name: 'k8s: trainer data dir named like a StatefulSet claim', build: both(trainer({ dataDir: 'postgres-data-postgres-0' }), k8s(DEV)), path: 'vision/k8s', got: '"postgres-data-postgres-0"', expected: 'one PersistentVolumeClaim per name' },
];

const FRONTEND = 'with a full version and an optional digest';
const frontendRows: Row[] = [
  { name: 'frontend floating on docker/dockerfile:1', project: { dockerfileFrontend: 'docker/dockerfile:1' }, build: () => {}, path: 'vision', got: '"docker/dockerfile:1"', expected: FRONTEND },
  { name: 'frontend on a minor tag', project: { dockerfileFrontend: 'docker/dockerfile:1.19' }, build: () => {}, path: 'vision', got: '"docker/dockerfile:1.19"', expected: 'moves' },
  { name: 'frontend on latest', project: { dockerfileFrontend: 'docker/dockerfile:latest' }, build: () => {}, path: 'vision', got: '"docker/dockerfile:latest"', expected: FRONTEND },
  { name: 'frontend with a short digest', project: { dockerfileFrontend: 'docker/dockerfile:1.19.0@sha256:b6afd424' }, build: () => {}, path: 'vision', got: '"docker/dockerfile:1.19.0@sha256:b6afd424"', expected: FRONTEND },
  { name: 'frontend from another image', project: { dockerfileFrontend: 'evil.example/dockerfile:1.19.0' }, build: () => {}, path: 'vision', got: '"evil.example/dockerfile:1.19.0"', expected: FRONTEND },
  { name: 'frontend with a newline (a second directive)', project: { dockerfileFrontend: 'docker/dockerfile:1.19.0\n# check=skip=all' }, build: () => {}, path: 'vision', got: 'docker/dockerfile:1.19.0\\n# check=skip=all', expected: FRONTEND },
  { name: 'frontend with the syntax line off', project: { dockerfileFrontend: 'docker/dockerfile:1.19.0', dockerfileSyntax: false }, build: () => {}, path: 'vision', got: '"docker/dockerfile:1.19.0"', expected: 'dockerfileSyntax: true' },
  { name: 'frontend as a number (plain js)', project: { dockerfileFrontend: 1.19 }, build: () => {}, path: 'vision', got: '1.19', expected: 'a string' },
];

export const rows: Row[] = [...requirementRows, ...kubernetesRows, ...frontendRows];
