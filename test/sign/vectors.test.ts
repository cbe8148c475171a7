/**
 * Files made by the real minisign 0.11: the research vectors in
 * ../shared/vectors/minisign (README and expected.json there), the
 * project's development keys in ../shared/keys, our own public fixtures in
 * test/fixtures/minisign (PROVENANCE.md), and keys and signatures minisign
 * makes at test time by the commands written there. Everything parses, every
 * decoded field equals expected.json, every signature verifies with both
 * verifiers, and our signatures are byte-identical to minisign's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeBlake2b512, nodeEd25519 } from '../../src/crypto/node-ed25519.js';
import { nobleBlake2b512, nobleEd25519 } from '../../src/sign/ed25519.js';
import { parsePublicKey, parseSecretKeyFile, unlockSecretKey } from '../../src/sign/key-format.js';
import { signFile } from '../../src/sign/sign.js';
import { parseSignature } from '../../src/sign/signature-format.js';
import { verifySignature } from '../../src/sign/verify.js';
import { minisignEncryptedKey, minisignFixtures } from '../helpers/minisign-fixtures.js';
import { MINISIGN_FIXTURES, hasMinisign, hex } from '../helpers/minisign.js';
import { hasShared, sharedPath } from '../helpers/shared.js';

const VERIFIERS = [
  { verifier: nobleEd25519, hasher: nobleBlake2b512 },
  { verifier: nodeEd25519, hasher: nodeBlake2b512 },
];
const SHARED_VECTORS = hasShared('vectors', 'minisign');
const SHARED_KEYS = hasShared('keys');

interface Expected {
  keys: Record<string, Record<string, string>>;
  signatures: Record<string, Record<string, string>>;
  message: { file: string; length: number; blake2b_512: string };
}

describe.skipIf(!SHARED_VECTORS)('shared minisign vectors (../shared/vectors/minisign)', () => {
  const dir = sharedPath('vectors', 'minisign');
  const read = (name: string): Uint8Array => new Uint8Array(readFileSync(join(dir, name)));
  // describe.skipIf still runs this body to collect the (skipped) tests: read nothing then.
  const expected = SHARED_VECTORS
    ? (JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected)
    : { keys: { test: {}, enc: {} }, signatures: {}, message: { file: '', length: 0, blake2b_512: '' } };
  const message = SHARED_VECTORS ? read('message.txt') : new Uint8Array();

  it('message: length and BLAKE2b-512 (both hashers)', () => {
    expect(message.length).toBe(expected.message.length);
    expect(hex(nobleBlake2b512.hash(message))).toBe(expected.message.blake2b_512);
    expect(hex(nodeBlake2b512.hash(message))).toBe(expected.message.blake2b_512);
  });

  for (const name of ['test', 'enc'] as const) {
    const e = expected.keys[name] ?? {};

    it(`${name}.pub: every field`, () => {
      const pub = parsePublicKey(read(`${name}.pub`));
      expect(hex(pub.keyId)).toBe(e['key_id_bytes']);
      expect(pub.keyIdHex).toBe(e['key_id_printed']);
      expect(hex(pub.key)).toBe(e['ed25519_public_key']);
      expect(pub.comment).toBe(`minisign public key ${e['key_id_printed']}`);
    });

    it(`${name}.key: every field of the stored struct`, () => {
      const file = parseSecretKeyFile(read(`${name}.key`));
      expect(file.encrypted).toBe(e['sec_kdf_alg_hex'] === '5363');
      expect(hex(file.sealed)).toBe(e['sec_keynum_sk_as_stored']);
      if (file.kdf !== undefined) {
        expect(hex(file.kdf.salt)).toBe(e['sec_kdf_salt']);
        expect(file.kdf.opslimit.toString()).toBe(e['sec_kdf_opslimit']);
        expect(file.kdf.memlimit.toString()).toBe(e['sec_kdf_memlimit']);
      }
    });
  }

  it('test.key (no password, all-zero checksum) opens to the expected seed', async () => {
    const key = await unlockSecretKey(parseSecretKeyFile(read('test.key')), undefined);
    expect(hex(key.seed)).toBe(expected.keys['test']?.['ed25519_seed']);
    expect(key.keyIdHex).toBe('D6ACBCA43537778F');
  });

  for (const [file, keyName] of [
    ['message.txt.minisig', 'test'],
    ['message.txt.legacy.minisig', 'test'],
    ['message.txt.enc.minisig', 'enc'],
  ] as const) {
    const e = expected.signatures[file] ?? {};

    it(`${file}: every field, and the bytes under the global signature`, () => {
      const sig = parseSignature(read(file));
      expect(sig.algorithm).toBe(e['signature_algorithm']);
      expect(hex(sig.keyId)).toBe(e['key_id_bytes']);
      expect(hex(sig.signature)).toBe(e['signature']);
      expect(sig.trustedComment).toBe(e['trusted_comment_utf8']);
      expect(hex(sig.globalSignature)).toBe(e['global_signature']);
      expect(hex(new Uint8Array([...sig.signature, ...sig.trustedCommentBytes]))).toBe(e['global_signed_message_hex']);
    });

    for (const opts of VERIFIERS) {
      it(`${file}: verifies with ${keyName}.pub (${opts.verifier.name})`, () => {
        const r = verifySignature(message, read(file), parsePublicKey(read(`${keyName}.pub`)), {
          ...opts,
          allowLegacy: true,
        });
        expect(r.trustedComment.text).toBe(e['trusted_comment_utf8']);
      });
    }
  }

  it('message.txt.legacy.minisig is refused when legacy is not allowed', () => {
    expect(() =>
      verifySignature(message, read('message.txt.legacy.minisig'), parsePublicKey(read('test.pub'))),
    ).toThrowCode('SIGNATURE_INVALID');
  });

  it("our signature with test.key is byte-identical to minisign's message.txt.minisig", async () => {
    const key = await unlockSecretKey(parseSecretKeyFile(read('test.key')), undefined);
    const original = parseSignature(read('message.txt.minisig'));
    const ours = signFile(message, key, original.trustedComment, original.untrustedComment);
    expect(ours.text).toBe(new TextDecoder().decode(read('message.txt.minisig')));
  });

  it('enc.key decrypts with its password (scrypt at 1 GiB: slow) and re-signs byte-identically', async () => {
    const file = parseSecretKeyFile(read('enc.key'));
    const key = await unlockSecretKey(file, expected.keys['enc']?.['password']);
    expect(key.key).toEqual(parsePublicKey(read('enc.pub')).key);
    const original = parseSignature(read('message.txt.enc.minisig'));
    expect(signFile(message, key, original.trustedComment, original.untrustedComment).text).toBe(
      new TextDecoder().decode(read('message.txt.enc.minisig')),
    );
  }, 120_000);
});

describe.skipIf(!SHARED_KEYS)('the development keys (../shared/keys), read as they are', () => {
  for (const name of ['root', 'publisher']) {
    it(`${name}.key opens without a password and belongs to ${name}.pub`, async () => {
      const pub = parsePublicKey(readFileSync(sharedPath('keys', `${name}.pub`)));
      expect(pub.comment).toBe(`minisign public key ${pub.keyIdHex}`);
      const file = parseSecretKeyFile(readFileSync(sharedPath('keys', `${name}.key`)));
      expect(file.encrypted).toBe(false);
      const key = await unlockSecretKey(file, undefined);
      expect(key.keyIdHex).toBe(pub.keyIdHex);
      expect(key.key).toEqual(pub.key);
    });
  }
});

describe('our fixtures made with minisign (test/fixtures/minisign)', () => {
  const read = (name: string): Uint8Array => new Uint8Array(readFileSync(join(MINISIGN_FIXTURES, name)));
  const message = read('message.txt');
  const pub = parsePublicKey(read('test-only.pub'));

  for (const opts of VERIFIERS) {
    it(`the ED and legacy signatures verify (${opts.verifier.name})`, () => {
      expect(verifySignature(message, read('message.txt.minisig'), pub, opts).algorithm).toBe('ED');
      expect(
        verifySignature(message, read('message.txt.legacy.minisig'), pub, { ...opts, allowLegacy: true }).algorithm,
      ).toBe('Ed');
      expect(
        verifySignature(message, read('message.txt.enc.minisig'), parsePublicKey(read('test-only-enc.pub')), opts)
          .trustedComment.text,
      ).toBe('timestamp:1764115200\tfile:message.txt\thashed\tkey:enc');
    });
  }

  it("minisign's signature of the example patch carries our trusted comment and binds it", () => {
    const r = verifySignature(
      read('Acme-Demo-CVE-2099-0001.patch'),
      read('Acme-Demo-CVE-2099-0001.patch.minisig'),
      pub,
      {
        expect: { file: 'Acme-Demo-CVE-2099-0001.patch', patchId: 'Acme-Demo-CVE-2099-0001', dist: 'Acme-Demo' },
      },
    );
    expect(r.trustedComment.fields['dist']).toEqual(['Acme-Demo']);
  });
});

describe.skipIf(!hasMinisign())('keys made by minisign now (the commands of PROVENANCE.md)', () => {
  const read = (path: string): Uint8Array => new Uint8Array(readFileSync(path));

  for (const opts of VERIFIERS) {
    it(`its ED and legacy signatures verify (${opts.verifier.name})`, () => {
      const made = minisignFixtures();
      const pub = parsePublicKey(read(made.pub));
      expect(pub.keyIdHex).toBe(made.keyId);
      expect(verifySignature(read(made.message), read(made.messageSig), pub, opts).algorithm).toBe('ED');
      expect(
        verifySignature(read(made.message), read(made.legacySig), pub, { ...opts, allowLegacy: true }).algorithm,
      ).toBe('Ed');
    });
  }

  it("our signatures with test-only.key are byte-identical to minisign's", async () => {
    const made = minisignFixtures();
    const key = await unlockSecretKey(parseSecretKeyFile(read(made.key)), undefined);
    expect(key.keyIdHex).toBe(made.keyId);
    for (const [file, sigFile] of [
      [made.message, made.messageSig],
      [made.patch, made.patchSig],
    ] as const) {
      const original = parseSignature(read(sigFile));
      expect(signFile(read(file), key, original.trustedComment, original.untrustedComment).text).toBe(
        new TextDecoder().decode(read(sigFile)),
      );
    }
  });

  // The shared enc.key covers the same path; decrypting two 1 GiB keys would only double the time.
  it.skipIf(SHARED_VECTORS)(
    'test-only-enc.key decrypts with its password (scrypt at 1 GiB: slow)',
    async () => {
      const made = minisignEncryptedKey();
      const key = await unlockSecretKey(parseSecretKeyFile(read(made.key)), made.password);
      expect(key.keyIdHex).toBe(made.keyId);
      expect(key.key).toEqual(parsePublicKey(read(made.pub)).key);
    },
    120_000,
  );
});
