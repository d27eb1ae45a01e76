/** Bad build hooks: buildPackages, buildEnv, buildSteps, copyFromImages. */
import { AcceptRow, Row, svc, trainer } from './support';

const COPY = { name: 'ffmpeg', image: 'mwader/static-ffmpeg:7.1.1', source: '/ffmpeg', target: '/usr/local/bin/ffmpeg' };
const copy = (props: Record<string, unknown>) => svc({ copyFromImages: [{ ...COPY, ...props }] });
const step = (props: Record<string, unknown>) => svc({ buildSteps: [{ name: 'fetch', run: 'python -m app.fetch', ...props }] });
const TOKEN = `hf_${'x'.repeat(34)}`;

/** Each heredoc form BuildKit's word rule reads (parser.go: `^(\d*)<<(-?)([^<]*)$`), refused by name. */
function heredocRows(): Row[] {
  const forms: Array<[string, string, string]> = [
    ['with a dash', 'cat <<-EOF > /x', '<<-EOF'],
    ['with a double-quoted name', 'cat <<"EOF" > /x', '<<\\"EOF\\"'],
    ['with a single-quoted name', "cat <<'EOF' > /x", "<<'EOF'"],
    ['with an escaped name', 'cat <<\\EOF > /x', '<<\\\\EOF'],
    ['with a digit name', 'sort 1<<3', '1<<3'],
    ['on a file descriptor', 'cat 0<<EOF', '0<<EOF'],
    ['with a dash after a file descriptor', 'cat 3<<-END', '3<<-END'],
    ['two in one step', 'cat <<A <<B', '<<A, <<B'],
    ['inside a variable default', 'cat ${X:-<<EOF}', '${X:-<<EOF}'],
  ];
  return forms.map(([what, run, got]) => ({
    name: `build step with a heredoc ${what}`, build: step({ run }), path: 'vision/api', got, expected: 'a command without a heredoc word',
  }));
}

export const rows: Row[] = [
  // buildPackages
  { name: 'build package with a version', build: svc({ buildPackages: ['gcc=12.2'] }), path: 'vision/api', got: '"gcc=12.2"', expected: 'debian package name' },
  { name: 'build package with an option', build: svc({ buildPackages: ['--no-install-recommends'] }), path: 'vision/api', got: '"--no-install-recommends"', expected: 'without a version or options' },
  { name: 'build package twice', build: svc({ buildPackages: ['gcc', 'gcc'] }), path: 'vision/api', got: '"gcc"', expected: 'each package once' },
  { name: 'build packages as a string', build: svc({ buildPackages: 'gcc cmake' }), path: 'vision/api', got: '"gcc cmake"', expected: 'a list' },
  // buildEnv
  { name: 'build env overrides PATH', build: svc({ buildEnv: { PATH: '/usr/local/cuda/bin:/usr/bin' } }), path: 'vision/api', got: '"PATH"', expected: 'a name other than PATH' },
  { name: 'build env overrides PYTHONPATH in lowercase', build: svc({ buildEnv: { pythonpath: '/src' } }), path: 'vision/api', got: '"pythonpath"', expected: 'in any letter case' },
  { name: 'build env overrides VIRTUAL_ENV', build: svc({ buildEnv: { VIRTUAL_ENV: '/venv' } }), path: 'vision/api', got: '"VIRTUAL_ENV"', expected: 'a name other than' },
  { name: 'build env overrides LD_LIBRARY_PATH', build: svc({ buildEnv: { LD_LIBRARY_PATH: '/usr/local/cuda/lib64' } }), path: 'vision/api', got: '"LD_LIBRARY_PATH"', expected: 'a name other than' },
  { name: 'build env adds an extra index', build: svc({ buildEnv: { PIP_EXTRA_INDEX_URL: 'https://example.org/simple' } }), path: 'vision/api', got: '"PIP_EXTRA_INDEX_URL"', expected: 'index urls are build args' },
  { name: 'build env with a runtime helper name', build: svc({ buildEnv: { MLDOCKER_MIN_DRIVER: '1' } }), path: 'vision/api', got: '"MLDOCKER_MIN_DRIVER"', expected: 'MLDOCKER_*' },
  { name: 'build env holding a token', build: svc({ buildEnv: { HF_TOKEN: 'abc' } }), path: 'vision/api', got: '"HF_TOKEN" (value hidden)', expected: 'a buildSteps secret mount' },
  { name: 'build env value with an api key', build: svc({ buildEnv: { EXTRA: `--header=${TOKEN}` } }), path: 'vision/api', got: '"EXTRA" (value hidden)', expected: 'no secrets in the build environment' },
  { name: 'build env name with a dash', build: svc({ buildEnv: { 'MAX-JOBS': '4' } }), path: 'vision/api', got: '"MAX-JOBS"', expected: 'letters, digits and "_"' },
  { name: 'build env value on two lines', build: svc({ buildEnv: { CMAKE_ARGS: '-DA=1\n-DB=2' } }), path: 'vision/api', got: '"-DA=1\\n-DB=2"', expected: 'a single-line value' },
  { name: 'build env value as a number', build: svc({ buildEnv: { MAX_JOBS: 4 } }), path: 'vision/api', got: '4', expected: 'a string' },
  // buildSteps
  { name: 'build step with a token inline', build: step({ run: `huggingface-cli download --token ${TOKEN} org/model` }), path: 'vision/api', got: '(value hidden)', expected: 'read it from /run/secrets/<id>' },
  { name: 'build step assigning a secret-named variable', build: step({ run: 'API_TOKEN=abc123 python -m app.fetch' }), path: 'vision/api', got: '"API_TOKEN" (value hidden)', expected: 'cat /run/secrets/<id>' },
  { name: 'build step with a password url', build: step({ run: 'pip download https://me:pw@example.org/x.whl' }), path: 'vision/api', got: '(value hidden)', expected: 'list the secret id in secrets' },
  { name: 'build step on two lines', build: step({ run: 'apt-get update\napt-get install x' }), path: 'vision/api', got: '"apt-get update\\napt-get install x"', expected: 'join commands with "&&"' },
  { name: 'build step with a heredoc', build: step({ run: 'cat <<EOF > /opt/venv/x' }), path: 'vision/api', got: '"cat <<EOF > /opt/venv/x"', expected: 'a command without a heredoc word' },
  ...heredocRows(),
  { name: 'build step empty', build: step({ run: '  ' }), path: 'vision/api', got: '"  "', expected: 'a shell command' },
  { name: 'build step name with capitals', build: step({ name: 'Fetch' }), path: 'vision/api', got: '"Fetch"', expected: 'lowercase letters, digits and "-"' },
  { name: 'build steps with one name twice', build: svc({ buildSteps: [{ name: 'a', run: 'true' }, { name: 'a', run: 'false' }] }), path: 'vision/api', got: '"a"', expected: 'a unique name' },
  { name: 'build step in an unknown stage', build: step({ stage: 'prod' }), path: 'vision/api', got: '"prod"', expected: '"builder", "runtime-root"' },
  { name: 'build step secret with a value', build: step({ secrets: ['hf=abc'] }), path: 'vision/api', got: '"hf=abc"', expected: 'the id only' },
  { name: 'build step cache mount relative', build: step({ cacheMounts: ['.cache'] }), path: 'vision/api', got: '".cache"', expected: 'an absolute directory' },
  { name: 'build step cache mount hiding the venv', build: step({ cacheMounts: ['/opt/venv'] }), path: 'vision/api', got: '"/opt/venv"', expected: 'a cache directory outside' },
  { name: 'build step with an unknown key', build: step({ user: 'root' }), path: 'vision/api', got: 'unknown property "buildSteps[0].user"', expected: '' },
  // copyFromImages
  { name: 'copy from an image with a floating tag', build: copy({ image: 'mwader/static-ffmpeg:7' }), path: 'vision/api', got: '"mwader/static-ffmpeg:7"', expected: 'a tag with a full version' },
  { name: 'copy from an image with latest', build: copy({ image: 'swaggerapi/swagger-ui:latest' }), path: 'vision/api', got: '"swaggerapi/swagger-ui:latest"', expected: 'major.minor.patch' },
  { name: 'copy from an image without a tag', build: copy({ image: 'mwader/static-ffmpeg' }), path: 'vision/api', got: '"mwader/static-ffmpeg"', expected: 'no tag means latest' },
  { name: 'copy from an image with capitals', build: copy({ image: 'MWader/static-ffmpeg:7.1.1' }), path: 'vision/api', got: '"MWader/static-ffmpeg:7.1.1"', expected: 'lowercase name components' },
  { name: 'copy with a short digest', build: copy({ digest: 'sha256:abc' }), path: 'vision/api', got: '"sha256:abc"', expected: '64 lowercase hex digits' },
  { name: 'copy with two digests', build: copy({ image: `mwader/static-ffmpeg:7.1.1@sha256:${'a'.repeat(64)}`, digest: `sha256:${'b'.repeat(64)}` }), path: 'vision/api', got: 'static-ffmpeg:7.1.1@sha256:', expected: 'the digest in one place' },
  { name: 'copy into the code folder', build: copy({ target: '/app/bin/ffmpeg' }), path: 'vision/api', got: '"/app/bin/ffmpeg"', expected: 'a path outside /app' },
  { name: 'copy over the parent of the virtualenv', build: copy({ target: '/opt' }), path: 'vision/api', got: '"/opt"', expected: 'none of their parents' },
  { name: 'copy over the parent of the runtime helpers', build: copy({ target: '/opt/' }), path: 'vision/api', got: '"/opt/"', expected: 'is a parent of /opt/venv' },
  { name: 'copy over the parent of the user database', build: copy({ target: '/etc' }), path: 'vision/api', got: '"/etc"', expected: 'is a parent of /etc/passwd' },
  { name: 'copy inside the runtime helpers', build: copy({ target: '/opt/mldocker/bin/x' }), path: 'vision/api', got: '"/opt/mldocker/bin/x"', expected: 'none of their parents' },
  { name: 'copy into the tmpfs', build: copy({ target: '/tmp/ffmpeg' }), path: 'vision/api', got: '"/tmp/ffmpeg"', expected: '/tmp tmpfs' },
  { name: 'copy with a relative source', build: copy({ source: 'ffmpeg' }), path: 'vision/api', got: '"ffmpeg"', expected: 'the absolute path of a file or directory' },
  { name: 'copy escaping with ..', build: copy({ target: '/usr/local/../../app/x' }), path: 'vision/api', got: '"/usr/local/../../app/x"', expected: 'without "." or ".." parts' },
  { name: 'copies with one name twice', build: svc({ copyFromImages: [COPY, { ...COPY, target: '/opt/ffmpeg' }] }), path: 'vision/api', got: '"ffmpeg"', expected: 'a unique name for each copy' },
  { name: 'copy on a gpu trainer with a floating tag', build: trainer({ copyFromImages: [{ ...COPY, image: 'ghcr.io/acme/tools:main' }] }), path: 'vision/trainer', got: '"ghcr.io/acme/tools:main"', expected: 'a tag with a full version' },
];

/** Bad torchPackages. */
rows.push(
  { name: 'torch package unknown', build: trainer({ torchPackages: ['torchtext'] }), path: 'vision/trainer', got: '"torchtext"', expected: '"torch", "torchvision", "torchaudio"' },
  { name: 'torch package listed twice', build: trainer({ torchPackages: ['torchvision', 'torchvision'] }), path: 'vision/trainer', got: '"torchvision"', expected: 'each package once' },
  { name: 'torch packages as a string', build: trainer({ torchPackages: 'torchvision' }), path: 'vision/trainer', got: '"torchvision"', expected: 'a list' },
  { name: 'cpu torch package unknown', build: svc({ torchVersion: '2.5.1', torchPackages: ['torchtext'] }), path: 'vision/api', got: '"torchtext"', expected: '"torch", "torchvision", "torchaudio"' },
  { name: 'cpu torch packages without torchVersion', build: svc({ torchPackages: ['torch'] }), path: 'vision/api', got: '["torch"]', expected: 'a torchVersion to install them at' },
);

/** GPU services without torch. */
const noTorch = (props: Record<string, unknown>) => trainer({ torchVersion: undefined, ...props });
rows.push(
  { name: 'gpu without torch: cudaVersion no base or wheel offers', build: noTorch({ cudaVersion: '12.7', requirements: { ml: ['jax[cuda12]==0.4.38'] } }), path: 'vision/trainer', got: '"12.7"', expected: 'one of: ' },
  { name: 'gpu without torch: cudaVersion not a version', build: noTorch({ cudaVersion: 'cu126' }), path: 'vision/trainer', got: '"cu126"', expected: '"12.6"' },
  { name: 'gpu without torch on python-slim without cuda wheels', build: noTorch({ cudaVersion: '12.6', requirements: { ml: ['onnxruntime-gpu==1.20.1'] } }), path: 'vision/trainer', got: '"12.6"', expected: 'jax[cuda12]' },
  { name: 'gpu without torch: cuda wheels of another major', build: noTorch({ cudaVersion: '12.6', requirements: { ml: ['jax[cuda13]==0.7.2'] } }), path: 'vision/trainer', got: '"12.6"', expected: 'nvidia-cuda-runtime-cu12' },
  { name: 'gpu without torch: no ubuntu24.04 image of that cuda', build: noTorch({ cudaVersion: '12.2', gpuBase: 'runtime' }), path: 'vision/trainer', got: '"12.2"', expected: 'a cudaVersion with one' },
  { name: 'gpu without torch: the default driver refuses the image', build: noTorch({ cudaVersion: '12.6', gpuBase: 'cudnn-runtime' }), path: 'vision/trainer', got: '"535.104.05"', expected: '>= 560.28.03' },
  { name: 'gpu without torch: torchPackages', build: noTorch({ cudaVersion: '12.6', gpuBase: 'runtime', hostDriverVersion: '560.35.03', torchPackages: ['torchvision'] }), path: 'vision/trainer', got: '["torchvision"]', expected: 'a torchVersion to install them at' },
  { name: 'gpu without torch: cuda extensions', build: noTorch({ cudaVersion: '12.6', gpuBase: 'runtime', hostDriverVersion: '560.35.03', cudaExtensions: ['ext/op'] }), path: 'vision/trainer', got: '["ext/op"]', expected: 'no cudaExtensions' },
);

/** CUDA extension architectures. */
const ext = (env: Record<string, string>) => trainer({ torchVersion: '2.9.0', gpuBase: 'runtime', cudaVersion: '12.6', hostDriverVersion: '580.65.06', cudaExtensions: ['ext/op'], buildEnv: env });
rows.push(
  { name: 'arch list with a capability the cuda release lacks', build: ext({ TORCH_CUDA_ARCH_LIST: '8.0;10.0' }), path: 'vision/trainer', got: '"10.0"', expected: 'capabilities of CUDA 12.6' },
  { name: 'arch list with a dropped capability', build: ext({ TORCH_CUDA_ARCH_LIST: '3.5;8.0' }), path: 'vision/trainer', got: '"3.5"', expected: 'capabilities of CUDA 12.6' },
  { name: 'arch list in sm_ form', build: ext({ TORCH_CUDA_ARCH_LIST: 'sm_80' }), path: 'vision/trainer', got: '"sm_80"', expected: '"X.Y" or "X.Y+PTX"' },
);

/** What is not a heredoc to BuildKit (quoted, inside a word, a here-string): written as given. */
export const accepts: AcceptRow[] = [
  ['a quoted shift', 'python -c "print(1 << 3)" && echo "<<EOF"'],
  ['an arithmetic shift', 'test $((1<<3)) -eq 8'],
  ['a here-string', 'bash -c "cat <<<word"'],
].map(([what, run]) => ({
  name: `build step with ${what}, which is no heredoc`,
  build: step({ run }),
  writes: { 'docker/api/Dockerfile': [run] },
}));
