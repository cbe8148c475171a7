/**
 * Checking minisign signatures in minisign's order (minisign.c verify()):
 * parse; refuse legacy "Ed" unless allowed (minisign -H); match the key id,
 * before any cryptography; verify the file signature; verify the global
 * signature over signature | trusted comment. Only then is the trusted
 * comment authenticated, and only then do we compare it with the patch.
 */
import { CpansecError } from '../errors.js';
import { nobleBlake2b512, nobleEd25519 } from './ed25519.js';
import { parseSignature } from './signature-format.js';
import { checkPatchBinding, parseTrustedComment } from './trusted-comment.js';
import { equalBytes } from './text.js';
import type { Blake2b512, Ed25519Verifier } from './ed25519.js';
import type { PublicKey } from './key-format.js';
import type { MinisignSignature, SignatureAlgorithm } from './signature-format.js';
import type { PatchBinding, TrustedComment } from './trusted-comment.js';

/** The file's bytes, or (for large files hashed while streaming) its BLAKE2b-512; legacy "Ed" needs the bytes. */
export type MessageInput = Uint8Array | { blake2b512: Uint8Array };

export interface VerifyOptions {
  /** Accept legacy "Ed" signatures (Ed25519 over the raw file). Default false: we only make and expect "ED". */
  allowLegacy?: boolean;
  /** Default: noble, with libsodium's rules (src/sign/ed25519.ts). */
  verifier?: Ed25519Verifier;
  hasher?: Blake2b512;
  /** When given, the authenticated trusted comment must name exactly these. */
  expect?: PatchBinding;
}

export interface VerifiedSignature {
  algorithm: SignatureAlgorithm;
  /** The trusted key that verified the signature. */
  key: PublicKey;
  keyIdHex: string;
  /** Authenticated by the global signature. */
  trustedComment: TrustedComment;
  /** NOT authenticated: anyone can edit it without breaking the signature. */
  untrustedComment: string;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function globalValid(sig: MinisignSignature, key: PublicKey, verifier: Ed25519Verifier): boolean {
  return verifier.verify(sig.globalSignature, concat(sig.signature, sig.trustedCommentBytes), key.key);
}

function fileValid(sig: MinisignSignature, message: MessageInput, key: PublicKey, options: VerifyOptions): boolean {
  const verifier = options.verifier ?? nobleEd25519;
  if (sig.algorithm === 'Ed') {
    return message instanceof Uint8Array && verifier.verify(sig.signature, message, key.key);
  }
  const digest = message instanceof Uint8Array ? (options.hasher ?? nobleBlake2b512).hash(message) : message.blake2b512;
  return verifier.verify(sig.signature, digest, key.key);
}

/**
 * Verifies a minisign signature against one or more trusted public keys.
 * @throws CpansecError SIGNATURE_MALFORMED (unparsable), SIGNATURE_INVALID (legacy refused, tampered
 *   file, tampered trusted comment), KEY_UNTRUSTED (key id of no trusted key), SIGNATURE_MISMATCH
 *   (valid, but the trusted comment names another patch than `options.expect`)
 */
export function verifySignature(
  message: MessageInput,
  signatureFile: Uint8Array | string | MinisignSignature,
  keys: PublicKey | readonly PublicKey[],
  options: VerifyOptions = {},
): VerifiedSignature {
  const sig =
    signatureFile instanceof Uint8Array || typeof signatureFile === 'string'
      ? parseSignature(signatureFile)
      : signatureFile;
  const verifier = options.verifier ?? nobleEd25519;
  const trusted = Array.isArray(keys) ? (keys as readonly PublicKey[]) : [keys as PublicKey];

  if (sig.algorithm === 'Ed' && options.allowLegacy !== true) {
    // minisign -H: "Legacy (non-prehashed) signature found". A downgrade we do not accept.
    throw new CpansecError(
      'SIGNATURE_INVALID',
      'legacy signature (algorithm "Ed", over the raw file) where "ED" is required',
      {
        hint: 're-sign with cpansec-patch sign or minisign 0.10 or later (without -l)',
        details: { algorithm: sig.algorithm, keyId: sig.keyIdHex },
      },
    );
  }

  // minisign compares key ids before any cryptography; the id is only a routing hint.
  const candidates = trusted.filter((k) => equalBytes(k.keyId, sig.keyId));
  const first = candidates[0];
  if (first === undefined) {
    const ids = trusted.map((k) => k.keyIdHex);
    throw new CpansecError(
      'KEY_UNTRUSTED',
      `signed by key ${sig.keyIdHex}, which is not a trusted key (trusted: ${ids.length > 0 ? ids.join(', ') : 'none'})`,
      {
        hint: 'verify with the public key of the signer, or check that the signature is the right one',
        details: { keyId: sig.keyIdHex, trustedKeyIds: ids },
      },
    );
  }

  // The first failure of the first key with this id is the one reported.
  let failure: 'file' | 'comment' | undefined;
  for (const key of candidates) {
    if (!fileValid(sig, message, key, options)) {
      failure ??= 'file';
      continue;
    }
    if (!globalValid(sig, key, verifier)) {
      failure ??= 'comment';
      continue;
    }
    const trustedComment = parseTrustedComment(sig.trustedComment);
    if (options.expect !== undefined) checkPatchBinding(trustedComment, options.expect);
    return {
      algorithm: sig.algorithm,
      key,
      keyIdHex: key.keyIdHex,
      trustedComment,
      untrustedComment: sig.untrustedComment,
    };
  }

  if (failure === 'file') {
    // The verdict is made; only the report is left. A valid signature of another patch fails
    // here too: when its (authenticated) trusted comment proves that, say so instead.
    if (options.expect !== undefined && globalValid(sig, first, verifier)) {
      checkPatchBinding(parseTrustedComment(sig.trustedComment), options.expect);
    }
    throw new CpansecError(
      'SIGNATURE_INVALID',
      'signature verification failed: the file was modified after signing (tampered file)',
      {
        hint: 'do not use this file; get the patch again from its source',
        details: { keyId: sig.keyIdHex, part: 'file' },
      },
    );
  }
  throw new CpansecError(
    'SIGNATURE_INVALID',
    'comment signature verification failed: the trusted comment was modified after signing (tampered trusted comment)',
    {
      hint: 'the signature file was altered; get it again from its source',
      details: { keyId: sig.keyIdHex, part: 'trusted comment' },
    },
  );
}
