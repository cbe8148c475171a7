/**
 * `new --from`: the upstream fix a backport starts from, read from a file or
 * fetched from the https address of a commit or pull request (its `.patch`
 * form), parsed, with the authorship it carries. The patch is hostile input
 * like any other: bounded, parsed by the same parser, refused on the same
 * grounds; nothing in it is run.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { resolveFixUrl } from '../core/authoring/fix-url.js';
import { tryDecodeUtf8 } from '../core/bytes.js';
import { parseOriginalHeader } from '../core/import/styles.js';
import { resolveLimits } from '../core/limits.js';
import { parsePatchFile } from '../core/patch/patch-file.js';
import { CpansecError, inContext } from '../errors.js';
import { readFileLimited } from '../files/read.js';
import { fetchToFile } from '../net/http.js';
import type { Limits } from '../core/limits.js';
import type { OriginalHeader } from '../core/import/styles.js';
import type { PatchFile } from '../core/patch/patch-file.js';

export interface FixSourceOptions {
  cwd?: string;
  /** Fetch github.com / gitlab.com addresses from this base instead (a mirror; tests use 127.0.0.1). */
  baseUrl?: string;
  limits?: Partial<Limits>;
  onProgress?: (message: string) => void;
}

export interface UpstreamPatch {
  /** What the user named. */
  source: string;
  kind: 'file' | 'url';
  /** The address Origin records (URLs), or "commit:<sha>" when the text names its commit. */
  origin?: string;
  fetchedFrom?: string;
  bytes: Uint8Array;
  file: PatchFile;
  header: OriginalHeader;
}

function looksLikeUrl(s: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(s);
}

async function fetchPatch(
  url: string,
  limits: Readonly<Limits>,
  onProgress?: (m: string) => void,
): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'cpansec-fix-'));
  try {
    const dest = join(dir, 'fix.patch');
    const got = await fetchToFile(url, dest, {
      maxBytes: limits.maxPatchBytes,
      idleTimeoutMs: limits.downloadIdleTimeoutMs,
      timeoutMs: limits.downloadTimeoutMs,
      maxRedirects: limits.maxRedirects,
      ...(onProgress ? { onProgress: (n: number) => onProgress(`fetching ${url}: ${n} bytes`) } : {}),
    });
    if (got.status === 'not-found') {
      throw new CpansecError('FILE_NOT_FOUND', `${url} does not exist (HTTP 404)`, {
        hint: 'check the commit or pull request address',
        details: { url },
      });
    }
    return await readFileLimited(dest, limits.maxPatchBytes, 'fetched patch');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * @throws CpansecError USAGE (not https), FILE_NOT_FOUND, NETWORK, LIMIT_EXCEEDED, PATCH_PARSE,
 *   PATCH_UNSUPPORTED, UNSAFE_PATH
 */
export async function readUpstreamPatch(from: string, options: FixSourceOptions = {}): Promise<UpstreamPatch> {
  const limits = resolveLimits(options.limits);
  const local = resolve(options.cwd ?? process.cwd(), from);
  const isFile = !looksLikeUrl(from) && (await stat(local).catch(() => undefined))?.isFile() === true;
  let bytes: Uint8Array;
  let origin: string | undefined;
  let fetchedFrom: string | undefined;
  if (isFile) {
    bytes = await readFileLimited(local, limits.maxPatchBytes, 'patch file');
  } else if (looksLikeUrl(from)) {
    const src = resolveFixUrl(from, options.baseUrl);
    bytes = await fetchPatch(src.fetch, limits, options.onProgress);
    origin = src.origin;
    fetchedFrom = src.fetch;
  } else {
    throw new CpansecError('FILE_NOT_FOUND', `no such patch file: ${from}`, {
      hint: 'give a patch file, or the https address of an upstream commit or pull request',
      details: { path: from },
    });
  }
  let file: PatchFile;
  try {
    file = parsePatchFile(bytes, { limits });
  } catch (err) {
    throw inContext(err, from, 'PATCH_PARSE', { source: from });
  }
  const preamble = tryDecodeUtf8(bytes.subarray(0, file.diff.preamble.length)) ?? file.diff.preamble;
  const header = parseOriginalHeader(preamble, file.diffText.slice(0, 200));
  origin ??= header.commit === undefined ? undefined : `commit:${header.commit}`;
  return {
    source: from,
    kind: isFile ? 'file' : 'url',
    ...(origin === undefined ? {} : { origin }),
    ...(fetchedFrom === undefined ? {} : { fetchedFrom }),
    bytes,
    file,
    header,
  };
}
