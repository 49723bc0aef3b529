/**
 * Finding and checking model packages on disk: the manifest against the schema, then every file it
 * names for presence and content hash. `inspectModelPackage` never throws for a bad package; it
 * returns every problem so `listModels` can show broken packages next to good ones.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { appRoot } from '../engine/appRoot';
import { type ModelManifest, validateManifest } from './manifest';

export interface ModelPackageInfo {
  dir: string;
  /** Where it was found: the app's bundled models or the user's folder. */
  source: 'bundled' | 'user';
  ok: boolean;
  name: string;
  manifest?: ModelManifest;
  errors: string[];
  /** Total size of the package's files in bytes (only for valid packages). */
  bytes?: number;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

// Packages of real models hold gigabytes; a file is hashed again only when its size or mtime moves.
const hashCache = new Map<string, string>();

async function cachedSha256(path: string, size: number, mtimeMs: number): Promise<string> {
  const key = `${path}\0${size}\0${mtimeMs}`;
  let h = hashCache.get(key);
  if (!h) {
    h = await sha256File(path);
    hashCache.set(key, h);
  }
  return h;
}

export async function inspectModelPackage(
  dir: string,
  source: 'bundled' | 'user',
): Promise<ModelPackageInfo> {
  const fallbackName = dir.split(/[\\/]/).filter(Boolean).pop() ?? dir;
  let json: unknown;
  try {
    json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  } catch (e) {
    const why =
      (e as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'model.json: file missing'
        : `model.json: not valid JSON (${(e as Error).message})`;
    return { dir, source, ok: false, name: fallbackName, errors: [why] };
  }
  const check = validateManifest(json);
  if (!check.ok) {
    const name =
      typeof (json as { name?: unknown })?.name === 'string' ? (json as { name: string }).name : fallbackName;
    return { dir, source, ok: false, name, errors: check.errors };
  }
  const manifest = check.manifest;
  const errors: string[] = [];
  let bytes = 0;
  // Every file the manifest names or hashes (external weight files and decoder.noq.onnx included).
  const files = new Set([...Object.values(manifest.files), ...Object.keys(manifest.hashes)]);
  for (const file of files) {
    if (file.includes('/') || file.includes('\\') || file.startsWith('.')) {
      errors.push(`hashes: ${file} is not a plain file name inside the package`);
      continue;
    }
    const path = join(dir, file);
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(path);
    } catch {
      errors.push(`${file}: file missing`);
      continue;
    }
    if (!st.isFile()) {
      errors.push(`${file}: not a regular file`);
      continue;
    }
    bytes += st.size;
    const expected = manifest.hashes[file];
    const actual = `sha256:${await cachedSha256(path, st.size, st.mtimeMs)}`;
    if (expected && expected !== actual)
      errors.push(`${file}: hash mismatch (manifest ${expected}, file ${actual})`);
  }
  return errors.length
    ? { dir, source, ok: false, name: manifest.name, manifest, errors }
    : { dir, source, ok: true, name: manifest.name, manifest, errors, bytes };
}

/** The app's own assets folder (works from the source tree and from the built app). */
export function assetsDir(): string {
  return process.env.VLCACHE_ASSETS ? resolve(process.env.VLCACHE_ASSETS) : join(appRoot(), 'assets');
}

/** The user's models folder: `$VLCACHE_MODELS`, else `~/.vlcache/models`. */
export function userModelsDir(): string {
  return process.env.VLCACHE_MODELS
    ? resolve(process.env.VLCACHE_MODELS)
    : join(homedir(), '.vlcache', 'models');
}

async function subdirs(root: string): Promise<string[]> {
  try {
    const entries = await readdir(root, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory())
      .map((e) => join(root, e.name))
      .sort();
  } catch {
    return [];
  }
}

/** Every package folder under the bundled and the user models folders, valid or not. */
export async function scanModelPackages(
  roots = { bundled: join(assetsDir(), 'models'), user: userModelsDir() },
) {
  const out: ModelPackageInfo[] = [];
  for (const dir of await subdirs(roots.bundled)) out.push(await inspectModelPackage(dir, 'bundled'));
  for (const dir of await subdirs(roots.user)) out.push(await inspectModelPackage(dir, 'user'));
  return out;
}
