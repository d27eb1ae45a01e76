/**
 * Bad CUDA extension settings on the default python-slim base: the builder gets the
 * toolkit from NVIDIA's Debian 12 repository, so the wheels' CUDA must be one it publishes, the
 * platform its x86_64 one, and the keyring checksum well-formed and only where it is used.
 */
import { AcceptRow, Row, trainer } from './support';

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

/** The extension folders themselves: the project root or a folder of the project with pip's build file. */
const folder = (dirs: unknown) => trainer({ torchVersion: '2.9.0', cudaExtensions: dirs });
rows.push(
  { name: 'cuda extension folder that does not exist', build: folder(['ext/none']), path: 'vision/trainer', got: '"ext/none"', expected: 'holding the extension\'s setup.py or pyproject.toml, or "." for the project root' },
  { name: 'cuda extension folder without setup.py or pyproject.toml', build: folder(['ext/empty']), files: { 'ext/empty/README.md': 'ops\n' }, path: 'vision/trainer', got: 'holds no setup.py or pyproject.toml', expected: 'a python package whose setup.py or pyproject.toml builds the extension' },
  { name: 'cuda extension folder that is a file', build: folder(['ext/op.py']), files: { 'ext/op.py': 'x = 1\n' }, path: 'vision/trainer', got: 'is not a folder of the project: got "ext/op.py"', expected: 'a folder under' },
  { name: 'cuda extension at a root without a build file', build: folder(['.']), path: 'vision/trainer', got: 'cudaExtensions[0] holds no setup.py or pyproject.toml', expected: 'builds the extension' },
  { name: 'cuda extension folder with a "./" prefix', build: folder(['./ext']), path: 'vision/trainer', got: '"./ext"', expected: 'a clean relative path' },
  { name: 'cuda extension folder escaping the project', build: folder(['../ops']), path: 'vision/trainer', got: '"../ops"', expected: 'without ".."' },
);

/** A root extension installs the root's packages: a copy of one in /app would hide its compiled part. */
rows.push({
  name: 'cuda extension at the root with one of its packages also in sources',
  build: trainer({ torchVersion: '2.9.0', cudaExtensions: ['.'], sources: ['detector', 'tools'] }),
  files: {
    'setup.py': 'from setuptools import setup\n\nsetup(name="detector", packages=["detector"])\n',
    'detector/__init__.py': '',
    'tools/train.py': 'import detector\n',
  },
  path: 'vision/trainer',
  got: 'cudaExtensions "." installs detector with its compiled part into the virtualenv, and sources also copies it into /app, ahead of the installed package on the import path: got "detector"',
  expected: 'sources without "detector": the image imports the installed package',
});

const SETUP = 'from setuptools import setup\n\nsetup(name="detector", packages=["detector"])\n';
export const accepts: AcceptRow[] = [
  {
    name: 'a cuda extension built by the setup.py at the project root (pkg._C, the detectron2 layout)',
    build: folder(['.']),
    files: { 'setup.py': SETUP, 'detector/__init__.py': '', 'detector/csrc/nms.cu': '// kernel\n' },
    writes: {
      'docker/trainer/Dockerfile': ['--mount=type=bind,source=.,target=/tmp/cuda-ext/0,rw', 'ARG TORCH_CUDA_ARCH_LIST='],
      'docker/trainer/Dockerfile.dockerignore': ['\n!*\n', '\nnode_modules\n'],
    },
  },
];
