import { cdk, javascript } from 'projen';

const project = new cdk.JsiiProject({
  name: 'projen-ml-docker',
  description: 'A projen project type that turns one typed .projenrc.ts into hardened, GPU-aware Dockerfiles, requirement tiers and compose.yaml for machine-learning Python projects.',
  author: 'projen-ml-docker team',
  authorAddress: 'team@projen-ml-docker.dev',
  repositoryUrl: 'https://github.com/projen-ml-docker/projen-ml-docker.git',
  defaultReleaseBranch: 'main',
  keywords: ['projen', 'docker', 'dockerfile', 'compose', 'machine-learning', 'pytorch', 'cuda', 'gpu'],
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  jsiiVersion: '~6.0.0',
  // The library is used by projen itself: projen and constructs are peers so the
  // user's project and this library share one copy (jsii refuses the base class otherwise).
  peerDeps: ['projen@^0.103.25', 'constructs@^10.5.0'],
  // Runtime helpers used internally only; they never appear in the public API.
  bundledDeps: [
    'ejs@^3.1.10', 'yaml@^2.6.0', '@renovatebot/pep440@~4.2.4',
    // dependency files (pyproject.toml, uv.lock, poetry.lock, pylock.toml) are TOML
    'smol-toml@^1.3.0',
    // the cache-impact report reads generated Dockerfiles and ignore files with the real parsers
    'dockerfile-ast@^0.7.1', '@balena/dockerignore@^1.0.2',
    // props are validated with zod's mini build (the smaller of its two builds to load and
    // to build schemas with)
    'zod@^4.1.0',
  ],
  devDeps: [
    '@types/ejs@^3.1.5',
    'dockerfile-utils@^0.16.3',
    // the corpus tests hold our own compose rules to the official schema (read from ../shared/data)
    'ajv@^8.17.1',
    'ajv-formats@^3.0.1',
    'fast-check@^4.1.0',
    // GitHub's own workflow parser (actions/languageservices) checks the generated workflow
    '@actions/workflow-parser@^0.3.61',
    // 4.x: 5.x declares node >= 22 (EBADENGINE on the node 20 this project supports)
    'kubernetes-models@^4.5.1',
    // the .projenrc.ts runner's tests transpile with the esbuild that tsx brings, as in a generated project
    'tsx@^4.20.0',
    // test/architecture.test.ts holds src/ to the dependency rules of .dependency-cruiser.js
    'dependency-cruiser@^17',
  ],
  // jsii 6 (the build) needs 20.16; 22 and 24 are checked by `npx projen test:node`
  minNodeVersion: '20.16.0',
  release: false,
  github: false,
  depsUpgrade: false,
  pullRequestTemplate: false,
  jestOptions: {
    // Snapshots are asserted, never silently rewritten: `npx projen test:update` updates them.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      // test/corpus/ reads ../shared/data (npx projen test:corpus); test/engine/ needs a Docker engine
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/engine/', '<rootDir>/test/corpus/'],
      testTimeout: 120_000,
      // Coverage is not read anywhere, and collecting it more than doubled the CPU time of a
      // light test file (v8 coverage converted for every source file, per test file).
      collectCoverage: false,
      // The run fails when a test changed the repository: tests write only inside temp folders.
      globalSetup: '<rootDir>/test/support/global-setup.js',
      globalTeardown: '<rootDir>/test/support/global-teardown.js',
    },
  },
  tsconfigDev: {
    compilerOptions: {
      esModuleInterop: true,
    },
  },
  gitignore: ['/.cache/', '/demo/', '/.ci/results/'],
});

// lib/index.js loads each module the first time one of its exports is read (a definition without
// Kubernetes manifests or a cache report never loads their code at `npx projen`). Part of the
// compile task itself, so `npx projen compile` (the demo, the end-to-end test) packs the same lib/.
project.compileTask.exec('node scripts/lazy-exports.js');

// The README's main job: pack this package, scaffold an example project from the tarball
// and synthesize it, printing what was generated.
project.addTask('demo', {
  description: 'Pack the package, scaffold an example ML project from it into demo/vision and synthesize it',
  exec: 'bash scripts/demo.sh',
});

// ts-jest transpiles each test file alone (isolatedModules), so a type error in a test showed up
// only when that line ran: the test task type-checks every test file (and what it imports) first.
project.testTask.prependExec('tsc -p test/tsconfig.json --noEmit --isolatedModules false', { name: 'type-check the tests' });

// The tests that read third-party reference data and real repository trees from ../shared/data
// beside the clone: apart from `npx projen test`, which needs nothing beside the clone.
project.addTask('test:corpus', {
  description: 'Run the tests that read the reference data and real repository trees in ../shared/data (fails at once without it)',
  exec: 'bash scripts/test-corpus.sh',
  receiveArgs: true,
});

// Other Node.js majors: the tests that load the library and the README's main job on 22 and 24.
project.addTask('test:node', {
  description: 'Run a cross-section of the tests and the demo on Node.js 22 and 24 (from the npm registry\'s node package)',
  exec: 'bash scripts/node-versions.sh',
  receiveArgs: true,
});

// The real-engine suite: installs Docker 26 from Debian if needed, starts a private dockerd,
// builds and runs generated images against local stand-in base images.
project.addTask('test:build', {
  description: 'Build and run generated images on a real Docker engine (installs it from Debian if missing)',
  exec: 'bash scripts/engine/run-suite.sh',
});

// The cache-impact report of a generated project (`npx projen docker:cache-report`).
project.addBins({ 'mldocker-cache-report': 'lib/bin/cache-report-cli.js' });

// Benchmarks: re-synth latency, scaling, memory, build context.
project.addTask('bench', {
  description: 'Benchmarks (re-synth latency vs bare and stock projen, scaling, memory, build context); writes bench/results.{json,md}',
  exec: 'ts-node --transpile-only --project test/tsconfig.json scripts/bench.ts',
  receiveArgs: true,
});
project.addPackageIgnore('/bench/');

// Build benchmark on the real engine: ours against ../shared/data/baselines.
project.addTask('bench:build', {
  description: 'Build benchmark on the private Docker engine: generated Dockerfile vs the baselines, 5 scenarios, >= 3 runs; writes bench/build-results.{json,md} and the README table (~50 min)',
  exec: 'bash scripts/engine/bench-build.sh',
  receiveArgs: true,
});

for (const pattern of ['/.cache/', '/demo/', '/.ci/', '/scripts/']) {
  project.addPackageIgnore(pattern);
}

// npm 11 blocks dependencies' install scripts unless package.json lists them. Neither is needed
// here: esbuild's postinstall only checks (or downloads) the platform binary that its optional
// @esbuild/<platform> package already installs; @parcel/watcher (a jest dependency) builds from
// source only where no prebuilt binary exists. Denying them explicitly keeps `npm install` quiet.
project.package.addField('allowScripts', { 'esbuild': false, '@parcel/watcher': false });

// jsii 6 prints a framed end-of-life notice on Node 20, the version CI runs, on every compile
// (and so in the README's main job). The package and the tests are checked on Node 22 and 24
// by `npx projen test:node`; the notice is silenced for 20 only.
project.tasks.addEnvironment('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION', '20');

// Lines stay under 110 characters, comments included (wrapped like the code); strings, template
// literals, regular expressions and URLs are exempt, since splitting them hurts more than a long line.
project.eslint?.addRules({
  '@stylistic/max-len': ['error', {
    code: 110,
    ignoreUrls: true,
    ignoreStrings: true,
    ignoreTemplateLiterals: true,
    ignoreComments: false,
    ignoreRegExpLiterals: true,
  }],
});

project.synth();
