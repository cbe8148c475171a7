/**
 * `cpansec-patch pull [--from SOURCE]`: brings a verified copy of a patch
 * repository into the local cache (TUF client workflow through tuf-js, then
 * every patch's minisign signature). Progress goes to `onProgress`.
 */
import { nodeBlake2b512, nodeEd25519 } from '../crypto/node-ed25519.js';
import { defaultCacheDir, loadTrustRoot, pullRepository, resolveSource } from '../repo/index.js';
import type { PullResult, RepoLimits } from '../repo/index.js';
export type { PullResult } from '../repo/index.js';

export interface PullOptions {
  /** Directory, http(s) URL or git remote; default the embedded repository. */
  from?: string;
  /** Cache folder for this source; default under ${XDG_CACHE_HOME:-~/.cache}/cpansec-patch/repos (CPANSEC_PATCH_CACHE). */
  cache?: string;
  /** Root to trust for a new cache; default the embedded repository's root.json. */
  trustRoot?: string;
  /** Git branch or tag (git sources). */
  ref?: string;
  /** Seconds without data before a download fails (slow retrieval). */
  timeout?: number;
  limits?: Partial<RepoLimits>;
  now?: number;
  env?: Record<string, string | undefined>;
  onProgress?: (message: string) => void;
}

/** @throws CpansecError REPO_TRUST, REPO_ROLLBACK, REPO_EXPIRED, METADATA_INVALID, CHECKSUM_MISMATCH, LIMIT_EXCEEDED, NETWORK, SIGNATURE_* */
export async function pullPatches(options: PullOptions = {}): Promise<PullResult> {
  const source = resolveSource(options.from);
  const cacheDir = options.cache ?? defaultCacheDir(source, options.env ?? process.env);
  return pullRepository({
    source,
    cacheDir,
    trustRoot: await loadTrustRoot(options.trustRoot),
    ...(options.ref ? { gitRef: options.ref } : {}),
    ...(options.now === undefined ? {} : { now: options.now }),
    limits: { ...options.limits, ...(options.timeout === undefined ? {} : { fetchTimeoutMs: options.timeout * 1000 }) },
    crypto: { verifier: nodeEd25519, hasher: nodeBlake2b512 },
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
}
