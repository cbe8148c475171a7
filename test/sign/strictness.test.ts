/**
 * Every noble verify call is strict (zip215: false), and our verifiers
 * decide as libsodium does. Each vector (test/sign/strictness-vectors.ts)
 * is one that ZIP-215 accepts and libsodium refuses; the real minisign is
 * asked about each, so the expectation is not our guess.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ed from '@noble/ed25519';
import { blake2b } from '@noble/hashes/blake2.js';
import { describe, expect, it } from 'vitest';
import { encodeBase64 } from '../../src/sign/base64.js';
import { nobleEd25519 } from '../../src/sign/ed25519.js';
import { parsePublicKey } from '../../src/sign/key-format.js';
import { verifySignature } from '../../src/sign/verify.js';
import { nodeEd25519 } from '../../src/crypto/node-ed25519.js';
import { hasMinisign, minisign } from '../helpers/minisign.js';
import { tempDir } from '../helpers/tmp.js';
import { VECTORS, honestSign, A } from './strictness-vectors.js';
import type { StrictnessVector } from './strictness-vectors.js';

const MESSAGE = new TextEncoder().encode('strictness vector message\n');
const KEY_ID = new Uint8Array([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A pub file and a .minisig in which both the file and the global signature are made by `v.sign`. */
function minisignFiles(v: Pick<StrictnessVector, 'publicKey' | 'sign'>, file = MESSAGE): { pub: string; sig: string } {
  const trusted = 'timestamp:0\tfile:m.txt\thashed';
  const fileSig = v.sign(blake2b(file, { dkLen: 64 }));
  const globalSig = v.sign(new Uint8Array([...fileSig, ...enc(trusted)]));
  const pub = `untrusted comment: strictness vector\n${encodeBase64(new Uint8Array([0x45, 0x64, ...KEY_ID, ...v.publicKey]))}\n`;
  const sig =
    `untrusted comment: strictness vector\n${encodeBase64(new Uint8Array([0x45, 0x44, ...KEY_ID, ...fileSig]))}\n` +
    `trusted comment: ${trusted}\n${encodeBase64(globalSig)}\n`;
  return { pub, sig };
}

describe('Ed25519 strictness', () => {
  it('the honest control signature verifies everywhere', () => {
    const sig = honestSign(MESSAGE);
    expect(ed.verify(sig, MESSAGE, A)).toBe(true);
    expect(nobleEd25519.verify(sig, MESSAGE, A)).toBe(true);
    expect(nodeEd25519.verify(sig, MESSAGE, A)).toBe(true);
  });

  for (const v of VECTORS) {
    describe(`when the signature has a ${v.name}`, () => {
      const sig = v.sign(MESSAGE);

      it(`ZIP-215 (noble's default) says ${v.zip215}: ${v.how}`, () => {
        expect(ed.verify(sig, MESSAGE, v.publicKey)).toBe(v.zip215);
      });

      it('the noble verifier refuses it', () => {
        expect(nobleEd25519.verify(sig, MESSAGE, v.publicKey)).toBe(false);
      });

      it('the node:crypto verifier refuses it too (falling back to noble where OpenSSL is laxer)', () => {
        expect(nodeEd25519.verify(sig, MESSAGE, v.publicKey)).toBe(false);
      });

      it(
        v.keyRefused
          ? 'our key parser refuses the public key (KEY_INVALID)'
          : 'verifySignature throws SIGNATURE_INVALID',
        () => {
          const { pub, sig: minisig } = minisignFiles(v);
          if (v.keyRefused) {
            expect(() => parsePublicKey(pub)).toThrowCode('KEY_INVALID');
          } else {
            expect(() => verifySignature(MESSAGE, minisig, parsePublicKey(pub))).toThrowCode('SIGNATURE_INVALID');
            expect(() => verifySignature(MESSAGE, minisig, parsePublicKey(pub), { verifier: nodeEd25519 })).toThrowCode(
              'SIGNATURE_INVALID',
            );
          }
        },
      );

      it.skipIf(!hasMinisign())(`minisign 0.11 (libsodium) ${v.libsodium ? 'accepts' : 'refuses'} it`, () => {
        const dir = tempDir();
        const { pub, sig: minisig } = minisignFiles(v);
        writeFileSync(join(dir, 'k.pub'), pub);
        writeFileSync(join(dir, 'm.txt'), MESSAGE);
        writeFileSync(join(dir, 'm.txt.minisig'), minisig);
        const run = minisign(['-V', '-p', 'k.pub', '-m', 'm.txt'], { cwd: dir });
        expect(run.code, run.out).toBe(v.libsodium ? 0 : 1);
      });
    });
  }

  it('noble alone, even strict, accepts two of them: our wrapper is what makes it libsodium-strict', () => {
    // Documents why src/sign/ed25519.ts adds its own checks around ed.verify(..., { zip215: false }).
    const byName = new Map(VECTORS.map((v) => [v.name, v]));
    for (const name of ['small-order R', 'R with a small-order component']) {
      const v = byName.get(name) as StrictnessVector;
      expect(ed.verify(v.sign(MESSAGE), MESSAGE, v.publicKey, { zip215: false })).toBe(true);
    }
  });
});
