/**
 * Interop with the real minisign binary (0.11 here), both ways: what we
 * sign, minisign verifies; what minisign signs, we verify; keys we make,
 * minisign uses (including password-protected ones). Skipped, with a
 * printed reason, when minisign is not installed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeBlake2b512, nodeEd25519 } from '../../src/crypto/node-ed25519.js';
import { nobleEd25519 } from '../../src/sign/ed25519.js';
import { generateKeyPair, parsePublicKey, parseSecretKeyFile, unlockSecretKey } from '../../src/sign/key-format.js';
import { signFile } from '../../src/sign/sign.js';
import { formatPatchTrustedComment } from '../../src/sign/trusted-comment.js';
import { verifySignature } from '../../src/sign/verify.js';
import { MINISIGN_FIXTURES, hasMinisign, minisign, seededRandom } from '../helpers/minisign.js';
import { hasShared, sharedPath } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';

const PATCH_NAME = 'Acme-Demo-CVE-2099-0001.patch';
const PATCH = new Uint8Array(readFileSync(join(MINISIGN_FIXTURES, PATCH_NAME)));
const CLAIMS = { timestamp: 1764115200, file: PATCH_NAME, patchId: 'Acme-Demo-CVE-2099-0001', dist: 'Acme-Demo' };
const TC = formatPatchTrustedComment(CLAIMS);
const EXPECT = { file: CLAIMS.file, patchId: CLAIMS.patchId, dist: CLAIMS.dist };
const FAST = { opslimit: 32768, memlimit: 1 << 20 };

/** A temp dir holding the patch; returns its path. */
function workDir(): string {
  const dir = tempDir();
  writeFileSync(join(dir, PATCH_NAME), PATCH);
  return dir;
}

describe.skipIf(!hasMinisign())('interop with minisign', () => {
  describe('our signatures, minisign -V', () => {
    it.each([
      ['our TAB-rich trusted comment', TC, undefined],
      ['non-ASCII comments', `${TC}\tnote:Grüße ✓`, 'unterschrieben ✓'],
      [
        'the longest comments minisign allows (8173 and 1003 bytes)',
        `${TC}\tpad:${'x'.repeat(8173 - TC.length - 5)}`,
        'u'.repeat(1003),
      ],
      ['an empty trusted comment', '', undefined],
    ])('verify with %s', async (_what, trusted, untrusted) => {
      const dir = workDir();
      const pair = await generateKeyPair(seededRandom(`ours-${trusted.length}`));
      writeFileSync(join(dir, 'k.pub'), pair.publicKeyFile);
      writeFileSync(join(dir, `${PATCH_NAME}.minisig`), signFile(PATCH, pair.secretKey, trusted, untrusted).text);
      const run = minisign(['-V', '-p', 'k.pub', '-m', PATCH_NAME], { cwd: dir });
      expect(run.code, run.out).toBe(0);
      expect(run.out).toContain('Signature and comment signature verified');
      expect(run.out).toContain(`Trusted comment: ${trusted}\n`);
    });

    it('minisign -V rejects our signature of a tampered file, and a tampered trusted comment', async () => {
      const dir = workDir();
      const pair = await generateKeyPair(seededRandom('ours-tamper'));
      writeFileSync(join(dir, 'k.pub'), pair.publicKeyFile);
      const sig = signFile(PATCH, pair.secretKey, TC).text;
      writeFileSync(join(dir, `${PATCH_NAME}.minisig`), sig.replace('dist:Acme-Demo', 'dist:Acme-Evil'));
      expect(minisign(['-V', '-p', 'k.pub', '-m', PATCH_NAME], { cwd: dir }).code).toBe(1);
      writeFileSync(join(dir, `${PATCH_NAME}.minisig`), sig);
      writeFileSync(join(dir, PATCH_NAME), new Uint8Array([...PATCH, 0x0a]));
      expect(minisign(['-V', '-p', 'k.pub', '-m', PATCH_NAME], { cwd: dir }).code).toBe(1);
    });

    it.skipIf(!hasShared('keys'))(
      'signed with ../shared/keys/publisher.key, minisign -V -p publisher.pub agrees',
      async () => {
        const dir = workDir();
        const key = await unlockSecretKey(
          parseSecretKeyFile(readFileSync(sharedPath('keys', 'publisher.key'))),
          undefined,
        );
        writeFileSync(join(dir, `${PATCH_NAME}.minisig`), signFile(PATCH, key, TC).text);
        const run = minisign(['-V', '-p', sharedPath('keys', 'publisher.pub'), '-m', PATCH_NAME], { cwd: dir });
        expect(run.code, run.out).toBe(0);
      },
    );
  });

  describe('our keys, used by minisign', () => {
    it('an unencrypted key (with its checksum filled in) signs with minisign -S; both verify', async () => {
      const dir = workDir();
      const pair = await generateKeyPair(seededRandom('ours-plain'));
      writeFileSync(join(dir, 'k.key'), pair.secretKeyFile);
      writeFileSync(join(dir, 'k.pub'), pair.publicKeyFile);
      const run = minisign(['-S', '-s', 'k.key', '-m', PATCH_NAME, '-t', TC], { cwd: dir });
      expect(run.code, run.out).toBe(0);
      expect(minisign(['-V', '-p', 'k.pub', '-m', PATCH_NAME], { cwd: dir }).code).toBe(0);
      const sig = readFileSync(join(dir, `${PATCH_NAME}.minisig`));
      expect(verifySignature(PATCH, sig, pair.publicKey, { expect: EXPECT }).trustedComment.text).toBe(TC);
    });

    it('a password-protected key (small scrypt limits) decrypts in minisign: printf pw | minisign -S', async () => {
      const dir = workDir();
      const pair = await generateKeyPair(seededRandom('ours-enc'), { password: 'pässword 1', ...FAST });
      writeFileSync(join(dir, 'k.key'), pair.secretKeyFile);
      writeFileSync(join(dir, 'k.pub'), pair.publicKeyFile);
      const wrong = minisign(['-S', '-s', 'k.key', '-m', PATCH_NAME, '-t', TC], { cwd: dir, input: 'wrong\n' });
      expect(wrong.code).not.toBe(0);
      expect(wrong.out).toContain('Wrong password');
      const run = minisign(['-S', '-s', 'k.key', '-m', PATCH_NAME, '-t', TC], { cwd: dir, input: 'pässword 1\n' });
      expect(run.code, run.out).toBe(0);
      // Deterministic Ed25519: minisign's file is the one we would have written.
      expect(readFileSync(join(dir, `${PATCH_NAME}.minisig`), 'utf8')).toBe(
        signFile(PATCH, pair.secretKey, TC, 'signature from minisign secret key').text,
      );
    });

    it('minisign -R recreates the same public key from our secret key', async () => {
      const dir = tempDir();
      const pair = await generateKeyPair(seededRandom('ours-recreate'));
      writeFileSync(join(dir, 'k.key'), pair.secretKeyFile);
      expect(minisign(['-R', '-s', 'k.key', '-p', 'r.pub'], { cwd: dir }).code).toBe(0);
      const recreated = parsePublicKey(readFileSync(join(dir, 'r.pub')));
      expect(recreated.key).toEqual(pair.publicKey.key);
      expect(recreated.keyIdHex).toBe(pair.publicKey.keyIdHex);
    });
  });

  describe("minisign's signatures, our verifier", () => {
    /** minisign -G -W in a fresh dir; returns the dir. */
    function minisignKey(): string {
      const dir = workDir();
      const run = minisign(['-G', '-W', '-p', 'k.pub', '-s', 'k.key'], { cwd: dir });
      expect(run.code, run.out).toBe(0);
      return dir;
    }

    it.each([
      ['noble', nobleEd25519],
      ['node:crypto', nodeEd25519],
    ] as const)("minisign -S -t '<our trusted comment>' verifies and binds (%s)", (_name, verifier) => {
      const dir = minisignKey();
      expect(minisign(['-S', '-s', 'k.key', '-m', PATCH_NAME, '-t', TC], { cwd: dir }).code).toBe(0);
      const r = verifySignature(
        PATCH,
        readFileSync(join(dir, `${PATCH_NAME}.minisig`)),
        parsePublicKey(readFileSync(join(dir, 'k.pub'))),
        {
          verifier,
          hasher: nodeBlake2b512,
          expect: EXPECT,
        },
      );
      expect(r.trustedComment.text).toBe(TC);
      expect(r.untrustedComment).toBe('signature from minisign secret key');
    });

    it("minisign's default trusted comment verifies, but does not bind a patch (SIGNATURE_MISMATCH)", () => {
      const dir = minisignKey();
      expect(minisign(['-S', '-s', 'k.key', '-m', PATCH_NAME], { cwd: dir }).code).toBe(0);
      const sig = readFileSync(join(dir, `${PATCH_NAME}.minisig`));
      const pub = parsePublicKey(readFileSync(join(dir, 'k.pub')));
      expect(verifySignature(PATCH, sig, pub).trustedComment.fields['file']).toEqual([PATCH_NAME]);
      expect(() => verifySignature(PATCH, sig, pub, { expect: EXPECT })).toThrowCode('SIGNATURE_MISMATCH');
    });

    it('minisign -l (legacy) is refused unless allowed', () => {
      const dir = minisignKey();
      expect(minisign(['-S', '-l', '-s', 'k.key', '-m', PATCH_NAME, '-t', TC], { cwd: dir }).code).toBe(0);
      const sig = readFileSync(join(dir, `${PATCH_NAME}.minisig`));
      const pub = parsePublicKey(readFileSync(join(dir, 'k.pub')));
      expect(() => verifySignature(PATCH, sig, pub)).toThrowCode('SIGNATURE_INVALID');
      expect(verifySignature(PATCH, sig, pub, { allowLegacy: true, expect: EXPECT }).algorithm).toBe('Ed');
    });

    it('a key made by minisign -G -W signs byte-identically in our code', async () => {
      const dir = minisignKey();
      expect(minisign(['-S', '-s', 'k.key', '-m', PATCH_NAME, '-t', TC, '-c', 'same bytes'], { cwd: dir }).code).toBe(
        0,
      );
      const key = await unlockSecretKey(parseSecretKeyFile(readFileSync(join(dir, 'k.key'))), undefined);
      expect(signFile(PATCH, key, TC, 'same bytes').text).toBe(
        readFileSync(join(dir, `${PATCH_NAME}.minisig`), 'utf8'),
      );
    });
  });
});
