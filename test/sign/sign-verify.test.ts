/**
 * signFile and verifySignature, and the signature attacks of research note
 * §4.6 that need cryptography (items 5-10), each with its error code. Every
 * attack runs with both verifiers (noble and node:crypto).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeBlake2b512, nodeEd25519 } from '../../src/crypto/node-ed25519.js';
import { CpansecError } from '../../src/errors.js';
import { decodeBase64, encodeBase64 } from '../../src/sign/base64.js';
import { ed25519Sign, nobleBlake2b512, nobleEd25519 } from '../../src/sign/ed25519.js';
import { generateKeyPair } from '../../src/sign/key-format.js';
import { DEFAULT_UNTRUSTED_COMMENT, signFile } from '../../src/sign/sign.js';
import { parseSignature } from '../../src/sign/signature-format.js';
import { formatPatchTrustedComment } from '../../src/sign/trusted-comment.js';
import { verifySignature } from '../../src/sign/verify.js';
import { seededRandom } from '../helpers/minisign.js';
import type { Ed25519Verifier } from '../../src/sign/ed25519.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const PATCH = enc(
  'Patch-Id: Acme-Demo-CVE-2099-0001\nDistribution: Acme-Demo\n\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n',
);
const OTHER = enc(
  'Patch-Id: Acme-Other-CVE-2099-0002\nDistribution: Acme-Other\n\n--- a/y\n+++ b/y\n@@ -1 +1 @@\n-c\n+d\n',
);
const CLAIMS = {
  timestamp: 1764115200,
  file: 'Acme-Demo-CVE-2099-0001.patch',
  patchId: 'Acme-Demo-CVE-2099-0001',
  dist: 'Acme-Demo',
};
const TC = formatPatchTrustedComment(CLAIMS);
const EXPECT = { file: CLAIMS.file, patchId: CLAIMS.patchId, dist: CLAIMS.dist };

const { secretKey, publicKey } = await generateKeyPair(seededRandom('sign-verify'));
const stranger = await generateKeyPair(seededRandom('stranger'));
const signed = signFile(PATCH, secretKey, TC);

/** Replaces one of the four lines of a .minisig. */
function withLine(text: string, index: number, line: string): string {
  const lines = text.split('\n');
  lines[index] = line;
  return lines.join('\n');
}

/** Counts calls, to show which checks ran. */
function spy(inner: Ed25519Verifier): Ed25519Verifier & { calls: number } {
  const s = {
    name: `spy(${inner.name})`,
    calls: 0,
    verify(sig: Uint8Array, msg: Uint8Array, pk: Uint8Array) {
      s.calls++;
      return inner.verify(sig, msg, pk);
    },
  };
  return s;
}

describe('signFile', () => {
  it('makes an ED signature with our trusted comment and a default untrusted comment', () => {
    const sig = parseSignature(signed.text);
    expect(sig).toMatchObject({
      algorithm: 'ED',
      keyIdHex: publicKey.keyIdHex,
      trustedComment: TC,
      untrustedComment: DEFAULT_UNTRUSTED_COMMENT,
    });
    expect(signed.signature.trustedComment).toBe(TC);
  });

  it('is deterministic (Ed25519): the same inputs give the same file', () => {
    expect(signFile(PATCH, secretKey, TC).text).toBe(signed.text);
  });

  it('gives the same bytes with the OpenSSL hasher', () => {
    expect(signFile(PATCH, secretKey, TC, undefined, { hasher: nodeBlake2b512 }).text).toBe(signed.text);
  });

  it('refuses comments minisign would refuse (USAGE)', () => {
    expect(() => signFile(PATCH, secretKey, 'a\nb')).toThrowCode('USAGE');
    expect(() => signFile(PATCH, secretKey, TC, 'evil\u001b[2J')).toThrowCode('USAGE');
    expect(() => signFile(PATCH, secretKey, 'x'.repeat(8174))).toThrowCode('USAGE');
  });

  it('never returns a signature that does not verify with its own key (INTERNAL)', () => {
    const broken = { ...secretKey, key: stranger.publicKey.key };
    expect(() => signFile(PATCH, broken, TC)).toThrowCode('INTERNAL');
  });
});

describe.each([
  ['noble', nobleEd25519, nobleBlake2b512],
  ['node:crypto', nodeEd25519, nodeBlake2b512],
] as const)('verifySignature (%s)', (_name, verifier, hasher) => {
  const opts = { verifier, hasher };

  it('returns the authenticated trusted comment and the key that verified', () => {
    const r = verifySignature(PATCH, signed.text, publicKey, { ...opts, expect: EXPECT });
    expect(r.algorithm).toBe('ED');
    expect(r.keyIdHex).toBe(publicKey.keyIdHex);
    expect(r.key).toBe(publicKey);
    expect(r.trustedComment.text).toBe(TC);
    expect(r.trustedComment.fields['patch-id']).toEqual([CLAIMS.patchId]);
  });

  it('picks the right key from a list of trusted keys', () => {
    expect(verifySignature(PATCH, signed.text, [stranger.publicKey, publicKey], opts).key).toBe(publicKey);
  });

  it('takes a precomputed BLAKE2b-512 instead of the bytes', () => {
    expect(verifySignature({ blake2b512: hasher.hash(PATCH) }, signed.text, publicKey, opts).algorithm).toBe('ED');
  });

  it('takes an already parsed signature and bytes of the file', () => {
    expect(verifySignature(PATCH, parseSignature(signed.text), publicKey, opts).algorithm).toBe('ED');
    expect(verifySignature(PATCH, enc(signed.text), publicKey, opts).algorithm).toBe('ED');
  });

  describe('§4.6.5 when the key id is not a trusted key', () => {
    it('throws KEY_UNTRUSTED naming both ids, before any cryptography', () => {
      const counting = spy(verifier);
      try {
        verifySignature(PATCH, signed.text, stranger.publicKey, { ...opts, verifier: counting });
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(CpansecError);
        expect((err as CpansecError).code).toBe('KEY_UNTRUSTED');
        expect((err as CpansecError).message).toContain(publicKey.keyIdHex);
        expect((err as CpansecError).message).toContain(stranger.publicKey.keyIdHex);
      }
      expect(counting.calls).toBe(0);
    });

    it('throws KEY_UNTRUSTED with no trusted keys at all', () => {
      expect(() => verifySignature(PATCH, signed.text, [], opts)).toThrowCode('KEY_UNTRUSTED');
    });

    it('throws SIGNATURE_INVALID when a key merely copies the key id (the id is not a fingerprint)', () => {
      const impostor = { ...stranger.publicKey, keyId: publicKey.keyId, keyIdHex: publicKey.keyIdHex };
      expect(() => verifySignature(PATCH, signed.text, impostor, opts)).toThrowCode('SIGNATURE_INVALID');
    });
  });

  describe('§4.6.6 downgrade: a legacy "Ed" signature', () => {
    // A valid legacy signature: Ed25519 over the raw file.
    const sig = parseSignature(signed.text);
    const legacyFileSig = ed25519Sign(PATCH, secretKey.seed);
    const legacy = {
      ...sig,
      algorithm: 'Ed' as const,
      signature: legacyFileSig,
      globalSignature: ed25519Sign(new Uint8Array([...legacyFileSig, ...sig.trustedCommentBytes]), secretKey.seed),
    };

    it('is refused where ED is required (SIGNATURE_INVALID), before any cryptography', () => {
      const counting = spy(verifier);
      expect(() => verifySignature(PATCH, legacy, publicKey, { ...opts, verifier: counting })).toThrowCode(
        'SIGNATURE_INVALID',
      );
      expect(counting.calls).toBe(0);
    });

    it('verifies only when the caller allows legacy signatures', () => {
      expect(verifySignature(PATCH, legacy, publicKey, { ...opts, allowLegacy: true }).algorithm).toBe('Ed');
    });

    it('cannot be checked against a digest (it signs the raw file): SIGNATURE_INVALID', () => {
      expect(() =>
        verifySignature({ blake2b512: hasher.hash(PATCH) }, legacy, publicKey, { ...opts, allowLegacy: true }),
      ).toThrowCode('SIGNATURE_INVALID');
    });
  });

  describe('§4.6.8 when one of the two signatures is invalid', () => {
    it('a tampered file: SIGNATURE_INVALID on the file signature, the global one is not checked', () => {
      const tampered = PATCH.slice();
      tampered[tampered.length - 2] = 0x63;
      const counting = spy(verifier);
      try {
        verifySignature(tampered, signed.text, publicKey, { ...opts, verifier: counting });
        expect.unreachable();
      } catch (err) {
        expect((err as CpansecError).code).toBe('SIGNATURE_INVALID');
        expect((err as CpansecError).details).toMatchObject({ part: 'file' });
      }
      expect(counting.calls).toBe(1);
    });

    it('a tampered trusted comment (file signature valid, global invalid): SIGNATURE_INVALID', () => {
      const edited = signed.text.replace('dist:Acme-Demo', 'dist:Acme-Evil');
      try {
        verifySignature(PATCH, edited, publicKey, opts);
        expect.unreachable();
      } catch (err) {
        expect((err as CpansecError).code).toBe('SIGNATURE_INVALID');
        expect((err as CpansecError).details).toMatchObject({ part: 'trusted comment' });
      }
    });

    it('a global signature taken from another signature (file valid, global invalid): SIGNATURE_INVALID', () => {
      const other = signFile(OTHER, secretKey, TC);
      const mixed = withLine(signed.text, 3, other.text.split('\n')[3] as string);
      expect(() => verifySignature(PATCH, mixed, publicKey, opts)).toThrowCode('SIGNATURE_INVALID');
    });

    it('a file signature swapped in from another signature (the file check fails first): SIGNATURE_INVALID', () => {
      const other = signFile(OTHER, secretKey, TC);
      const mixed = withLine(signed.text, 1, other.text.split('\n')[1] as string);
      expect(() => verifySignature(PATCH, mixed, publicKey, opts)).toThrowCode('SIGNATURE_INVALID');
    });

    it('a valid signature of another file with its own valid global signature: SIGNATURE_INVALID without expectations', () => {
      const other = signFile(OTHER, secretKey, TC);
      expect(() => verifySignature(PATCH, other.text, publicKey, opts)).toThrowCode('SIGNATURE_INVALID');
    });
  });

  describe('§4.6.7 replay: a valid signature presented with another patch', () => {
    it("another patch's signature next to this patch: SIGNATURE_MISMATCH (its authenticated comment names the other)", () => {
      const other = signFile(
        OTHER,
        secretKey,
        formatPatchTrustedComment({
          timestamp: 1,
          file: 'Acme-Other-CVE-2099-0002.patch',
          patchId: 'Acme-Other-CVE-2099-0002',
          dist: 'Acme-Other',
        }),
      );
      expect(() => verifySignature(PATCH, other.text, publicKey, { ...opts, expect: EXPECT })).toThrowCode(
        'SIGNATURE_MISMATCH',
      );
    });

    it.each([
      ['another file name', { ...CLAIMS, file: 'Renamed.patch' }],
      ['another patch id', { ...CLAIMS, patchId: 'Acme-Demo-CVE-2099-0009' }],
      ['another dist', { ...CLAIMS, dist: 'Acme-Other' }],
    ])('these very bytes signed for %s: SIGNATURE_MISMATCH', (_what, claims) => {
      const replay = signFile(PATCH, secretKey, formatPatchTrustedComment(claims));
      expect(verifySignature(PATCH, replay.text, publicKey, opts).algorithm).toBe('ED');
      expect(() => verifySignature(PATCH, replay.text, publicKey, { ...opts, expect: EXPECT })).toThrowCode(
        'SIGNATURE_MISMATCH',
      );
    });

    it('a plain minisign signature (no patch fields): SIGNATURE_MISMATCH', () => {
      const plain = signFile(PATCH, secretKey, `timestamp:1\tfile:${CLAIMS.file}\thashed`);
      expect(() => verifySignature(PATCH, plain.text, publicKey, { ...opts, expect: EXPECT })).toThrowCode(
        'SIGNATURE_MISMATCH',
      );
    });
  });

  describe('§4.6.10 when the untrusted comment is edited', () => {
    const edited = withLine(signed.text, 0, 'untrusted comment: trusted comment: dist:Acme-Evil\tpatch-id:evil');

    it('still verifies (minisign: the untrusted comment is not signed)', () => {
      expect(verifySignature(PATCH, edited, publicKey, { ...opts, expect: EXPECT }).algorithm).toBe('ED');
    });

    it('never reports the edited text as trusted', () => {
      const r = verifySignature(PATCH, edited, publicKey, opts);
      expect(r.untrustedComment).toBe('trusted comment: dist:Acme-Evil\tpatch-id:evil');
      expect(r.trustedComment.text).toBe(TC);
      expect(r.trustedComment.fields['dist']).toEqual(['Acme-Demo']);
      expect(JSON.stringify(r.trustedComment)).not.toContain('Evil');
    });
  });

  it('a malformed file throws SIGNATURE_MALFORMED before anything else', () => {
    const counting = spy(verifier);
    expect(() =>
      verifySignature(PATCH, signed.text.slice(0, 150), publicKey, { ...opts, verifier: counting }),
    ).toThrowCode('SIGNATURE_MALFORMED');
    expect(counting.calls).toBe(0);
  });
});

describe('fuzz: a mutated or truncated .minisig', () => {
  const original = enc(signed.text);
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(original.length - 1), bit: fc.nat(7) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(original.length - 1) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(original.length), byte: fc.nat(255) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(original.length - 1) }),
    fc.record({
      kind: fc.constant('set' as const),
      at: fc.nat(original.length - 1),
      byte: fc.constantFrom(0, 9, 10, 13, 27, 0x7f, 0x85, 0xc2, 0xff, 0x3d),
    }),
  );
  const apply = (ms: { kind: string; at: number; bit?: number; byte?: number }[]): Uint8Array => {
    let b = Array.from(original);
    for (const m of ms) {
      const at = Math.min(m.at, b.length);
      if (m.kind === 'flip' && at < b.length) b[at] = (b[at] as number) ^ (1 << (m.bit as number));
      else if (m.kind === 'truncate') b = b.slice(0, at);
      else if (m.kind === 'insert') b.splice(at, 0, m.byte as number);
      else if (m.kind === 'delete') b.splice(at, 1);
      else if (m.kind === 'set' && at < b.length) b[at] = m.byte as number;
    }
    return new Uint8Array(b);
  };

  it('only ever throws CpansecError, and never yields another trusted comment', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => {
        const bytes = apply(ms);
        for (const verifier of [nobleEd25519, nodeEd25519]) {
          try {
            const r = verifySignature(PATCH, bytes, publicKey, { verifier, expect: EXPECT });
            // Survivors only touched what is not signed (the untrusted comment, a line ending).
            expect(r.trustedComment.text).toBe(TC);
          } catch (err) {
            expect(err).toBeInstanceOf(CpansecError);
            expect(['SIGNATURE_MALFORMED', 'SIGNATURE_INVALID', 'KEY_UNTRUSTED', 'SIGNATURE_MISMATCH']).toContain(
              (err as CpansecError).code,
            );
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('a random signature or comment never verifies', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.boolean(), (random, which) => {
        const lines = signed.text.split('\n');
        const sig = decodeBase64(lines[1] as string) as Uint8Array;
        if (which) lines[1] = encodeBase64(new Uint8Array([...sig.subarray(0, 10), ...random]));
        else lines[3] = encodeBase64(random);
        expect(() => verifySignature(PATCH, lines.join('\n'), publicKey)).toThrowCode('SIGNATURE_INVALID');
      }),
      { numRuns: 50 },
    );
  });
});
