/**
 * The dependency rules of src/ (.dependency-cruiser.js), checked with dependency-cruiser:
 * no import cycles (type-only imports count), each room imports only the rooms below it
 * (core imports nothing above it), renderers reach no construct, nor does the cache-report
 * CLI, only core's requirement grammar parses versions and markers, and
 * only src/image/ writes Dockerfile text (its syntax module is imported nowhere else, and
 * no other module names a Dockerfile template). The rules are also shown to fire: a copy of src/
 * with one forbidden import of each kind fails them.
 */
import { spawnSync } from 'child_process';
import {
  appendFileSync, cpSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync,
} from 'fs';
import { tmpdir } from 'os';
import { join, relative } from 'path';

const REPO = join(__dirname, '..');
const CLI = join(REPO, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface Cruise {
  readonly modules: Array<{ readonly source: string }>;
  readonly summary: {
    readonly violations: Array<{
      readonly rule: { readonly name: string }; readonly from: string; readonly to: string;
    }>;
  };
}

/** Cruises `src` under `cwd` with the repository's rules (node_modules resolved from the repository). */
function cruise(cwd: string): Cruise {
  const res = spawnSync(process.execPath, [CLI, '--config', join(REPO, '.dependency-cruiser.js'), '--output-type', 'json', 'src'], { cwd, encoding: 'utf-8', maxBuffer: 64 * 1024 * 1024 });
  if (!res.stdout) throw new Error(`dependency-cruiser failed: ${res.stderr}`);
  return JSON.parse(res.stdout);
}

/** Modules outside src/image/ that name a Dockerfile template (`Dockerfile.ejs`, `dockerfile/<x>.ejs`). */
function dockerfileTemplateNamers(root: string): string[] {
  const named = /(['"`])(Dockerfile\.ejs|dockerfile\/[^'"`\n]*)\1/;
  return sourceFiles(join(root, 'src'), root)
    .filter((f) => !f.startsWith('src/image/'))
    .filter((f) => named.test(readFileSync(join(root, f), 'utf-8')));
}

function sourceFiles(dir: string, base = REPO): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full, base);
    return name.endsWith('.ts') ? [relative(base, full)] : [];
  });
}

test('src/ follows the dependency rules, every file cruised', () => {
  const result = cruise(REPO);
  expect(result.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).toEqual([]);
  const cruised = new Set(result.modules.map((m) => m.source));
  expect(sourceFiles(join(REPO, 'src')).filter((f) => !cruised.has(f))).toEqual([]);
  expect(dockerfileTemplateNamers(REPO)).toEqual([]);
});

test('each kind of forbidden import is reported', () => {
  const copy = mkdtempSync(join(tmpdir(), 'mld-arch-'));
  cpSync(join(REPO, 'src'), join(copy, 'src'), { recursive: true });
  symlinkSync(join(REPO, 'node_modules'), join(copy, 'node_modules'), 'dir');
  // core reaching a service, a type-only cycle through core, a renderer, the image model, the Kubernetes
  // model and the text cache report reaching projen, a stray top-level module
  writeFileSync(join(copy, 'src', 'core', 'bad-up.ts'), "import type { MlService } from '../service/service';\nexport type S = MlService;\n");
  writeFileSync(join(copy, 'src', 'core', 'cycle-a.ts'), "import type { B } from './cycle-b';\nexport interface A { b?: B }\n");
  writeFileSync(join(copy, 'src', 'core', 'cycle-b.ts'), "import type { A } from './cycle-a';\nexport interface B { a?: A }\n");
  writeFileSync(join(copy, 'src', 'stack', 'bad-render.ts'), "import { RenderedFile } from '../core/rendered-file';\nexport const F = RenderedFile;\n");
  appendFileSync(join(copy, 'src', 'image', 'image-model.ts'),
    "import { Project } from 'projen';\nexport const P = Project;\n");
  appendFileSync(join(copy, 'src', 'cache-report', 'promises.ts'), "import { Project } from 'projen';\nexport const Q = Project;\n");
  appendFileSync(join(copy, 'src', 'stack', 'kubernetes-model.ts'), "import type { Component } from 'projen';\nexport type C = Component;\n");
  writeFileSync(join(copy, 'src', 'stray.ts'), "import { K8S_DIR } from './core/layout';\nexport const D = K8S_DIR;\n");
  // a stack module quoting a value for a Dockerfile itself, another rendering a Dockerfile partial
  writeFileSync(join(copy, 'src', 'stack', 'bad-quote.ts'),
    "import { dockerQuote } from '../image/dockerfile-syntax';\nexport const Q = dockerQuote('x');\n");
  writeFileSync(join(copy, 'src', 'stack', 'bad-partial.ts'),
    "import { renderTemplate } from '../core/template';\n"
    + "export const T = renderTemplate('dockerfile/runtime.ejs', {});\n");
  // a room that parses versions or markers itself instead of through core's requirement grammar
  appendFileSync(join(copy, 'src', 'entry', 'nearest.ts'), "import * as pep440 from '@renovatebot/pep440';\nexport const V = pep440.valid;\n");
  appendFileSync(join(copy, 'src', 'core', 'tier-files.ts'), "import { parseMarker } from './pep508-marker';\nexport const M = parseMarker;\n");
  // adoption reaching a service construct, which the diagram does not allow (the room order would)
  writeFileSync(join(copy, 'src', 'adopt', 'bad-reach.ts'),
    "import type { MlService } from '../service/service';\nexport type S = MlService;\n");
  // the CI workflow reaching into the compose stack, a sibling room
  writeFileSync(join(copy, 'src', 'ci', 'bad-sibling.ts'),
    "import { ComposeStack } from '../stack/compose-stack';\nexport const C = ComposeStack;\n");
  const names = new Set(cruise(copy).summary.violations.map((v) => `${v.rule.name} ${v.from}`));
  expect(names).toContain('core-imports-nothing-above-it src/core/bad-up.ts');
  expect(names).toContain('no-cycles src/core/cycle-a.ts');
  expect(names).toContain('renderers-import-no-constructs src/stack/bad-render.ts');
  expect(names).toContain('renderers-import-no-constructs src/image/image-model.ts');
  expect(names).toContain('renderers-import-no-constructs src/stack/kubernetes-model.ts');
  expect(names).toContain('text-cache-report-imports-no-constructs src/bin/cache-report-cli.ts');
  expect(names).toContain('text-cache-report-imports-no-constructs src/cache-report/cache-report.ts');
  expect(names).toContain('only-index-and-entry-points-at-the-top src/stray.ts');
  expect(names).toContain('only-image-writes-dockerfile-text src/stack/bad-quote.ts');
  expect(dockerfileTemplateNamers(copy)).toEqual(['src/stack/bad-partial.ts']);
  expect(names).toContain('only-core-parses-requirement-lines src/entry/nearest.ts');
  expect(names).toContain('only-core-parses-requirement-lines src/core/tier-files.ts');
  expect(names).toContain('ci-imports-no-sibling-room src/ci/bad-sibling.ts');
  expect(names).toContain('adopt-imports-only-what-the-diagram-allows src/adopt/bad-reach.ts');
});

test('the diagram of docs/architecture.md is the rule: each room imports what its arrows reach', () => {
  const doc = readFileSync(join(REPO, 'docs', 'architecture.md'), 'utf8');
  const block = /```mermaid\n([\s\S]*?)```/.exec(doc)![1];
  const edges = [...block.matchAll(/^\s*([a-z-]+) --> ([a-z-]+)$/gm)].map((m) => [m[1], m[2]]);
  const rooms = readdirSync(join(REPO, 'src')).filter((f) => statSync(join(REPO, 'src', f)).isDirectory()).sort();
  const reach = (room: string, seen = new Set<string>()): Set<string> => {
    for (const [, to] of edges.filter(([from]) => from === room)) if (!seen.has(to)) reach(to, seen.add(to));
    return seen;
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const config = require(join(REPO, '.dependency-cruiser.js')) as { forbidden: Array<{ name: string; comment: string }> };
  const fromRules = Object.fromEntries(config.forbidden
    .filter((r) => r.name.endsWith('-imports-only-what-the-diagram-allows'))
    .map((r) => [r.name.replace('-imports-only-what-the-diagram-allows', ''), r.comment]));
  expect(Object.keys(fromRules).sort()).toEqual(rooms);
  for (const room of rooms) {
    expect(fromRules[room]).toBe(`src/${room}/ imports only ${[room, ...[...reach(room)].sort()].join(', ')}`);
  }
});
