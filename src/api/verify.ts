/**
 * `cpansec-patch verify <patch> --key PUB`: checks `<patch>.minisig` in
 * minisign's order, then that its authenticated trusted comment names this
 * patch (file name, Patch-Id, Distribution). The signature is checked on the
 * raw bytes before anything parses them, and the header is read from those
 * same bytes (one read: no window for the file to change in between).
 *
 * Trust comes in as a list of public keys, so the repository (issue 3, TUF)
 * plugs in by passing the keys its root metadata delegates to.
 */
import { basename } from 'node:path';
import { resolveLimits } from '../core/limits.js';
import { parsePatchFile, validatePatchFile } from '../core/patch/patch-file.js';
import { nodeBlake2b512, nodeEd25519 } from '../crypto/node-ed25519.js';
import { CpansecError, inContext } from '../errors.js';
import { readFileLimited } from '../files/read.js';
import { nobleBlake2b512, nobleEd25519 } from '../sign/ed25519.js';
import { MAX_SIGNATURE_FILE_BYTES } from '../sign/signature-format.js';
import { checkPatchBinding, readPatchClaims } from '../sign/trusted-comment.js';
import { verifySignature } from '../sign/verify.js';
import { readPublicKey } from './key-files.js';
import type { Limits } from '../core/limits.js';
import type { PublicKey } from '../sign/key-format.js';
import type { PatchClaims } from '../sign/trusted-comment.js';

export interface VerifyPatchOptions {
  patch: string;
  /** Default `<patch>.minisig`. */
  signature?: string;
  /** Public key file(s) to trust. */
  key?: string | readonly string[];
  /** Public keys already loaded (for example from the repository's metadata); trusted as well. */
  trustedKeys?: readonly PublicKey[];
  /** Additional expectations (for example the repository's entry for this file). */
  expect?: { file?: string; patchId?: string; dist?: string };
  /** Accept legacy "Ed" signatures. Default false. */
  allowLegacy?: boolean;
  /** Ed25519 implementation: node:crypto (default, fast) or noble (pure JavaScript). Same answers. */
  crypto?: 'node' | 'noble';
  limits?: Partial<Limits>;
  /**
   * A patch repository (directory, http(s) URL or git remote) whose verified TUF root supplies
   * trusted keys (its targets role's keys); a patch it has revoked fails with PATCH_REVOKED.
   */
  repo?: string;
  /** With `repo`: its cache folder, the root to trust for a new cache (default the embedded root), offline. */
  repoOptions?: { cache?: string; trustRoot?: string; offline?: boolean };
}

export interface VerifyPatchResult {
  verified: true;
  patch: string;
  signature: string;
  keyId: string;
  /** The public key file that verified it, when it came from a file. */
  keyFile?: string;
  algorithm: 'ED' | 'Ed';
  /** Authenticated by the signature. */
  trustedComment: string;
  signed: PatchClaims;
  /** NOT authenticated: line 1 of the signature file, which anyone can edit. */
  untrustedComment: string;
  /** With `repo`: the repository whose keys were trusted, and whether it lists this Patch-Id. */
  repository?: { source: string; listed: boolean };
}

async function readSignatureFile(path: string, explicit: boolean): Promise<Uint8Array> {
  try {
    return await readFileLimited(path, MAX_SIGNATURE_FILE_BYTES, 'signature file');
  } catch (err) {
    if (err instanceof CpansecError && err.code === 'FILE_NOT_FOUND' && !explicit) {
      throw new CpansecError('UNSIGNED', `the patch is not signed: ${path} does not exist`, {
        hint: 'get the signature with the patch, or name it with --signature',
        details: { path },
      });
    }
    if (err instanceof CpansecError && err.code === 'LIMIT_EXCEEDED') {
      throw new CpansecError('SIGNATURE_MALFORMED', `${path} is too large to be a minisign signature`, {
        details: { path },
      });
    }
    throw err;
  }
}

/**
 * @throws CpansecError USAGE (no key), PATCH_REVOKED and the repository's errors (with `repo`), KEY_NOT_FOUND, KEY_INVALID, FILE_NOT_FOUND, UNSIGNED,
 *   SIGNATURE_MALFORMED, SIGNATURE_INVALID, SIGNATURE_MISMATCH, KEY_UNTRUSTED, HEADER_INVALID
 */
export async function verifyPatch(options: VerifyPatchOptions): Promise<VerifyPatchResult> {
  const keyFiles = options.key === undefined ? [] : typeof options.key === 'string' ? [options.key] : [...options.key];
  const fromFiles = await Promise.all(keyFiles.map((path) => readPublicKey(path)));
  const keys: PublicKey[] = [...fromFiles, ...(options.trustedKeys ?? [])];
  // The repository's verified root says which keys publish; opened before anything is read.
  const repository =
    options.repo === undefined
      ? undefined
      : await (
          await import('../repo/index.js')
        ).openRepository({
          repo: options.repo,
          ...options.repoOptions,
          crypto: { verifier: nodeEd25519, hasher: nodeBlake2b512 },
        });
  if (repository !== undefined) keys.push(...repository.publisherKeys());
  if (keys.length === 0) {
    throw new CpansecError('USAGE', 'verify needs the public key to trust (--key FILE)', {
      hint: 'run "cpansec-patch verify --help" for usage and examples',
    });
  }
  const limits = resolveLimits(options.limits);
  const bytes = await readFileLimited(options.patch, limits.maxPatchBytes, 'patch file');
  const signaturePath = options.signature ?? `${options.patch}.minisig`;
  const signatureBytes = await readSignatureFile(signaturePath, options.signature !== undefined);
  const noble = options.crypto === 'noble';
  // Built field by field: an explicit `file: undefined` must not switch the file check off.
  const expect = {
    file: options.expect?.file ?? basename(options.patch),
    ...(options.expect?.patchId === undefined ? {} : { patchId: options.expect.patchId }),
    ...(options.expect?.dist === undefined ? {} : { dist: options.expect.dist }),
  };
  let verified;
  try {
    verified = verifySignature(bytes, signatureBytes, keys, {
      verifier: noble ? nobleEd25519 : nodeEd25519,
      hasher: noble ? nobleBlake2b512 : nodeBlake2b512,
      allowLegacy: options.allowLegacy === true,
      expect,
    });
  } catch (err) {
    throw inContext(err, signaturePath, 'SIGNATURE_MALFORMED', { signature: signaturePath, patch: options.patch });
  }
  // Authenticated bytes: now the header may be read, and must name what the signature names.
  let parsed;
  try {
    parsed = parsePatchFile(bytes, { limits });
  } catch (err) {
    throw inContext(err, options.patch, 'PATCH_PARSE', { file: options.patch });
  }
  const { metadata } = validatePatchFile(parsed, { draft: true });
  if (metadata.patchId === undefined || metadata.distribution === undefined) {
    throw new CpansecError(
      'HEADER_INVALID',
      `${options.patch}: the signed patch has no Patch-Id or Distribution to check the signature against`,
      {
        details: { file: options.patch },
      },
    );
  }
  try {
    checkPatchBinding(verified.trustedComment, { patchId: metadata.patchId, dist: metadata.distribution });
  } catch (err) {
    throw inContext(err, signaturePath, 'SIGNATURE_MISMATCH', { signature: signaturePath, patch: options.patch });
  }
  const revocation = repository?.revocation(metadata.patchId);
  if (revocation !== undefined) {
    throw new CpansecError(
      'PATCH_REVOKED',
      `${options.patch}: ${metadata.patchId} was revoked (${revocation.date}): ${revocation.reason}`,
      {
        hint: 'do not apply this patch; pull the repository for its replacement',
        details: { patchId: metadata.patchId, revocation },
      },
    );
  }
  const keyFile = fromFiles.find((k) => k === verified.key)?.path;
  return {
    verified: true,
    patch: options.patch,
    signature: signaturePath,
    keyId: verified.keyIdHex,
    ...(keyFile === undefined ? {} : { keyFile }),
    algorithm: verified.algorithm,
    trustedComment: verified.trustedComment.text,
    signed: readPatchClaims(verified.trustedComment),
    untrustedComment: verified.untrustedComment,
    ...(repository === undefined
      ? {}
      : { repository: { source: repository.source, listed: repository.get(metadata.patchId) !== undefined } }),
  };
}
