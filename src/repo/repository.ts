/**
 * The read API other modules use: a verified repository, opened from the
 * embedded `patches/` (offline, through the same TUF code and file fetcher as
 * any directory), a directory, an http(s) URL or a git remote.
 *
 *   const repo = await openRepository();                     // the shipped repository
 *   repo.forDistribution('HTTP-Daemon', '6.16')             // entries, from signed metadata
 *   repo.isRevoked('HTTP-Daemon-CVE-2026-8450')
 *   const { bytes, file, signer } = await repo.readPatch(entry);   // TUF hash + minisign checked
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CpansecError } from '../errors.js';
import { defaultCacheDir } from './cache.js';
import { selectPatches } from './entries.js';
import { publisherKeys } from './keys.js';
import { METADATA_DIR } from './layout.js';
import { readVerifiedPatch } from './patch-check.js';
import { pullRepository, readCachedEntries } from './pull.js';
import { readRootFile } from './state.js';
import { parseSource } from './source.js';
import type { CpanVersion } from '../core/version/cpan-version.js';
import type { PublicKey } from '../sign/key-format.js';
import type { PatchEntry, RevokedEntry } from './entries.js';
import type { RepoLimits } from './limits.js';
import type { PatchCrypto, VerifiedPatch } from './patch-check.js';
import type { PullResult } from './pull.js';
import type { RepoSource } from './source.js';
import type { RoleName } from './tuf-model.js';

/** The repository shipped with the tool (the project's patches/ folder). */
export const EMBEDDED_REPOSITORY = fileURLToPath(new URL('../../patches', import.meta.url));

export interface OpenRepositoryOptions {
  /** A directory, an http(s) URL, or a git remote; default: the embedded repository. */
  repo?: string;
  /** This source's cache folder; default `${XDG_CACHE_HOME:-~/.cache}/cpansec-patch/repos/<name>` (CPANSEC_PATCH_CACHE overrides the base). */
  cache?: string;
  /** Do not contact the source: use the cache as it is (the embedded repository is local and always read). */
  offline?: boolean;
  /** The root to trust for a cache that has none yet; default the embedded repository's root.json. */
  trustRoot?: string | Uint8Array;
  gitRef?: string;
  cwd?: string;
  env?: Record<string, string | undefined>;
  now?: number;
  crypto?: PatchCrypto;
  limits?: Partial<RepoLimits>;
  onProgress?: (message: string) => void;
}

export interface Repository {
  readonly source: string;
  readonly cacheDir: string;
  readonly versions: Readonly<Record<RoleName, number>>;
  readonly expires: Readonly<Record<RoleName, string>>;
  /** The pull that opened it (undefined when opened offline from the cache). */
  readonly pull: PullResult | undefined;
  /** Every patch the signed targets list (revoked ones are not listed). */
  patches(): PatchEntry[];
  /** The patches that apply to `distribution` at `version`: affected, not fixed, not revoked. */
  forDistribution(distribution: string, version: string | CpanVersion): PatchEntry[];
  /** Looks a patch up by Patch-Id. */
  get(patchId: string): PatchEntry | undefined;
  isRevoked(patchId: string): boolean;
  revocation(patchId: string): RevokedEntry | undefined;
  revoked(): RevokedEntry[];
  /** The minisign keys allowed to sign patches (the targets role's keys in the verified root). */
  publisherKeys(): PublicKey[];
  /** The patch bytes, checked against the TUF hash and the minisign signature, parsed. */
  readPatch(entry: PatchEntry | string): Promise<VerifiedPatch>;
}

export function resolveSource(repo: string | undefined, cwd: string = process.cwd()): RepoSource {
  return parseSource(repo ?? '', cwd, EMBEDDED_REPOSITORY);
}

export async function loadTrustRoot(trustRoot: string | Uint8Array | undefined): Promise<Uint8Array> {
  if (trustRoot instanceof Uint8Array) return trustRoot;
  return readRootFile(trustRoot ?? join(EMBEDDED_REPOSITORY, METADATA_DIR, 'root.json'));
}

/**
 * Opens (pulling first, unless offline) and verifies a repository.
 * @throws CpansecError REPO_TRUST, REPO_ROLLBACK, REPO_EXPIRED, METADATA_INVALID, CHECKSUM_MISMATCH,
 *   SIGNATURE_*, LIMIT_EXCEEDED, NETWORK, FILE_NOT_FOUND (offline with an empty cache)
 */
export async function openRepository(options: OpenRepositoryOptions = {}): Promise<Repository> {
  const source = resolveSource(options.repo, options.cwd);
  const cacheDir = options.cache ?? defaultCacheDir(source, options.env ?? process.env);
  const now = options.now ?? Date.now();
  let pull: PullResult | undefined;
  if (!options.offline || source.kind === 'embedded') {
    pull = await pullRepository({
      source,
      cacheDir,
      trustRoot: await loadTrustRoot(options.trustRoot),
      now,
      ...(options.gitRef ? { gitRef: options.gitRef } : {}),
      ...(options.crypto ? { crypto: options.crypto } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  }
  const cached = await readCachedEntries(cacheDir, now, options.crypto?.verifier);
  if (cached === undefined) {
    throw new CpansecError('FILE_NOT_FOUND', `no verified copy of ${source.display} in ${cacheDir}`, {
      hint: `run "cpansec-patch pull --from ${source.display}" first`,
      details: { cacheDir },
    });
  }
  const { entries, revoked, set, generation } = cached;
  const byId = new Map(entries.map((e) => [e.patchId, e]));
  const revokedById = new Map(revoked.map((r) => [r.patchId, r]));
  const targetsDir = join(cacheDir, generation, 'targets');
  const signed = (role: RoleName) => set[role].signed;
  return {
    source: source.display,
    cacheDir,
    versions: Object.freeze({
      root: signed('root').version,
      targets: signed('targets').version,
      snapshot: signed('snapshot').version,
      timestamp: signed('timestamp').version,
    }),
    expires: Object.freeze({
      root: signed('root').expires,
      targets: signed('targets').expires,
      snapshot: signed('snapshot').expires,
      timestamp: signed('timestamp').expires,
    }),
    pull,
    patches: () => [...entries],
    forDistribution: (distribution, version) => selectPatches(entries, revoked, distribution, version),
    get: (patchId) => byId.get(patchId),
    isRevoked: (patchId) => revokedById.has(patchId),
    revocation: (patchId) => revokedById.get(patchId),
    revoked: () => [...revoked],
    publisherKeys: () => publisherKeys(set.root.signed),
    async readPatch(entry) {
      const e = typeof entry === 'string' ? byId.get(entry) : entry;
      if (e === undefined || byId.get(e.patchId) !== e) {
        const id = typeof entry === 'string' ? entry : entry.patchId;
        if (revokedById.has(id)) {
          throw new CpansecError('PATCH_REVOKED', `${id} was revoked: ${revokedById.get(id)?.reason}`, {
            details: { patchId: id, revocation: revokedById.get(id) },
          });
        }
        throw new CpansecError('PATCH_NOT_FOUND', `${id} is not in ${source.display}`, { details: { patchId: id } });
      }
      return readVerifiedPatch(targetsDir, e, set.root.signed, options.crypto);
    },
  };
}
