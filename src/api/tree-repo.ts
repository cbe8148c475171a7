/**
 * The patch repository (src/repo: TUF metadata + minisign-signed patches) as
 * a TreePatchSource for `apply --tree` and `status`, and the embedded
 * repository's publisher keys as the default trust for `--patch` files.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { upgradeAdvice } from '../core/upstream/retire.js';
import { parseAffectedVersions, parseVersionList } from '../core/version/affected.js';
import { nodeBlake2b512, nodeEd25519 } from '../crypto/node-ed25519.js';
import { sha256Hex } from '../files/hash.js';
import { EMBEDDED_REPOSITORY, openRepository } from '../repo/index.js';
import { readPublicKey } from './key-files.js';
import type { PublicKey } from '../sign/key-format.js';
import type { TreePatch, TreePatchSource } from './tree-patches.js';

export interface TreeRepositoryOptions {
  /** A directory, an http(s) URL or a git remote; default the embedded repository. */
  repo?: string;
  /** This source's cache folder (default under ${XDG_CACHE_HOME:-~/.cache}/cpansec-patch/repos). */
  cache?: string;
  /** Use the cached copy without contacting the source. */
  offline?: boolean;
  /** root.json to trust for a cache that has none yet (default: the embedded repository's). */
  trustRoot?: string;
  onProgress?: (message: string) => void;
}

/** @throws the errors of openRepository (REPO_TRUST, REPO_EXPIRED, NETWORK, FILE_NOT_FOUND offline without a cache …) */
export async function openTreePatchSource(options: TreeRepositoryOptions = {}): Promise<TreePatchSource> {
  const repo = await openRepository({
    ...(options.repo ? { repo: options.repo } : {}),
    ...(options.cache ? { cache: options.cache } : {}),
    ...(options.offline ? { offline: true } : {}),
    ...(options.trustRoot ? { trustRoot: options.trustRoot } : {}),
    crypto: { verifier: nodeEd25519, hasher: nodeBlake2b512 },
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  return {
    name: repo.source,
    forDistribution(dist, version) {
      try {
        return repo.forDistribution(dist, version).map((e) => e.patchId);
      } catch {
        // An installed version version.pm cannot parse matches no range.
        return [];
      }
    },
    async load(patchId): Promise<TreePatch> {
      const v = await repo.readPatch(patchId);
      const e = v.entry;
      return {
        id: e.patchId,
        dist: e.distribution,
        origin: `${repo.source}#${e.path}`,
        source: 'repository',
        bytes: v.bytes,
        sha256: sha256Hex(v.bytes),
        file: v.file,
        affected: parseAffectedVersions(e.affectedVersions),
        fixed: e.fixedVersions.length > 0 ? parseVersionList(e.fixedVersions.join(', ')) : [],
        signedBy: v.signer,
      };
    },
    isRevoked: (patchId) => repo.isRevoked(patchId),
    revocationReason: (patchId) => repo.revocation(patchId)?.reason,
    publisherKeys: () => repo.publisherKeys(),
    upgradeAdvice(dist, version) {
      try {
        return repo.forDistribution(dist, version).flatMap((e) => upgradeAdvice(e, version) ?? []);
      } catch {
        return [];
      }
    },
  };
}

/**
 * The embedded repository's publisher keys (patches/keys/publisher-*.pub):
 * what `--patch` files are checked against when no --key is given. Root keys
 * are left out: they sign metadata, never patches.
 */
export async function embeddedPublisherKeys(dir = join(EMBEDDED_REPOSITORY, 'keys')): Promise<PublicKey[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const files = names.filter((n) => n.startsWith('publisher') && n.endsWith('.pub')).sort();
  return Promise.all(files.map((n) => readPublicKey(join(dir, n))));
}
