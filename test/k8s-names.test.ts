import {
  checkRenderedNames, claimName, isValidName, namespaceFromProject, scratchVolumeName, trimSlug,
} from '../src/stack/kubernetes-names';

test.each([
  ['dns1123-label', 'a', true], ['dns1123-label', 'a'.repeat(63), true], ['dns1123-label', 'a'.repeat(64), false],
  ['dns1123-label', 'a-', false], ['dns1123-label', '-a', false], ['dns1123-label', 'A', false], ['dns1123-label', 'a.b', false],
  ['dns1123-label', '1a', true], ['dns1035-label', '1a', false], ['dns1035-label', 'a1', true],
  ['dns1123-subdomain', 'a.b-c.d', true], ['dns1123-subdomain', 'a..b', false], ['dns1123-subdomain', `${'a'.repeat(63)}.${'b'.repeat(189)}`, true],
  ['dns1123-subdomain', 'a'.repeat(254), false], ['dns1123-subdomain', 'a.-b', false],
  ['iana-svc-name', 'http', true], ['iana-svc-name', 'h'.repeat(16), false], ['iana-svc-name', '8080', false], ['iana-svc-name', 'a--b', false],
] as const)('%s %j is %s', (rule, name, valid) => {
  expect(isValidName(rule, name)).toBe(valid);
});

test('slugs are cut without a "-" at either end', () => {
  expect(trimSlug(`${'a'.repeat(62)}-b`)).toBe('a'.repeat(62));
  expect(trimSlug('-a-', 63)).toBe('a');
  expect(claimName(`./${'a'.repeat(62)}/bcd`, false)).toBe('a'.repeat(62));
  expect(claimName('My_Volume', true)).toBe('my-volume');
  expect(claimName(`${'v'.repeat(62)}-${'w'.repeat(10)}`, true)).toBe('v'.repeat(62));
  expect(claimName('./...', false)).toBe('data');
  expect(namespaceFromProject(`@acme/${'vision-ml-'.repeat(6)}ab-cd`)).toBe(`${'vision-ml-'.repeat(6)}ab`);
  expect(namespaceFromProject('@acme/Vision_ML')).toBe('vision-ml');
  expect(scratchVolumeName(`/${'x'.repeat(54)}/y`)).toBe(`scratch-${'x'.repeat(54)}`);
  expect(scratchVolumeName('/')).toBe('scratch-root');
  for (const n of [claimName(`./${'a-'.repeat(40)}`, false), scratchVolumeName(`/${'b-'.repeat(40)}`)]) expect(isValidName('dns1123-label', n)).toBe(true);
});

test('checkRenderedNames: invalid names per kind, duplicate files and objects, with owners', () => {
  const deploy = (name: string) => ({ kind: 'Deployment', metadata: { name }, spec: { template: { metadata: { labels: { 'app.kubernetes.io/name': name } }, spec: { containers: [{ name, ports: [{ name: 'http' }] }], volumes: [] } } } });
  const owner = (kind: string, name: string) => `${kind}-owner-${name}`;
  expect(checkRenderedNames([{ path: 'base/a.yaml', documents: [deploy('a')] }, { path: 'base/kustomization.yaml', documents: [{ kind: 'Kustomization' }] }], owner)).toEqual([]);
  const dupFile = checkRenderedNames([{ path: 'base/a.yaml', documents: [deploy('a')] }, { path: 'base/a.yaml', documents: [deploy('b')] }], owner);
  expect(dupFile[0].message).toBe('two generated files would be written to base/a.yaml: Deployment "a" and Deployment "b"');
  const service = checkRenderedNames([{ path: 'base/s.yaml', documents: [{ kind: 'Service', metadata: { name: '1svc' } }] }], owner);
  expect(service).toEqual([{ message: 'the Service name of Service-owner-1svc is not a valid kubernetes name', got: '1svc', expected: expect.stringContaining('dns-1035 label') }]);
  const long = checkRenderedNames([{ path: 'base/x.yaml', documents: [deploy('x'.repeat(64))] }], owner);
  expect(long[0].expected).toContain('dns-1123 label');
  // the same kind and name in the base and in an overlay clash in the overlay's build, once
  const clash = checkRenderedNames([
    { path: 'base/a.yaml', documents: [deploy('a')] },
    { path: 'train/b.yaml', documents: [deploy('a')] },
    { path: 'serve/b.yaml', documents: [deploy('a')] },
  ], owner);
  expect(clash.map((p) => p.message)).toEqual(['Deployment-owner-a (base/a.yaml) and Deployment-owner-a (serve/b.yaml) both give the Deployment "a"']);
  // a job in two overlays is no clash: each overlay is its own build
  const job = { kind: 'Job', metadata: { name: 't' }, spec: { template: { spec: { containers: [{ name: 't' }] } } } };
  expect(checkRenderedNames([{ path: 'train/t.yaml', documents: [job] }, { path: 'eval/t.yaml', documents: [job] }], owner)).toEqual([]);
  const pod = { kind: 'Job', metadata: { name: 'j' }, spec: { template: { spec: { containers: [{ name: 'j' }], volumes: [{ name: 'v' }, { name: 'v' }] } } } };
  expect(checkRenderedNames([{ path: 'train/j.yaml', documents: [pod] }], owner)[0].message).toBe('two pod volumes of Job-owner-j have the same name');
});
