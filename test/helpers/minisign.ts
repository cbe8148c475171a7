/** Shared bits of the signature tests: fixture paths, the real minisign, deterministic randomness. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { sha512 } from '@noble/hashes/sha2.js';
import { PROJECT_ROOT } from './shared.js';

/** Committed public vectors made by minisign (PROVENANCE.md there): public keys, signatures, what they sign. */
export const MINISIGN_FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures', 'minisign');

let available: boolean | undefined;
/** True when the minisign binary runs; prints why not otherwise (tests skip with that reason). */
export function hasMinisign(): boolean {
  if (available === undefined) {
    available = spawnSync('minisign', ['-v'], { encoding: 'utf8' }).status === 0;
    if (!available) console.warn('skipping interop tests that need the minisign binary: not found on PATH');
  }
  return available;
}

export interface ToolRun {
  code: number;
  out: string;
}

/** Runs minisign with stdin `input` (minisign reads passwords from stdin when it is not a terminal). */
export function minisign(args: string[], options: { cwd?: string; input?: string } = {}): ToolRun {
  const res = spawnSync('minisign', args, {
    cwd: options.cwd,
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: res.status ?? -1, out: `${res.stdout ?? ''}${res.stderr ?? ''}` };
}

/** A deterministic byte source for key generation in tests (never for real keys). */
export function seededRandom(seed: string): (n: number) => Uint8Array {
  let counter = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let at = 0; at < n; at += 64) {
      const block = sha512(new TextEncoder().encode(`${seed}/${counter++}`));
      out.set(block.subarray(0, Math.min(64, n - at)), at);
    }
    return out;
  };
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function unhex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'));
}
