/**
 * Hand-made Ed25519 signatures on the edges where verifiers disagree
 * (docs/signing.md, "Strict Ed25519"). Each is built from a fixed seed with
 * noble's point arithmetic; nothing here is copied from a vector file.
 *
 * Notation: B the base point, L the prime subgroup order, a the secret
 * scalar of the honest key A = [a]B, k = SHA-512(R || A || M) mod L.
 * ZIP-215 (noble's default) checks [8][S]B = [8]R + [8][k]A and accepts any
 * encoding that decodes; libsodium checks [S]B - [k]A encodes to R's bytes
 * and refuses small-order R and A and non-canonical A.
 */
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';

ed.hashes.sha512 = sha512;
const { Point } = ed;
export const L = Point.CURVE().n;
export const P = Point.CURVE().p;

export function le(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] as number);
  return n;
}

export function toLE(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

const cat = (...parts: Uint8Array[]): Uint8Array => ed.etc.concatBytes(...parts);
const challenge = (R: Uint8Array, A: Uint8Array, m: Uint8Array): bigint => le(sha512(cat(R, A, m))) % L;

/** The fixed honest key of these vectors. */
export const SEED = new Uint8Array(32).fill(0x5a);
const ext = ed.utils.getExtendedPublicKey(SEED);
export const a = ext.scalar;
export const A = ext.pointBytes;

/** A point of order 8 (the same constant src/sign/ed25519.ts uses; its order is checked in the tests). */
export const T8 = Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a');
export const IDENTITY = toLE(1n);
/** The identity point encoded with y = p + 1: decodes under ZIP-215, non-canonical for RFC 8032. */
export const IDENTITY_NONCANONICAL = toLE(P + 1n);

export type Signer = (message: Uint8Array) => Uint8Array;

export interface StrictnessVector {
  name: string;
  /** How it is made, for the test name and docs. */
  how: string;
  publicKey: Uint8Array;
  sign: Signer;
  /** What noble's default (ZIP-215) verify says: true for every vector but S ≥ L. */
  zip215: boolean;
  /** What libsodium (minisign 0.11) says; shown by spawning minisign in the tests. */
  libsodium: boolean;
  /** Whether our key parser refuses the public key (KEY_INVALID) before any signature is checked. */
  keyRefused: boolean;
}

function honestWithS(m: Uint8Array, s: (sig: Uint8Array) => bigint): Uint8Array {
  const sig = ed.sign(m, SEED);
  return cat(sig.subarray(0, 32), toLE(s(sig)));
}

/** R = [r]B for the first r ≥ 1 that makes k a multiple of 8 (so the torsion part of A vanishes in [k]A). */
function mixedKeySigner(publicKey: Uint8Array): Signer {
  return (m) => {
    for (let r = 1n; ; r++) {
      const R = Point.BASE.multiply(r).toBytes();
      const k = challenge(R, publicKey, m);
      if (k % 8n === 0n) return cat(R, toLE((r + k * a) % L));
    }
  };
}

export const MIXED_ORDER_KEY = Point.BASE.multiply(a).add(T8).toBytes();

export const VECTORS: StrictnessVector[] = [
  {
    name: 'small-order public key',
    how: 'A = identity (01 00…00), R = identity, S = 0: [S]B = R + [k]A for every message',
    publicKey: IDENTITY,
    sign: () => cat(IDENTITY, new Uint8Array(32)),
    zip215: true,
    libsodium: false,
    keyRefused: true,
  },
  {
    name: 'non-canonical public key',
    how: 'A = identity encoded as y = p + 1, R = identity, S = 0',
    publicKey: IDENTITY_NONCANONICAL,
    sign: () => cat(IDENTITY, new Uint8Array(32)),
    zip215: true,
    libsodium: false,
    keyRefused: true,
  },
  {
    name: 'small-order R',
    how: 'honest A; R = identity, S = k·a mod L: the cofactorless equation even holds, libsodium refuses R by its blacklist',
    publicKey: A,
    sign: (m) => cat(IDENTITY, toLE((challenge(IDENTITY, A, m) * a) % L)),
    zip215: true,
    libsodium: false,
    keyRefused: false,
  },
  {
    name: 'non-canonical R',
    how: 'honest A; R = identity encoded as y = p + 1, S = k·a mod L with k over those bytes',
    publicKey: A,
    sign: (m) => cat(IDENTITY_NONCANONICAL, toLE((challenge(IDENTITY_NONCANONICAL, A, m) * a) % L)),
    zip215: true,
    libsodium: false,
    keyRefused: false,
  },
  {
    name: 'R with a small-order component',
    how: 'honest A; R = [r]B + T8, S = r + k·a: only the cofactored equation holds',
    publicKey: A,
    sign: (m) => {
      const r = 0x1234567n;
      const R = Point.BASE.multiply(r).add(T8).toBytes();
      return cat(R, toLE((r + challenge(R, A, m) * a) % L));
    },
    zip215: true,
    libsodium: false,
    keyRefused: false,
  },
  {
    name: 'non-canonical S',
    how: 'an honest signature with S + L in place of S (RFC 8032 and ZIP-215 both require S < L)',
    publicKey: A,
    sign: (m) => honestWithS(m, (sig) => le(sig.subarray(32)) + L),
    zip215: false,
    libsodium: false,
    keyRefused: false,
  },
  {
    name: 'public key with a small-order component (libsodium accepts, we refuse)',
    how: 'A = [a]B + T8; R = [r]B with r chosen so that 8 divides k, S = r + k·a: the cofactorless equation holds',
    publicKey: MIXED_ORDER_KEY,
    sign: mixedKeySigner(MIXED_ORDER_KEY),
    zip215: true,
    libsodium: true,
    keyRefused: true,
  },
];

/** An honest signature, for contrast. */
export const honestSign: Signer = (m) => ed.sign(m, SEED);
