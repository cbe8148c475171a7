import { createHash } from 'node:crypto';
import * as ed from '@noble/ed25519';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ED25519_L,
  acceptedPublicKey,
  acceptedSignatureEncoding,
  blake2b256,
  ed25519PublicKey,
  ed25519Sign,
  isSmallOrderEncoding,
  nobleBlake2b512,
  nobleEd25519,
} from '../../src/sign/ed25519.js';
import { MIXED_ORDER_KEY, P, T8, toLE } from './strictness-vectors.js';

const { Point } = ed;

describe('the order-8 point constant', () => {
  it('has order exactly 8', () => {
    expect(T8.multiply(4n, false).is0()).toBe(false);
    expect(T8.multiply(8n, false).is0()).toBe(true);
  });
});

describe('isSmallOrderEncoding', () => {
  const torsion = Array.from({ length: 8 }, (_, i) => (i === 0 ? Point.ZERO : T8.multiply(BigInt(i), false)));

  it('flags all eight small-order points, with either sign bit', () => {
    for (const t of torsion) {
      const bytes = t.toBytes();
      expect(isSmallOrderEncoding(bytes)).toBe(true);
      const flipped = bytes.slice();
      flipped[31] = (flipped[31] as number) ^ 0x80;
      expect(isSmallOrderEncoding(flipped)).toBe(true);
    }
  });

  it('flags the non-canonical encodings y = p and y = p + 1 (libsodium lists them too)', () => {
    expect(isSmallOrderEncoding(toLE(P))).toBe(true);
    expect(isSmallOrderEncoding(toLE(P + 1n))).toBe(true);
    expect(isSmallOrderEncoding(toLE(P + 2n))).toBe(false);
  });

  it('does not flag ordinary public keys', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
        expect(isSmallOrderEncoding(ed25519PublicKey(seed))).toBe(false);
      }),
      { numRuns: 50 },
    );
  });
});

describe('acceptedPublicKey', () => {
  it('accepts keys made from seeds', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
        expect(acceptedPublicKey(ed25519PublicKey(seed))).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it.each([
    ['the identity', toLE(1n)],
    ['a small-order point', T8.toBytes()],
    ['a non-canonical y (p + 3)', toLE(P + 3n)],
    ['a key with a small-order component', MIXED_ORDER_KEY],
    ['a wrong length', new Uint8Array(31)],
  ])('refuses %s', (_what, key) => {
    expect(acceptedPublicKey(key)).toBe(false);
  });

  it('refuses a y that is not on the curve', () => {
    const decodes = (y: bigint): boolean => {
      try {
        Point.fromBytes(toLE(y), false);
        return true;
      } catch {
        return false;
      }
    };
    let y = 2n;
    while (decodes(y)) y++;
    expect(acceptedPublicKey(toLE(y))).toBe(false);
  });
});

describe('acceptedSignatureEncoding', () => {
  const sig = ed25519Sign(new Uint8Array([1, 2, 3]), new Uint8Array(32).fill(1));

  it('accepts an honest signature', () => {
    expect(acceptedSignatureEncoding(sig)).toBe(true);
  });

  it('refuses S = L and accepts S = L - 1 (the bound is strict)', () => {
    const withS = (s: bigint): Uint8Array => new Uint8Array([...sig.subarray(0, 32), ...toLE(s)]);
    expect(acceptedSignatureEncoding(withS(ED25519_L))).toBe(false);
    expect(acceptedSignatureEncoding(withS(ED25519_L - 1n))).toBe(true);
  });

  it('refuses a small-order R and a wrong length', () => {
    expect(acceptedSignatureEncoding(new Uint8Array([...toLE(1n), ...sig.subarray(32)]))).toBe(false);
    expect(acceptedSignatureEncoding(sig.subarray(0, 63))).toBe(false);
  });
});

describe('nobleEd25519', () => {
  it('verifies signatures made from any seed over any message, and no others', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 100 }),
        fc.nat(511),
        (seed, msg, bit) => {
          const pk = ed25519PublicKey(seed);
          const sig = ed25519Sign(msg, seed);
          expect(nobleEd25519.verify(sig, msg, pk)).toBe(true);
          const bad = sig.slice();
          bad[bit >> 3] = (bad[bit >> 3] as number) ^ (1 << (bit & 7));
          expect(nobleEd25519.verify(bad, msg, pk)).toBe(false);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('returns false (never throws) for wrong lengths', () => {
    expect(nobleEd25519.verify(new Uint8Array(10), new Uint8Array(), new Uint8Array(32))).toBe(false);
    expect(nobleEd25519.verify(new Uint8Array(64), new Uint8Array(), new Uint8Array(5))).toBe(false);
  });
});

describe('nobleBlake2b512', () => {
  it('equals OpenSSL blake2b512 (libsodium crypto_generichash, 64 bytes), whole and streamed', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 5 }), (chunks) => {
        const all = new Uint8Array(chunks.flatMap((c) => [...c]));
        const expected = new Uint8Array(createHash('blake2b512').update(all).digest());
        expect(nobleBlake2b512.hash(all)).toEqual(expected);
        const s = nobleBlake2b512.create();
        for (const c of chunks) s.update(c);
        expect(s.digest()).toEqual(expected);
      }),
      { numRuns: 30 },
    );
  });
});

describe('blake2b256', () => {
  it('is not a truncated BLAKE2b-512 (the output length is in the parameter block)', () => {
    const data = new Uint8Array([1, 2, 3]);
    expect(blake2b256(data)).toHaveLength(32);
    expect(blake2b256(data)).not.toEqual(nobleBlake2b512.hash(data).subarray(0, 32));
  });
});
