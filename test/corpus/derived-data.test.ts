/**
 * The package ships only facts in its own format; other projects' files stay outside the
 * repository (tests read them from `<repo>/../shared/data/`). These tests prove each derived
 * table agrees with the file it was derived from, and that data/SOURCES.json tells the truth.
 */
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { knownCudaImageTags } from '../../src/gpu/cuda';
import { readSharedJson } from '../support/shared-data';

const DATA = join(__dirname, '..', '..', 'data');
const readData = (file: string) => JSON.parse(readFileSync(join(DATA, file), 'utf-8'));

test('no byte copy of another project\'s file is in data/', () => {
  const files = readdirSync(DATA);
  for (const foreign of ['compose-spec.json', 'github-workflow-schema.json', 'github-workflow-schema.SOURCE.md', 'cuda-base-images.json']) {
    expect(files).not.toContain(foreign);
  }
});

test('data/SOURCES.json names every data file, and only those', () => {
  const sources = readData('SOURCES.json');
  const files = readdirSync(DATA).filter((f) => f !== 'SOURCES.json').sort();
  expect(Object.keys(sources).sort()).toEqual(files);
  for (const [file, entry] of Object.entries<any>(sources)) {
    expect({ file, license: typeof entry.license }).toEqual({ file, license: 'string' });
    expect({ file, transform: typeof entry.transform }).toEqual({ file, transform: 'string' });
  }
});

test('the cuDNN devel tags are exactly the devel cuDNN tags of cog\'s CUDA image list', () => {
  const upstream: Array<{ Tag: string; IsDevel: boolean }> = readSharedJson('cuda-base-images.json');
  const ours: string[] = readData('cuda-cudnn-devel-tags.json').tags;
  const expected = upstream.filter((r) => r.IsDevel && /-cudnn\d*-devel-/.test(r.Tag)).map((r) => r.Tag).sort();
  expect(ours).toEqual(expected);
  expect(ours.length).toBeGreaterThan(50);
});

test('every nvidia/cuda tag the package can emit is in an upstream list', () => {
  const cog = new Set(readSharedJson<Array<{ Tag: string }>>('cuda-base-images.json').map((r) => r.Tag));
  const nvidia = new Set<string>([
    ...Object.values<any>(readSharedJson('nvidia-cuda-tags.json').versions).flatMap((v) => v.ubuntuTags ?? []),
    ...Object.values<any>(readSharedJson('nvidia-cuda-tags-extra.json').versions).flatMap((v) => Object.values<any>(v.os).flatMap((o) => o.images.map((i: any) => i.tag))),
  ]);
  const unknown = knownCudaImageTags().map((t) => t.tag).filter((t) => !cog.has(t) && !nvidia.has(t));
  expect(unknown).toEqual([]);
});
