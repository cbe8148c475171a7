/**
 * The second signature on every patch: its minisign signature, by a key that
 * the verified root gives the targets role, with a trusted comment naming
 * this file, Patch-Id and distribution; and the header inside the signed
 * bytes naming the same patch as the signed targets entry. TUF says the
 * bytes are the ones the repository lists; this says the publisher made them
 * for this patch (a stolen snapshot or timestamp key is not enough).
 */
import { join } from 'node:path';
import { resolveLimits } from '../core/limits.js';
import { parsePatchFile, validatePatchFile } from '../core/patch/patch-file.js';
import { CpansecError, inContext } from '../errors.js';
import { MAX_SIGNATURE_FILE_BYTES } from '../sign/signature-format.js';
import { verifySignature } from '../sign/verify.js';
import { publisherKeys } from './keys.js';
import { readInside } from './repo-fs.js';
import { sha256Hex } from './tuf-model.js';
import type { PatchFile } from '../core/patch/patch-file.js';
import type { Blake2b512, Ed25519Verifier } from '../sign/ed25519.js';
import type { PatchEntry } from './entries.js';
import type { Problem } from './pull.js';
import type { RootSigned } from './tuf-model.js';

export interface VerifiedPatch {
  entry: PatchEntry;
  bytes: Uint8Array;
  file: PatchFile;
  /** minisign key id of the publisher key that signed it. */
  signer: string;
  /** The authenticated trusted comment. */
  trustedComment: string;
}

export interface PatchCrypto {
  verifier?: Ed25519Verifier;
  hasher?: Blake2b512;
}

/**
 * Checks one patch's bytes and signature against its entry.
 * @throws CpansecError CHECKSUM_MISMATCH, SIGNATURE_*, KEY_UNTRUSTED, PATCH_PARSE, METADATA_INVALID
 */
export function verifyPatchBytes(
  entry: PatchEntry,
  bytes: Uint8Array,
  signature: Uint8Array,
  root: RootSigned,
  crypto: PatchCrypto = {},
): VerifiedPatch {
  if (bytes.length !== entry.length || sha256Hex(bytes) !== entry.sha256) {
    throw new CpansecError(
      'CHECKSUM_MISMATCH',
      `${entry.path}: the file differs from the one the signed metadata lists`,
      {
        hint: 'the cached copy was altered; pull again',
        details: { target: entry.path },
      },
    );
  }
  const file = `${entry.patchId}.patch`;
  let verified;
  try {
    verified = verifySignature(bytes, signature, publisherKeys(root), {
      ...(crypto.verifier ? { verifier: crypto.verifier } : {}),
      ...(crypto.hasher ? { hasher: crypto.hasher } : {}),
      expect: { file, patchId: entry.patchId, dist: entry.distribution },
    });
  } catch (err) {
    throw inContext(err, entry.signaturePath, 'SIGNATURE_INVALID', { target: entry.path });
  }
  if (verified.keyIdHex !== entry.signer) {
    throw new CpansecError(
      'SIGNATURE_MISMATCH',
      `${entry.path}: signed by ${verified.keyIdHex}, the metadata names ${entry.signer}`,
      {
        details: { target: entry.path },
      },
    );
  }
  let parsed: PatchFile;
  try {
    parsed = parsePatchFile(bytes, { limits: resolveLimits() });
  } catch (err) {
    throw inContext(err, entry.path, 'PATCH_PARSE', { target: entry.path });
  }
  const { metadata } = validatePatchFile(parsed, { draft: true });
  if (metadata.patchId !== entry.patchId || metadata.distribution !== entry.distribution) {
    throw new CpansecError(
      'METADATA_INVALID',
      `${entry.path}: the header names ${metadata.distribution}/${metadata.patchId}`,
      {
        details: { target: entry.path },
      },
    );
  }
  return { entry, bytes, file: parsed, signer: verified.keyIdHex, trustedComment: verified.trustedComment.text };
}

/** Reads a downloaded patch and its signature from a targets folder and verifies them. */
export async function readVerifiedPatch(
  targetsDir: string,
  entry: PatchEntry,
  root: RootSigned,
  crypto: PatchCrypto = {},
): Promise<VerifiedPatch> {
  const bytes = await readInside(targetsDir, entry.path, entry.length);
  const signature = await readInside(targetsDir, entry.signaturePath, MAX_SIGNATURE_FILE_BYTES);
  if (bytes === undefined || signature === undefined) {
    throw new CpansecError('FILE_NOT_FOUND', `${join(targetsDir, entry.path)} is not in the cache`, {
      hint: 'pull the repository again',
      details: { target: entry.path },
    });
  }
  return verifyPatchBytes(entry, bytes, signature, root, crypto);
}

/** Verifies every patch; throws the first problem, or returns them all when `collect`. */
export async function checkPatchFiles(
  targetsDir: string,
  entries: readonly PatchEntry[],
  root: RootSigned,
  options: PatchCrypto & { collect: boolean },
): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const entry of entries) {
    try {
      await readVerifiedPatch(targetsDir, entry, root, options);
    } catch (err) {
      if (!options.collect || !(err instanceof CpansecError)) throw err;
      problems.push({ target: entry.path, code: err.code, message: err.message });
    }
  }
  return problems;
}
