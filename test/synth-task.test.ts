/**
 * What `npx projen` runs in a generated project: the default task, for each runner and with
 * `typeCheckOnSynth`. (test/e2e.test.ts runs these tasks for real in a scaffolded project;
 * test/projenrc-register.test.ts covers the register itself.)
 */
import { ProjenrcRunner } from '../src';
import { newProject, synth } from './util';

function tasks(options: Parameters<typeof newProject>[0] = {}) {
  return synth(newProject(options))['.projen/tasks.json'].tasks;
}

test('default: plain node with the cached register, on the PATH projen was started with', () => {
  const t = tasks();
  expect(t.default.steps).toEqual([{ exec: 'node --require projen-ml-docker/lib/projenrc-register .projenrc.ts' }]);
  // projen's global `$(npx -c "node --print process.env.PATH")` is overridden for this task only
  // LC_ALL=C: projen's own sorting (.gitignore, files.json, package.json) independent of the machine's locale
  expect(t.default.env).toEqual({ LC_ALL: 'C', PATH: '$(echo $PATH)' });
  expect(t.typecheck.steps).toEqual([{ exec: 'tsc --noEmit -p tsconfig.projen.json' }]);
  expect(t['docker:build'].steps[0]).toEqual({ spawn: 'typecheck' });
});

test('ProjenrcRunner.TSX: tsx as node\'s loader, with the projen tsconfig', () => {
  const t = tasks({ projenrcRunner: ProjenrcRunner.TSX });
  expect(t.default.steps).toEqual([{ exec: 'node --import tsx .projenrc.ts' }]);
  expect(t.default.env).toEqual({ LC_ALL: 'C', PATH: '$(echo $PATH)', TSX_TSCONFIG_PATH: 'tsconfig.projen.json' });
});

test('typeCheckOnSynth: tsc first (from node_modules/.bin, so projen\'s PATH stays), then the runner', () => {
  const t = tasks({ typeCheckOnSynth: true });
  expect(t.default.steps).toEqual([
    { name: 'typecheck', exec: 'tsc --noEmit -p tsconfig.projen.json' },
    { exec: 'node --require projen-ml-docker/lib/projenrc-register .projenrc.ts' },
  ]);
  expect(t.default.env).toEqual({ LC_ALL: 'C' });
  const withTsx = tasks({ typeCheckOnSynth: true, projenrcRunner: ProjenrcRunner.TSX });
  expect(withTsx.default.steps[1]).toEqual({ exec: 'node --import tsx .projenrc.ts' });
  expect(withTsx.default.env).toEqual({ LC_ALL: 'C', TSX_TSCONFIG_PATH: 'tsconfig.projen.json' });
});

test('the register and tsx it needs are installed: tsx (which brings esbuild) is a devDependency', () => {
  const deps = synth(newProject())['package.json'].devDependencies;
  expect(deps.tsx).toMatch(/^\^4\./);
  expect(deps.typescript).toBeDefined();
});

test('the new project\'s README says where types are checked', () => {
  const readme = (options: Parameters<typeof newProject>[0]) => synth(newProject(options))['README.md'] as string;
  expect(readme({})).toContain('`npx projen typecheck` checks them, and\n`npx projen docker:build` and the CI workflow run it first.');
  expect(readme({ ciWorkflow: false })).toContain('`npx projen docker:build` runs it first.');
  expect(readme({ typeCheckOnSynth: true })).toContain('`npx projen` type-checks `.projenrc.ts` before it runs it');
  expect(readme({ typeCheckOnSynth: true })).not.toContain('without checking them');
});
