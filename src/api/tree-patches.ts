/**
 * Where the patches for an installed tree come from, behind one small
 * interface: explicit files (`--patch FILE`, each with its `.minisig`) or a
 * repository (the signed, TUF-verified one of src/repo). Every patch that
 * reaches the apply code has been verified, or was let through by
 * --allow-unsigned with a loud warning.
 *
 * The file is read once: the signature is checked on the bytes that are then
 * parsed and applied, so there is no window for the file to change between
 * the check and the use.
 */
import { basename } from 'node:path';
import { resolveLimits } from '../core/limits.js';
import { parsePatchFile, validatePatchFile } from '../core/patch/patch-file.js';
import { parseAffectedVersions, parseVersionList } from '../core/version/affected.js';
import { nodeBlake2b512, nodeEd25519 } from '../crypto/node-ed25519.js';
import { CpansecError, inContext } from '../errors.js';
import { sha256Hex } from '../files/hash.js';
import { readFileLimited } from '../files/read.js';
import { MAX_SIGNATURE_FILE_BYTES } from '../sign/signature-format.js';
import { checkPatchBinding } from '../sign/trusted-comment.js';
import { verifySignature } from '../sign/verify.js';
import { readPublicKey } from './key-files.js';
import type { Limits } from '../core/limits.js';
import type { PatchFile } from '../core/patch/patch-file.js';
import type { AffectedVersions } from '../core/version/affected.js';
import type { CpanVersion } from '../core/version/cpan-version.js';
import type { PublicKey } from '../sign/key-format.js';

/** A patch ready to plan against a tree. */
export interface TreePatch {
  /** Patch-Id, or the file name without `.patch` for an unsigned patch without one. */
  id: string;
  /** The Distribution field (or --dist for a patch without one). */
  dist: string | undefined;
  /** Where it came from: the file path, or the repository path. */
  origin: string;
  source: 'file' | 'repository';
  bytes: Uint8Array;
  sha256: string;
  file: PatchFile;
  affected?: AffectedVersions;
  fixed: CpanVersion[];
  /** Key id of the verified signature; undefined when let through unsigned. */
  signedBy?: string;
}

/** What `apply --tree` and `status` ask of a repository. */
export interface TreePatchSource {
  /** For messages: the repository's name or URL. */
  readonly name: string;
  /** Patch ids that apply to `dist` at `version` (affected, not fixed, not revoked), best first. */
  forDistribution(dist: string, version: string): string[];
  /** The verified patch. @throws on any verification failure */
  load(patchId: string): Promise<TreePatch>;
  isRevoked(patchId: string): boolean;
  /** Why a revoked patch was revoked. */
  revocationReason?(patchId: string): string | undefined;
  /** The keys the repository lets sign patches (trusted for `--patch` files when no --key is given). */
  publisherKeys?(): PublicKey[];
  /** "upgrade to <v>" advice for patches of `dist` at `version` whose fix is in a release. */
  upgradeAdvice?(dist: string, version: string): string[];
}

export interface PatchTrust {
  /** Public key files to trust (--key). */
  keys?: readonly string[];
  /** Keys already loaded (the repository's publisher keys). */
  trustedKeys?: readonly PublicKey[];
  /** Apply patches without a valid signature, with a warning. */
  allowUnsigned?: boolean;
  /** Distribution for patches whose header has none (Debian and upstream patches). */
  dist?: string;
  limits?: Partial<Limits>;
  warn?: (message: string) => void;
}

async function readSignature(path: string): Promise<Uint8Array | undefined> {
  try {
    return await readFileLimited(path, MAX_SIGNATURE_FILE_BYTES, 'signature file');
  } catch (err) {
    if (err instanceof CpansecError && err.code === 'FILE_NOT_FOUND') return undefined;
    throw err;
  }
}

function field(file: PatchFile, name: string): string | undefined {
  return file.header.fields.find((f) => f.name.toLowerCase() === name)?.value.trim() || undefined;
}

/** The parts of a parsed patch the tree code needs, from its header. */
export function describePatch(
  file: PatchFile,
  origin: string,
  dist: string | undefined,
): Pick<TreePatch, 'id' | 'dist' | 'affected' | 'fixed'> {
  const id = field(file, 'patch-id') ?? basename(origin).replace(/\.(?:patch|diff)$/, '');
  const affectedText = field(file, 'affected-versions');
  let affected: AffectedVersions | undefined;
  let fixed: CpanVersion[] = [];
  try {
    affected = affectedText === undefined ? undefined : parseAffectedVersions(affectedText);
    const fixedText = field(file, 'fixed-versions');
    fixed = fixedText === undefined ? [] : parseVersionList(fixedText);
  } catch (err) {
    throw inContext(err, origin, 'HEADER_INVALID', { file: origin });
  }
  return { id, dist: field(file, 'distribution') ?? dist, ...(affected ? { affected } : {}), fixed };
}

/**
 * Reads a patch file and checks its signature (`<file>.minisig`).
 * @throws UNSIGNED (no signature, no --allow-unsigned), USAGE (no trusted key), SIGNATURE_*, KEY_*,
 *   FILE_NOT_FOUND, LIMIT_EXCEEDED, PATCH_PARSE, HEADER_INVALID
 */
export async function loadPatchFile(path: string, trust: PatchTrust, keys: readonly PublicKey[]): Promise<TreePatch> {
  const limits = resolveLimits(trust.limits);
  const bytes = await readFileLimited(path, limits.maxPatchBytes, 'patch file');
  const sigPath = `${path}.minisig`;
  const sig = await readSignature(sigPath);
  let signedBy: string | undefined;
  let binding: Parameters<typeof checkPatchBinding>[0] | undefined;
  if (sig !== undefined && keys.length > 0) {
    try {
      const v = verifySignature(bytes, sig, keys, {
        verifier: nodeEd25519,
        hasher: nodeBlake2b512,
        expect: { file: basename(path) },
      });
      signedBy = v.keyIdHex;
      binding = v.trustedComment;
    } catch (err) {
      // A present but bad signature is evidence of tampering: --allow-unsigned does not excuse it.
      throw inContext(err, sigPath, 'SIGNATURE_MALFORMED', { signature: sigPath, patch: path });
    }
  } else if (trust.allowUnsigned === true) {
    trust.warn?.(
      `${path}: applying WITHOUT a verified signature (--allow-unsigned): ${sig === undefined ? `${sigPath} does not exist` : 'no trusted key to check it with'}. Only do this for a patch you have reviewed yourself.`,
    );
  } else if (sig === undefined) {
    throw new CpansecError('UNSIGNED', `the patch is not signed: ${sigPath} does not exist`, {
      hint: 'use patches from the repository, get the .minisig with the patch, or (for a patch you reviewed) pass --allow-unsigned',
      details: { patch: path, signature: sigPath },
    });
  } else {
    throw new CpansecError('USAGE', `no trusted key to check ${sigPath} with`, {
      hint: "pass the signer's public key with --key FILE",
      details: { patch: path },
    });
  }
  let file: PatchFile;
  try {
    file = parsePatchFile(bytes, { limits });
  } catch (err) {
    throw inContext(err, path, 'PATCH_PARSE', { file: path });
  }
  const described = describePatch(file, path, trust.dist);
  if (binding !== undefined) {
    // The signed trusted comment must name this patch (the binding `verify` checks).
    const { metadata } = validatePatchFile(file, { draft: true });
    if (metadata.patchId === undefined || metadata.distribution === undefined) {
      throw new CpansecError('HEADER_INVALID', `${path}: a signed patch must name its Patch-Id and Distribution`, {
        details: { file: path },
      });
    }
    try {
      checkPatchBinding(binding, { patchId: metadata.patchId, dist: metadata.distribution });
    } catch (err) {
      throw inContext(err, sigPath, 'SIGNATURE_MISMATCH', { signature: sigPath, patch: path });
    }
    if (trust.dist !== undefined && trust.dist !== metadata.distribution) {
      throw new CpansecError(
        'USAGE',
        `${path} is signed for ${metadata.distribution}; --dist ${trust.dist} cannot change that`,
        {
          details: { patch: path },
        },
      );
    }
  }
  return {
    ...described,
    origin: path,
    source: 'file',
    bytes,
    sha256: sha256Hex(bytes),
    file,
    ...(signedBy === undefined ? {} : { signedBy }),
  };
}

/** The keys to check `--patch` files with: --key files plus keys handed in. */
export async function trustedKeysFor(trust: PatchTrust): Promise<PublicKey[]> {
  const fromFiles = await Promise.all((trust.keys ?? []).map((k) => readPublicKey(k)));
  return [...fromFiles, ...(trust.trustedKeys ?? [])];
}
