/**
 * Reading key and password files for the key, sign and verify operations:
 * bounded reads (key files are a few hundred bytes), and the error codes a
 * user can act on (KEY_NOT_FOUND for a missing key, KEY_INVALID for a file
 * that is not a minisign key).
 */
import { CpansecError, inContext } from '../errors.js';
import { readFileLimited } from '../files/read.js';
import { parseKeyFile, parseSecretKeyFile, unlockSecretKey } from '../sign/key-format.js';
import type { PublicKey, SecretKey, SecretKeyFile } from '../sign/key-format.js';

/** Larger than any key file (a comment line is at most 1023 bytes). */
const MAX_KEY_FILE_BYTES = 4096;
const MAX_PASSWORD_FILE_BYTES = 4096;

/** A password, or a function that obtains one (called only when a key is encrypted). */
export type PasswordSource = string | (() => string | Promise<string>);

export async function readKeyBytes(path: string, what: string): Promise<Uint8Array> {
  try {
    return await readFileLimited(path, MAX_KEY_FILE_BYTES, what);
  } catch (err) {
    if (err instanceof CpansecError && err.code === 'FILE_NOT_FOUND') {
      throw new CpansecError('KEY_NOT_FOUND', `${what} not found: ${path}`, {
        hint: 'check the path; make a key pair with "cpansec-patch key generate"',
        details: { path },
      });
    }
    if (err instanceof CpansecError && err.code === 'LIMIT_EXCEEDED') {
      throw new CpansecError('KEY_INVALID', `${what} ${path} is too large to be a minisign key`, { details: { path } });
    }
    throw err;
  }
}

/** @throws CpansecError KEY_NOT_FOUND, KEY_INVALID (including a secret key passed where a public one belongs) */
export async function readPublicKey(path: string): Promise<PublicKey & { comment: string; path: string }> {
  const bytes = await readKeyBytes(path, 'public key');
  try {
    const parsed = parseKeyFile(bytes, 'public key');
    if (parsed.kind === 'secret') {
      throw new CpansecError('KEY_INVALID', 'this is a secret key; verification takes the public key (.pub)', {
        hint: 'pass the .pub file that was generated with it; never hand out the .key file',
      });
    }
    return { ...parsed.key, path };
  } catch (err) {
    throw inContext(err, path, 'KEY_INVALID', { path });
  }
}

export async function readSecretKeyFile(path: string): Promise<SecretKeyFile> {
  const bytes = await readKeyBytes(path, 'secret key');
  try {
    return parseSecretKeyFile(bytes, 'secret key');
  } catch (err) {
    throw inContext(err, path, 'KEY_INVALID', { path });
  }
}

export async function resolvePassword(source: PasswordSource): Promise<string> {
  const password = typeof source === 'string' ? source : await source();
  if (password === '') throw new CpansecError('KEY_PASSWORD', 'the password is empty');
  return password;
}

/**
 * Reads and opens a secret key; asks `password` only when the key is encrypted.
 * @throws CpansecError KEY_NOT_FOUND, KEY_INVALID, KEY_PASSWORD, LIMIT_EXCEEDED
 */
export async function openSecretKey(
  path: string,
  password: PasswordSource | undefined,
  onNote?: (message: string) => void,
): Promise<SecretKey> {
  const file = await readSecretKeyFile(path);
  const pw = file.encrypted && password !== undefined ? await resolvePassword(password) : undefined;
  try {
    return await unlockSecretKey(file, pw, { onDerive: () => onNote?.('deriving key (scrypt)…') }, 'secret key');
  } catch (err) {
    throw inContext(err, path, 'KEY_INVALID', { path });
  }
}

/**
 * Reads a password file: UTF-8, one line; a final "\n" or "\r\n" is not part of the password
 * (minisign strips the newline of a password read from stdin the same way).
 * @throws CpansecError FILE_NOT_FOUND, KEY_PASSWORD (empty or not UTF-8)
 */
export async function readPasswordFile(path: string): Promise<string> {
  const bytes = await readFileLimited(path, MAX_PASSWORD_FILE_BYTES, 'password file');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new CpansecError('KEY_PASSWORD', `password file ${path} is not UTF-8 text`, { details: { path } });
  }
  const password = text.replace(/\r?\n$/, '');
  if (password === '' || /[\r\n]/.test(password)) {
    throw new CpansecError('KEY_PASSWORD', `password file ${path} must hold one non-empty line`, { details: { path } });
  }
  return password;
}
