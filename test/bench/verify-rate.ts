/**
 * Raw Ed25519 verify rate, in one run: noble with { zip215: false } (alone,
 * and inside our libsodium-rule wrapper), node:crypto (OpenSSL with a cached
 * KeyObject, alone and inside our wrapper), and the native
 * `openssl speed -seconds 3 ed25519` as the ceiling. libsodium itself is
 * added when python3 can load libsodium.so.23 (ctypes loop: a few percent of
 * call overhead). The message is 64 bytes: what an "ED" minisign signature
 * signs (BLAKE2b-512 of the file). Medians over several timed rounds.
 *
 * Standalone: npx tsx test/bench/verify-rate.ts
 */
import { spawnSync } from 'node:child_process';
import { createPublicKey, verify as opensslVerify } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import * as ed from '@noble/ed25519';
import { nodeEd25519 } from '../../src/crypto/node-ed25519.js';
import { ed25519PublicKey, ed25519Sign, nobleEd25519 } from '../../src/sign/ed25519.js';
import { machine, stats } from './lib.js';

const SEED = new Uint8Array(32).fill(7);
const MESSAGE = new Uint8Array(64).fill(0xab);
const PUBLIC_KEY = ed25519PublicKey(SEED);
const SIGNATURE = ed25519Sign(MESSAGE, SEED);

/** Verifications per second of `verify`, one round of about `seconds`. */
function rate(verify: () => boolean, seconds: number): number {
  const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  const start = process.hrtime.bigint();
  let n = 0;
  let now = start;
  do {
    for (let i = 0; i < 20; i++) if (!verify()) throw new Error('a valid signature did not verify');
    n += 20;
    now = process.hrtime.bigint();
  } while (now < deadline);
  return n / (Number(now - start) / 1e9);
}

function medianRate(
  verify: () => boolean,
  runs: number,
  seconds: number,
): { median: number; min: number; max: number } {
  rate(verify, 0.2); // warm-up (JIT, caches)
  return stats(Array.from({ length: runs }, () => rate(verify, seconds)));
}

/** `openssl speed -seconds N ed25519`: the verify/s column of its last line. */
function opensslSpeed(seconds: number): number | undefined {
  const res = spawnSync('openssl', ['speed', '-seconds', String(seconds), 'ed25519'], { encoding: 'utf8' });
  const line = res.stdout?.split('\n').find((l) => /EdDSA \(Ed25519\)/.test(l));
  const verifyPerSecond = line?.trim().split(/\s+/).at(-1);
  return verifyPerSecond === undefined ? undefined : Number(verifyPerSecond);
}

/** libsodium's crypto_sign_verify_detached in a Python ctypes loop, or undefined when unavailable. */
function libsodiumRate(seconds: number): number | undefined {
  const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
  const script = `
import ctypes, time
s = ctypes.CDLL('libsodium.so.23'); assert s.sodium_init() >= 0
sig, msg, pk = bytes.fromhex('${hex(SIGNATURE)}'), bytes.fromhex('${hex(MESSAGE)}'), bytes.fromhex('${hex(PUBLIC_KEY)}')
f = s.crypto_sign_verify_detached; n = 0; t0 = time.perf_counter()
while time.perf_counter() - t0 < ${seconds}:
    for _ in range(20):
        assert f(sig, msg, ctypes.c_ulonglong(64), pk) == 0
    n += 20
print(n / (time.perf_counter() - t0))
`;
  const res = spawnSync('python3', ['-c', script], { encoding: 'utf8' });
  return res.status === 0 ? Number(res.stdout.trim()) : undefined;
}

const fmtRate = (r: number): string => `${Math.round(r).toLocaleString('en-US')}/s`;

export async function benchVerifyRate(
  options: { runs?: number; seconds?: number; opensslSeconds?: number } = {},
): Promise<Record<string, string>> {
  const runs = options.runs ?? 5;
  const seconds = options.seconds ?? 1;
  const key = createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), PUBLIC_KEY]),
    format: 'der',
    type: 'spki',
  });
  const measured: [string, () => boolean][] = [
    ['noble ed.verify { zip215: false }', () => ed.verify(SIGNATURE, MESSAGE, PUBLIC_KEY, { zip215: false })],
    ['nobleEd25519 (ours: + libsodium rules)', () => nobleEd25519.verify(SIGNATURE, MESSAGE, PUBLIC_KEY)],
    ['node:crypto verify (cached KeyObject)', () => opensslVerify(null, MESSAGE, key, SIGNATURE)],
    ['nodeEd25519 (ours: + libsodium rules)', () => nodeEd25519.verify(SIGNATURE, MESSAGE, PUBLIC_KEY)],
  ];
  const rows: Record<string, string> = {};
  const medians: Record<string, number> = {};
  for (const [name, fn] of measured) {
    const s = medianRate(fn, runs, seconds);
    medians[name] = s.median;
    rows[name] = `${fmtRate(s.median)} (min ${fmtRate(s.min)}, max ${fmtRate(s.max)})`;
  }
  const openssl = opensslSpeed(options.opensslSeconds ?? 3);
  rows['openssl speed -seconds 3 ed25519 (native)'] =
    openssl === undefined ? 'openssl not available' : fmtRate(openssl);
  const sodium = libsodiumRate(3);
  rows['libsodium crypto_sign_verify_detached (python ctypes loop)'] =
    sodium === undefined ? 'not available' : fmtRate(sodium);
  const ours = medians['nodeEd25519 (ours: + libsodium rules)'] as number;
  if (openssl !== undefined) rows['nodeEd25519 / openssl native'] = `${((100 * ours) / openssl).toFixed(0)}%`;
  if (sodium !== undefined) rows['nodeEd25519 / libsodium'] = `${((100 * ours) / sodium).toFixed(0)}%`;
  rows['nobleEd25519 / openssl native'] =
    openssl === undefined
      ? '-'
      : `${((100 * (medians['nobleEd25519 (ours: + libsodium rules)'] as number)) / openssl).toFixed(1)}%`;
  rows['rounds'] = `${runs} × ${seconds} s per JS implementation, median`;
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`Machine: ${machine()}\n`);
  const rows = await benchVerifyRate();
  console.log('| measure | verify rate |\n| --- | --- |');
  for (const [k, v] of Object.entries(rows)) console.log(`| ${k} | ${v} |`);
}
