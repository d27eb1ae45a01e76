/**
 * Bad CUDA extension settings on the default python-slim base: the builder gets the
 * toolkit from NVIDIA's Debian 12 repository, so the wheels' CUDA must be one it publishes, the
 * platform its x86_64 one, and the keyring checksum well-formed and only where it is used.
 */
import { Row, trainer } from './support';

const ext = (props: Record<string, unknown>) => trainer({ torchVersion: '2.9.0', cudaExtensions: ['ext/op'], ...props });

export const rows: Row[] = [
  { name: 'cuda extensions on python-slim: CUDA 11.8 has no Debian 12 packages', build: trainer({ torchVersion: '2.5.1', cudaVersion: '11.8', cudaExtensions: ['ext/op'] }), path: 'vision/trainer', got: '"11.8"', expected: 'gpuBase "runtime" or "cudnn-runtime"' },
  { name: 'cuda extensions on python-slim: CUDA 12.1 not listed for Debian 12', build: trainer({ torchVersion: '2.5.1', cudaVersion: '12.1', cudaExtensions: ['ext/op'] }), path: 'vision/trainer', got: '"12.1"', expected: 'a cudaVersion with them: "12.4", or gpuBase' },
  { name: 'cuda extensions on python-slim for arm64', build: ext({ platform: 'linux/arm64', allowArm64: true }), path: 'vision/trainer', got: '"linux/arm64"', expected: 'platform "linux/amd64"' },
  { name: 'cuda extensions on python-slim: no CUDA of that torch has Debian 12 packages', build: trainer({ torchVersion: '2.3.1', cudaExtensions: ['ext/op'] }), path: 'vision/trainer', got: '"12.1"', expected: 'a torchVersion with wheels for a cuda with them' },
  { name: 'cuda keyring sha256 not hex', build: ext({ cudaKeyringSha256: 'sha256:abc' }), path: 'vision/trainer', got: '"sha256:abc"', expected: '64 lowercase hex digits' },
  { name: 'cuda keyring sha256 in upper case', build: ext({ cudaKeyringSha256: 'AB'.repeat(32) }), path: 'vision/trainer', got: `"${'AB'.repeat(32)}"`, expected: 'cuda-keyring_1.1-1_all.deb' },
  { name: 'cuda keyring sha256 without cuda extensions', build: trainer({ torchVersion: '2.9.0', cudaKeyringSha256: 'ab'.repeat(32) }), path: 'vision/trainer', got: `"${'ab'.repeat(32)}"`, expected: 'cudaExtensions with gpuBase "python-slim"' },
  { name: 'cuda keyring sha256 with an nvidia/cuda devel builder', build: ext({ gpuBase: 'runtime', hostDriverVersion: '580.65.06', cudaKeyringSha256: 'ab'.repeat(32) }), path: 'vision/trainer', got: `"${'ab'.repeat(32)}"`, expected: 'or no cudaKeyringSha256' },
];
