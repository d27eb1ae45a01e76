/**
 * Catalogue rows of files the user owns: every kind of generated path held by a file (or a
 * folder) of the user's. Each refusal comes before anything is written, names the file and
 * the ways out; the tree, the user's file included, stays byte-identical.
 */
import { Row, any, cmdFor, stack, svc } from './support';
import { KubernetesManifests, PythonService } from '../../src';

/** The message parts of a file of the user's at `path`. */
const held = (path: string) =>
  'a file of yours (it has no projen marker) is where the definition writes ' +
  `a file (never over yours): got "${path}"`;
const moveIt = (path: string) => `yours moved away first (git mv ${path} <another path>)`;
const serviceWayOut = (id: string) =>
  'or another id for the service (its files go to docker/<id>/; now ' + `"${id}")`;

const withManifests = (p: any) => {
  new PythonService(p, 'api', { command: cmdFor('api'), port: 8000 });
  new KubernetesManifests(p, 'k8s');
};

export const rows: Row[] = [
  {
    name: 'user file: a hand-written Dockerfile where a new service writes docker/<id>/Dockerfile',
    files: { 'docker/worker/Dockerfile': 'FROM python:3.11-slim\nCOPY . /app\n' },
    build: svc({}, 'worker'),
    path: 'vision/worker',
    got: held('docker/worker/Dockerfile'),
    expected: `${moveIt('docker/worker/Dockerfile')}, ${serviceWayOut('worker')}`,
  },
  {
    name:
      "user file: an ignore file of the user's where a new service writes its per-Dockerfile ignore " +
      'file',
    files: { 'docker/worker/Dockerfile.dockerignore': '**/.git\n' },
    build: svc({}, 'worker'),
    path: 'vision/worker',
    got: held('docker/worker/Dockerfile.dockerignore'),
    expected: serviceWayOut('worker'),
  },
  {
    name: "user file: a requirements file of the user's where a service writes a tier file",
    files: { 'docker/worker/requirements-core.txt': 'fastapi\n' },
    build: svc({ requirements: { core: ['fastapi==0.115.6'] } }, 'worker'),
    path: 'vision/worker',
    got: held('docker/worker/requirements-core.txt'),
    expected: serviceWayOut('worker'),
  },
  {
    name: "user file: a compose.yaml of the user's where the stack writes compose.yaml",
    files: { 'compose.yaml': 'services:\n  web:\n    image: nginx:1.27\n' },
    build: stack({}),
    path: 'vision/stack',
    got: held('compose.yaml'),
    expected:
      `${moveIt('compose.yaml')}, or composeFile set to another name on the ComposeStack (e.g. ` +
      'composeFile: "compose.mldocker.yaml"',
  },
  {
    name: "user file: a compose file of the user's at the composeFile the stack was given",
    files: { 'compose.prod.yaml': 'services: {}\n' },
    build: stack({ composeFile: 'compose.prod.yaml' }),
    path: 'vision/stack',
    got: held('compose.prod.yaml'),
    expected: 'or composeFile set to another name on the ComposeStack',
  },
  {
    name: "user file: the stack's scripts under docker/ held by the user's (up.sh)",
    files: { 'docker/up.sh': '#!/bin/sh\ndocker compose up\n' },
    build: stack({}),
    path: 'vision/stack',
    got: held('docker/up.sh'),
    expected: moveIt('docker/up.sh'),
  },
  {
    name: "user file: the stack's secrets script held by the user's",
    files: { 'docker/ensure-secrets.sh': '#!/bin/sh\n' },
    build: stack({}),
    path: 'vision/stack',
    got: held('docker/ensure-secrets.sh'),
    expected: moveIt('docker/ensure-secrets.sh'),
  },
  {
    name: "user file: a docker/build.sh of the user's where the project writes its build script",
    files: { 'docker/build.sh': '#!/bin/sh\ndocker build -t me .\n' },
    build: svc({}),
    path: 'vision',
    got: held('docker/build.sh'),
    expected: moveIt('docker/build.sh'),
  },
  {
    name: "user file: a runtime helper module replaced by the user's",
    files: { 'docker/runtime/mldocker_runtime/healthcheck.py': 'print("ok")\n' },
    build: svc({}),
    path: 'vision',
    got: held('docker/runtime/mldocker_runtime/healthcheck.py'),
    expected: moveIt('docker/runtime/mldocker_runtime/healthcheck.py'),
  },
  {
    name: "user file: a team's own k8s/kustomization.yaml where the manifests go",
    files: { 'k8s/kustomization.yaml': 'resources:\n  - ingress.yaml\n' },
    build: withManifests,
    path: 'vision/k8s',
    got: held('k8s/kustomization.yaml'),
    expected:
      'or directory set to another folder on the KubernetesManifests (e.g. directory: ' +
      '"deploy/mldocker"; now "k8s")',
  },
  {
    name: "user file: a manifest of the user's where a service's workload goes",
    files: { 'k8s/base/api.yaml': 'kind: Deployment\n' },
    build: withManifests,
    path: 'vision/k8s',
    got: held('k8s/base/api.yaml'),
    expected: 'or directory set to another folder on the KubernetesManifests',
  },
  {
    name: "user file: a k8s/README.md of the user's",
    files: { 'k8s/README.md': '# Our cluster\n' },
    build: withManifests,
    path: 'vision/k8s',
    got: held('k8s/README.md'),
    expected: 'or directory set to another folder on the KubernetesManifests',
  },
  {
    name: "user file: a docs/containers.md of the user's where the containers guide goes",
    files: { 'docs/containers.md': '# Containers at our lab\n' },
    build: svc({}),
    path: 'vision',
    got: held('docs/containers.md'),
    expected:
      'or containersDoc set to another path on the project (e.g. containersDoc: ' +
      '"docs/mldocker-containers.md")',
  },
  {
    name: "user file: a workflow of the user's where the CI workflow goes",
    files: { '.github/workflows/containers.yml': 'on: push\njobs: {}\n' },
    build: svc({}),
    path: 'vision',
    got: held('.github/workflows/containers.yml'),
    expected: 'or ciWorkflow: false on the project (no generated workflow)',
  },
  {
    name: "user file: a package.json of the user's (a frontend's)",
    files: { 'package.json': '{ "name": "web", "scripts": { "dev": "vite" } }\n' },
    build: svc({}),
    path: 'vision',
    got: held('package.json'),
    expected: moveIt('package.json'),
  },
  {
    name: "user file: a tsconfig.projen.json of the user's",
    files: { 'tsconfig.projen.json': '{}\n' },
    build: svc({}),
    path: 'vision',
    got: held('tsconfig.projen.json'),
    expected: moveIt('tsconfig.projen.json'),
  },
  {
    name: "user file: an .npmignore of the user's",
    files: { '.npmignore': 'tests/\n' },
    build: svc({}),
    path: 'vision',
    got: held('.npmignore'),
    expected: moveIt('.npmignore'),
  },
  {
    name: "user file: projen's task file replaced by one of the user's",
    files: { '.projen/tasks.json': '{ "tasks": {} }\n' },
    build: svc({}),
    path: 'vision',
    got: held('.projen/tasks.json'),
    expected: moveIt('.projen/tasks.json'),
  },
  {
    name: "user file: a folder of the user's where a generated file goes",
    files: { 'docker/worker/Dockerfile/notes.txt': 'mine\n' },
    build: svc({}, 'worker'),
    path: 'vision/worker',
    got:
      'a folder of yours is where the definition writes a file (never over yours): got ' +
      '"docker/worker/Dockerfile"',
    expected: serviceWayOut('worker'),
  },
  {
    name: 'user file: a path with spaces and quotes is quoted in the way out',
    files: { 'k8s/base/kustomization.yaml': 'resources: []\n' },
    build: (p) => {
      withManifests(p);
    },
    path: 'vision/k8s',
    got: held('k8s/base/kustomization.yaml'),
    expected: moveIt('k8s/base/kustomization.yaml'),
  },
  {
    name: 'user file: a .gitignore whose generated block lost its last line',
    files: { '.gitignore': '# >>> projen-ml-docker: generated block\nnode_modules/\nmine.txt\n' },
    build: svc({}),
    path: 'vision',
    got:
      'the file .gitignore has the first line of a block projen writes but not its last line, so ' +
      'where your own lines start again is unknown',
    expected: 'the line "# <<< projen-ml-docker: end of generated block" after projen\'s lines',
  },
  {
    name: 'user file: composeFile outside the project',
    build: stack({ composeFile: '../compose.yaml' }),
    path: 'vision/stack',
    got: 'composeFile: got "../compose.yaml"',
    expected:
      'a relative path inside the project of letters, digits, ".", "_", "-" and "/", ending in ' +
      '.yaml or .yml (e.g. "compose.mldocker.yaml")',
  },
  {
    name: 'user file: composeFile inside the folder of generated docker files',
    build: stack({ composeFile: 'docker/compose.yaml' }),
    path: 'vision/stack',
    got: 'composeFile is inside a folder of generated or tool files: got "docker/compose.yaml"',
    expected: 'a path outside .git/, .projen/, docker/, node_modules/',
  },
  {
    name: 'user file: a kubernetes directory with a shell character',
    build: (p) => {
      new PythonService(p, 'api', { command: cmdFor('api'), port: 8000 });
      new KubernetesManifests(p, 'k8s', any({ directory: 'deploy/$(id)' }));
    },
    path: 'vision/k8s',
    got: 'directory: got "deploy/$(id)"',
    expected: 'a relative path inside the project of letters, digits',
  },
  {
    name: 'user file: containersDoc that is not a markdown file',
    project: { containersDoc: 'docs/containers.html' },
    build: svc({}),
    path: 'vision',
    got: 'containersDoc: got "docs/containers.html"',
    expected: 'ending in .md (e.g. "docs/mldocker-containers.md")',
  },
];
