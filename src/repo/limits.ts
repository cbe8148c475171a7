/**
 * Bounds on what a repository may make us read or wait for (the tuf-js
 * config.ts habit: every limit in one object). Metadata is read before it is
 * trusted, so each file has a cap below which it is even looked at. These
 * belong with src/core/limits.ts; they live here until that file takes them.
 */
export interface RepoLimits {
  rootMaxBytes: number;
  timestampMaxBytes: number;
  /** Used when the timestamp does not list the snapshot's length (ours always does). */
  snapshotMaxBytes: number;
  /** Used when the snapshot does not list the targets' length (ours always does). */
  targetsMaxBytes: number;
  /** Root versions fetched in one update (spec 5.3.3 asks for a cap). */
  maxRootRotations: number;
  /** No answer (headers, or the next chunk of a body) for this long: the download fails. */
  fetchTimeoutMs: number;
  /** A whole file, start to end (slow retrieval: a server trickling bytes). */
  fetchDeadlineMs: number;
  /** Targets downloaded at once. */
  downloadConcurrency: number;
}

export const DEFAULT_REPO_LIMITS: Readonly<RepoLimits> = Object.freeze({
  rootMaxBytes: 512_000,
  timestampMaxBytes: 16_384,
  snapshotMaxBytes: 2_000_000,
  // 10,000 patches take about 7 MB of targets metadata.
  targetsMaxBytes: 64 * 1024 * 1024,
  maxRootRotations: 64,
  fetchTimeoutMs: 30_000,
  fetchDeadlineMs: 300_000,
  downloadConcurrency: 8,
});

export function resolveRepoLimits(overrides: Partial<RepoLimits> = {}): Readonly<RepoLimits> {
  return Object.freeze({ ...DEFAULT_REPO_LIMITS, ...overrides });
}
