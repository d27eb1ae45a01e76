/**
 * `packageData`: the weights and arrays a package loads itself (a default VAD model, a mel
 * filter bank) reach the image by name, while every other data file beside them stays out.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import ignore from '@balena/dockerignore';
import { GpuTrainer, PythonService } from '../src';
import { newProject, problemsOf, synth } from './util';

function layout(files: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'mld-pkgdata-'));
  for (const path of files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), path.endsWith('.json') ? '{}\n' : '');
  }
  return dir;
}

const TREE = [
  'whisperx/__init__.py',
  'whisperx/__main__.py',
  'whisperx/assets/mel_filters.npz',
  'whisperx/assets/pytorch_model.bin',
  'whisperx/assets/other.npz',
  'whisperx/cache/big.bin',
  'whisperx/.env',
  'whisperx/token.json',
];

test("exactly the named files are let back in, in the service's and the root ignore file", () => {
  const project = newProject({ outdir: layout(TREE) });
  new GpuTrainer(project, 'transcribe', {
    torchVersion: '2.8.0',
    command: ['python', '-m', 'whisperx'],
    sources: ['whisperx'],
    disableHealthCheck: true,
    packageData: ['whisperx/assets/mel_filters.npz', 'whisperx/assets/pytorch_model.bin'],
  });
  const out = synth(project);
  for (const file of ['docker/transcribe/Dockerfile.dockerignore', '.dockerignore']) {
    const matcher = ignore().add(String(out[file]).split('\n'));
    expect({ file, sent: TREE.filter((f) => !matcher.ignores(f)) }).toEqual({
      file,
      sent: [
        'whisperx/__init__.py',
        'whisperx/__main__.py',
        'whisperx/assets/mel_filters.npz',
        'whisperx/assets/pytorch_model.bin',
      ],
    });
  }
  expect(out['docker/transcribe/Dockerfile.dockerignore']).toContain(
    "\n# Package data transcribe's code loads, let back in by name " +
      '(packageData).\n!whisperx/assets/mel_filters.npz\n!whisperx/assets/pytorch_model.bin\n',
  );
});

test('credentials, files nobody leaves out, files outside the code and missing files are refused', () => {
  const project = newProject({ outdir: layout([...TREE, 'notes/table.csv', 'whisperx/schema.json']) });
  expect(
    problemsOf(
      () =>
        new PythonService(project, 'api', {
          command: ['python', '-m', 'whisperx'],
          sources: ['whisperx'],
          packageData: [
            'whisperx/token.json',
            'whisperx/schema.json',
            'notes/table.csv',
            'whisperx/assets/gone.npz',
            'whisperx/assets',
            'whisperx/assets/other.npz',
            'whisperx/assets/other.npz',
            '../x.npz',
          ],
        }),
    ),
  ).toEqual([
    '[vision/api] packageData[0] is a credential, environment or VCS file the ignore files always leave ' +
      'out (**/token.json): got "whisperx/token.json"; expected package data (weights, arrays, tables ' +
      'the code loads): credentials are passed as secrets, never copied into an image',
    '[vision/api] packageData[1] is not left out by the ignore files: got "whisperx/schema.json"; ' +
      'expected a file the ignore files leave out by its extension (e.g. ' +
      '"pkg/assets/mel_filters.npz"), or no packageData entry',
    '[vision/api] packageData[2] is not inside the service\'s code: got "notes/table.csv"; expected a ' +
      'file under one of: "whisperx"',
    '[vision/api] packageData[3] does not exist: got "whisperx/assets/gone.npz"; expected a file of the ' +
      'project (package data the code loads)',
    '[vision/api] packageData[4] is not a file: got "whisperx/assets"; expected one file per entry ' +
      '(package data is let in by name, never a whole folder)',
    '[vision/api] packageData[6] is listed twice: got "whisperx/assets/other.npz"; expected each file once',
    '[vision/api] packageData[7] escapes the project: got "../x.npz"; expected a path inside the ' +
      'project, without ".."',
  ]);
});
