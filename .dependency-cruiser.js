/**
 * The dependency rules of src/ (checked by test/architecture.test.ts with dependency-cruiser).
 *
 * Rooms, lowest first; a room imports only rooms below it (and itself):
 *   core -> deps -> entry -> image -> service -> gpu -> stack -> ci -> cache-report -> adopt
 *   -> project -> bin / index.ts
 * (deps: dependency files and locks; entry: the project's file tree and the entry check; image: the
 * image model, its resolver, the layers and the Dockerfile renderer; adopt: reading an existing
 * repository into a definition.)
 * Renderers (`*-render.ts`) are pure: model in, text or objects out; they reach no construct, and
 * neither does anything of `image/`, the kind machinery and the GPU kinds (`service/service-kind.ts`,
 * `service/model-dir.ts`, `gpu/gpu-kind.ts`) or the Kubernetes model (`stack/kubernetes-model.ts`).
 * The cache report of Dockerfiles read as text (`cache-report/cache-report.ts`) and its CLI
 * (`bin/cache-report-cli.ts`) reach none either.
 * `gpu/`, `stack/`, `ci/` and `cache-report/` do not import each other (each reads services through
 * `service/` and `core/`).
 * Only `image/` writes Dockerfile text: other rooms hand it a model and take `renderDockerfile`'s text.
 * Only `core/` parses requirement lines: the PEP 440 library and the PEP 508 marker parser are
 * reached through `core/requirement-grammar.ts` alone.
 * docs/architecture.md explains each room.
 */
const ROOMS = [
  'core', 'deps', 'entry', 'image', 'service', 'gpu', 'stack', 'ci', 'cache-report', 'adopt', 'project', 'bin',
];

const roomRules = ROOMS.slice(0, -1).map((room, i) => ({
  name: `${room}-imports-nothing-above-it`,
  comment: `src/${room}/ imports only ${ROOMS.slice(0, i + 1).join(', ')}`,
  severity: 'error',
  from: { path: `^src/${room}/` },
  to: { path: `^src/(?!(${ROOMS.slice(0, i + 1).join('|')})/)` },
}));

/**
 * The diagram at the top of docs/architecture.md: the rooms each room points to. A room imports
 * only those and what they may import in turn (test/architecture.test.ts holds the diagram to it).
 */
const POINTS_TO = {
  'core': [],
  'deps': ['core'],
  'entry': ['deps'],
  'image': ['core'],
  'service': ['entry', 'image'],
  'gpu': ['service'],
  'stack': ['service'],
  'ci': ['service'],
  'cache-report': ['service'],
  'adopt': ['deps'],
  'project': ['gpu', 'stack', 'ci', 'adopt'],
  'bin': ['cache-report'],
};
const reachable = (room, seen = new Set()) => {
  for (const next of POINTS_TO[room]) {
    if (!seen.has(next)) reachable(next, seen.add(next));
  }
  return seen;
};
const diagramRules = Object.keys(POINTS_TO).map((room) => {
  const allowed = [room, ...[...reachable(room)].sort()];
  return {
    name: `${room}-imports-only-what-the-diagram-allows`,
    comment: `src/${room}/ imports only ${allowed.join(', ')}`,
    severity: 'error',
    from: { path: `^src/${room}/` },
    to: { path: `^src/(?!(${allowed.join('|')})/)` },
  };
});

/** The rooms that each make one kind of output from services: none of them imports another. */
const SIBLINGS = ['gpu', 'stack', 'ci', 'cache-report'];
const siblingRules = SIBLINGS.map((room) => ({
  name: `${room}-imports-no-sibling-room`,
  comment: `src/${room}/ imports none of ${SIBLINGS.filter((r) => r !== room).join(', ')}: each reads services `
    + 'through service/ and core/, so a change in one kind of output never reaches another',
  severity: 'error',
  from: { path: `^src/${room}/` },
  to: { path: `^src/(${SIBLINGS.filter((r) => r !== room).join('|')})/` },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'no import cycle anywhere in src/',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...roomRules,
    ...siblingRules,
    ...diagramRules,
    {
      name: 'renderers-import-no-constructs',
      comment: 'a renderer turns a model into text or plain objects, and the models it reads (the image '
        + 'model and everything of image/, resolved by pure functions; the Kubernetes model) are plain '
        + 'data: none reaches projen or constructs',
      severity: 'error',
      from: {
        path: '(-render\\.ts|^src/image/|/service/(service-kind|model-dir)\\.ts|/gpu/gpu-kind\\.ts'
          + '|/stack/kubernetes-model\\.ts)',
      },
      to: { path: 'node_modules/(projen|constructs)/', reachable: true },
    },
    {
      name: 'only-image-writes-dockerfile-text',
      comment: 'Dockerfile text is written in src/image/ alone (its templates, quoting and exec forms): '
        + 'other rooms hand the image room a model and take the text renderDockerfile returns',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/image/' },
      to: { path: '^src/image/dockerfile-syntax\\.ts$' },
    },
    {
      name: 'text-cache-report-imports-no-constructs',
      comment: 'the cache report of Dockerfiles read as text (cache-report.ts) and its CLI load neither projen nor constructs; only cache-report/project-report.ts (a synthesized project\'s own services) reads constructs',
      severity: 'error',
      from: { path: '^src/(bin/cache-report-cli|cache-report/cache-report)\\.ts$' },
      to: { path: 'node_modules/(projen|constructs)/', reachable: true },
    },
    {
      name: 'only-core-parses-requirement-lines',
      comment: 'one requirement grammar (names, extras, PEP 440 versions, PEP 508 markers, hashes, pip\'s line rules) in core/requirement-grammar.ts: no other module imports the PEP 440 library or the marker parser, so no room grows a parser of its own',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/core/(requirement-grammar|pep508-marker)\\.ts$' },
      to: { path: '(node_modules/@renovatebot/pep440/|^src/core/pep508-marker\\.ts$)' },
    },
    {
      name: 'only-index-and-entry-points-at-the-top',
      comment: 'src/ holds only index.ts and the published entry points; everything else lives in a room',
      severity: 'error',
      from: { path: '^src/[^/]+\\.ts$', pathNot: '^src/(index|projenrc-register)\\.ts$' },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    exclude: { path: '\\.d\\.ts$' },
  },
};
