/**
 * Adopting m-bain/whisperX (../shared/data/realworld/adopt/whisperx, read in place): each fact of
 * its expected.md, named with the section that states it. The lock's torchvision 0.23.0 comes
 * from PyPI beside torch 2.8.0+cu128 (PyPI's default build of 0.23.0 is CUDA 12.8 too): the torch
 * tier pairs it with torch's build, as the wheel matrix does.
 */
import { existsSync } from 'fs';
import { join } from 'path';
import { prose, read } from '../adopt/support';
import { adoptTree, changedFiles, planned, projectProp } from './support/adopt-tree';

jest.setTimeout(5 * 60_000);
const tree = adoptTree('whisperx');
const job = planned(tree, 'whisperx')!;
const text = prose(tree.adoption.text);

test('Services: one GPU batch job (GpuTrainer), not a server', () => {
  expect(tree.expected).toContain('One service: a **GPU batch job**, not a server');
  expect(job.kind).toBe('GpuTrainer');
  expect(job.props.port).toBeUndefined();
  expect(job.props.healthCheckPath).toBeUndefined();
});

test("Services: the job is adopted and synthesizes; the lock's torchvision paired with torch +cu128", () => {
  expect(job.adopted).toBe(true);
  expect(existsSync(join(tree.dir, 'docker/whisperx/Dockerfile'))).toBe(true);
  const torchTier = read(tree.dir, 'docker/whisperx/requirements-torch.txt');
  expect(torchTier.split('\n').filter((l) => /^torch/.test(l))).toEqual([
    'torch==2.8.0+cu128',
    'torchaudio==2.8.0',
    'torchvision==0.23.0',
  ]);
  // written as the wheel matrix pairs them, installed from the torch index alone (its +cu128 builds)
  expect(torchTier).not.toContain('--hash');
});

test('Services: the command is the console script whisperx, which installs the project', () => {
  expect(tree.expected).toContain(
    '| command | `["whisperx", ...]` (console script) or `["python", "-m", ' + '"whisperx", ...]`',
  );
  expect(job.props).toMatchObject({ command: ['whisperx', 'path/to/audio.wav'], installProject: true });
});

test('Services: no heartbeat, so the job is healthy while it runs (no opt-out); the arguments are per run', () => {
  expect(tree.expected).toContain(
    'a heartbeat health check would mark it unhealthy after its max age: ' + 'disable it or report it',
  );
  // a port-less service gets the process health check: nothing to disable, no heartbeat to ask for
  expect(job.props.disableHealthCheck).toBeUndefined();
  expect(job.props.heartbeat).toBeUndefined();
  expect(job.todos.join('\n')).toContain(
    'the arguments are the example of README.md:43: each run takes ' + 'its own',
  );
});

test('Secrets: the Hugging Face token of diarization is reported as a secret, never in the command', () => {
  expect(tree.expected).toContain('It must\nnot be put in the command');
  expect(text).toContain(
    'pyannote-audio needs a Hugging Face token (pyannote.audio README: its ' +
      'pretrained pipelines are gated on the Hugging Face Hub',
  );
  expect(text).toContain(
    'never in a command or the environment of this file; give it to the container ' + 'as a secret file',
  );
});

test('Dependencies: pyproject.toml with uv.lock; the dev extra in the dev tier', () => {
  expect(tree.expected).toContain(
    '`[project.optional-dependencies] dev = ["pytest"]`: an **extra** ' + 'named `dev`',
  );
  expect(projectProp(tree, 'dependencies')).toMatchObject({
    factory: 'fromPyproject',
    options: { devExtras: ['dev'] },
  });
});

test('Dependencies: torch 2.8.0 with torchaudio and torchvision in the torch tier', () => {
  expect(tree.expected).toContain("`torchVersion: '2.8.0'`, torch + torchaudio + torchvision");
  expect(job.props).toMatchObject({
    torchVersion: '2.8.0',
    torchPackages: ['torch', 'torchaudio', 'torchvision'],
  });
});

test("Python, GPU, torch: Python 3.10 from .python-version; CUDA 12.8, the lock's build", () => {
  expect(tree.expected).toContain('Python **3.10**: `.python-version` (`3.10`)');
  expect(projectProp(tree, 'pythonVersion')).toBe('3.10');
  expect(text).toContain("// .python-version:1 (the repository's own choice)");
  expect(job.props.cudaVersion).toBe('12.8');
});

test('Files that must reach the image: whisperx/ with exactly its two package data files', () => {
  expect(tree.expected).toContain(
    'ignore rules that drop such files by extension\nmust let exactly ' + 'these two through',
  );
  expect(job.props.sources).toEqual(['whisperx']);
  expect(job.props.packageData).toEqual([
    'whisperx/assets/mel_filters.npz',
    'whisperx/assets/pytorch_model.bin',
  ]);
});

test('Files the repo already has, kept untouched; .gitignore keeps its rules', () => {
  expect(tree.expected).toContain('The rules of `.gitignore` (a standard Python template) must survive');
  expect(changedFiles(tree)).toEqual(['.gitignore']);
  expect(tree.status.filter((l) => !l.startsWith('?? ')).sort()).toEqual([' M .gitignore']);
});
