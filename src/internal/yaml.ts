/**
 * The `yaml` package, preferably projen's copy: projen (our peer dependency) bundles yaml 2
 * and has already loaded it by the time this library is, so every synth saves loading a
 * second copy (about 25 ms). Our own bundled yaml is the fallback, for a projen whose copy
 * is missing or of another major version.
 */
import { readFileSync } from 'fs';
import { dirname } from 'path';
import type * as YamlModule from 'yaml';

function projenYaml(): typeof YamlModule | undefined {
  try {
    const projenDir = dirname(require.resolve('projen/package.json'));
    const pkgFile = require.resolve('yaml/package.json', { paths: [projenDir] });
    const version = String(JSON.parse(readFileSync(pkgFile, 'utf8')).version ?? '');
    if (!version.startsWith('2.')) return undefined;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(dirname(pkgFile));
  } catch {
    return undefined;
  }
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const YAML: typeof YamlModule = projenYaml() ?? require('yaml');
