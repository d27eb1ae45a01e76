/**
 * A real Cog model (../shared/data/realworld/adopt/cog-whisper, read in place) through
 * `Dependencies.fromCogYaml`: its packages land in the tiers its expected.md names, the pin that
 * stands only in a `build.run` line (`pip install cog==0.10.0a15`) is read, the unpinned
 * `ipython` is reported, and its two other setup steps are refused until named as handled.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { Dependencies, resolveDependencies } from '../../src/deps';
import { SHARED_DATA } from '../support/shared-data';
import { problemsOf } from '../util';

const TREE = join(SHARED_DATA, 'realworld', 'adopt', 'cog-whisper', 'tree');
const ML = ['numpy', 'tqdm', 'more-itertools', 'transformers', 'ffmpeg-python', 'openai-whisper'];
/** The commands of `build.run`, as the file writes them. */
const lines = readFileSync(join(TREE, 'cog.yaml'), 'utf-8').split('\n');
const steps = lines.slice(lines.findIndex((l) => l.trim() === 'run:') + 1)
  .filter((l) => l.startsWith('    - ')).map((l) => l.slice(6));

const resolve = (handled: string[]) => resolveDependencies(
  Dependencies.fromCogYaml({ mlPackages: ML, handledRunSteps: handled }),
  { projectRoot: TREE, pythonVersion: '3.11.16', platform: 'linux/amd64', path: 'vision/whisper' },
);

test('the packages, the pin of the run line and the unpinned ipython', () => {
  const curl = steps.find((s) => s.startsWith('curl '))!;
  const unpip = steps.find((s) => s.startsWith('ln -sf'))!;
  const result = resolve([curl, unpip]);
  expect(result.tiers.ml).toEqual([
    'ffmpeg-python==0.2.0', 'more-itertools==10.1.0', 'numpy==1.23.5', 'openai-whisper==20231106',
    'tqdm==4.66.1', 'transformers==4.35.0',
  ]);
  expect(result.tiers.core).toEqual(['cog==0.10.0a15', 'ipython']);
  expect(result.torch?.packages.map((p) => p.requirement)).toEqual(['torch==2.0.1']);
  expect(result.warnings).toEqual([
    '[vision/whisper] cog.yaml:24: "ipython" is not pinned to one version; '
    + 'the image build resolves it (pin it, or lock the file with hashes)',
  ]);
  expect(result.inputs).toEqual(['cog.yaml']);
});

test('the download step and the step that replaces pip are refused until handled', () => {
  const problems = problemsOf(() => resolve([]));
  expect(problems.map((p) => p.slice(0, p.indexOf(':', p.indexOf('cog.yaml:') + 9)))).toEqual([
    '[vision/whisper] cog.yaml:28 build.run[0] is a setup step, not a dependency '
    + '(only a plain "pip install <requirements>" is read as one)',
    '[vision/whisper] cog.yaml:30 build.run[2] replaces or removes pip, '
    + 'which the generated image runs after it (the tiers, pip check)',
  ]);
});
