import { createHash } from 'crypto';
import { createReadStream, readdirSync, statSync } from 'fs';
import { join, relative, sep } from 'path';
import { ModelSpec, matchesInclude } from './model-weights';
import { LockedFile, LockedModel, ModelsLock, safeFilePath } from './models-lock';
import { byCodeUnits } from '../core/order';

/**
 * What `npx projen models:lock` does: asks each model's source for its files, sizes and sha256.
 * The Hugging Face Hub through its HTTP API (`/api/models/<repo>/revision/<rev>?blobs=true`: the
 * revision's files, with the sha256 of every LFS file; a small file kept in git is fetched from
 * `/<repo>/resolve/<rev>/<file>` and hashed), a URL by downloading it, a repository folder by
 * reading it. Node's own `fetch` only; nothing here runs at synthesis.
 */

/** The hub's address, as `huggingface_hub` reads it. */
export function hubEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return (env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, '');
}

/** Where the lock asks: the hub's address and the project root (for repository folders). */
export interface LockSources {
  readonly endpoint: string;
  readonly root: string;
}

/** The lock of these models (each key once): rejects with a message naming the model and the file. */
export async function lockModels(specs: readonly ModelSpec[], sources: LockSources): Promise<ModelsLock> {
  const models: Record<string, LockedModel> = {};
  for (const spec of specs) {
    const seen = models[spec.key];
    if (seen && seen.include.join('\n') !== spec.include.join('\n')) {
      throw new Error(`${spec.key} is given twice with different include lists `
        + `(${JSON.stringify(seen.include)} and ${JSON.stringify(spec.include)}): give both the same`);
    }
    if (seen) continue;
    const files = spec.source === 'huggingface' ? await lockHub(spec, sources.endpoint)
      : spec.source === 'url' ? await lockUrl(spec) : await lockFolder(spec, sources.root);
    models[spec.key] = { include: [...spec.include], files: [...files].sort(byCodeUnits((f) => f.path)) };
  }
  return { models };
}

interface HubSibling {
  readonly rfilename?: unknown;
  readonly size?: unknown;
  readonly lfs?: { readonly sha256?: unknown; readonly size?: unknown };
}

async function lockHub(spec: ModelSpec, endpoint: string): Promise<LockedFile[]> {
  const api = `${endpoint}/api/models/${spec.location}/revision/${spec.revision}?blobs=true`;
  const info = await getJson(api, spec.key) as { siblings?: unknown };
  if (!Array.isArray(info?.siblings)) throw new Error(`${spec.key}: ${api} gave no file list ("siblings")`);
  const files: LockedFile[] = [];
  for (const s of info.siblings as HubSibling[]) {
    const path = s?.rfilename;
    if (!safeFilePath(path)) throw new Error(`${spec.key}: the hub lists a file with an unsafe name: ${JSON.stringify(path)}`);
    if (!matchesInclude(path, spec.include)) continue;
    const lfsSha = s.lfs?.sha256;
    if (typeof lfsSha === 'string' && /^[0-9a-f]{64}$/.test(lfsSha) && Number.isSafeInteger(s.lfs?.size ?? s.size)) {
      files.push({ path, size: (s.lfs?.size ?? s.size) as number, sha256: lfsSha });
    } else {
      // a file kept in git (config, tokenizer): the hub gives only its git blob id, so hash it
      const url = `${endpoint}/${spec.location}/resolve/${spec.revision}/${path.split('/').map(encodeURIComponent).join('/')}`;
      files.push({ path, ...await hashDownload(url, `${spec.key}: ${path}`) });
    }
  }
  if (files.length === 0) {
    throw new Error(`${spec.key}: no file of the revision matches include ${JSON.stringify(spec.include)}`);
  }
  return files;
}

async function lockUrl(spec: ModelSpec): Promise<LockedFile[]> {
  const name = new URL(spec.location).pathname.split('/').pop()!;
  const got = await hashDownload(spec.location, spec.key);
  if (spec.sha256 && got.sha256 !== spec.sha256) {
    throw new Error(`${spec.key}: sha256 ${got.sha256}, but the definition gives ${spec.sha256}`);
  }
  return [{ path: name, ...got }];
}

async function lockFolder(spec: ModelSpec, root: string): Promise<LockedFile[]> {
  const dir = join(root, spec.location);
  let entries: string[];
  try {
    entries = walk(dir);
  } catch (e) {
    throw new Error(`${spec.key}: cannot read the folder ${spec.location} (${(e as Error).message})`);
  }
  if (entries.length === 0) throw new Error(`${spec.key}: the folder ${spec.location} holds no file`);
  const files: LockedFile[] = [];
  for (const file of entries) {
    const path = relative(dir, file).split(sep).join('/');
    if (!safeFilePath(path)) throw new Error(`${spec.key}: a file with an unsafe name: ${JSON.stringify(path)}`);
    files.push({ path, size: statSync(file).size, sha256: await hashFile(file) });
  }
  return files;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function getJson(url: string, what: string): Promise<unknown> {
  const res = await request(url, what);
  try {
    return await res.json();
  } catch (e) {
    throw new Error(`${what}: ${url} did not answer JSON (${(e as Error).message})`);
  }
}

async function hashDownload(url: string, what: string): Promise<{ size: number; sha256: string }> {
  const res = await request(url, what);
  const hash = createHash('sha256');
  let size = 0;
  if (res.body) {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      size += chunk.length;
    }
  }
  return { size, sha256: hash.digest('hex') };
}

async function request(url: string, what: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow' });
  } catch (e) {
    const cause = (e as { cause?: { message?: string } }).cause?.message;
    throw new Error(`${what}: cannot reach ${url} (${cause ?? (e as Error).message})`);
  }
  if (!res.ok) {
    const hint = res.status === 401 || res.status === 403 ? ' (a gated or private model needs a token; not supported yet)' : '';
    throw new Error(`${what}: ${url} answered ${res.status} ${res.statusText}${hint}`);
  }
  return res;
}
