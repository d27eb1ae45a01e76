/**
 * Credential files of common tools never reach an image, at any depth of a copied folder
 * (the leftovers of a developer machine or a CI checkout), while ordinary code and
 * configuration beside them does; a Python file named like a credential is refused at synth
 * (it would silently vanish from the image), and the entry check names the pattern that
 * drops an entry.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import ignore from '@balena/dockerignore';
import { PythonService } from '../../src';
import { loadData } from '../../src/core/data';
import { ALWAYS_EXCLUDED, CREDENTIAL_PATTERNS, CredentialPattern, secretPlacePattern } from '../../src/core/dockerignore';
import { isCodeOrConfig } from '../../src/entry';
import { newProject, problemsOf, synth } from '../util';

function layout(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mld-creds-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** One credential file per pattern, as the tools write them (under config/, a copied folder). */
const CREDENTIALS: Record<string, string> = {
  '**/secrets': 'config/secrets/db_password',
  '**/.netrc*': 'config/.netrc.bak',
  '**/.pypirc': 'config/.pypirc',
  '**/.npmrc': 'config/.npmrc',
  '**/.aws': 'config/.aws/credentials',
  '**/.ssh': 'config/.ssh/config',
  '**/id_rsa*': 'config/id_rsa',
  '**/id_ed25519*': 'config/deploy/id_ed25519_sk',
  '**/*.pem': 'config/tls/server.pem',
  '**/*.key': 'config/tls/server.key',
  '**/*.p12': 'config/cert.p12',
  '**/pip.conf': 'config/pip.conf',
  '**/*credentials*.json': 'config/gcp-credentials.json',
  '**/*service-account*.json': 'config/my-project-service-account-key.json',
  '**/application_default_credentials.json': 'config/gcloud/application_default_credentials.json',
  // the three files a public repository's first synth sent into its image
  '**/client_secret*.json': 'config/client_secret_1234-abcd.apps.googleusercontent.com.json',
  '**/token.json': 'config/token.json',
  '**/.secrets.*': 'config/.secrets.toml',
  '**/*firebase-adminsdk*.json': 'config/acme-firebase-adminsdk-x1y2z.json',
  '**/*.env': 'config/prod.env',
  '**/.envrc': 'config/.envrc',
  '**/.git-credentials': 'config/.git-credentials',
  '**/.docker': 'config/.docker/config.json',
  '**/.dockercfg': 'config/.dockercfg',
  '**/.kube': 'config/.kube/config',
  '**/kubeconfig': 'config/kubeconfig',
  '**/*.kubeconfig': 'config/prod.kubeconfig',
  '**/.config/gcloud': 'config/.config/gcloud/application_default_credentials.json',
  '**/.config/gh': 'config/.config/gh/hosts.yml',
  '**/.config/doctl': 'config/.config/doctl/config.yaml',
  '**/.bluemix': 'config/.bluemix/config.json',
  '**/rclone.conf': 'config/rclone/rclone.conf',
  '**/.modal.toml': 'config/.modal.toml',
  '**/kaggle.json': 'config/kaggle.json',
  '**/*.ovpn': 'config/office.ovpn',
  '**/.azure': 'config/.azure/accessTokens.json',
  '**/.oci': 'config/.oci/config',
  '**/.boto': 'config/.boto',
  '**/.s3cfg': 'config/.s3cfg',
  '**/.databrickscfg': 'config/.databrickscfg',
  '**/.vault-token': 'config/.vault-token',
  '**/credentials.tfrc.json': 'config/.terraform.d/credentials.tfrc.json',
  '**/*.tfstate': 'config/terraform.tfstate',
  '**/*.tfstate.*': 'config/terraform.tfstate.backup',
  '**/.huggingface': 'config/.huggingface/token',
  '**/.cache/huggingface': 'config/.cache/huggingface/token',
  '**/.kaggle': 'config/.kaggle/kaggle.json',
  '**/.streamlit/secrets.toml': 'config/.streamlit/secrets.toml',
  '**/.pgpass': 'config/.pgpass',
  '**/.my.cnf': 'config/.my.cnf',
  '**/.htpasswd': 'config/.htpasswd',
  '**/id_ecdsa*': 'config/id_ecdsa',
  '**/id_dsa*': 'config/id_dsa',
  '**/id_xmss*': 'config/id_xmss',
  '**/ssh_host_*_key': 'config/ssh_host_ed25519_key',
  '**/.gnupg': 'config/.gnupg/private-keys-v1.d/key.key',
  '**/*.ppk': 'config/putty.ppk',
  '**/*.pfx': 'config/cert.pfx',
  '**/*.jks': 'config/keystore.jks',
  '**/*.keystore': 'config/release.keystore',
};

/** Ordinary code and configuration beside them, some with names close to a credential's. */
const CODE: readonly string[] = [
  'app.py', 'config/app.yaml', 'config/settings.toml', 'config/requirements.txt', 'config/environment.yml', 'config/__init__.py',
  'config/env.py', 'config/environment.py', 'config/keys.py', 'config/key_points.py', 'config/secrets_manager.py', 'config/tokenizer.json',
  'config/kube/deploy.yaml', 'config/kubeconfig_loader.py', 'config/docker/entrypoint.sh', 'config/.streamlit/config.toml',
  'config/logging.conf', 'config/dev.cfg', 'config/ssh.py', 'config/netrc.py', 'config/huggingface/hub.py', 'config/ids.json',
  'config/templates/index.html', 'config/schema.sql', 'config/.python-version', 'config/id_mapping.py', 'config/pem_utils.py',
];

const EXTRA = [
  'config/id_rsa.pub', 'config/.netrc', 'config/.env', 'config/.env.production', 'config/.docker/contexts/meta/x/meta.json',
  'config/client_secrets.json', 'config/credentials.json', 'config/service-account.json', 'config/.secrets.yaml',
];

const ROOT_FILES: Record<string, string> = Object.fromEntries([...Object.values(CREDENTIALS), ...CODE, ...EXTRA].map((f) => [f, f.endsWith('.py') ? '' : f.endsWith('.json') ? '{}\n' : 'x\n']));

function matcherOf(text: string) {
  return ignore().add(text.split('\n'));
}

describe('credential files in a copied folder', () => {
  test('the list names each credential pattern once, and each is re-excluded by every ignore file', () => {
    expect(new Set(CREDENTIAL_PATTERNS).size).toBe(CREDENTIAL_PATTERNS.length);
    expect(Object.keys(CREDENTIALS).sort()).toEqual([...CREDENTIAL_PATTERNS].sort());
    for (const pattern of CREDENTIAL_PATTERNS) expect(ALWAYS_EXCLUDED).toContain(pattern);
    // a table of data: each row says what it holds and which documentation says so
    for (const row of loadData<{ patterns: CredentialPattern[] }>('credential-files.json').patterns) {
      expect(Object.keys(row).sort()).toEqual(['pattern', 'source', 'what']);
      expect(row.what.length).toBeGreaterThan(8);
      expect(row.source.length).toBeGreaterThan(8);
    }
  });

  test('each credential file stays out of the build context; every code and config file beside them is sent', () => {
    const project = newProject({ outdir: layout(ROOT_FILES) });
    new PythonService(project, 'api', { command: ['python', 'app.py'], sources: ['app.py', 'config'] });
    const out = synth(project);
    expect(out['docker/api/Dockerfile']).toContain('COPY --chown=10001:10001 config /app/config');
    for (const file of ['docker/api/Dockerfile.dockerignore', '.dockerignore']) {
      const matcher = matcherOf(String(out[file]));
      for (const [pattern, path] of Object.entries(CREDENTIALS)) {
        expect({ file, pattern, path, ignored: matcher.ignores(path) })
          .toEqual({ file, pattern, path, ignored: true });
        // and by its own pattern alone (so the table proves each pattern, not a neighbour)
        expect({ pattern, path, alone: ignore().add([pattern]).ignores(path) })
          .toEqual({ pattern, path, alone: true });
      }
      for (const path of EXTRA) {
        expect({ file, path, ignored: matcher.ignores(path) }).toEqual({ file, path, ignored: true });
      }
      for (const path of CODE) {
        expect({ file, path, ignored: matcher.ignores(path) }).toEqual({ file, path, ignored: false });
      }
    }
  });

  test('no credential pattern matches a code or configuration file name the ignore proof must keep', () => {
    const names = ['main.py', 'app.yaml', 'settings.toml', 'requirements.txt', 'environment.yml', 'config.json', 'setup.cfg', 'pyproject.toml', 'run.sh'];
    for (const pattern of CREDENTIAL_PATTERNS) {
      const matcher = ignore().add([pattern]);
      for (const name of names) {
        expect({ pattern, name, ignored: matcher.ignores(`pkg/${name}`) }).toEqual({ pattern, name, ignored: false });
      }
    }
    // every code name of the tree above is code to the proof: it would have been reported if dropped
    expect(CODE.filter((f) => !isCodeOrConfig(f))).toEqual([]);
  });

  test('no container mounts a credential folder either', () => {
    expect(secretPlacePattern('config/.kube')).toBe('**/.kube');
    expect(secretPlacePattern('home/.cache/huggingface/hub')).toBe('**/.cache/huggingface');
    expect(secretPlacePattern('home/.kaggle')).toBe('**/.kaggle');
    expect(secretPlacePattern('models/llm')).toBeUndefined();
    expect(secretPlacePattern('data/kube')).toBeUndefined();
  });
});

describe('python code named like a credential', () => {
  test('a module or package with a credential name is refused at synth, naming the file and the pattern', () => {
    const project = newProject({
      outdir: layout({
        'app/__init__.py': '',
        'app/main.py': '',
        'app/kubeconfig/__init__.py': '',
        'app/kubeconfig/load.py': '',
        'app/secrets/manager.py': '',
        'app/id_rsa_rotate.py': '',
        // a virtualenv beside the code holds such packages too: left out on purpose, never reported
        'app/.venv/lib/python3.11/site-packages/azure/keyvault/secrets/__init__.py': '',
      }),
    });
    new PythonService(project, 'api', { command: ['python', '-m', 'app.main'], sources: ['app'] });
    const problems = problemsOf(() => synth(project));
    const credential = problems.filter((p) => p.includes('matches the credential pattern'));
    expect(credential).toEqual([
      '[vision/api] a python file under a copied path matches the credential pattern **/id_rsa* (a name the ignore files exclude at any depth), so it never reaches the image: got "app/id_rsa_rotate.py"; expected python code whose folders and file names are not credential names (rename the module or its package; credential files are never sent to a build context)',
      expect.stringContaining('matches the credential pattern **/kubeconfig (a name the ignore files exclude at any depth), so it never reaches the image: got "app/kubeconfig/__init__.py"'),
      expect.stringContaining('matches the credential pattern **/kubeconfig (a name the ignore files exclude at any depth), so it never reaches the image: got "app/kubeconfig/load.py"'),
      expect.stringContaining('matches the credential pattern **/secrets (a name the ignore files exclude at any depth), so it never reaches the image: got "app/secrets/manager.py"'),
    ]);
    expect(problems.join('\n')).not.toContain('.venv');
  });

  test('an entry dropped by a credential pattern says which pattern drops it', () => {
    const project = newProject({ outdir: layout({ 'tools/deploy.env': 'x\n', 'tools/run.py': '' }) });
    new PythonService(project, 'api', { command: ['sh', 'tools/deploy.env'], sources: ['tools'] });
    const problems = problemsOf(() => synth(project));
    expect(problems).toEqual([
      '[vision/api] command: the shell script "tools/deploy.env" is in the project (/app/tools/deploy.env) but the ignore file drops it from the build context'
      + ' (it matches **/*.env: credential names never reach an image, at any depth): got ["sh","tools/deploy.env"]; expected a file that reaches the image (rename it, or move it out of the excluded folder)',
    ]);
  });
});
