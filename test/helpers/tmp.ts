import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';

/** A fresh temp directory, removed when the current test finishes. */
export function tempDir(prefix = 'cpansec-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Copies a fixture tree into a fresh temp directory and returns the copy's path. */
export function copyToTemp(source: string, name = 'tree'): string {
  const dest = join(tempDir(), name);
  cpSync(source, dest, { recursive: true });
  return dest;
}
