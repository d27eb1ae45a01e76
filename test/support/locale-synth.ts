/**
 * Synthesizes one definition into the directory given as the first argument and prints, as
 * JSON, the collation the process runs with. test/locale.test.ts starts it under several
 * `LC_ALL` values (a locale is fixed when node starts, so each needs its own process).
 *
 * The ids are chosen to sort differently by locale: Danish sorts "aa" after "z",
 * Lithuanian puts "y" between "i" and "k".
 */
import { ComposeStack, KubernetesManifests, MlDockerProject, PythonService } from '../../src';
import { withoutPostSynth } from '../util';

const outdir = process.argv[2];
if (!outdir) throw new Error('usage: locale-synth.ts <outdir>');
withoutPostSynth(() => {
  const project = new MlDockerProject({ name: 'vision', outdir, devDeps: ['zod@^3', 'aaa-lib@^1', 'yargs@^17', 'ink@^5'] });
  new PythonService(project, 'yolo', { command: ['python', '-m', 'yolo.main'], port: 8000, modelDir: 'yolo-weights', cacheVolume: true });
  new PythonService(project, 'jobs', { command: ['python', '-m', 'jobs.main'], port: 8001, modelDir: 'models', cacheVolume: true });
  new PythonService(project, 'aardvark', { command: ['python', '-m', 'aardvark.main'], port: 8002, cacheVolume: true });
  new ComposeStack(project, 'stack');
  new KubernetesManifests(project, 'k8s', {});
  project.synth();
});
process.stdout.write(JSON.stringify({
  locale: new Intl.Collator().resolvedOptions().locale,
  sample: ['zope', 'aaa', 'yolo', 'jobs'].sort((a, b) => a.localeCompare(b)),
}));
