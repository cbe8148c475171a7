/**
 * signPatch and verifyPatch on real files: the example patch, keys made by
 * generateKey, and minisign's own signature of the example (fixtures).
 */
import { copyFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKey } from '../../src/api/key.js';
import { signPatch } from '../../src/api/sign.js';
import { verifyPatch } from '../../src/api/verify.js';
import { parsePublicKey, parseSecretKeyFile, unlockSecretKey } from '../../src/sign/key-format.js';
import { signFile } from '../../src/sign/sign.js';
import { formatPatchTrustedComment } from '../../src/sign/trusted-comment.js';
import { MINISIGN_FIXTURES } from '../helpers/minisign.js';
import { PROJECT_ROOT } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';

const NAME = 'Acme-Demo-CVE-2099-0001.patch';
const EXAMPLE = join(PROJECT_ROOT, 'test', 'fixtures', 'example', NAME);
const FAST = { opslimit: 32768, memlimit: 1 << 20 };

interface Setup {
  dir: string;
  patch: string;
  key: string;
  pub: string;
}

/** A temp dir with a copy of the example patch and an unencrypted key pair. */
async function setup(options: { password?: string } = {}): Promise<Setup> {
  const dir = tempDir();
  const patch = join(dir, NAME);
  copyFileSync(EXAMPLE, patch);
  const out = join(dir, 'publisher');
  await generateKey(
    options.password === undefined ? { out, noPassword: true } : { out, password: options.password, ...FAST },
  );
  return { dir, patch, key: `${out}.key`, pub: `${out}.pub` };
}

/**
 * Writes `content` as s.patch with a valid signature by s.key whose trusted comment names
 * the example's file and Patch-Id and the distribution `dist`, whatever the content says.
 */
async function signAs(s: Setup, content: Uint8Array, dist: string): Promise<void> {
  const key = await unlockSecretKey(parseSecretKeyFile(readFileSync(s.key)), undefined);
  const tc = formatPatchTrustedComment({ timestamp: 1, file: NAME, patchId: 'Acme-Demo-CVE-2099-0001', dist });
  writeFileSync(s.patch, content);
  writeFileSync(`${s.patch}.minisig`, signFile(content, key, tc).text);
}

describe('signPatch', () => {
  it('writes <patch>.minisig binding the file name, Patch-Id and Distribution', async () => {
    const s = await setup();
    const r = await signPatch({ patch: s.patch, key: s.key, timestamp: 1764115200 });
    expect(r).toMatchObject({
      patch: s.patch,
      signature: `${s.patch}.minisig`,
      algorithm: 'ED',
      signed: { timestamp: 1764115200, file: NAME, patchId: 'Acme-Demo-CVE-2099-0001', dist: 'Acme-Demo' },
      replaced: false,
      warnings: [],
    });
    expect(r.trustedComment).toBe(
      'timestamp:1764115200\tfile:Acme-Demo-CVE-2099-0001.patch\tpatch-id:Acme-Demo-CVE-2099-0001\tdist:Acme-Demo\thashed',
    );
    expect(r.keyId).toBe(parsePublicKey(readFileSync(s.pub)).keyIdHex);
    expect(readFileSync(r.signature, 'utf8')).toContain(`trusted comment: ${r.trustedComment}\n`);
  });

  it('replaces an existing signature (and says so), or writes where told', async () => {
    const s = await setup();
    await signPatch({ patch: s.patch, key: s.key });
    expect((await signPatch({ patch: s.patch, key: s.key })).replaced).toBe(true);
    const other = join(s.dir, 'elsewhere.minisig');
    const r = await signPatch({ patch: s.patch, key: s.key, output: other, untrustedComment: 'release 1' });
    expect(r.signature).toBe(other);
    expect(readFileSync(other, 'utf8').split('\n')[0]).toBe('untrusted comment: release 1');
  });

  it('warns when the file is not named <Patch-Id>.patch (the name is what gets bound)', async () => {
    const s = await setup();
    const renamed = join(s.dir, 'fix.patch');
    renameSync(s.patch, renamed);
    const r = await signPatch({ patch: renamed, key: s.key });
    expect(r.signed.file).toBe('fix.patch');
    expect(r.warnings).toHaveLength(1);
  });

  it.each([
    ['Patch-Id', /^Patch-Id: .*\n/m],
    ['Distribution', /^Distribution: .*\n/m],
  ])('refuses a patch without %s (HEADER_INVALID)', async (_field, line) => {
    const s = await setup();
    writeFileSync(s.patch, readFileSync(s.patch, 'utf8').replace(line, ''));
    await expect(signPatch({ patch: s.patch, key: s.key })).toRejectWithCode('HEADER_INVALID');
  });

  it('refuses a patch whose Distribution is not a distribution name (HEADER_INVALID)', async () => {
    const s = await setup();
    writeFileSync(s.patch, readFileSync(s.patch, 'utf8').replace(/^Distribution: .*$/m, 'Distribution: Acme::Demo'));
    await expect(signPatch({ patch: s.patch, key: s.key })).toRejectWithCode('HEADER_INVALID');
  });

  describe('with an encrypted key', () => {
    it('asks for the password and tells that scrypt runs', async () => {
      const s = await setup({ password: 'pw 1' });
      const notes: string[] = [];
      const r = await signPatch({
        patch: s.patch,
        key: s.key,
        password: async () => 'pw 1',
        onNote: (m) => notes.push(m),
      });
      expect(r.algorithm).toBe('ED');
      expect(notes).toEqual(['deriving key (scrypt)…']);
    });

    it('throws KEY_PASSWORD without a password or with a wrong one, and writes nothing', async () => {
      const s = await setup({ password: 'pw 1' });
      await expect(signPatch({ patch: s.patch, key: s.key })).toRejectWithCode('KEY_PASSWORD');
      await expect(signPatch({ patch: s.patch, key: s.key, password: 'pw 2' })).toRejectWithCode('KEY_PASSWORD');
      await expect(verifyPatch({ patch: s.patch, key: s.pub })).toRejectWithCode('UNSIGNED');
    });
  });

  it('never asks a password for an unencrypted key', async () => {
    const s = await setup();
    await signPatch({
      patch: s.patch,
      key: s.key,
      password: () => {
        throw new Error('asked');
      },
    });
  });

  it('throws KEY_NOT_FOUND for a missing key and KEY_INVALID for a public key', async () => {
    const s = await setup();
    await expect(signPatch({ patch: s.patch, key: join(s.dir, 'nope.key') })).toRejectWithCode('KEY_NOT_FOUND');
    await expect(signPatch({ patch: s.patch, key: s.pub })).toRejectWithCode('KEY_INVALID');
  });

  it('throws FILE_NOT_FOUND for a missing patch', async () => {
    const s = await setup();
    await expect(signPatch({ patch: join(s.dir, 'nope.patch'), key: s.key })).toRejectWithCode('FILE_NOT_FOUND');
  });
});

describe('verifyPatch', () => {
  async function signed(): Promise<Setup> {
    const s = await setup();
    await signPatch({ patch: s.patch, key: s.key, timestamp: 1764115200 });
    return s;
  }

  it.each(['node', 'noble'] as const)(
    'verifies a signed patch (%s) and reports only authenticated data as signed',
    async (crypto) => {
      const s = await signed();
      const r = await verifyPatch({ patch: s.patch, key: s.pub, crypto });
      expect(r).toMatchObject({
        verified: true,
        patch: s.patch,
        signature: `${s.patch}.minisig`,
        keyFile: s.pub,
        algorithm: 'ED',
        signed: {
          timestamp: 1764115200,
          file: NAME,
          patchId: 'Acme-Demo-CVE-2099-0001',
          dist: 'Acme-Demo',
          hashed: true,
        },
        untrustedComment: 'signature from cpansec-patch secret key',
      });
    },
  );

  it("verifies minisign's own signature of the example (fixtures)", async () => {
    const r = await verifyPatch({
      patch: join(MINISIGN_FIXTURES, NAME),
      key: join(MINISIGN_FIXTURES, 'test-only.pub'),
    });
    expect(r.keyId).toBe('A8C9836BB81FD0D5');
  });

  it('accepts several trusted keys, from files and already loaded', async () => {
    const s = await signed();
    const other = join(MINISIGN_FIXTURES, 'test-only.pub');
    expect((await verifyPatch({ patch: s.patch, key: [other, s.pub] })).keyFile).toBe(s.pub);
    const loaded = parsePublicKey(readFileSync(s.pub));
    const r = await verifyPatch({ patch: s.patch, trustedKeys: [loaded] });
    expect(r.keyId).toBe(loaded.keyIdHex);
    expect(r.keyFile).toBeUndefined();
  });

  describe('fails with the right code', () => {
    it('a tampered patch: SIGNATURE_INVALID', async () => {
      const s = await signed();
      writeFileSync(s.patch, readFileSync(s.patch, 'utf8').replace('three-argument', 'two-argument'));
      await expect(verifyPatch({ patch: s.patch, key: s.pub })).toRejectWithCode('SIGNATURE_INVALID');
    });

    it('a tampered patch that no longer parses: still SIGNATURE_INVALID (the signature is checked first)', async () => {
      const s = await signed();
      writeFileSync(s.patch, 'garbage\n');
      await expect(verifyPatch({ patch: s.patch, key: s.pub })).toRejectWithCode('SIGNATURE_INVALID');
    });

    it('another key: KEY_UNTRUSTED', async () => {
      const s = await signed();
      await expect(verifyPatch({ patch: s.patch, key: join(MINISIGN_FIXTURES, 'test-only.pub') })).toRejectWithCode(
        'KEY_UNTRUSTED',
      );
    });

    it('a malformed signature file: SIGNATURE_MALFORMED', async () => {
      const s = await signed();
      writeFileSync(
        `${s.patch}.minisig`,
        readFileSync(`${s.patch}.minisig`, 'utf8').replace('trusted comment: ', 'trusted comment: \r'),
      );
      await expect(verifyPatch({ patch: s.patch, key: s.pub })).toRejectWithCode('SIGNATURE_MALFORMED');
      writeFileSync(`${s.patch}.minisig`, 'x'.repeat(20_000));
      await expect(verifyPatch({ patch: s.patch, key: s.pub })).toRejectWithCode('SIGNATURE_MALFORMED');
    });

    it('no <patch>.minisig: UNSIGNED; a named signature file that is missing: FILE_NOT_FOUND', async () => {
      const s = await setup();
      await expect(verifyPatch({ patch: s.patch, key: s.pub })).toRejectWithCode('UNSIGNED');
      await expect(verifyPatch({ patch: s.patch, key: s.pub, signature: join(s.dir, 'x.minisig') })).toRejectWithCode(
        'FILE_NOT_FOUND',
      );
    });

    it('the patch renamed: SIGNATURE_MISMATCH (the signature binds the file name)', async () => {
      const s = await signed();
      const renamed = join(s.dir, 'Acme-Demo-CVE-2099-0002.patch');
      renameSync(s.patch, renamed);
      await expect(verifyPatch({ patch: renamed, key: s.pub, signature: `${s.patch}.minisig` })).toRejectWithCode(
        'SIGNATURE_MISMATCH',
      );
    });

    it("another patch's valid signature next to this patch: SIGNATURE_MISMATCH", async () => {
      const s = await signed();
      const otherName = 'Acme-Demo-CVE-2099-0003.patch';
      const other = join(s.dir, otherName);
      writeFileSync(
        other,
        readFileSync(s.patch, 'utf8').replace(/Acme-Demo-CVE-2099-0001/g, 'Acme-Demo-CVE-2099-0003'),
      );
      await signPatch({ patch: other, key: s.key });
      copyFileSync(`${other}.minisig`, `${s.patch}.minisig`);
      await expect(verifyPatch({ patch: s.patch, key: s.pub })).toRejectWithCode('SIGNATURE_MISMATCH');
    });

    it('a signed trusted comment naming another dist than the header: SIGNATURE_MISMATCH', async () => {
      const s = await setup();
      await signAs(s, new Uint8Array(readFileSync(s.patch)), 'Acme-Other');
      await expect(verifyPatch({ patch: s.patch, key: s.pub })).toRejectWithCode('SIGNATURE_MISMATCH');
    });

    it('a validly signed file that is not a patch: PATCH_PARSE; one without Patch-Id: HEADER_INVALID', async () => {
      const s = await setup();
      const signWith = (content: string): Promise<void> => signAs(s, new TextEncoder().encode(content), 'Acme-Demo');
      await signWith('just text, no diff\n');
      await expect(verifyPatch({ patch: s.patch, key: s.pub })).toRejectWithCode('PATCH_PARSE');
      await signWith(readFileSync(EXAMPLE, 'utf8').replace(/^Patch-Id: .*\n/m, ''));
      await expect(verifyPatch({ patch: s.patch, key: s.pub })).toRejectWithCode('HEADER_INVALID');
    });

    it('an explicit undefined expectation does not switch the file-name check off', async () => {
      const s = await signed();
      const renamed = join(s.dir, 'Other.patch');
      renameSync(s.patch, renamed);
      await expect(
        verifyPatch({ patch: renamed, key: s.pub, signature: `${s.patch}.minisig`, expect: { file: undefined } }),
      ).toRejectWithCode('SIGNATURE_MISMATCH');
    });

    it("the repository's expectation for this file is not what was signed: SIGNATURE_MISMATCH", async () => {
      const s = await signed();
      await expect(verifyPatch({ patch: s.patch, key: s.pub, expect: { dist: 'HTTP-Daemon' } })).toRejectWithCode(
        'SIGNATURE_MISMATCH',
      );
    });

    it('no key: USAGE; a missing key file: KEY_NOT_FOUND; a secret key given: KEY_INVALID', async () => {
      const s = await signed();
      await expect(verifyPatch({ patch: s.patch })).toRejectWithCode('USAGE');
      await expect(verifyPatch({ patch: s.patch, key: join(s.dir, 'nope.pub') })).toRejectWithCode('KEY_NOT_FOUND');
      await expect(verifyPatch({ patch: s.patch, key: s.key })).toRejectWithCode('KEY_INVALID');
    });

    it('a missing patch: FILE_NOT_FOUND', async () => {
      const s = await signed();
      await expect(verifyPatch({ patch: join(s.dir, 'nope.patch'), key: s.pub })).toRejectWithCode('FILE_NOT_FOUND');
    });
  });
});
