/**
 * minisign key files (research note §1.2-1.3; minisign.h PubkeyStruct and
 * SeckeyStruct). Both are two lines: an untrusted comment, then standard
 * base64 of a packed little-endian struct.
 *
 *   public key (42 bytes):  "Ed" | key id (8) | Ed25519 public key (32)
 *   secret key (158 bytes): "Ed" | kdf "Sc" or 00 00 | "B2" | salt (32) | opslimit u64 | memlimit u64
 *                           | key id (8) | seed (32) | public key (32) | checksum (32)
 *
 * The last 104 bytes (key id, secret key, checksum) are XORed with a scrypt
 * stream when kdf is "Sc". The checksum is BLAKE2b-256("Ed" | key id | seed |
 * public key), computed before encryption; minisign leaves it all zero for
 * keys made with -W (no password) and never checks it then.
 */
import { CpansecError } from '../errors.js';
import { decodeBase64, encodeBase64 } from './base64.js';
import { blake2b256, acceptedPublicKey, ed25519PublicKey } from './ed25519.js';
import { DEFAULT_MEMLIMIT, DEFAULT_OPSLIMIT, checkedScryptParams, deriveKeyStream } from './kdf.js';
import { asciiString, decodePrintable, encodeUtf8, equalBytes, splitLines, startsWithAscii } from './text.js';
import type { ErrorCode } from '../errors.js';
import type { DeriveOptions } from './kdf.js';

export const COMMENT_PREFIX = 'untrusted comment: ';
/** minisign reads comment lines with fgets(buf, 1024): at most 1023 bytes, line ending included. */
export const MAX_COMMENT_LINE = 1023;

const ALG_ED = [0x45, 0x64]; // "Ed"
const KDF_SCRYPT = [0x53, 0x63]; // "Sc"
const CHK_B2 = [0x42, 0x32]; // "B2"
const PUBLIC_LEN = 42;
const SECRET_LEN = 158;
/** key id (8) + secret key (64) + checksum (32): the part that is encrypted. */
const SEALED_LEN = 104;

export interface PublicKey {
  /** 8 random bytes chosen at generation, as stored in files; a routing hint, not a fingerprint. */
  keyId: Uint8Array;
  /** The key id as minisign prints it: the bytes read as a little-endian u64, %016X. */
  keyIdHex: string;
  /** The 32-byte Ed25519 public key. */
  key: Uint8Array;
}

export interface SecretKey extends PublicKey {
  /** The 32-byte Ed25519 seed (RFC 8032 secret key). */
  seed: Uint8Array;
}

export interface KdfInfo {
  algorithm: 'scrypt';
  salt: Uint8Array;
  opslimit: bigint;
  memlimit: bigint;
}

/** A parsed secret key file; the secret part is still sealed when the key is encrypted. */
export interface SecretKeyFile {
  comment: string;
  encrypted: boolean;
  /** Present only for encrypted keys (minisign ignores salt and limits otherwise). */
  kdf: KdfInfo | undefined;
  /** key id | seed | public key | checksum, XORed with the scrypt stream when encrypted. */
  sealed: Uint8Array;
}

/** minisign prints key ids with le64_load() and "%016" PRIX64 (0.12+; 0.11 drops leading zeros). */
export function formatKeyId(keyId: Uint8Array): string {
  let out = '';
  for (let i = keyId.length - 1; i >= 0; i--) out += (keyId[i] as number).toString(16).padStart(2, '0');
  return out.toUpperCase();
}

function same(bytes: Uint8Array, at: number, expected: readonly number[]): boolean {
  return expected.every((b, i) => bytes[at + i] === b);
}

function readU64(bytes: Uint8Array, at: number): bigint {
  let n = 0n;
  for (let i = 7; i >= 0; i--) n = (n << 8n) | BigInt(bytes[at + i] as number);
  return n;
}

function writeU64(bytes: Uint8Array, at: number, value: bigint): void {
  for (let i = 0; i < 8; i++) bytes[at + i] = Number((value >> BigInt(8 * i)) & 0xffn);
}

function toBytes(input: Uint8Array | string): Uint8Array {
  return typeof input === 'string' ? encodeUtf8(input) : input;
}

/** Reads the two lines of a key file: the comment and the decoded struct of `size` bytes. */
function readKeyLines(input: Uint8Array, size: number, what: string): { comment: string; struct: Uint8Array } {
  const code: ErrorCode = 'KEY_INVALID';
  const lines = splitLines(input, code, what);
  const [first, second] = lines;
  if (first === undefined || second === undefined || lines.length > 2) {
    throw new CpansecError(code, `${what}: expected 2 lines (comment, base64 key), found ${lines.length}`, {
      hint: 'a minisign key file is an "untrusted comment:" line followed by one base64 line',
      details: { lines: lines.length },
    });
  }
  if (!first.terminated || !startsWithAscii(first.bytes, COMMENT_PREFIX) || first.rawLength > MAX_COMMENT_LINE) {
    throw new CpansecError(
      code,
      `${what}: line 1 must be an "untrusted comment: " line of at most ${MAX_COMMENT_LINE} bytes`,
      {
        details: { line: 1 },
      },
    );
  }
  const comment = decodePrintable(first.bytes.subarray(COMMENT_PREFIX.length));
  if (comment === undefined) {
    throw new CpansecError(code, `${what}: the comment is not printable UTF-8`, { details: { line: 1 } });
  }
  const struct = decodeBase64(asciiString(second.bytes));
  if (struct === undefined || struct.length !== size) {
    throw new CpansecError(code, `${what}: line 2 is not the base64 of a ${size}-byte minisign key`, {
      details: { line: 2, ...(struct === undefined ? {} : { decodedLength: struct.length }) },
    });
  }
  if (!same(struct, 0, ALG_ED)) {
    // minisign: "Unsupported signature algorithm"
    throw new CpansecError(code, `${what}: unsupported signature algorithm (expected "Ed")`, { details: { line: 2 } });
  }
  return { comment, struct };
}

function checkPublicKeyPoint(key: Uint8Array, what: string): void {
  if (!acceptedPublicKey(key)) {
    throw new CpansecError('KEY_INVALID', `${what}: not a usable Ed25519 public key`, {
      hint: 'the key is non-canonical, of small order or outside the prime-order subgroup; no key generator makes such keys',
    });
  }
}

function publicKeyFromStruct(struct: Uint8Array, what: string): PublicKey {
  const keyId = struct.slice(2, 10);
  const key = struct.slice(10, 42);
  checkPublicKeyPoint(key, what);
  return { keyId, keyIdHex: formatKeyId(keyId), key };
}

/**
 * Parses a minisign public key file (`minisign.pub`).
 * @throws CpansecError KEY_INVALID
 */
export function parsePublicKey(input: Uint8Array | string, what = 'public key'): PublicKey & { comment: string } {
  const { comment, struct } = readKeyLines(toBytes(input), PUBLIC_LEN, what);
  return { ...publicKeyFromStruct(struct, what), comment };
}

/**
 * Parses the base64 form of a public key (the second line of the file; what `minisign -P` takes).
 * @throws CpansecError KEY_INVALID
 */
export function parsePublicKeyBase64(text: string, what = 'public key'): PublicKey {
  const struct = decodeBase64(text.trim());
  if (struct === undefined || struct.length !== PUBLIC_LEN || !same(struct, 0, ALG_ED)) {
    throw new CpansecError(
      'KEY_INVALID',
      `${what}: not the base64 of a minisign public key (56 characters, starting "RW")`,
    );
  }
  return publicKeyFromStruct(struct, what);
}

/** The base64 line of a public key file. */
export function publicKeyBase64(key: PublicKey): string {
  return encodeBase64(Uint8Array.from([...ALG_ED, ...key.keyId, ...key.key]));
}

/** Formats a public key file exactly as minisign's write_pk_file() does. */
export function formatPublicKey(key: PublicKey): string {
  return `${COMMENT_PREFIX}minisign public key ${key.keyIdHex}\n${publicKeyBase64(key)}\n`;
}

/**
 * Parses a minisign secret key file without unlocking it.
 * @throws CpansecError KEY_INVALID
 */
export function parseSecretKeyFile(input: Uint8Array | string, what = 'secret key'): SecretKeyFile {
  const { comment, struct } = readKeyLines(toBytes(input), SECRET_LEN, what);
  if (!same(struct, 4, CHK_B2)) {
    // minisign: "Unsupported checksum function"
    throw new CpansecError('KEY_INVALID', `${what}: unsupported checksum function (expected "B2")`);
  }
  const sealed = struct.slice(54, 54 + SEALED_LEN);
  if (same(struct, 2, [0, 0])) return { comment, encrypted: false, kdf: undefined, sealed };
  if (!same(struct, 2, KDF_SCRYPT)) {
    // minisign: "Unsupported key derivation function"
    throw new CpansecError('KEY_INVALID', `${what}: unsupported key derivation function (expected "Sc" or none)`);
  }
  const kdf: KdfInfo = {
    algorithm: 'scrypt',
    salt: struct.slice(6, 38),
    opslimit: readU64(struct, 38),
    memlimit: readU64(struct, 46),
  };
  // Refuse absurd limits now, before anyone types a password for them.
  checkedScryptParams(kdf.opslimit, kdf.memlimit);
  return { comment, encrypted: true, kdf, sealed };
}

function checksum(keyId: Uint8Array, secret: Uint8Array): Uint8Array {
  return blake2b256(Uint8Array.from([...ALG_ED, ...keyId, ...secret]));
}

function xorInto(target: Uint8Array, stream: Uint8Array): void {
  for (let i = 0; i < target.length; i++) target[i] = (target[i] as number) ^ (stream[i] as number);
}

export interface UnlockOptions extends DeriveOptions {
  /** Called once before a slow key derivation starts (scrypt takes seconds at minisign's limits). */
  onDerive?: () => void;
}

/**
 * Opens a secret key file: decrypts it when encrypted, then checks the checksum and that the
 * stored public key is the one the seed gives (minisign's checks, plus the last one: it
 * catches a damaged unencrypted key, whose checksum minisign leaves at zero).
 * @throws CpansecError KEY_PASSWORD (missing or wrong password), KEY_INVALID, LIMIT_EXCEEDED
 */
export async function unlockSecretKey(
  file: SecretKeyFile,
  password: string | Uint8Array | undefined,
  options: UnlockOptions = {},
  what = 'secret key',
): Promise<SecretKey> {
  const sealed = file.sealed.slice();
  if (file.kdf !== undefined) {
    if (password === undefined) {
      throw new CpansecError('KEY_PASSWORD', `${what} is encrypted and no password was given`, {
        hint: 'pass --password-file FILE, set CPANSEC_KEY_PASSWORD, or run on a terminal to be asked',
      });
    }
    options.onDerive?.();
    const pw = typeof password === 'string' ? encodeUtf8(password) : password;
    xorInto(
      sealed,
      await deriveKeyStream(pw, file.kdf.salt, file.kdf.opslimit, file.kdf.memlimit, SEALED_LEN, options),
    );
  }
  const keyId = sealed.slice(0, 8);
  const secret = sealed.subarray(8, 72);
  const stored = sealed.subarray(72, 104);
  const zero = stored.every((b) => b === 0);
  if (file.kdf !== undefined || !zero) {
    if (!equalBytes(stored, checksum(keyId, secret))) {
      if (file.kdf !== undefined) {
        // minisign: "Wrong password for that key" (a damaged file looks the same).
        throw new CpansecError('KEY_PASSWORD', `wrong password for ${what}`, {
          hint: 'check the password and try again',
        });
      }
      throw new CpansecError('KEY_INVALID', `${what}: the checksum does not match (the file is damaged)`);
    }
  }
  const seed = secret.slice(0, 32);
  const key = secret.slice(32, 64);
  if (!equalBytes(ed25519PublicKey(seed), key)) {
    throw new CpansecError(
      'KEY_INVALID',
      `${what}: the public key stored in it does not belong to its seed (the file is damaged)`,
    );
  }
  return { keyId, keyIdHex: formatKeyId(keyId), key, seed };
}

export interface SealOptions extends DeriveOptions {
  /** Encrypts with scrypt when given; otherwise the key is stored as minisign -W stores it. */
  password?: string | Uint8Array;
  /** 32 random bytes; required with a password. */
  salt?: Uint8Array;
  opslimit?: number | bigint;
  memlimit?: number | bigint;
  /** The untrusted comment line (one line of printable text). */
  comment?: string;
}

/**
 * Formats a secret key file. Unlike minisign -W we also fill in the checksum of an unencrypted
 * key (minisign ignores it there; our reader then detects damage).
 * @throws CpansecError USAGE (bad comment or missing salt), KEY_INVALID, LIMIT_EXCEEDED
 */
export async function formatSecretKeyFile(key: SecretKey, options: SealOptions = {}): Promise<string> {
  const comment =
    options.comment ??
    (options.password === undefined ? 'minisign secret key (not encrypted)' : 'minisign encrypted secret key');
  if (
    decodePrintable(encodeUtf8(comment)) === undefined ||
    COMMENT_PREFIX.length + encodeUtf8(comment).length + 1 > MAX_COMMENT_LINE
  ) {
    throw new CpansecError(
      'USAGE',
      `the key comment must be one line of printable text, at most ${MAX_COMMENT_LINE - COMMENT_PREFIX.length - 1} bytes`,
    );
  }
  const struct = new Uint8Array(SECRET_LEN);
  struct.set(ALG_ED, 0);
  struct.set(CHK_B2, 4);
  const sealed = new Uint8Array(SEALED_LEN);
  sealed.set(key.keyId, 0);
  sealed.set(key.seed, 8);
  sealed.set(key.key, 40);
  sealed.set(checksum(key.keyId, sealed.subarray(8, 72)), 72);
  if (options.password !== undefined) {
    if (options.salt === undefined || options.salt.length !== 32) {
      throw new CpansecError('USAGE', 'encrypting a secret key needs a 32-byte random salt');
    }
    const opslimit = BigInt(options.opslimit ?? DEFAULT_OPSLIMIT);
    const memlimit = BigInt(options.memlimit ?? DEFAULT_MEMLIMIT);
    struct.set(KDF_SCRYPT, 2);
    struct.set(options.salt, 6);
    writeU64(struct, 38, opslimit);
    writeU64(struct, 46, memlimit);
    const pw = typeof options.password === 'string' ? encodeUtf8(options.password) : options.password;
    xorInto(sealed, await deriveKeyStream(pw, options.salt, opslimit, memlimit, SEALED_LEN, options));
  }
  struct.set(sealed, 54);
  return `${COMMENT_PREFIX}${comment}\n${encodeBase64(struct)}\n`;
}

export interface GenerateOptions extends SealOptions {
  salt?: never;
}

export interface GeneratedKeyPair {
  publicKey: PublicKey;
  secretKey: SecretKey;
  publicKeyFile: string;
  secretKeyFile: string;
}

/**
 * Makes a new key pair. Randomness is passed in (this module does no I/O); it must be a
 * cryptographically secure source, such as node:crypto randomBytes.
 * @throws CpansecError USAGE, KEY_INVALID, LIMIT_EXCEEDED (unusable scrypt limits)
 */
export async function generateKeyPair(
  random: (length: number) => Uint8Array,
  options: GenerateOptions = {},
): Promise<GeneratedKeyPair> {
  const take = (n: number): Uint8Array => {
    const bytes = random(n);
    if (bytes.length !== n)
      throw new CpansecError('INTERNAL', `the random source returned ${bytes.length} bytes, not ${n}`);
    return Uint8Array.from(bytes);
  };
  if (options.password !== undefined) {
    // Check the limits before spending randomness or time on them.
    checkedScryptParams(
      BigInt(options.opslimit ?? DEFAULT_OPSLIMIT),
      BigInt(options.memlimit ?? DEFAULT_MEMLIMIT),
      options.maxMemory,
    );
  }
  const seed = take(32);
  const keyId = take(8);
  const key = ed25519PublicKey(seed);
  const secretKey: SecretKey = { keyId, keyIdHex: formatKeyId(keyId), key, seed };
  const publicKey: PublicKey = { keyId, keyIdHex: secretKey.keyIdHex, key };
  const salt = options.password === undefined ? undefined : take(32);
  const secretKeyFile = await formatSecretKeyFile(secretKey, { ...options, ...(salt === undefined ? {} : { salt }) });
  return { publicKey, secretKey, publicKeyFile: formatPublicKey(publicKey), secretKeyFile };
}

export type AnyKeyFile =
  { kind: 'public'; key: PublicKey & { comment: string } } | { kind: 'secret'; file: SecretKeyFile };

/**
 * Parses either kind of key file, told apart by the length of the base64 line (56 characters
 * for a public key, 212 for a secret key).
 * @throws CpansecError KEY_INVALID
 */
export function parseKeyFile(input: Uint8Array | string, what = 'key file'): AnyKeyFile {
  const bytes = toBytes(input);
  const second = splitLines(bytes, 'KEY_INVALID', what)[1];
  const length = second?.bytes.length ?? 0;
  if (length === 212) return { kind: 'secret', file: parseSecretKeyFile(bytes, what) };
  return { kind: 'public', key: parsePublicKey(bytes, what) };
}
