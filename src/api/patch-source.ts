/**
 * Where the patches for a tarball come from, behind one small interface:
 * explicit `--patch FILE` arguments, or the repository (the embedded
 * `patches/`, or `--repo DIR|URL`). Every patch handed out is verified: its
 * bytes are the bytes whose signature was checked (one read, no window
 * between checking and using), unless the caller allowed unsigned patches,
 * and then the patch says so (`signer: null`).
 */
import { basename } from 'node:path';
import { resolveLimits } from '../core/limits.js';
import { parsePatchFile, validatePatchFile } from '../core/patch/patch-file.js';
import { versionForMatching } from '../core/dist/distname.js';
import { upgradeAdvice } from '../core/upstream/retire.js';
import { isAffected } from '../core/version/affected.js';
import { CpansecError, inContext } from '../errors.js';
import { sha256Hex } from '../files/hash.js';
import { readFileLimited } from '../files/read.js';
import { MAX_SIGNATURE_FILE_BYTES } from '../sign/signature-format.js';
import { readPublicKey } from './key-files.js';
import type { Limits } from '../core/limits.js';
import type { PatchFile } from '../core/patch/patch-file.js';
import type { PatchMetadata } from '../core/patch/metadata.js';
import type { OpenRepositoryOptions, Repository } from '../repo/index.js';
import type { PublicKey } from '../sign/key-format.js';
import type { verifySignature } from '../sign/verify.js';

export interface SelectedPatch {
  /** Patch-Id, or the file name for a patch without one (a plain diff applied with --allow-unsigned). */
  id: string;
  /** The file, or the repository target it came from. */
  origin: string;
  bytes: Uint8Array;
  sha256: string;
  file: PatchFile;
  metadata: PatchMetadata;
  /** Key id (minisign style) of the key whose signature verified; null for an unsigned patch. */
  signer: string | null;
}

export interface PatchSelection {
  patches: SelectedPatch[];
  /** What the patches were chosen from ("2 patch files", "repository /…/patches"). */
  source: string;
  /** Why there is nothing to apply, when `patches` is empty. */
  reason?: string;
  /** Advice for the user about the chosen patches (a release with the fix exists: upgrade to it). */
  warnings?: string[];
}

/** A source of verified patches for one distribution release. */
export interface PatchSource {
  readonly kind: 'files' | 'repository';
  /**
   * The patches to apply to `dist` at `version`, in order. The caller still checks each
   * against the release it finds in the tarball (checkPatchTarget).
   * @throws CpansecError the signature, trust and parse errors of the source
   */
  select(dist: string, version: string): Promise<PatchSelection>;
}

export interface FilePatchSourceOptions {
  files: readonly string[];
  /** Public key files to trust; default: the publisher keys of the repository in `repository`. */
  keys?: readonly string[];
  /** Apply patches that have no `.minisig` (a loud warning is the caller's job). */
  allowUnsigned?: boolean;
  /** Where trusted keys come from when `keys` is empty. */
  repository?: OpenRepositoryOptions;
  limits?: Partial<Limits>;
  onWarning?: (message: string) => void;
}

async function readOptional(path: string, max: number, what: string): Promise<Uint8Array | undefined> {
  try {
    return await readFileLimited(path, max, what);
  } catch (err) {
    if (err instanceof CpansecError && err.code === 'FILE_NOT_FOUND') return undefined;
    throw err;
  }
}

function mismatch(patch: SelectedPatch, dist: string, version: string, why: string): CpansecError {
  return new CpansecError('DIST_MISMATCH', `${patch.origin} is not for ${dist} ${version}: ${why}`, {
    hint: 'check that the tarball and the patch belong together; the patch header says which releases it fixes',
    details: { patch: patch.origin, patchId: patch.id, dist, version },
  });
}

/** Does the patch's own header allow it on this release? (Patches without these fields say nothing.) */
export function checkPatchTarget(patch: SelectedPatch, dist: string, version: string): void {
  const m = patch.metadata;
  if (m.distribution !== undefined && m.distribution !== dist) {
    throw mismatch(patch, dist, version, `it is for ${m.distribution}`);
  }
  if (m.affectedVersions !== undefined) {
    let affected: boolean;
    try {
      affected = isAffected(m.affectedVersions, versionForMatching(version), m.fixedVersions);
    } catch (err) {
      throw inContext(err, `version ${version}`, 'VERSION_INVALID');
    }
    if (!affected) {
      throw mismatch(
        patch,
        dist,
        version,
        `its Affected-Versions (${m.affectedVersionsText ?? ''}) exclude ${version}`,
      );
    }
  }
}

/**
 * Reads one patch file and checks its `.minisig` on the same bytes, in the
 * order of api/verify.ts (minisign's order, then the trusted comment's
 * binding to this file, Patch-Id and Distribution).
 */
async function readFilePatch(
  path: string,
  keys: () => Promise<PublicKey[]>,
  options: FilePatchSourceOptions,
  limits: Readonly<Limits>,
): Promise<SelectedPatch> {
  const bytes = await readFileLimited(path, limits.maxPatchBytes, 'patch file');
  const signaturePath = `${path}.minisig`;
  const signature = await readOptional(signaturePath, MAX_SIGNATURE_FILE_BYTES, 'signature file');
  let verified: ReturnType<typeof verifySignature> | undefined;
  if (signature === undefined) {
    if (options.allowUnsigned !== true) {
      throw new CpansecError('UNSIGNED', `the patch is not signed: ${signaturePath} does not exist`, {
        hint: 'get the signature with the patch; for your own local work only, --allow-unsigned applies it anyway',
        details: { patch: path, signature: signaturePath },
      });
    }
  } else {
    // The signature code (noble, node:crypto) loads only when there is a signature to check.
    const [{ verifySignature }, { nodeBlake2b512, nodeEd25519 }] = await Promise.all([
      import('../sign/verify.js'),
      import('../crypto/node-ed25519.js'),
    ]);
    try {
      verified = verifySignature(bytes, signature, await keys(), {
        verifier: nodeEd25519,
        hasher: nodeBlake2b512,
        expect: { file: basename(path) },
      });
    } catch (err) {
      throw inContext(err, signaturePath, 'SIGNATURE_MALFORMED', { signature: signaturePath, patch: path });
    }
  }
  let file: PatchFile;
  try {
    file = parsePatchFile(bytes, { limits });
  } catch (err) {
    throw inContext(err, path, 'PATCH_PARSE', { file: path });
  }
  const { metadata } = validatePatchFile(file, { draft: true });
  if (verified !== undefined) {
    if (metadata.patchId === undefined || metadata.distribution === undefined) {
      throw new CpansecError(
        'HEADER_INVALID',
        `${path}: the signed patch has no Patch-Id or Distribution to check the signature against`,
        {
          details: { file: path },
        },
      );
    }
    const { checkPatchBinding } = await import('../sign/trusted-comment.js');
    try {
      checkPatchBinding(verified.trustedComment, { patchId: metadata.patchId, dist: metadata.distribution });
    } catch (err) {
      throw inContext(err, signaturePath, 'SIGNATURE_MISMATCH', { signature: signaturePath, patch: path });
    }
  }
  return {
    id: metadata.patchId ?? basename(path),
    origin: path,
    bytes,
    sha256: sha256Hex(bytes),
    file,
    metadata,
    signer: verified?.keyIdHex ?? null,
  };
}

/** Explicit patch files, applied in the order given. */
export function filePatchSource(options: FilePatchSourceOptions): PatchSource {
  const limits = resolveLimits(options.limits);
  let trusted: Promise<PublicKey[]> | undefined;
  const keys = (): Promise<PublicKey[]> =>
    (trusted ??= (async () => {
      if (options.keys !== undefined && options.keys.length > 0) return Promise.all(options.keys.map(readPublicKey));
      const { openRepository } = await import('../repo/index.js');
      const repo = await openRepository(options.repository ?? {});
      return repo.publisherKeys();
    })());
  let loaded: Promise<SelectedPatch[]> | undefined;
  return {
    kind: 'files',
    async select(dist, version) {
      loaded ??= (async () => {
        const out: SelectedPatch[] = [];
        for (const f of options.files) out.push(await readFilePatch(f, keys, options, limits));
        return out;
      })();
      // Explicit files do not depend on the release; the caller checks each header against it (checkPatchTarget).
      void dist;
      void version;
      const patches = await loaded;
      return { patches, source: `${patches.length} patch file(s)` };
    },
  };
}

/** The patches a repository lists for the release: affected, not fixed, not revoked; each read and verified. */
export function repositoryPatchSource(options: OpenRepositoryOptions = {}): PatchSource {
  let opened: Promise<Repository> | undefined;
  return {
    kind: 'repository',
    async select(dist, version) {
      // Loaded on first use: the TUF client is not needed when patch files are given.
      const repo = await (opened ??= import('../repo/index.js').then((m) => m.openRepository(options)));
      let entries;
      try {
        entries = repo.forDistribution(dist, versionForMatching(version));
      } catch (err) {
        throw inContext(err, `${dist} ${version}`, 'VERSION_INVALID');
      }
      const patches: SelectedPatch[] = [];
      for (const entry of entries) {
        const v = await repo.readPatch(entry);
        const { metadata } = validatePatchFile(v.file, { draft: true });
        patches.push({
          id: entry.patchId,
          origin: `${repo.source}:${entry.path}`,
          bytes: v.bytes,
          sha256: entry.sha256,
          file: v.file,
          metadata,
          signer: v.signer,
        });
      }
      const known = repo.patches().filter((e) => e.distribution === dist).length;
      const warnings = entries.flatMap((e) => upgradeAdvice(e, versionForMatching(version)) ?? []);
      return {
        patches,
        source: `repository ${repo.source}`,
        ...(warnings.length > 0 ? { warnings } : {}),
        ...(patches.length > 0
          ? {}
          : {
              reason:
                known === 0
                  ? `the repository has no patch for ${dist}`
                  : `none of the repository's ${known} patch(es) for ${dist} affects version ${version}`,
            }),
      };
    },
  };
}
