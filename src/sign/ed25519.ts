/**
 * The Ed25519 and BLAKE2b primitives behind minisign signatures, with the
 * verification policy of libsodium (which minisign uses), and the two small
 * interfaces that let a faster implementation (node:crypto, src/crypto/)
 * replace noble on the bulk path.
 *
 * libsodium's crypto_sign_verify_detached (1.0.18) accepts a signature
 * (R, S) for key A and message M exactly when:
 *   - S < L (canonical scalar),
 *   - R is not one of the small-order encodings (ge25519_has_small_order),
 *   - A is a canonical encoding (y < p) and not of small order,
 *   - the encoding of [S]B - [k]A equals the bytes of R, k = SHA-512(R || A || M) mod L
 *     (the cofactorless equation; non-canonical R can never match).
 * noble with { zip215: false } refuses non-canonical R and A and small-order A,
 * but checks the cofactored equation [8][S]B = [8]R + [8][k]A and lets a
 * small-order R through. OpenSSL checks the cofactorless equation and S < L
 * but neither small-order A nor small-order R, and it accepts a non-canonical
 * A. Each gap was shown on this machine with hand-made signatures that
 * minisign 0.11 refuses (test/sign/strictness.test.ts builds them). We close
 * them here, in one place, for both implementations:
 *   - every signature passes acceptedSignatureEncoding (S < L, R not small order);
 *   - every key passes acceptedPublicKey (canonical, on the curve, not small
 *     order, and in the prime-order subgroup).
 * The last rule is ours, stricter than libsodium: a key with a small-order
 * component (which no honest key generator makes) lets libsodium accept
 * exactly those signatures whose k is a multiple of the component's order, so
 * accepting it would make our answer depend on the equation variant. With A
 * and R both in the prime-order subgroup, the cofactored and cofactorless
 * equations agree, so noble + "R is torsion-free" decides like libsodium.
 */
import * as ed from '@noble/ed25519';
import { blake2b } from '@noble/hashes/blake2.js';
import { sha512 } from '@noble/hashes/sha2.js';

// noble's synchronous API needs a SHA-512; @noble/hashes is the same audited family.
ed.hashes.sha512 = sha512;

/** An Ed25519 signature check over raw bytes (RFC 8032 "pure" Ed25519, not Ed25519ph). */
export interface Ed25519Verifier {
  readonly name: string;
  /** True only when the signature is valid under libsodium's rules (above). Never throws. */
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

/** Unkeyed BLAKE2b with a 64-byte output: libsodium's crypto_generichash(outlen = 64). */
export interface Blake2b512 {
  readonly name: string;
  hash(data: Uint8Array): Uint8Array;
  /** Incremental form, for inputs read in chunks. */
  create(): { update(chunk: Uint8Array): void; digest(): Uint8Array };
}

const { Point } = ed;
const CURVE = Point.CURVE();
/** Order of the prime-order subgroup. */
export const ED25519_L = CURVE.n;
const FIELD_P = CURVE.p;
const Y_MASK = (1n << 255n) - 1n;

function numberLE(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] as number);
  return n;
}

// An order-8 point of edwards25519 (one of the two y values of the four order-8 points; the
// other is p - y). Checked to have order exactly 8 in test/sign/ed25519.test.ts.
const ORDER8_Y = Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a').y;
/**
 * y coordinates (mod p) of the eight small-order points: identity (1), order 2 (p-1), order 4
 * (0, two points) and order 8 (y8 and p-y8, four points). libsodium's blacklist compares the
 * encoding with its sign bit cleared against these values and the two non-canonical encodings
 * p and p+1 that fit in 255 bits; reducing y mod p covers those two as 0 and 1.
 */
const SMALL_ORDER_Y = new Set([0n, 1n, FIELD_P - 1n, ORDER8_Y, FIELD_P - ORDER8_Y]);

/** libsodium ge25519_has_small_order() on a 32-byte point encoding. */
export function isSmallOrderEncoding(point: Uint8Array): boolean {
  return SMALL_ORDER_Y.has((numberLE(point) & Y_MASK) % FIELD_P);
}

/** The signature-only checks libsodium makes before the equation: S < L, R not small order. */
export function acceptedSignatureEncoding(signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  if (numberLE(signature.subarray(32)) >= ED25519_L) return false;
  return !isSmallOrderEncoding(signature.subarray(0, 32));
}

/**
 * Whether a public key is one we verify against at all: canonical (y < p, as libsodium's
 * ge25519_is_canonical), on the curve, not of small order, and in the prime-order subgroup.
 */
export function acceptedPublicKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== 32) return false;
  if (isSmallOrderEncoding(publicKey)) return false;
  try {
    // zip215 = false: refuses y >= p and x = 0 with the sign bit set.
    return Point.fromBytes(publicKey, false).isTorsionFree();
  } catch {
    return false;
  }
}

/** A small memo: keys repeat (one publisher signs everything) and the subgroup check costs a scalar multiplication. */
const keyVerdicts = new Map<string, boolean>();
function acceptedPublicKeyCached(publicKey: Uint8Array): boolean {
  const id = String.fromCharCode(...publicKey);
  let verdict = keyVerdicts.get(id);
  if (verdict === undefined) {
    if (keyVerdicts.size >= 256) keyVerdicts.clear();
    verdict = acceptedPublicKey(publicKey);
    keyVerdicts.set(id, verdict);
  }
  return verdict;
}

/** Pure JavaScript Ed25519 (noble), with libsodium's verification rules. */
export const nobleEd25519: Ed25519Verifier = {
  name: 'noble',
  verify(signature, message, publicKey) {
    if (!acceptedSignatureEncoding(signature) || !acceptedPublicKeyCached(publicKey)) return false;
    try {
      // zip215: false is the strict branch (noble's default, ZIP-215, accepts non-canonical
      // encodings and small-order keys that libsodium refuses).
      if (!ed.verify(signature, message, publicKey, { zip215: false })) return false;
      // noble's equation is cofactored; requiring R in the prime-order subgroup makes it
      // decide as libsodium's cofactorless one does (A is already known to be in it).
      return Point.fromBytes(signature.subarray(0, 32), false).isTorsionFree();
    } catch {
      return false;
    }
  },
};

export const nobleBlake2b512: Blake2b512 = {
  name: 'noble',
  hash: (data) => blake2b(data, { dkLen: 64 }),
  create() {
    const state = blake2b.create({ dkLen: 64 });
    return {
      update(chunk) {
        state.update(chunk);
      },
      digest: () => state.digest(),
    };
  },
};

/**
 * BLAKE2b-256, the checksum of minisign secret keys. Not a truncated BLAKE2b-512: the output
 * length is part of BLAKE2's parameter block, so OpenSSL's blake2b512 cannot stand in.
 */
export function blake2b256(data: Uint8Array): Uint8Array {
  return blake2b(data, { dkLen: 32 });
}

/** RFC 8032 signing with a 32-byte seed (deterministic: same inputs, same bytes as libsodium). */
export function ed25519Sign(message: Uint8Array, seed: Uint8Array): Uint8Array {
  return ed.sign(message, seed);
}

export function ed25519PublicKey(seed: Uint8Array): Uint8Array {
  return ed.getPublicKey(seed);
}
