/**
 * node:crypto (OpenSSL) against noble: both must give the same answer on
 * every input, including the edge cases where OpenSSL alone is laxer than
 * libsodium (there the node verifier hands over to noble).
 */
import { createPublicKey, verify as opensslVerify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeBlake2b512, nodeEd25519 } from '../../src/crypto/node-ed25519.js';
import { ed25519PublicKey, ed25519Sign, nobleBlake2b512, nobleEd25519 } from '../../src/sign/ed25519.js';
import { VECTORS } from '../sign/strictness-vectors.js';

const MESSAGE = new TextEncoder().encode('cross-check');

/** OpenSSL with no checks of ours around it. */
function rawOpenssl(sig: Uint8Array, msg: Uint8Array, pk: Uint8Array): boolean {
  try {
    const key = createPublicKey({
      key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), pk]),
      format: 'der',
      type: 'spki',
    });
    return opensslVerify(null, msg, key, sig);
  } catch {
    return false;
  }
}

describe('nodeEd25519 and nobleEd25519 agree', () => {
  const seed = fc.uint8Array({ minLength: 32, maxLength: 32 });
  const message = fc.uint8Array({ maxLength: 200 });

  it('on valid signatures', () => {
    fc.assert(
      fc.property(seed, message, (s, m) => {
        const pk = ed25519PublicKey(s);
        const sig = ed25519Sign(m, s);
        expect(nodeEd25519.verify(sig, m, pk)).toBe(true);
        expect(nobleEd25519.verify(sig, m, pk)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('on signatures with one bit flipped anywhere (signature, message or key)', () => {
    fc.assert(
      fc.property(seed, message, fc.nat(1000), (s, m, bit) => {
        const pk = ed25519PublicKey(s);
        const sig = ed25519Sign(m, s);
        const all = [sig.slice(), m.slice(), pk.slice()];
        const sizes = all.map((a) => a.length * 8);
        let b = bit % sizes.reduce((x, y) => x + y, 0);
        let part = 0;
        while (b >= (sizes[part] as number)) b -= sizes[part++] as number;
        const target = all[part] as Uint8Array;
        target[b >> 3] = (target[b >> 3] as number) ^ (1 << (b & 7));
        const [s2, m2, pk2] = all as [Uint8Array, Uint8Array, Uint8Array];
        expect(nodeEd25519.verify(s2, m2, pk2)).toBe(nobleEd25519.verify(s2, m2, pk2));
        expect(nodeEd25519.verify(s2, m2, pk2)).toBe(false);
      }),
      { numRuns: 120 },
    );
  });

  it('on random bytes posing as keys and signatures', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (sig, pk) => {
          expect(nodeEd25519.verify(sig, MESSAGE, pk)).toBe(nobleEd25519.verify(sig, MESSAGE, pk));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('on every strictness vector (all refused)', () => {
    for (const v of VECTORS) {
      const sig = v.sign(MESSAGE);
      expect([v.name, nodeEd25519.verify(sig, MESSAGE, v.publicKey)]).toEqual([
        v.name,
        nobleEd25519.verify(sig, MESSAGE, v.publicKey),
      ]);
      expect(nodeEd25519.verify(sig, MESSAGE, v.publicKey)).toBe(false);
    }
  });

  it('past the KeyObject cache size (many keys)', () => {
    for (let i = 0; i < 300; i++) {
      const s = new Uint8Array(32).fill(i & 0xff);
      s[1] = i >> 8;
      expect(nodeEd25519.verify(ed25519Sign(MESSAGE, s), MESSAGE, ed25519PublicKey(s))).toBe(true);
    }
  });

  it('on wrong lengths (false, never a throw)', () => {
    expect(nodeEd25519.verify(new Uint8Array(63), MESSAGE, new Uint8Array(32))).toBe(false);
    expect(nodeEd25519.verify(new Uint8Array(64), MESSAGE, new Uint8Array(33))).toBe(false);
  });
});

describe('why the node verifier needs the shared checks: raw OpenSSL 3.0 is laxer than libsodium', () => {
  // Documented in src/crypto/node-ed25519.ts and docs/signing.md. The table was measured on Node 20
  // (OpenSSL 3.0); Node 22.23 and 24.9 answer the same, Node 24.21 already refuses the first three.
  // A stricter runtime only makes the fallback a no-op, so "accepts" is checked where it was
  // measured, and "refuses" everywhere: a laxer runtime must never appear unnoticed.
  const table: [string, boolean][] = [
    ['small-order public key', true],
    ['non-canonical public key', true],
    ['small-order R', true],
    ['non-canonical R', false],
    ['R with a small-order component', false],
    ['non-canonical S', false],
    ['public key with a small-order component (libsodium accepts, we refuse)', true],
  ];
  const raw = (name: string): boolean => {
    const v = VECTORS.find((x) => x.name === name);
    if (v === undefined) throw new Error(`no strictness vector named ${name}`);
    return rawOpenssl(v.sign(MESSAGE), MESSAGE, v.publicKey);
  };
  const node20 = process.versions.node.startsWith('20.');
  it.each(table.filter(([, accepted]) => !accepted))('raw OpenSSL refuses the "%s" vector', (name) => {
    expect(raw(name)).toBe(false);
  });
  it.skipIf(!node20).each(table.filter(([, accepted]) => accepted))(
    'raw OpenSSL on Node 20 accepts the "%s" vector (other runtimes may refuse it)',
    (name) => {
      expect(raw(name)).toBe(true);
    },
  );
});

describe('nodeBlake2b512', () => {
  it('equals the noble BLAKE2b-512, whole and streamed', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 500 }), { maxLength: 4 }), (chunks) => {
        const all = new Uint8Array(chunks.flatMap((c) => [...c]));
        expect(nodeBlake2b512.hash(all)).toEqual(nobleBlake2b512.hash(all));
        const s = nodeBlake2b512.create();
        for (const c of chunks) s.update(c);
        expect(s.digest()).toEqual(nobleBlake2b512.hash(all));
      }),
      { numRuns: 50 },
    );
  });
});
