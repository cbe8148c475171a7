import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (where package.json is). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The read-only shared data folder (corpus, oracles, vectors, keys). CI has
 * it; a plain clone may not. Override with CPANSEC_SHARED.
 */
export const SHARED_DIR = process.env['CPANSEC_SHARED'] ?? resolve(PROJECT_ROOT, '..', 'shared');

export function sharedPath(...parts: string[]): string {
  return join(SHARED_DIR, ...parts);
}

/** True when ../shared/<parts> exists. Tests use it with describe.skipIf and print why. */
export function hasShared(...parts: string[]): boolean {
  const present = existsSync(sharedPath(...parts));
  if (!present) {
    console.warn(`skipping tests that need ${sharedPath(...parts)}: not present (set CPANSEC_SHARED to its location)`);
  }
  return present;
}
