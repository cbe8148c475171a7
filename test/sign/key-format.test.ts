import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeBase64, encodeBase64 } from '../../src/sign/base64.js';
import { ed25519PublicKey } from '../../src/sign/ed25519.js';
import {
  formatKeyId,
  formatPublicKey,
  formatSecretKeyFile,
  generateKeyPair,
  parseKeyFile,
  parsePublicKey,
  parsePublicKeyBase64,
  parseSecretKeyFile,
  publicKeyBase64,
  unlockSecretKey,
} from '../../src/sign/key-format.js';
import { minisignFixtures } from '../helpers/minisign-fixtures.js';
import { MINISIGN_FIXTURES, hasMinisign, seededRandom, unhex } from '../helpers/minisign.js';
import { T8 } from './strictness-vectors.js';

/** A public key made by minisign (committed; its secret half is not kept). */
const PUB = readFileSync(join(MINISIGN_FIXTURES, 'test-only.pub'), 'utf8');
/** Some secret key file, where any will do: ours, from a fixed seed. */
const SOME_KEY = (await generateKeyPair(seededRandom('key-format'))).secretKeyFile;
/** Low scrypt limits (N = 1024): fast in tests; real keys use minisign's defaults. */
const FAST = { opslimit: 32768, memlimit: 1 << 20 };

/** Rewrites the struct on line 2 of a key file. */
function editStruct(file: string, edit: (struct: Uint8Array) => void): string {
  const [comment, b64] = file.split('\n') as [string, string];
  const struct = decodeBase64(b64) as Uint8Array;
  edit(struct);
  return `${comment}\n${encodeBase64(struct)}\n`;
}

describe('formatKeyId', () => {
  it('prints the bytes as a little-endian u64 in %016X, as minisign does', () => {
    expect(formatKeyId(unhex('8f773735a4bcacd6'))).toBe('D6ACBCA43537778F');
  });

  it('keeps leading zeros (minisign 0.12 and later; 0.11 dropped them)', () => {
    expect(formatKeyId(unhex('0102030405060700'))).toBe('0007060504030201');
  });
});

describe('parsePublicKey', () => {
  it('reads a public key made by minisign, with the key id its comment shows', () => {
    const key = parsePublicKey(PUB);
    expect(key.keyIdHex).toBe('A8C9836BB81FD0D5');
    expect(key.comment).toBe('minisign public key A8C9836BB81FD0D5');
    expect(key.key).toHaveLength(32);
  });

  it('formats back byte for byte', () => {
    expect(formatPublicKey(parsePublicKey(PUB))).toBe(PUB);
  });

  it('accepts \\r\\n line endings', () => {
    expect(parsePublicKey(PUB.replace(/\n/g, '\r\n')).keyIdHex).toBe('A8C9836BB81FD0D5');
  });

  it('accepts bytes as well as text', () => {
    expect(parsePublicKey(new TextEncoder().encode(PUB)).keyIdHex).toBe('A8C9836BB81FD0D5');
  });

  describe('when the file is not a usable public key', () => {
    const line2 = PUB.split('\n')[1] as string;
    it.each([
      ['empty', ''],
      ['only one line', PUB.split('\n')[0] as string],
      ['a third line', `${PUB}extra\n`],
      ['a trailing blank line', `${PUB}\n`],
      ['no "untrusted comment: " prefix', `comment\n${line2}\n`],
      ['a bare \\r in the comment', PUB.replace('public key', 'public\rkey')],
      ['an ESC in the comment', PUB.replace('public key', 'public\u001b[2Jkey')],
      ['a comment line over 1023 bytes', `untrusted comment: ${'x'.repeat(1004)}\n${line2}\n`],
      ['base64 with a character removed', PUB.replace(line2, line2.slice(1))],
      ['base64 of a secret key', SOME_KEY],
      ['a non-alphabet character', PUB.replace(line2, `${line2.slice(0, -1)}!`)],
      ['another signature algorithm', editStruct(PUB, (s) => (s[1] = 0x44))],
      ['a small-order key', editStruct(PUB, (s) => s.set(T8.toBytes(), 10))],
    ])('throws KEY_INVALID for %s', (_what, text) => {
      expect(() => parsePublicKey(text)).toThrowCode('KEY_INVALID');
    });
  });
});

describe('parsePublicKeyBase64', () => {
  it('reads the second line alone (what minisign -P takes)', () => {
    const line2 = PUB.split('\n')[1] as string;
    const key = parsePublicKeyBase64(line2);
    expect(key.keyIdHex).toBe('A8C9836BB81FD0D5');
    expect(publicKeyBase64(key)).toBe(line2);
  });

  it('throws KEY_INVALID for anything else', () => {
    expect(() => parsePublicKeyBase64('RWQ=')).toThrowCode('KEY_INVALID');
  });
});

describe.skipIf(!hasMinisign())('parseSecretKeyFile and unlockSecretKey (a key made by minisign -G -W now)', () => {
  /** The secret key file minisign made for this run (test/helpers/minisign.ts). */
  const KEY = (): string => readFileSync(minisignFixtures().key, 'utf8');

  it('reads an unencrypted minisign key (-W) whose checksum is all zero', async () => {
    const made = minisignFixtures();
    const file = parseSecretKeyFile(KEY());
    expect(file).toMatchObject({ encrypted: false, kdf: undefined });
    expect(file.comment).toContain('TEST KEY ONLY');
    expect(file.sealed.subarray(72).every((b) => b === 0)).toBe(true);
    const key = await unlockSecretKey(file, undefined);
    const pub = parsePublicKey(readFileSync(made.pub));
    expect(pub.keyIdHex).toBe(made.keyId);
    expect(key.keyIdHex).toBe(made.keyId);
    expect(key.key).toEqual(pub.key);
    expect(ed25519PublicKey(key.seed)).toEqual(key.key);
  });

  it('ignores a password for an unencrypted key', async () => {
    expect((await unlockSecretKey(parseSecretKeyFile(KEY()), 'anything')).keyIdHex).toBe(minisignFixtures().keyId);
  });

  describe('when the file is damaged', () => {
    it.each([
      ['checksum algorithm other than B2', (s: Uint8Array) => (s[5] = 0x33)],
      ['key derivation other than Sc or none', (s: Uint8Array) => s.set([0x41, 0x72], 2)],
      ['signature algorithm other than Ed', (s: Uint8Array) => (s[1] = 0x44)],
    ])('throws KEY_INVALID at parse time for a %s', (_what, edit) => {
      expect(() => parseSecretKeyFile(editStruct(KEY(), edit))).toThrowCode('KEY_INVALID');
    });

    it('throws KEY_INVALID when a non-zero checksum does not match', async () => {
      const file = parseSecretKeyFile(editStruct(KEY(), (s) => (s[130] = 1)));
      await expect(unlockSecretKey(file, undefined)).toRejectWithCode('KEY_INVALID');
    });

    it("throws KEY_INVALID when the stored public key is not the seed's", async () => {
      const file = parseSecretKeyFile(editStruct(KEY(), (s) => (s[100] = (s[100] as number) ^ 1)));
      await expect(unlockSecretKey(file, undefined)).toRejectWithCode('KEY_INVALID');
    });

    it('throws KEY_INVALID (or LIMIT_EXCEEDED) for scrypt limits nobody could use', () => {
      const huge = editStruct(KEY(), (s) => {
        s.set([0x53, 0x63], 2);
        s.fill(0xff, 38, 54);
      });
      expect(() => parseSecretKeyFile(huge)).toThrowCode('LIMIT_EXCEEDED');
    });
  });
});

describe('generateKeyPair', () => {
  it('is deterministic in its randomness and writes files that parse back', async () => {
    const a = await generateKeyPair(seededRandom('k1'));
    const b = await generateKeyPair(seededRandom('k1'));
    expect(a.publicKeyFile).toBe(b.publicKeyFile);
    expect(a.secretKeyFile).toBe(b.secretKeyFile);
    const pub = parsePublicKey(a.publicKeyFile);
    expect(pub.keyIdHex).toBe(a.publicKey.keyIdHex);
    expect(pub.comment).toBe(`minisign public key ${a.publicKey.keyIdHex}`);
    const sk = await unlockSecretKey(parseSecretKeyFile(a.secretKeyFile), undefined);
    expect(sk).toEqual(a.secretKey);
  });

  it('fills in the checksum of an unencrypted key (minisign -W leaves zeros; both read)', async () => {
    const pair = await generateKeyPair(seededRandom('k2'));
    expect(
      parseSecretKeyFile(pair.secretKeyFile)
        .sealed.subarray(72)
        .some((b) => b !== 0),
    ).toBe(true);
  });

  it('encrypts with a password: the key opens with it and not without or with another', async () => {
    const pair = await generateKeyPair(seededRandom('k3'), { password: 'hunter2', ...FAST, comment: 'my key' });
    const file = parseSecretKeyFile(pair.secretKeyFile);
    expect(file).toMatchObject({ encrypted: true, comment: 'my key', kdf: { opslimit: 32768n, memlimit: 1048576n } });
    expect(await unlockSecretKey(file, 'hunter2')).toEqual(pair.secretKey);
    expect(await unlockSecretKey(file, new TextEncoder().encode('hunter2'))).toEqual(pair.secretKey);
    await expect(unlockSecretKey(file, 'hunter3')).toRejectWithCode('KEY_PASSWORD');
    await expect(unlockSecretKey(file, undefined)).toRejectWithCode('KEY_PASSWORD');
  });

  it('tells when a slow derivation starts', async () => {
    const pair = await generateKeyPair(seededRandom('k4'), { password: 'pw', ...FAST });
    let told = 0;
    await unlockSecretKey(parseSecretKeyFile(pair.secretKeyFile), 'pw', { onDerive: () => told++ });
    expect(told).toBe(1);
  });

  it('refuses a comment that is not one printable line (USAGE)', async () => {
    await expect(generateKeyPair(seededRandom('k5'), { comment: 'two\nlines' })).toRejectWithCode('USAGE');
    await expect(generateKeyPair(seededRandom('k5'), { comment: 'x'.repeat(1004) })).toRejectWithCode('USAGE');
  });

  it('refuses scrypt limits over our bounds before doing any work', async () => {
    await expect(
      generateKeyPair(seededRandom('k6'), { password: 'pw', opslimit: 2 ** 40, memlimit: 2 ** 34 }),
    ).toRejectWithCode('LIMIT_EXCEEDED');
  });

  it('refuses a random source that returns the wrong length (INTERNAL)', async () => {
    await expect(generateKeyPair(() => new Uint8Array(3))).toRejectWithCode('INTERNAL');
  });

  it('refuses to encrypt without a 32-byte salt', async () => {
    const pair = await generateKeyPair(seededRandom('k7'));
    await expect(formatSecretKeyFile(pair.secretKey, { password: 'pw', ...FAST })).toRejectWithCode('USAGE');
  });
});

describe('parseKeyFile', () => {
  it('tells public from secret key files', () => {
    expect(parseKeyFile(PUB).kind).toBe('public');
    expect(parseKeyFile(SOME_KEY).kind).toBe('secret');
  });

  it('throws KEY_INVALID for anything else', () => {
    expect(() => parseKeyFile('hello\nworld\n')).toThrowCode('KEY_INVALID');
  });
});
