/**
 * Ed25519 verification and BLAKE2b-512 from node:crypto (OpenSSL), for the
 * bulk path: about 15 times the verify rate of noble on this machine
 * (test/bench/verify-rate.ts).
 *
 * OpenSSL 3.0 checks S < L and the cofactorless equation, but accepts
 * small-order and non-canonical public keys and small-order R, which
 * libsodium (so minisign) refuses. Those cases never reach OpenSSL: a key or
 * signature that fails the shared pure checks of src/sign/ed25519.ts is
 * handed to the noble verifier, which refuses it for the same reason
 * minisign does. Both implementations therefore give one answer
 * (test/crypto/node-ed25519.test.ts cross-checks them).
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { acceptedPublicKey, acceptedSignatureEncoding, nobleEd25519 } from '../sign/ed25519.js';
import type { KeyObject } from 'node:crypto';
import type { Blake2b512, Ed25519Verifier } from '../sign/ed25519.js';

// DER SubjectPublicKeyInfo header for an Ed25519 key (RFC 8410): SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING (32 bytes) }.
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** KeyObjects are cached: building one per verify halves the rate (research note §1.5). */
const keyObjects = new Map<string, KeyObject | null>();
const MAX_CACHED_KEYS = 256;

function keyObjectFor(publicKey: Uint8Array): KeyObject | null {
  const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('hex');
  let entry = keyObjects.get(id);
  if (entry === undefined) {
    if (keyObjects.size >= MAX_CACHED_KEYS) keyObjects.clear();
    // null marks a key the shared checks refuse: those verify through noble (and fail there).
    entry = acceptedPublicKey(publicKey)
      ? createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' })
      : null;
    keyObjects.set(id, entry);
  }
  return entry;
}

export const nodeEd25519: Ed25519Verifier = {
  name: 'node:crypto',
  verify(signature, message, publicKey) {
    if (signature.length !== 64 || publicKey.length !== 32) return false;
    const key = keyObjectFor(publicKey);
    // Where OpenSSL and libsodium differ, noble (with libsodium's rules) decides.
    if (key === null || !acceptedSignatureEncoding(signature))
      return nobleEd25519.verify(signature, message, publicKey);
    try {
      return verify(null, message, key, signature);
    } catch {
      return false;
    }
  },
};

export const nodeBlake2b512: Blake2b512 = {
  name: 'node:crypto',
  // OpenSSL's BLAKE2b-512 is unkeyed with a 64-byte output: libsodium's crypto_generichash(64).
  hash: (data) => new Uint8Array(createHash('blake2b512').update(data).digest()),
  create() {
    const h = createHash('blake2b512');
    return {
      update(chunk) {
        h.update(chunk);
      },
      digest: () => new Uint8Array(h.digest()),
    };
  },
};
