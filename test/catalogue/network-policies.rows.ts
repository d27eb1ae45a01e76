/**
 * The network props of KubernetesManifests: label selectors of the ingress sources, the
 * named address ranges of restricted egress, and the options that only mean something with
 * network policies on.
 */
import { any, cmdFor, Row } from './support';
import { BackingService, GpuTrainer, KubernetesManifests, MlDockerProject, PythonService } from '../../src';

const api = (p: MlDockerProject) => new PythonService(p, 'api', { command: cmdFor('api'), port: 8000 });
const manifests = (props: Record<string, unknown>) => (p: MlDockerProject) => {
  api(p);
  new KubernetesManifests(p, 'k8s', any(props));
};
const restricted = (cidrs: Record<string, unknown>) => manifests({ egress: 'restricted', egressCidrs: cidrs });
const CIDR = 'an ipv4 or ipv6 cidr: an address, "/" and a prefix length (0 to 32 for ipv4, 0 to 128 for ipv6), e.g. "203.0.113.0/24" or "2001:db8::/32"';

export const rows: Row[] = [
  // label selectors of the ingress sources
  { name: 'k8s ingressNamespaceSelector key starting with "-"', build: manifests({ ingressNamespaceSelector: { '-team': 'edge' } }), path: 'vision/k8s', got: 'ingressNamespaceSelector key: got "-team"', expected: 'expected a label key: an optional dns prefix and "/", then at most 63 letters, digits, "-", "_" or "." starting and ending with a letter or digit' },
  { name: 'k8s ingressNamespaceSelector key with an uppercase dns prefix', build: manifests({ ingressNamespaceSelector: { 'Kubernetes.io/metadata.name': 'edge' } }), path: 'vision/k8s', got: 'ingressNamespaceSelector key: got "Kubernetes.io/metadata.name"', expected: 'expected a label key' },
  { name: 'k8s ingressPodSelector value with a space', build: manifests({ ingressNamespaceSelector: { team: 'edge' }, ingressPodSelector: { app: 'ingress nginx' } }), path: 'vision/k8s', got: 'ingressPodSelector.app: got "ingress nginx"', expected: 'expected a label value: at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit' },
  { name: 'k8s ingressPodSelector value of 64 characters', build: manifests({ ingressPodSelector: { app: 'a'.repeat(64) } }), path: 'vision/k8s', got: `ingressPodSelector.app: got "${'a'.repeat(64)}"`, expected: 'expected a label value' },
  { name: 'k8s ingressPodSelector key whose name part is 64 characters', build: manifests({ ingressPodSelector: { [`example.com/${'b'.repeat(64)}`]: 'x' } }), path: 'vision/k8s', got: 'ingressPodSelector key: got "example.com/bbbbbbbbbb', expected: 'expected a label key' },
  { name: 'k8s ingressNamespaceSelector with no label (every namespace)', build: manifests({ ingressNamespaceSelector: {} }), path: 'vision/k8s', got: 'ingressNamespaceSelector: got {}', expected: 'expected at least one label (an empty selector matches every namespace of the cluster)' },
  { name: 'k8s ingressPodSelector with no label (every pod)', build: manifests({ ingressPodSelector: {} }), path: 'vision/k8s', got: 'ingressPodSelector: got {}', expected: 'expected at least one label (an empty selector matches every pod of the namespace)' },
  { name: 'k8s ingressNamespaceSelector with a number as a label value (plain JavaScript)', build: manifests({ ingressNamespaceSelector: { team: 5 } }), path: 'vision/k8s', got: 'ingressNamespaceSelector.team has the wrong type: got 5', expected: 'expected a string' },
  { name: 'k8s ingressPodSelector that selects the stack\'s own pods', build: manifests({ ingressPodSelector: { 'app.kubernetes.io/name': 'api' } }), path: 'vision/k8s', got: 'the ingress sources select pods of the manifests: got ["api"]', expected: 'expected labels of pods or namespaces outside the stack, such as an ingress controller\'s (one service reaches another through dependsOn)' },
  { name: 'k8s ingressNamespaceSelector naming the manifests\' own namespace', build: manifests({ ingressNamespaceSelector: { 'kubernetes.io/metadata.name': 'vision' } }), path: 'vision/k8s', got: 'the ingress sources select pods of the manifests: got ["api"]', expected: 'outside the stack' },
  // named ranges of restricted egress
  { name: 'k8s egressCidrs with an octet of 256', build: restricted({ hub: '203.0.113.256/24' }), path: 'vision/k8s', got: 'egressCidrs.hub: got "203.0.113.256/24"', expected: `expected ${CIDR}` },
  { name: 'k8s egressCidrs with an ipv4 prefix of 33', build: restricted({ hub: '203.0.113.0/33' }), path: 'vision/k8s', got: 'egressCidrs.hub: got "203.0.113.0/33"', expected: 'expected a prefix length from 0 to 32 for an ipv4 address' },
  { name: 'k8s egressCidrs with an ipv6 prefix of 129', build: restricted({ hub: '2001:db8::/129' }), path: 'vision/k8s', got: 'egressCidrs.hub: got "2001:db8::/129"', expected: 'expected a prefix length from 0 to 128 for an ipv6 address' },
  { name: 'k8s egressCidrs with host bits set (ipv4)', build: restricted({ hub: '10.1.2.3/8' }), path: 'vision/k8s', got: 'egressCidrs.hub: got "10.1.2.3/8"', expected: 'expected the network address "10.0.0.0/8" (the address has host bits set beyond /8)' },
  { name: 'k8s egressCidrs with host bits set (ipv6)', build: restricted({ hub: '2001:db8::1/32' }), path: 'vision/k8s', got: 'egressCidrs.hub: got "2001:db8::1/32"', expected: 'expected the network address "2001:db8::/32"' },
  { name: 'k8s egressCidrs in a non-canonical ipv6 spelling', build: restricted({ hub: '2001:0DB8:0:0::/32' }), path: 'vision/k8s', got: 'egressCidrs.hub: got "2001:0DB8:0:0::/32"', expected: 'expected its canonical form "2001:db8::/32"' },
  { name: 'k8s egressCidrs with a leading zero in an octet', build: restricted({ hub: '10.01.0.0/16' }), path: 'vision/k8s', got: 'egressCidrs.hub: got "10.01.0.0/16"', expected: `expected ${CIDR}` },
  { name: 'k8s egressCidrs without a prefix length', build: restricted({ hub: '203.0.113.7' }), path: 'vision/k8s', got: 'egressCidrs.hub: got "203.0.113.7"', expected: `expected ${CIDR}` },
  { name: 'k8s egressCidrs with "::" twice', build: restricted({ hub: '2001::db8::/64' }), path: 'vision/k8s', got: 'egressCidrs.hub: got "2001::db8::/64"', expected: `expected ${CIDR}` },
  { name: 'k8s egressCidrs with an ipv6 zone id', build: restricted({ hub: 'fe80::%eth0/64' }), path: 'vision/k8s', got: 'egressCidrs.hub: got "fe80::%eth0/64"', expected: `expected ${CIDR}` },
  { name: 'k8s egressCidrs with a host name', build: restricted({ hub: 'huggingface.co/32' }), path: 'vision/k8s', got: 'egressCidrs.hub: got "huggingface.co/32"', expected: `expected ${CIDR}` },
  { name: 'k8s egressCidrs of every address', build: restricted({ anywhere: '0.0.0.0/0' }), path: 'vision/k8s', got: 'egressCidrs.anywhere is every address: got "0.0.0.0/0"', expected: 'expected a narrower range, or egress: KubernetesEgress.OPEN' },
  { name: 'k8s egressCidrs naming one range twice', build: restricted({ hub: '203.0.113.0/24', mirror: '203.0.113.0/24' }), path: 'vision/k8s', got: 'egressCidrs.mirror repeats the range of egressCidrs.hub: got "203.0.113.0/24"', expected: 'expected each range once' },
  { name: 'k8s egressCidrs name with an underscore', build: restricted({ model_hub: '203.0.113.0/24' }), path: 'vision/k8s', got: 'egressCidrs name: got "model_hub"', expected: 'expected lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters, e.g. "model-hub"' },
  { name: 'k8s egressCidrs with open egress', build: manifests({ egressCidrs: { hub: '203.0.113.0/24' } }), path: 'vision/k8s', got: 'egressCidrs is set with open egress: got ["hub"]', expected: 'expected egress: KubernetesEgress.RESTRICTED (open egress reaches every address already), or no egressCidrs' },
  { name: 'k8s egress that is not a KubernetesEgress (plain JavaScript)', build: manifests({ egress: 'closed' }), path: 'vision/k8s', got: 'egress: got "closed"', expected: 'expected one of: "open", "restricted"' },
  {
    name: 'k8s restricted egress with external backing services and no range',
    build: (p) => { api(p); new KubernetesManifests(p, 'k8s', any({ egress: 'restricted', backingServices: [BackingService.POSTGRES, BackingService.REDIS] })); },
    path: 'vision/k8s',
    got: 'egress is restricted, but egressCidrs has no range for the backing services run outside the cluster: got ["postgres","redis"]',
    expected: 'expected their address ranges in egressCidrs, e.g. { "postgres": "10.20.0.0/16" } (or KubernetesEgress.OPEN)',
  },
  // options that mean something only with network policies and ingress sources
  { name: 'k8s ingressNamespaceSelector with networkPolicies: false', build: manifests({ networkPolicies: false, ingressNamespaceSelector: { team: 'edge' } }), path: 'vision/k8s', got: 'ingressNamespaceSelector is set with networkPolicies: false: got {"team":"edge"}', expected: 'expected no ingressNamespaceSelector (nothing enforces it without network policies), or networkPolicies: true' },
  { name: 'k8s restricted egress with networkPolicies: false', build: manifests({ networkPolicies: false, egress: 'restricted' }), path: 'vision/k8s', got: 'egress is restricted with networkPolicies: false: got "restricted"', expected: 'expected networkPolicies: true (the egress rules are network policies), or no egress' },
  { name: 'k8s networkPolicies given as a string (plain JavaScript)', build: manifests({ networkPolicies: 'false' }), path: 'vision/k8s', got: 'networkPolicies has the wrong type: got "false"', expected: 'expected true or false' },
  {
    name: 'k8s exposeToIngress on manifests without an ingress source',
    build: (p) => { const a = api(p); new KubernetesManifests(p, 'k8s').configureService(a, { exposeToIngress: false }); },
    path: 'vision/k8s',
    got: 'configureService(api) exposeToIngress is set, but the manifests name no ingress source: got false',
    expected: 'expected ingressNamespaceSelector or ingressPodSelector on the manifests, or no exposeToIngress',
  },
  {
    name: 'k8s exposeToIngress on a service without a port',
    build: (p) => {
      const t = new GpuTrainer(p, 'trainer', { torchVersion: '2.5.1', command: ['python', '-m', 'trainer.train'] });
      new KubernetesManifests(p, 'k8s', { ingressNamespaceSelector: { team: 'edge' } }).configureService(t, { exposeToIngress: true });
    },
    path: 'vision/k8s',
    got: 'configureService(trainer) exposeToIngress is set on a service without a port: got true',
    expected: 'expected exposeToIngress only on services with a port',
  },
];
