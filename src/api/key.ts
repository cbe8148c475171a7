/**
 * `cpansec-patch key generate` and `key show`: minisign-compatible Ed25519
 * key pairs (docs/signing.md). The files are minisign's own formats, so
 * `minisign -S -s KEY` and `minisign -V -p PUB` work with them too.
 */
import { randomBytes } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import { CpansecError, inContext } from '../errors.js';
import { writeFileAtomic } from '../files/atomic.js';
import { generateKeyPair, parseKeyFile, publicKeyBase64, unlockSecretKey } from '../sign/key-format.js';
import { DEFAULT_MEMLIMIT, DEFAULT_OPSLIMIT, checkedScryptParams } from '../sign/kdf.js';
import { readKeyBytes, resolvePassword } from './key-files.js';
import type { PasswordSource } from './key-files.js';

export interface GenerateKeyOptions {
  /** Path prefix: writes `<out>.pub` and `<out>.key`. */
  out: string;
  /** Encrypts the secret key with this password (scrypt, as minisign). */
  password?: PasswordSource;
  /** Must be true to write an unencrypted secret key (minisign -W); an explicit choice. */
  noPassword?: boolean;
  /** The secret key file's untrusted comment. */
  comment?: string;
  /** Replace existing files. */
  force?: boolean;
  /** scrypt limits (libsodium opslimit/memlimit); default minisign's: 33554432 and 1 GiB. Lower only for tests. */
  opslimit?: number;
  memlimit?: number;
  /** Progress notes for humans (the CLI prints them on stderr). */
  onNote?: (message: string) => void;
  /** Randomness; default node:crypto randomBytes. */
  random?: (length: number) => Uint8Array;
}

export interface KdfView {
  algorithm: 'scrypt';
  opslimit: string;
  memlimit: string;
  N: number;
  r: number;
  p: number;
}

export interface GenerateKeyResult {
  keyId: string;
  /** The public key line, as `minisign -P` takes it. */
  publicKey: string;
  publicKeyFile: string;
  secretKeyFile: string;
  encrypted: boolean;
  kdf?: KdfView;
}

function kdfView(opslimit: bigint, memlimit: bigint): KdfView {
  const { N, r, p } = checkedScryptParams(opslimit, memlimit);
  return { algorithm: 'scrypt', opslimit: opslimit.toString(), memlimit: memlimit.toString(), N, r, p };
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw inContext(err, `cannot check ${path}`, 'IO');
  }
}

/**
 * Makes a key pair and writes `<out>.key` (mode 0600) and `<out>.pub`, each atomically.
 * Existing files are never replaced unless `force`. (Between the check and the rename another
 * process could create the file; key generation is an interactive, one-person step.)
 * @throws CpansecError USAGE, FILE_EXISTS, KEY_PASSWORD, IO, READ_ONLY
 */
export async function generateKey(options: GenerateKeyOptions): Promise<GenerateKeyResult> {
  if (options.noPassword === true && options.password !== undefined) {
    throw new CpansecError('USAGE', 'give either a password or --no-password, not both');
  }
  if (options.noPassword !== true && options.password === undefined) {
    throw new CpansecError('USAGE', 'a new secret key needs a password, or an explicit --no-password', {
      hint: 'use --password-file FILE or CPANSEC_KEY_PASSWORD, run on a terminal to be asked, or pass --no-password',
    });
  }
  const publicKeyFile = `${options.out}.pub`;
  const secretKeyFile = `${options.out}.key`;
  if (options.force !== true) {
    for (const path of [secretKeyFile, publicKeyFile]) {
      if (await exists(path)) {
        throw new CpansecError('FILE_EXISTS', `${path} already exists; not replacing a key`, {
          hint: 'choose another --out, or pass --force if you really mean to replace it (signatures made with the old key will no longer verify with the new one)',
          details: { path },
        });
      }
    }
  }
  const password = options.password === undefined ? undefined : await resolvePassword(options.password);
  const opslimit = options.opslimit ?? DEFAULT_OPSLIMIT;
  const memlimit = options.memlimit ?? DEFAULT_MEMLIMIT;
  const kdf = password === undefined ? undefined : kdfView(BigInt(opslimit), BigInt(memlimit));
  if (kdf !== undefined) options.onNote?.('deriving key (scrypt)…');
  const pair = await generateKeyPair(options.random ?? ((n) => new Uint8Array(randomBytes(n))), {
    ...(password === undefined ? {} : { password, opslimit, memlimit }),
    ...(options.comment === undefined ? {} : { comment: options.comment }),
  });
  const encoder = new TextEncoder();
  // The secret key first: a crash between the two writes leaves a usable key, not an orphan .pub.
  await writeFileAtomic(secretKeyFile, encoder.encode(pair.secretKeyFile), 0o600);
  await writeFileAtomic(publicKeyFile, encoder.encode(pair.publicKeyFile), 0o644);
  return {
    keyId: pair.publicKey.keyIdHex,
    publicKey: publicKeyBase64(pair.publicKey),
    publicKeyFile,
    secretKeyFile,
    encrypted: password !== undefined,
    ...(kdf === undefined ? {} : { kdf }),
  };
}

export interface ShowKeyOptions {
  path: string;
}

export interface ShowKeyResult {
  path: string;
  kind: 'public' | 'secret';
  algorithm: 'Ed25519';
  /** null for an encrypted secret key: minisign stores the key id inside the encrypted part. */
  keyId: string | null;
  /** The public key line (`minisign -P`); null for an encrypted secret key. */
  publicKey: string | null;
  encrypted: boolean;
  kdf?: KdfView;
  /** The file's first line: not authenticated by anything. */
  comment: string;
}

/**
 * Describes a public or secret key file. Never returns secret material; an encrypted key is
 * not decrypted (no password is asked).
 * @throws CpansecError KEY_NOT_FOUND, KEY_INVALID
 */
export async function showKey(options: ShowKeyOptions): Promise<ShowKeyResult> {
  const bytes = await readKeyBytes(options.path, 'key file');
  try {
    const parsed = parseKeyFile(bytes);
    if (parsed.kind === 'public') {
      const k = parsed.key;
      return {
        path: options.path,
        kind: 'public',
        algorithm: 'Ed25519',
        keyId: k.keyIdHex,
        publicKey: publicKeyBase64(k),
        encrypted: false,
        comment: k.comment,
      };
    }
    const file = parsed.file;
    if (file.kdf !== undefined) {
      return {
        path: options.path,
        kind: 'secret',
        algorithm: 'Ed25519',
        keyId: null,
        publicKey: null,
        encrypted: true,
        kdf: kdfView(file.kdf.opslimit, file.kdf.memlimit),
        comment: file.comment,
      };
    }
    // Unencrypted: opening it costs nothing and checks it is intact.
    const key = await unlockSecretKey(file, undefined);
    return {
      path: options.path,
      kind: 'secret',
      algorithm: 'Ed25519',
      keyId: key.keyIdHex,
      publicKey: publicKeyBase64(key),
      encrypted: false,
      comment: file.comment,
    };
  } catch (err) {
    throw inContext(err, options.path, 'KEY_INVALID', { path: options.path });
  }
}
