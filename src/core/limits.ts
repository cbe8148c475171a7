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

  // Tarballs (docs/tarballs.md). Every tarball, index and CHECKSUMS file is hostile until checked.
  /** Largest tarball we read or download, compressed, in bytes. */
  maxTarballBytes: number;
  /** Most bytes a tarball may expand to (the tar stream after decompression): gzip bombs. */
  maxTarballExpandedBytes: number;
  /**
   * Largest expansion ratio (tar bytes / compressed bytes), enforced once the
   * tar stream is past `tarballRatioGraceBytes` (small archives of headers and
   * padding legitimately compress 100:1). A run of zeros gzips 1000:1.
   */
  maxTarballRatio: number;
  tarballRatioGraceBytes: number;
  /** Most entries (files, directories, links) in one tarball. */
  maxTarEntries: number;
  /** Largest single entry a tar header may announce, in bytes. */
  maxTarEntryBytes: number;
  /** Largest pax extended header (records of one entry, or a global header), in bytes. */
  maxPaxHeaderBytes: number;
  /** Largest META.json / META.yml we read and rewrite, in bytes. */
  maxMetaBytes: number;
  /** Largest 02packages.details.txt, decompressed, in bytes (the real one is about 30 MiB). */
  maxIndexBytes: number;
  /** Largest CHECKSUMS file, in bytes, and most entries in it. */
  maxChecksumsBytes: number;
  maxChecksumsEntries: number;
  /** Network: no byte for this long aborts a download; nor does a whole download taking longer. */
  downloadIdleTimeoutMs: number;
  downloadTimeoutMs: number;
  /** Most HTTP redirects followed for one download. */
  maxRedirects: number;

  // Installed trees (docs/installed-trees.md): every file in them is hostile input.
  /** Most directory entries one scan of an installed tree may read. */
  maxTreeEntries: number;
  /** Largest install.json, MYMETA.json, .packlist, dpkg list, state or journal file we read, in bytes. */
  maxMetaFileBytes: number;
  /** How much of a module we read looking for its $VERSION, in bytes. */
  maxVersionScanBytes: number;
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
  maxTarballBytes: 512 * 1024 * 1024,
  maxTarballExpandedBytes: 2 * 1024 * 1024 * 1024,
  maxTarballRatio: 200,
  tarballRatioGraceBytes: 32 * 1024 * 1024,
  maxTarEntries: 100_000,
  maxTarEntryBytes: 1024 * 1024 * 1024,
  maxPaxHeaderBytes: 64 * 1024,
  maxMetaBytes: 16 * 1024 * 1024,
  maxIndexBytes: 256 * 1024 * 1024,
  maxChecksumsBytes: 16 * 1024 * 1024,
  maxChecksumsEntries: 200_000,
  downloadIdleTimeoutMs: 30_000,
  downloadTimeoutMs: 15 * 60_000,
  maxRedirects: 5,
  maxTreeEntries: 2_000_000,
  maxMetaFileBytes: 64 * 1024 * 1024,
  maxVersionScanBytes: 64 * 1024,
});

export function resolveLimits(overrides: Partial<Limits> = {}): Readonly<Limits> {
  return Object.freeze({ ...DEFAULT_LIMITS, ...overrides });
}
