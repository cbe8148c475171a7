/**
 * Making minisign signatures (minisign.c sign()): the file signature is
 * Ed25519 over BLAKE2b-512 of the file (algorithm "ED"; we never make legacy
 * "Ed" signatures), the global signature is Ed25519 over the file signature
 * followed by the trusted comment's bytes. Ed25519 is deterministic, so for
 * the same key, file and comments the output is byte-identical to minisign's.
 */
import { CpansecError } from '../errors.js';
import { ed25519Sign, nobleBlake2b512, nobleEd25519 } from './ed25519.js';
import {
  MAX_TRUSTED_COMMENT_BYTES,
  MAX_UNTRUSTED_COMMENT_BYTES,
  checkComment,
  formatSignature,
  parseSignature,
} from './signature-format.js';
import { verifySignature } from './verify.js';
import type { Blake2b512 } from './ed25519.js';
import type { SecretKey } from './key-format.js';
import type { MinisignSignature } from './signature-format.js';

export const DEFAULT_UNTRUSTED_COMMENT = 'signature from cpansec-patch secret key';

export interface SignedFile {
  /** The `.minisig` file content. */
  text: string;
  signature: MinisignSignature;
}

/**
 * Signs `message` and returns the `.minisig` text. Before returning, the result is parsed back
 * and verified with the key's public half, as minisign does when given a public key: a
 * signature that would not verify is never written.
 * @throws CpansecError USAGE (a comment minisign would refuse), INTERNAL (self-check failed)
 */
export function signFile(
  message: Uint8Array,
  secretKey: SecretKey,
  trustedComment: string,
  untrustedComment: string = DEFAULT_UNTRUSTED_COMMENT,
  options: { hasher?: Blake2b512 } = {},
): SignedFile {
  const hasher = options.hasher ?? nobleBlake2b512;
  checkComment(untrustedComment, MAX_UNTRUSTED_COMMENT_BYTES, 'untrusted comment');
  const commentBytes = checkComment(trustedComment, MAX_TRUSTED_COMMENT_BYTES, 'trusted comment');
  const signature = ed25519Sign(hasher.hash(message), secretKey.seed);
  const signed = new Uint8Array(64 + commentBytes.length);
  signed.set(signature, 0);
  signed.set(commentBytes, 64);
  const globalSignature = ed25519Sign(signed, secretKey.seed);
  const text = formatSignature({
    algorithm: 'ED',
    keyId: secretKey.keyId,
    signature,
    untrustedComment,
    trustedComment,
    globalSignature,
  });
  try {
    verifySignature(message, text, secretKey, { verifier: nobleEd25519, hasher });
  } catch (err) {
    throw new CpansecError('INTERNAL', 'the new signature does not verify with the key that made it', { cause: err });
  }
  return { text, signature: parseSignature(text) };
}
