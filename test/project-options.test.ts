/**
 * The project's own options are refused by name when misspelled or unknown, like every
 * construct's props, and the runtime list of accepted keys is the `MlDockerProjectOptions`
 * interface (its own properties and those inherited from projen's `ProjectOptions`), read
 * from the source with the TypeScript compiler, so the two cannot drift.
 */
import { join } from 'path';
import * as ts from 'typescript';
import { MlDockerProject } from '../src';
import { expectValidationError, newProject, synth } from './util';
import { PROJECT_OPTION_KEYS } from '../src/project/project-options';

function interfaceKeys(file: string, name: string): string[] {
  const program = ts.createProgram([file], { strict: true, skipLibCheck: true, noEmit: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file)!;
  let keys: string[] | undefined;
  ts.forEachChild(source, (node) => {
    if (ts.isInterfaceDeclaration(node) && node.name.text === name) {
      keys = checker.getPropertiesOfType(checker.getTypeAtLocation(node)).map((p) => p.getName());
    }
  });
  if (!keys) throw new Error(`no interface ${name} in ${file}`);
  return keys.sort();
}

test('the accepted keys are exactly the properties of MlDockerProjectOptions, inherited ones included', () => {
  const keys = interfaceKeys(join(__dirname, '..', 'src', 'project', 'project-options.ts'), 'MlDockerProjectOptions');
  expect(keys).toEqual(expect.arrayContaining(['name', 'outdir', 'pythonVersion', 'hostDriverVersion', 'gitIgnoreOptions']));
  expect([...PROJECT_OPTION_KEYS]).toEqual(keys);
});

test.each([
  ['pythonVerison', '3.12', 'did you mean "pythonVersion"'],
  ['hostDriverVerison', '550.54.14', 'did you mean "hostDriverVersion"'],
  ['dockerfileSyntx', false, 'did you mean "dockerfileSyntax"'],
  ['ciWorkfow', false, 'did you mean "ciWorkflow"'],
  ['typeCheckOnSynt', true, 'did you mean "typeCheckOnSynth"'],
  ['gitIgnoreOption', {}, 'did you mean "gitIgnoreOptions"'],
  ['commitGenerate', false, 'did you mean "commitGenerated"'],
  ['renovatebotOption', {}, 'did you mean "renovatebotOptions"'],
])('refuses the misspelled option %s by name, with a suggestion', (key, value, suggestion) => {
  expectValidationError(() => newProject({ [key]: value } as any), 'vision', `unknown property "${key}"`, suggestion);
});

test.each([
  ['jest', true], ['release', true], ['buildWorkflow', true], ['sampleCode', false], ['projenrcTs', true], ['deps', ['left-pad']],
])('refuses %s, an option of other projen project types, by name', (key, value) => {
  expectValidationError(() => newProject({ [key]: value } as any), 'vision', `unknown property "${key}"`, 'one of: pythonVersion');
});

test('refuses an inherited option it sets itself when given another value', () => {
  expectValidationError(() => newProject({ projenrcJson: true }), 'vision', 'projenrcJson is not used by MlDockerProject', 'no projenrcJson, or false');
  expect(() => newProject({ projenrcJson: false })).not.toThrow();
});

test('inherited options projen reads are passed on', () => {
  const out = synth(newProject({ gitIgnoreOptions: { ignorePatterns: ['/scratch/'] }, projectTree: true }));
  expect(out['.gitignore']).toContain('/scratch/');
  expect(out['.projen/tree.json']).toBeDefined();
});

test('every problem is reported at once, with the project path', () => {
  const err = expectValidationError(() => new MlDockerProject({ name: 'vision', pythonVerison: '3.12', hostDriverVerison: 'x' } as any), 'vision', '"pythonVerison"', 'pythonVersion');
  expect(err.message).toContain('"hostDriverVerison"');
});
