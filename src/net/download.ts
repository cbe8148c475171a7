/**
 * Downloads through a cache: `${XDG_CACHE_HOME:-~/.cache}/cpansec-patch/downloads`
 * (`--cache DIR` overrides it, CPANSEC_PATCH_CACHE the base). One folder per URL (named by
 * the URL's sha256), holding the file under its own name and `meta.json`
 * with the URL, sha256, size and Last-Modified.
 *
 * - Release tarballs never change on CPAN (PAUSE refuses a second upload of
 *   a file name), so a cached one is used again without asking the mirror;
 *   its sha256 is recomputed each time and must match meta.json (a damaged
 *   cache is fetched again), and CHECKSUMS is still checked by the caller.
 * - Indexes (02packages, CHECKSUMS) change: a cached copy is revalidated
 *   with If-Modified-Since, and used as it is with --offline.
 *
 * Files land in the cache with temp file + rename, so a crash never leaves a
 * half-written file under a final name.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CpansecError, wrapError } from '../errors.js';
import { fetchToFile } from './http.js';
import type { HttpOptions } from './http.js';

export interface DownloadOptions {
  /** Cache root; default from the environment (above). */
  cacheDir?: string;
  /** Never touch the network: cached copies only. */
  offline?: boolean;
  /** 'immutable' (release tarballs) or 'revalidate' (indexes). */
  kind: 'immutable' | 'revalidate';
  http: Omit<HttpOptions, 'ifModifiedSince'>;
  env?: Record<string, string | undefined>;
}

export interface Downloaded {
  /** null when the server says the file does not exist (404). */
  path: string | null;
  url: string;
  sha256: string;
  size: number;
  from: 'network' | 'cache' | 'file';
}

interface CacheMeta {
  url: string;
  sha256: string;
  size: number;
  lastModified?: string;
  name: string;
}

/** `${CPANSEC_PATCH_CACHE:-${XDG_CACHE_HOME:-~/.cache}/cpansec-patch}/downloads` (the repository cache sits beside it). */
export function defaultCacheDir(env: Record<string, string | undefined> = process.env): string {
  const base =
    env['CPANSEC_PATCH_CACHE'] ||
    join(env['XDG_CACHE_HOME'] || join(env['HOME'] || homedir(), '.cache'), 'cpansec-patch');
  return join(base, 'downloads');
}

export async function sha256File(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

function fileName(url: URL): string {
  const name = basename(decodeURIComponent(url.pathname));
  // A name we can use on any file system; the real identity is the URL in meta.json.
  return /^[\w.+-]{1,200}$/.test(name) && !/^\.+$/.test(name) ? name : 'download';
}

async function readMeta(dir: string): Promise<CacheMeta | undefined> {
  try {
    const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as CacheMeta;
    if (typeof meta.sha256 !== 'string' || typeof meta.name !== 'string' || !/^[\w.+-]+$/.test(meta.name))
      return undefined;
    return meta;
  } catch {
    return undefined;
  }
}

/** A cached copy whose bytes still have the recorded sha256, or undefined. */
async function cached(dir: string): Promise<(CacheMeta & { path: string }) | undefined> {
  const meta = await readMeta(dir);
  if (meta === undefined) return undefined;
  const path = join(dir, meta.name);
  try {
    const actual = await sha256File(path);
    return actual.sha256 === meta.sha256 && actual.size === meta.size ? { ...meta, path } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Fetches `raw` (or finds it in the cache).
 * @throws CpansecError NETWORK (also: offline and not cached), LIMIT_EXCEEDED, USAGE, IO
 */
export async function download(raw: string, options: DownloadOptions): Promise<Downloaded> {
  const url = new URL(raw);
  if (url.protocol === 'file:') return localFile(url, options);
  const root = options.cacheDir ?? defaultCacheDir(options.env);
  const key = createHash('sha256').update(url.href).digest('hex');
  const dir = join(root, key.slice(0, 2), key);
  const hit = await cached(dir);
  const fromCache = (c: CacheMeta & { path: string }): Downloaded => ({
    path: c.path,
    url: c.url,
    sha256: c.sha256,
    size: c.size,
    from: 'cache',
  });
  if (hit !== undefined && (options.kind === 'immutable' || options.offline === true)) return fromCache(hit);
  if (options.offline === true) {
    throw new CpansecError('NETWORK', `${url.href} is not in the download cache and --offline forbids fetching it`, {
      hint: `run once without --offline, or pass a local tarball (cache: ${root})`,
      details: { url: url.href, cache: root },
    });
  }
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw wrapError(err, 'IO', `cannot create the download cache ${dir}`, {
      hint: 'set --cache DIR to a writable place',
    });
  }
  const name = fileName(url);
  const temp = join(dir, `.${name}.${randomBytes(6).toString('hex')}.part`);
  try {
    const got = await fetchToFile(url.href, temp, {
      ...options.http,
      ...(hit?.lastModified === undefined ? {} : { ifModifiedSince: hit.lastModified }),
    });
    if (got.status === 'not-modified' && hit !== undefined) return fromCache(hit);
    if (got.status === 'not-found') return { path: null, url: got.url, sha256: '', size: 0, from: 'network' };
    if (got.status === 'not-modified') throw new CpansecError('NETWORK', `${url.href}: unexpected 304 Not Modified`);
    const meta: CacheMeta = {
      url: url.href,
      sha256: got.sha256,
      size: got.size,
      name,
      ...(got.lastModified === undefined ? {} : { lastModified: got.lastModified }),
    };
    await rename(temp, join(dir, name));
    await writeFile(join(dir, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`, { mode: 0o600 });
    return { path: join(dir, name), url: got.url, sha256: got.sha256, size: got.size, from: 'network' };
  } finally {
    await rm(temp, { force: true });
  }
}

async function localFile(url: URL, options: DownloadOptions): Promise<Downloaded> {
  const path = fileURLToPath(url);
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new CpansecError('USAGE', `${url.href} is not a file`);
    if (st.size > options.http.maxBytes) {
      throw new CpansecError('LIMIT_EXCEEDED', `${url.href} is larger than ${options.http.maxBytes} bytes`, {
        details: { url: url.href, limit: options.http.maxBytes },
      });
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return { path: null, url: url.href, sha256: '', size: 0, from: 'file' };
    throw wrapError(err, 'IO', `cannot read ${url.href}`);
  }
  const { sha256, size } = await sha256File(path);
  return { path, url: url.href, sha256, size, from: 'file' };
}
