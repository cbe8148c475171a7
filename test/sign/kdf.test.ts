import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { scryptSync } from 'node:crypto';
import {
  DEFAULT_MEMLIMIT,
  DEFAULT_OPSLIMIT,
  checkedScryptParams,
  deriveKeyStream,
  scryptParams,
} from '../../src/sign/kdf.js';

describe('scryptParams (libsodium pickparams)', () => {
  it("maps minisign's defaults to N = 2^20, r = 8, p = 1", () => {
    expect(scryptParams(BigInt(DEFAULT_OPSLIMIT), BigInt(DEFAULT_MEMLIMIT))).toEqual({ N: 2n ** 20n, r: 8n, p: 1n });
  });

  it.each([
    // [opslimit, memlimit, N, p]; r is always 8. Worked by hand from pickparams():
    [32768n, 1n << 20n, 1024n, 1n], // memory branch: maxN = 2^20/1024 = 1024, 2^10 > 512; maxrp = 8192/1024 = 8
    [0n, 1n << 20n, 1024n, 1n], // opslimit below 32768 is raised to 32768 first
    [32768n, 1n << 30n, 1024n, 1n], // CPU branch (32768 < 2^30/32): maxN = 32768/32 = 1024
    [524288n, 16n << 20n, 16384n, 1n], // 524288 = 2^24/32 is not below it: memory branch, maxN = 16384
    [32768n, 1024n, 2n, 512n], // tiny memlimit: maxN = 1, N = 2; maxrp = 8192/2 = 4096, p = 512
    // the largest u64 values: maxN = 2^54 - 1, so N = 2^53; maxrp = (2^62 - 1)/2^53 = 511, p = 63
    [2n ** 64n - 1n, 2n ** 64n - 1n, 2n ** 53n, 63n],
  ])('opslimit %s, memlimit %s → N = %s, p = %s', (ops, mem, N, p) => {
    expect(scryptParams(ops, mem)).toEqual({ N, r: 8n, p });
  });

  it('refuses limits over our memory or work bounds (LIMIT_EXCEEDED)', () => {
    expect(() => checkedScryptParams(BigInt(DEFAULT_OPSLIMIT) * 4n, BigInt(DEFAULT_MEMLIMIT) * 4n)).toThrowCode(
      'LIMIT_EXCEEDED',
    );
    expect(() => checkedScryptParams(2n ** 40n, 1n << 20n)).toThrowCode('LIMIT_EXCEEDED');
    expect(() => checkedScryptParams(2n ** 63n, 2n ** 63n)).toThrowCode('LIMIT_EXCEEDED');
  });
});

/** libsodium itself, through Python's ctypes: the oracle for the (opslimit, memlimit) mapping. */
function libsodiumScrypt(
  password: string,
  salt: Uint8Array,
  ops: bigint,
  mem: bigint,
  length: number,
): string | undefined {
  const script = `
import ctypes, sys
s = ctypes.CDLL('libsodium.so.23'); assert s.sodium_init() >= 0
out = ctypes.create_string_buffer(${length})
pw = bytes.fromhex('${Buffer.from(password).toString('hex')}')
r = s.crypto_pwhash_scryptsalsa208sha256(out, ctypes.c_ulonglong(${length}), pw, ctypes.c_ulonglong(len(pw)),
    bytes.fromhex('${Buffer.from(salt).toString('hex')}'), ctypes.c_ulonglong(${ops}), ctypes.c_size_t(${mem}))
print(out.raw.hex() if r == 0 else 'error')
`;
  const res = spawnSync('python3', ['-c', script], { encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim() : undefined;
}

const haveLibsodium = libsodiumScrypt('x', new Uint8Array(32), 32768n, 1n << 20n, 8) !== undefined;
if (!haveLibsodium) console.warn('skipping the libsodium scrypt oracle: python3 with libsodium.so.23 not available');

describe.skipIf(!haveLibsodium)('deriveKeyStream against libsodium crypto_pwhash_scryptsalsa208sha256', () => {
  it.each([
    [32768n, 1n << 20n],
    [0n, 1n << 20n],
    [32768n, 1n << 30n],
    [524288n, 16n << 20n],
    [32768n, 1024n],
    [100000n, 3n << 20n],
    [1n << 20n, 1n << 21n],
  ])('opslimit %s, memlimit %s gives the same 104 bytes', async (ops, mem) => {
    const salt = new Uint8Array(32).map((_, i) => i * 7);
    const ours = await deriveKeyStream(new TextEncoder().encode('pässword'), salt, ops, mem, 104);
    expect(Buffer.from(ours).toString('hex')).toBe(libsodiumScrypt('pässword', salt, ops, mem, 104));
  });
});

describe('deriveKeyStream', () => {
  it('equals scrypt from OpenSSL with the mapped parameters', async () => {
    const salt = new Uint8Array(32).fill(3);
    const pw = new TextEncoder().encode('pw');
    const ours = await deriveKeyStream(pw, salt, 32768n, 1n << 20n, 104);
    expect(ours).toEqual(new Uint8Array(scryptSync(pw, salt, 104, { N: 1024, r: 8, p: 1 })));
  });

  it('reports progress', async () => {
    const seen: number[] = [];
    await deriveKeyStream(new Uint8Array([1]), new Uint8Array(32), 32768n, 1n << 20n, 104, {
      onProgress: (f) => seen.push(f),
    });
    expect(seen.length).toBeGreaterThan(0);
  });
});
