/**
 * Every image reference we write (compose, Kubernetes, the CI workflow, the Dockerfile's
 * build hint) is a valid Docker reference, whatever the project is called: the repository
 * name is derived from the npm name, or the name is refused.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import {
  BackingService, ComposeStack, GpuInference, GpuTrainer, KubernetesBackingMode, KubernetesManifests,
  PythonService,
} from '../src';
import { composeConfig } from './support/compose-cli';
import { expectValidationError, newProject, synth } from './util';
import { imageRepository, serviceImageName } from '../src/core/image-name';
import { YAML } from '../src/core/yaml';

// The reference grammar of the distribution project (reference/regexp.go), written out here.
const ALPHANUMERIC = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALPHANUMERIC}(?:${SEPARATOR}${ALPHANUMERIC})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_AND_PORT = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const NAME = `(?:${DOMAIN_AND_PORT}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}';
const REFERENCE = new RegExp(`^(${NAME})(?::${TAG})?(?:@${DIGEST})?$`);
const NAME_TOTAL_LENGTH_MAX = 255;

/** The reference grammar's verdict on one reference, as a message (empty when valid). */
function referenceProblem(ref: string): string {
  const m = REFERENCE.exec(ref);
  if (!m) return `${ref}: invalid reference format`;
  if (m[1].length > NAME_TOTAL_LENGTH_MAX) return `${ref}: repository name longer than ${NAME_TOTAL_LENGTH_MAX}`;
  return '';
}

test('the grammar written here refuses what docker refuses', () => {
  for (const bad of ['@acme/vision-api:local', 'vision~ml-api:local', 'Vision-api', 'vision..ml-api', 'vision_-ml', '-vision', 'vision-', 'a:b:c', `${'a'.repeat(256)}:x`, 'x:latest@sha256:abc']) {
    expect(referenceProblem(bad)).not.toBe('');
  }
  for (const good of ['vision-api:local', 'acme-vision-api', 'ghcr.io/acme/vision-api:0123abc', 'localhost:5000/a__b/c---d:v1.2', `postgres:17.11-bookworm@sha256:${'a'.repeat(64)}`]) {
    expect(referenceProblem(good)).toBe('');
  }
});

describe('imageRepository derives a valid repository name from the npm name', () => {
  test.each([
    ['vision', 'vision'],
    ['@acme/vision', 'acme-vision'],
    ['vision~ml', 'vision-ml'],
    ['vision..ml', 'vision-ml'],
    ['vision._ml', 'vision-ml'],
    ['vision__ml', 'vision__ml'],
    ['vision---ml', 'vision---ml'],
    ['vision_-_ml', 'vision-ml'],
    ['-vision-', 'vision'],
    ['~vision~', 'vision'],
    ['@a.b/c.d', 'a.b-c.d'],
    ['@acme/-x', 'acme--x'],
    ['0', '0'],
  ])('%s -> %s', (name, expected) => {
    expect(imageRepository(name)).toBe(expected);
    expect(referenceProblem(`${serviceImageName(name, 'api')}:local`)).toBe('');
  });

  test.each([['~'], ['-'], ['~-~'], ['---'], ['..']])('%s gives nothing valid', (name) => {
    expect(imageRepository(name)).toBeUndefined();
  });

  test('a long name is cut to 64 characters with a hash, so two long names stay apart', () => {
    const a = imageRepository(`${'ml-'.repeat(60)}a`)!;
    const b = imageRepository(`${'ml-'.repeat(60)}b`)!;
    expect(a.length).toBeLessThanOrEqual(64);
    expect(a).not.toBe(b);
    expect(referenceProblem(`${a}-${'x'.repeat(40)}:local`)).toBe('');
  });
});

/** Every image reference the generated files hold. */
function imageReferences(out: Record<string, any>, dir: string): string[] {
  const refs: string[] = [];
  const compose = YAML.parse(out['compose.yaml']);
  for (const s of Object.values<any>(compose.services)) refs.push(s.image);
  for (const [file, text] of Object.entries(out)) {
    if (!file.startsWith('k8s/') || !file.endsWith('.yaml')) continue;
    for (const doc of YAML.parseAllDocuments(text as string).map((d) => d.toJS())) {
      const spec = doc?.spec?.template?.spec;
      for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) refs.push(c.image);
    }
  }
  const workflow = YAML.parse(readFileSync(join(dir, '.github/workflows/containers.yml'), 'utf-8'));
  for (const job of Object.values<any>(workflow.jobs)) {
    for (const entry of job.strategy?.matrix?.include ?? []) {
      for (const step of job.steps) {
        for (const value of Object.values<any>(step.with ?? {})) {
          if (typeof value !== 'string' || !value.includes('${{ matrix.image }}')) continue;
          // The shell's registry prefix for ghcr.io, with the longest owner GitHub allows.
          const expanded = value.replace(/\$\{\{ steps\.registry\.outputs\.prefix \}\}/g, `ghcr.io/${'o'.repeat(39)}`).replace(/\$\{\{ matrix\.image \}\}/g, entry.image);
          for (const ref of expanded.replace(/^type=registry,ref=/, '').replace(/,mode=max$/, '').split('\n')) refs.push(ref);
        }
      }
      refs.push(`ghcr.io/${'o'.repeat(39)}/${entry.image}:${'0'.repeat(40)}`);
    }
  }
  for (const [file, text] of Object.entries(out)) {
    const hint = file.endsWith('/Dockerfile') ? /--target prod -t (\S+) \./.exec(text as string) : null;
    if (hint) refs.push(hint[1]);
  }
  return refs;
}

describe('every image reference we write is valid, whatever the project name', () => {
  test.each([
    ['@acme/vision'], ['vision~ml'], ['vision..ml'], ['@a.b/x_-y'], ['a'.repeat(214)], [`@${'s'.repeat(100)}/${'n'.repeat(100)}`], ['0'], ['vision'],
  ])('%s', (name) => {
    const project = newProject({ name });
    const api = new PythonService(project, 'api', { command: ['python', '-m', 'api.main'], port: 8000 });
    new GpuTrainer(project, 'trainer-with-a-long-id-of-forty-chars-xx', { torchVersion: '2.5.1', command: ['python', '-m', 'trainer_with_a_long_id_of_forty_chars_xx.train'] });
    new GpuInference(project, 'inference', { torchVersion: '2.5.1', port: 8080, command: ['python', '-m', 'inference.serve'] });
    new ComposeStack(project, 'stack', { backingServices: [BackingService.POSTGRES, BackingService.REDIS, BackingService.MLFLOW], imageRegistry: 'registry.example.com:5000/team__a/ml' });
    new KubernetesManifests(project, 'k8s', { backingServices: [BackingService.POSTGRES, BackingService.REDIS], backingServiceMode: KubernetesBackingMode.DEVELOPMENT_STATEFUL_SETS });
    const out = synth(project);
    const refs = imageReferences(out, project.outdir);
    expect(refs.filter((r) => r.includes(serviceImageName(name, api.serviceId))).length)
      .toBeGreaterThanOrEqual(4);
    expect(refs.length).toBeGreaterThan(12);
    expect(refs.map(referenceProblem).filter((p) => p)).toEqual([]);
    expect(composeConfig(project.outdir, out['compose.yaml'])).toEqual({ ok: true, output: '' });
  });

  test('a registry prefix that would push an image name over 255 characters is refused at synth', () => {
    const project = newProject();
    new PythonService(project, 'api', { command: ['python', '-m', 'api.main'] });
    new KubernetesManifests(project, 'k8s', { imageRegistry: `registry.example.com/${'r'.repeat(240)}` });
    expectValidationError(() => synth(project), 'vision/k8s', 'registry.example.com/rrr', 'a registry prefix of at most 244 characters');
  });

  test('the CI workflow refuses a registry prefix too long for its images', () => {
    const project = newProject({ name: 'vision', ciWorkflowOptions: { imageRegistry: `registry.example.com/${'r'.repeat(240)}` } });
    new PythonService(project, 'api', { command: ['python', '-m', 'api.main'] });
    expectValidationError(() => synth(project), 'vision/ci', 'registry.example.com/rrr', 'a registry prefix of at most 244 characters');
  });
});
