/**
 * Every bound on hostile input, in one place (the tuf-js habit): patches,
 * tarballs, trees and metadata are attacker-controlled until verified, so no
 * parser may allocate or loop in proportion to them without a cap.
 * Callers may pass a partial override; values here are the defaults.
 */
export interface Limits {
  /** Largest patch file we parse, in bytes. CPAN security fixes are a few KiB. */
  maxPatchBytes: number;
  /** Most file sections in one patch. */
  maxFilesPerPatch: number;
  /** Most hunks in one patch, across all files. */
  maxHunksPerPatch: number;
  /** Most lines in one hunk. */
  maxLinesPerHunk: number;
  /** Longest line in a patch or header, in bytes. */
  maxLineBytes: number;
  /** Largest file a patch may read or produce, in bytes. */
  maxFileBytes: number;
  /** Most header fields (DEP-3 and ours) in one patch file. */
  maxHeaderFields: number;
  /** Longest path, in bytes, and deepest path, in components. */
  maxPathBytes: number;
  maxPathComponentBytes: number;
  maxPathDepth: number;
  /** Largest fuzz factor a caller may ask for. */
  maxFuzz: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxPatchBytes: 64 * 1024 * 1024,
  maxFilesPerPatch: 10_000,
  maxHunksPerPatch: 200_000,
  maxLinesPerHunk: 1_000_000,
  maxLineBytes: 1024 * 1024,
  maxFileBytes: 256 * 1024 * 1024,
  maxHeaderFields: 200,
  maxPathBytes: 4096,
  maxPathComponentBytes: 255,
  maxPathDepth: 32,
  maxFuzz: 3,
});

export function resolveLimits(overrides: Partial<Limits> = {}): Readonly<Limits> {
  return Object.freeze({ ...DEFAULT_LIMITS, ...overrides });
}
