/**
 * The password-based key stream that encrypts minisign secret keys:
 * libsodium's crypto_pwhash_scryptsalsa208sha256 (scrypt), whose
 * (opslimit, memlimit) pair is mapped to scrypt's (N, r, p) by pickparams()
 * in libsodium's pwhash_scryptsalsa208sha256.c. minisign stores opslimit
 * and memlimit in the key file, not N, r and p, so we must reproduce that
 * mapping exactly or no password would ever work.
 */
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { CpansecError } from '../errors.js';

/** minisign's defaults (crypto_pwhash_scryptsalsa208sha256_OPSLIMIT/MEMLIMIT_SENSITIVE): N = 2^20, r = 8, p = 1. */
export const DEFAULT_OPSLIMIT = 33_554_432;
export const DEFAULT_MEMLIMIT = 1_073_741_824;

/** Bounds on what a key file may make us spend (a key file is input too). */
export const MAX_SCRYPT_MEMORY = 1_073_741_824;
/** N·r·p of minisign's default is 2^23; allow twice that. */
export const MAX_SCRYPT_WORK = 2 ** 24;

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** libsodium pickparams(): opslimit and memlimit are u64 in the key file, hence bigint. */
export function scryptParams(opslimit: bigint, memlimit: bigint): { N: bigint; r: bigint; p: bigint } {
  const ops = opslimit < 32768n ? 32768n : opslimit;
  const r = 8n;
  const smallestLog2Above = (maxN: bigint): bigint => {
    let log2 = 1n;
    while (log2 < 63n && 1n << log2 <= maxN / 2n) log2++;
    return log2;
  };
  if (ops < memlimit / 32n) {
    // CPU-bound branch: p = 1, N from opslimit alone.
    return { N: 1n << smallestLog2Above(ops / (r * 4n)), r, p: 1n };
  }
  const log2 = smallestLog2Above(memlimit / (r * 128n));
  let maxrp = ops / 4n / (1n << log2);
  if (maxrp > 0x3fffffffn) maxrp = 0x3fffffffn;
  // p >= 1 always: N <= memlimit/1024 (or N = 2), so opslimit/4/N >= 8 in this branch.
  return { N: 1n << log2, r, p: maxrp / r };
}

/** Checks the mapped parameters against our bounds; returns them as numbers. */
export function checkedScryptParams(opslimit: bigint, memlimit: bigint, maxMemory = MAX_SCRYPT_MEMORY): ScryptParams {
  const { N, r, p } = scryptParams(opslimit, memlimit);
  const details = {
    opslimit: opslimit.toString(),
    memlimit: memlimit.toString(),
    N: N.toString(),
    r: Number(r),
    p: p.toString(),
  };
  const memory = 128n * r * N;
  if (memory > BigInt(maxMemory) || N * r * p > BigInt(MAX_SCRYPT_WORK)) {
    throw new CpansecError(
      'LIMIT_EXCEEDED',
      `the secret key asks for scrypt with N=${N}, r=${r}, p=${p}: over our bounds`,
      {
        hint: `keys made by minisign use at most ${MAX_SCRYPT_MEMORY} bytes of memory; re-encrypt the key with minisign -C`,
        details: { ...details, memory: memory.toString(), maxMemory },
      },
    );
  }
  return { N: Number(N), r: Number(r), p: Number(p) };
}

export interface DeriveOptions {
  /** Called with the completed fraction (0..1) while scrypt runs (seconds at minisign's limits). */
  onProgress?: (fraction: number) => void;
  maxMemory?: number;
}

/** The `length`-byte stream XORed over the secret part of a minisign secret key. */
export async function deriveKeyStream(
  password: Uint8Array,
  salt: Uint8Array,
  opslimit: bigint,
  memlimit: bigint,
  length: number,
  options: DeriveOptions = {},
): Promise<Uint8Array> {
  const { N, r, p } = checkedScryptParams(opslimit, memlimit, options.maxMemory);
  return scryptAsync(password, salt, {
    N,
    r,
    p,
    dkLen: length,
    // noble keeps N+p blocks of 128·r bytes; our bounds were checked above.
    maxmem: 128 * r * (N + p) + 4096,
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
}
