import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKey, showKey } from '../../src/api/key.js';
import { readPasswordFile } from '../../src/api/key-files.js';
import { parsePublicKey, parseSecretKeyFile, unlockSecretKey } from '../../src/sign/key-format.js';
import { minisignEncryptedKey, minisignFixtures } from '../helpers/minisign-fixtures.js';
import { MINISIGN_FIXTURES, hasMinisign } from '../helpers/minisign.js';
import { tempDir } from '../helpers/tmp.js';

const FAST = { opslimit: 32768, memlimit: 1 << 20 };

describe('generateKey', () => {
  it('writes <out>.key (0600) and <out>.pub (0644) that parse back', async () => {
    const out = join(tempDir(), 'publisher');
    const r = await generateKey({ out, noPassword: true });
    expect(r).toMatchObject({ publicKeyFile: `${out}.pub`, secretKeyFile: `${out}.key`, encrypted: false });
    expect(r.kdf).toBeUndefined();
    expect(statSync(`${out}.key`).mode & 0o777).toBe(0o600);
    expect(statSync(`${out}.pub`).mode & 0o777).toBe(0o644);
    const pub = parsePublicKey(readFileSync(`${out}.pub`));
    expect(pub.keyIdHex).toBe(r.keyId);
    expect(r.publicKey).toBe(readFileSync(`${out}.pub`, 'utf8').split('\n')[1]);
    const sk = await unlockSecretKey(parseSecretKeyFile(readFileSync(`${out}.key`)), undefined);
    expect(sk.key).toEqual(pub.key);
  });

  it('encrypts with a password, telling the caller that scrypt runs', async () => {
    const out = join(tempDir(), 'k');
    const notes: string[] = [];
    let asked = 0;
    const r = await generateKey({
      out,
      password: () => {
        asked++;
        return 'correct horse';
      },
      ...FAST,
      comment: 'CI key',
      onNote: (m) => notes.push(m),
    });
    expect(asked).toBe(1);
    expect(r).toMatchObject({ encrypted: true, kdf: { algorithm: 'scrypt', N: 1024, r: 8, p: 1, opslimit: '32768' } });
    expect(notes).toEqual(['deriving key (scrypt)…']);
    const file = parseSecretKeyFile(readFileSync(`${out}.key`));
    expect(file.comment).toBe('CI key');
    expect((await unlockSecretKey(file, 'correct horse')).keyIdHex).toBe(r.keyId);
  });

  it('refuses scrypt limits over our bounds before deriving anything (LIMIT_EXCEEDED)', async () => {
    const out = join(tempDir(), 'k');
    const seen: unknown[] = [];
    await expect(
      generateKey({ out, password: 'x', opslimit: 2 ** 40, memlimit: 2 ** 40, onNote: (m) => seen.push(m) }),
    ).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    expect(seen).toEqual([]);
  });

  describe('when the files already exist', () => {
    it('refuses with FILE_EXISTS, changes nothing and asks no password', async () => {
      const out = join(tempDir(), 'k');
      await generateKey({ out, noPassword: true });
      const before = readFileSync(`${out}.key`, 'utf8');
      let asked = 0;
      await expect(
        generateKey({
          out,
          password: () => {
            asked++;
            return 'pw';
          },
        }),
      ).toRejectWithCode('FILE_EXISTS');
      expect(asked).toBe(0);
      expect(readFileSync(`${out}.key`, 'utf8')).toBe(before);
    });

    it('refuses when only the .pub exists', async () => {
      const out = join(tempDir(), 'k');
      writeFileSync(`${out}.pub`, 'mine');
      await expect(generateKey({ out, noPassword: true })).toRejectWithCode('FILE_EXISTS');
      expect(readFileSync(`${out}.pub`, 'utf8')).toBe('mine');
    });

    it('replaces them with force', async () => {
      const out = join(tempDir(), 'k');
      const first = await generateKey({ out, noPassword: true });
      const second = await generateKey({ out, noPassword: true, force: true });
      expect(second.keyId).not.toBe(first.keyId);
      expect(parsePublicKey(readFileSync(`${out}.pub`)).keyIdHex).toBe(second.keyId);
    });
  });

  it.each([
    ['both a password and noPassword', { password: 'x', noPassword: true }],
    ['neither a password nor noPassword', {}],
  ])('refuses %s (USAGE)', async (_what, opts) => {
    await expect(generateKey({ out: join(tempDir(), 'k'), ...opts })).toRejectWithCode('USAGE');
  });

  it('refuses an empty password (KEY_PASSWORD)', async () => {
    await expect(generateKey({ out: join(tempDir(), 'k'), password: '' })).toRejectWithCode('KEY_PASSWORD');
  });

  it('reports a missing directory as an I/O error', async () => {
    await expect(generateKey({ out: join(tempDir(), 'no', 'such', 'k'), noPassword: true })).toRejectWithCode('IO');
  });
});

describe('showKey', () => {
  it('shows a public key', async () => {
    const r = await showKey({ path: join(MINISIGN_FIXTURES, 'test-only.pub') });
    expect(r).toEqual({
      path: join(MINISIGN_FIXTURES, 'test-only.pub'),
      kind: 'public',
      algorithm: 'Ed25519',
      keyId: 'A8C9836BB81FD0D5',
      publicKey: 'RWTV0B+4a4PJqDKzLm7ceheUMD55lRUfby8uQWaPdd+oO2foROzcqDiP',
      encrypted: false,
      comment: 'minisign public key A8C9836BB81FD0D5',
    });
  });

  it.skipIf(!hasMinisign())('shows an unencrypted secret key (minisign -G -W) by its public half only', async () => {
    const made = minisignFixtures();
    const r = await showKey({ path: made.key });
    expect(r).toMatchObject({ kind: 'secret', keyId: made.keyId, encrypted: false });
    expect(r.publicKey).toBe(made.publicKey);
    // The seed, in any encoding, never appears in the result.
    const { seed } = await unlockSecretKey(parseSecretKeyFile(readFileSync(made.key)), undefined);
    const json = JSON.stringify(r);
    for (const form of [Buffer.from(seed).toString('hex'), Buffer.from(seed).toString('base64').slice(0, 40)]) {
      expect(json.toLowerCase()).not.toContain(form.toLowerCase());
    }
  });

  // minisign encrypts at its default scrypt limits: making the key takes a few seconds.
  it.skipIf(!hasMinisign())('shows an encrypted secret key (made by minisign) without decrypting it', async () => {
    const r = await showKey({ path: minisignEncryptedKey().key });
    expect(r).toMatchObject({
      kind: 'secret',
      keyId: null,
      publicKey: null,
      encrypted: true,
      kdf: { algorithm: 'scrypt', N: 1048576, r: 8, p: 1, opslimit: '33554432', memlimit: '1073741824' },
    });
  });

  it('throws KEY_NOT_FOUND for a missing file and KEY_INVALID for something else', async () => {
    await expect(showKey({ path: join(tempDir(), 'nope.pub') })).toRejectWithCode('KEY_NOT_FOUND');
    await expect(showKey({ path: join(MINISIGN_FIXTURES, 'message.txt') })).toRejectWithCode('KEY_INVALID');
    const big = join(tempDir(), 'big.pub');
    writeFileSync(big, 'x'.repeat(5000));
    await expect(showKey({ path: big })).toRejectWithCode('KEY_INVALID');
  });
});

describe('readPasswordFile', () => {
  it.each([
    ['pw\n', 'pw'],
    ['pw\r\n', 'pw'],
    ['pw', 'pw'],
    [' spaced pass ', ' spaced pass '],
  ])('reads %j as %j', async (content, expected) => {
    const path = join(tempDir(), 'pw');
    writeFileSync(path, content);
    expect(await readPasswordFile(path)).toBe(expected);
  });

  it.each([
    ['empty', ''],
    ['only a newline', '\n'],
    ['two lines', 'a\nb\n'],
  ])('refuses a file that is %s (KEY_PASSWORD)', async (_what, content) => {
    const path = join(tempDir(), 'pw');
    writeFileSync(path, content);
    await expect(readPasswordFile(path)).toRejectWithCode('KEY_PASSWORD');
  });

  it('refuses a file that is not UTF-8 (KEY_PASSWORD)', async () => {
    const path = join(tempDir(), 'pw');
    writeFileSync(path, Buffer.from([0x70, 0xff]));
    await expect(readPasswordFile(path)).toRejectWithCode('KEY_PASSWORD');
  });
});
