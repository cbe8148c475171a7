/**
 * What the three upstream commands share: finding the patch (a Patch-Id in
 * the repository working copy, or a file), reading the distribution's META
 * from a release tarball (the tarball code's download, cache and CHECKSUMS
 * check, or `--tarball`), the GitHub client with its token and redactor, and
 * keeping tokens out of every error.
 */
import { stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { resolveLimits } from '../core/limits.js';
import { diffstat } from '../core/patch/diffstat.js';
import { requireValidMetadata } from '../core/patch/patch-file.js';
import { readMetaJsonPointers, readMetaYmlPointers } from '../core/upstream/meta-resources.js';
import { createRedactor, redactDeep } from '../core/upstream/redact.js';
import { githubWebHost } from '../core/upstream/repo-url.js';
import { compareVersions } from '../core/version/cpan-version.js';
import { CpansecError } from '../errors.js';
import { findPatchFile } from '../repo/index.js';
import { scanTarball } from '../tarball/scan.js';
import { DEFAULT_GITHUB_API, GitHubClient } from '../upstream/github.js';
import { findGitHubToken } from '../upstream/token.js';
import { loadPatch } from './load-patch.js';
import { resolveTarballInput } from './tarball-input.js';
import type { Diffstat } from '../core/patch/diffstat.js';
import type { PatchMetadata } from '../core/patch/metadata.js';
import type { PatchFile } from '../core/patch/patch-file.js';
import type { UpstreamPointers } from '../core/upstream/meta-resources.js';
import type { Redactor } from '../core/upstream/redact.js';
import type { EtagStore } from '../upstream/github.js';

/** Options every upstream command takes. */
export interface UpstreamCommonOptions {
  /** The repository working copy the patches live in (default the current folder). */
  repo?: string;
  /** GitHub API base URL (default $CPANSEC_GITHUB_API, else https://api.github.com). */
  githubApi?: string;
  /** More web hosts to treat as GitHub (GitHub Enterprise; tests). */
  githubHosts?: readonly string[];
  /** Longest rate-limit wait to sit through, in seconds (default 60). */
  maxWait?: number;
  /** Retries of server errors and their backoff base, for the GitHub client. */
  retries?: number;
  retryBaseMs?: number;
  env?: Record<string, string | undefined>;
  cwd?: string;
  now?: number;
  onNote?: (message: string) => void;
  onWarning?: (message: string) => void;
  onProgress?: (message: string) => void;
}

/** Where META comes from. */
export interface MetaSourceOptions {
  /** A local release tarball to read META from (instead of fetching one). */
  tarball?: string;
  mirror?: string;
  cache?: string;
  offline?: boolean;
}

export interface ForwardPatch {
  patchId: string;
  distribution: string;
  /** The patch file. */
  path: string;
  /** The repository working copy holding it, when it is in one. */
  repoDir: string | undefined;
  /** patches/<Dist>/<Patch-Id>.patch inside repoDir. */
  repoPath: string | undefined;
  bytes: Uint8Array;
  file: PatchFile;
  metadata: PatchMetadata;
  stat: Diffstat;
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/**
 * The patch named by a Patch-Id (looked up in the repository working copy) or a path.
 * @throws CpansecError PATCH_NOT_FOUND, HEADER_INVALID, PATCH_PARSE, LIMIT_EXCEEDED
 */
export async function loadForwardPatch(given: string, options: UpstreamCommonOptions): Promise<ForwardPatch> {
  const cwd = options.cwd ?? process.cwd();
  const repoDir = resolve(cwd, options.repo ?? '.');
  let path: string;
  let inRepo: string | undefined;
  const asFile = resolve(cwd, given);
  if (given.endsWith('.patch') && (await isFile(asFile))) {
    path = asFile;
    // A file inside <repo>/patches/<Dist>/ is that repository's patch.
    const rel = relative(repoDir, asFile).split(sep).join('/');
    if (/^patches\/[^/]+\/[^/]+\.patch$/.test(rel)) inRepo = repoDir;
  } else {
    const rel = await findPatchFile(repoDir, given).catch(() => undefined);
    if (rel === undefined) {
      throw new CpansecError('PATCH_NOT_FOUND', `no patch ${given} in ${join(repoDir, 'patches')}`, {
        hint: 'give a Patch-Id of the repository working copy (--repo DIR), or the path of a .patch file',
        details: { patchId: given, repo: repoDir },
      });
    }
    path = join(repoDir, rel);
    inRepo = repoDir;
  }
  const limits = resolveLimits();
  const loaded = await loadPatch(path, limits);
  const metadata = requireValidMetadata(loaded.file, path);
  const patchId = metadata.patchId as string;
  if (basename(path) !== `${patchId}.patch`) inRepo = undefined;
  return {
    patchId,
    distribution: metadata.distribution as string,
    path,
    repoDir: inRepo,
    repoPath: inRepo === undefined ? undefined : relative(inRepo, path).split(sep).join('/'),
    bytes: loaded.bytes,
    file: loaded.file,
    metadata,
    stat: diffstat(loaded.file.diff),
  };
}

/** The patch's verified versions, newest first (the releases we look for in tags and on CPAN). */
export function releasesOf(meta: PatchMetadata): string[] {
  return [...meta.verifiedVersions].sort((a, b) => compareVersions(b, a)).map((v) => v.original);
}

export interface MetaRead {
  pointers: UpstreamPointers;
  /** The tarball read, and its authors/id path when it came from a mirror. */
  tarball: string;
  cpanPath: string | undefined;
}

/**
 * META of a release: `--tarball`, else `<Dist>-<version>` from the mirror (through the download
 * cache, checked against CHECKSUMS), for the newest verified version.
 * @throws CpansecError DIST_NOT_FOUND, NETWORK, CHECKSUM_MISMATCH, TARBALL_INVALID, METADATA_INVALID
 */
export async function readDistMeta(
  dist: string,
  versions: readonly string[],
  options: MetaSourceOptions & UpstreamCommonOptions,
): Promise<MetaRead | undefined> {
  const version = versions[0];
  if (options.tarball === undefined && version === undefined) return undefined;
  const given = options.tarball ?? `${dist}-${version}`;
  options.onProgress?.(`reading META of ${given}`);
  const origin = await resolveTarballInput(given, {
    ...(options.mirror === undefined ? {} : { mirror: options.mirror }),
    ...(options.cache === undefined ? {} : { cacheDir: options.cache }),
    ...(options.offline === undefined ? {} : { offline: options.offline }),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    ...(options.onWarning === undefined ? {} : { onWarning: options.onWarning }),
  });
  const scan = await scanTarball(origin.path, { wanted: new Set(), name: origin.file });
  const json = scan.found.get('META.json')?.bytes;
  const yml = scan.found.get('META.yml')?.bytes;
  let pointers: UpstreamPointers | undefined;
  if (json !== undefined) {
    try {
      pointers = readMetaJsonPointers(json);
    } catch (err) {
      if (yml === undefined) throw err;
    }
  }
  if (pointers === undefined && yml !== undefined) pointers = readMetaYmlPointers(yml);
  if (pointers === undefined) return undefined;
  return { pointers, tarball: origin.file, cpanPath: origin.cpanPath };
}

/** The PAUSE id of an authors/id path ("O/OA/OALDERS/x.tar.gz" → "OALDERS"). */
export function pauseIdOf(cpanPath: string | undefined): string | undefined {
  const m = /^[A-Z]\/[A-Z]{2}\/([A-Z][-A-Z0-9]*)\//.exec(cpanPath ?? '');
  return m?.[1];
}

export interface GitHubSetup {
  apiUrl: string;
  /** The web host of that API (github.com, an Enterprise host, a test server's host). */
  host: string;
  hosts: string[];
  token: string | undefined;
  tokenSource: string | undefined;
  redact: Redactor;
  client: GitHubClient;
}

/** The API URL, token, redactor and client for the upstream commands. */
export async function setUpGitHub(
  options: UpstreamCommonOptions & { etags?: EtagStore; onWait?: (left: number, until: Date, why: string) => void },
): Promise<GitHubSetup> {
  const env = options.env ?? process.env;
  const apiUrl = (options.githubApi ?? env['CPANSEC_GITHUB_API'] ?? DEFAULT_GITHUB_API).replace(/\/+$/, '');
  let api: URL;
  try {
    api = new URL(apiUrl);
  } catch {
    throw new CpansecError('USAGE', `--github-api ${JSON.stringify(apiUrl)} is not a URL`);
  }
  const loopback = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(api.hostname);
  if (api.protocol !== 'https:' && !(api.protocol === 'http:' && loopback)) {
    throw new CpansecError(
      'USAGE',
      `--github-api must be an https:// URL (http:// only to 127.0.0.1), not ${api.origin}`,
      {
        hint: 'a token sent over plain http can be read by anyone on the way',
      },
    );
  }
  const host = githubWebHost(apiUrl);
  const found = await findGitHubToken(host, env);
  const redact = createRedactor([found?.token]);
  const client = new GitHubClient({
    apiUrl,
    token: found?.token,
    redact,
    maxWaitSeconds: options.maxWait ?? 60,
    ...(options.onWait ? { onWait: options.onWait } : {}),
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
    ...(options.retries === undefined ? {} : { retries: options.retries }),
    ...(options.retryBaseMs === undefined ? {} : { retryBaseMs: options.retryBaseMs }),
    ...(options.etags ? { etags: options.etags } : {}),
  });
  return {
    apiUrl,
    host,
    hosts: [...new Set([host, ...(options.githubHosts ?? [])])],
    token: found?.token,
    tokenSource: found?.source,
    redact,
    client,
  };
}

/** A countdown line for a rate-limit wait. */
export function formatWait(left: number, until: Date, why: string): string {
  return left > 0
    ? `${why}: waiting ${left} s (until ${until.toISOString().slice(11, 19)} UTC)`
    : `${why}: retrying now`;
}

/**
 * Reports a rate-limit wait: its first line as a warning (seen on any stderr, even with --json
 * or --quiet), then a countdown line every second as progress (drawn on a terminal).
 */
export function waitReporter(options: UpstreamCommonOptions): (left: number, until: Date, why: string) => void {
  let current: number | undefined;
  return (left, until, why) => {
    const line = formatWait(left, until, why);
    if (current !== until.getTime()) {
      current = until.getTime();
      options.onWarning?.(line);
    }
    options.onProgress?.(line);
  };
}

/**
 * Runs an upstream command body so that nothing it throws or returns holds a token: errors are
 * rebuilt with redacted text (their cause, which may hold request headers, is dropped).
 */
export async function redacting<T>(redact: () => Redactor, body: () => Promise<T>): Promise<T> {
  try {
    return redactDeep(await body(), redact());
  } catch (err) {
    const r = redact();
    if (err instanceof CpansecError) {
      throw new CpansecError(err.code, r(err.message), {
        ...(err.hint === undefined ? {} : { hint: r(err.hint) }),
        ...(err.details === undefined ? {} : { details: redactDeep(err.details, r) }),
      });
    }
    const message = err instanceof Error ? err.message : String(err);
    throw new CpansecError('INTERNAL', r(`unexpected failure: ${message}`));
  }
}
