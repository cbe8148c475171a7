/**
 * Pieces of the pull around tuf-js: the trusted metadata a cache already
 * holds, the quick answer for "nothing new", and the mapping of tuf-js
 * failures to our error codes.
 */
import { DownloadHTTPError } from 'tuf-js/dist/error.js';
import { CpansecError } from '../errors.js';
import { CpansecFetcher } from './fetchers.js';
import { TrustTracker, verifyThreshold, verifyTrustedSet } from './tuf-trust.js';
import { parseMetadata } from './tuf-model.js';
import type { Ed25519Verifier } from '../sign/ed25519.js';
import type { Source } from './fetchers.js';
import type { RepoLimits } from './limits.js';
import type { TrustedSet } from './tuf-trust.js';
import type { Parsed, RoleName } from './tuf-model.js';

export const ROLE_FILES = ['root', 'timestamp', 'snapshot', 'targets'] as const;

export const sameBytes = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean =>
  a !== undefined && b !== undefined && Buffer.from(a).equals(Buffer.from(b));

/** The error to report for a failure of tuf-js, preferring the specific one our checks raised. */
export function mapUpdateError(err: unknown, ours: CpansecError | undefined): CpansecError {
  if (ours !== undefined) return ours;
  if (err instanceof CpansecError) return err;
  const name = err instanceof Error ? err.constructor.name : '';
  const message = err instanceof Error ? err.message : String(err);
  const details = { tufError: name, tufMessage: message };
  switch (name) {
    case 'LengthOrHashMismatchError':
      return new CpansecError('CHECKSUM_MISMATCH', `a file does not match its signed length and hash: ${message}`, {
        hint: 'the source serves altered files; nothing was trusted',
        details,
      });
    case 'DownloadLengthMismatchError':
      return new CpansecError('LIMIT_EXCEEDED', `a download exceeded its allowed length: ${message}`, { details });
    case 'ExpiredMetadataError':
      return new CpansecError('REPO_EXPIRED', `expired metadata: ${message}`, { details });
    case 'DownloadHTTPError':
      return new CpansecError('NETWORK', `the source does not have a file it must have: ${message}`, { details });
    default:
      return new CpansecError('REPO_TRUST', `the repository failed verification: ${message}`, {
        hint: 'nothing was trusted; report this to the maintainers of the source if it persists',
        details,
      });
  }
}

/** Local metadata tuf-js would also accept as trusted: verified against the root, else dropped. */
export function localTrusted(root: Parsed<'root'>, files: Partial<Record<RoleName, Uint8Array>>) {
  const load = <R extends 'timestamp' | 'snapshot' | 'targets'>(role: R): Parsed<R> | undefined => {
    const bytes = files[role];
    if (bytes === undefined) return undefined;
    try {
      const meta = parseMetadata(role, bytes);
      verifyThreshold(meta, root.signed, role);
      return meta;
    } catch {
      return undefined;
    }
  };
  const timestamp = load('timestamp');
  const snapshot = timestamp ? load('snapshot') : undefined;
  const targets = snapshot ? load('targets') : undefined;
  return { ...(timestamp ? { timestamp } : {}), ...(snapshot ? { snapshot } : {}), ...(targets ? { targets } : {}) };
}

export interface QuickCheck {
  source: Source;
  base: { metadata: string };
  limits: RepoLimits;
  tempDir: string;
  prevFiles: Partial<Record<RoleName, Uint8Array>>;
  root: Parsed<'root'>;
  now: number;
  verifier: Ed25519Verifier | undefined;
}

/**
 * Spec 5.3-5.4 by our own tracker, for a cache that is complete: probe N+1.root.json, fetch
 * timestamp.json (both checked as always). When there is no new root and the timestamp is the
 * one already trusted, the spec keeps the trusted snapshot and targets; we check that they are
 * still valid and stop there: two requests. Anything new returns undefined, and the full tuf-js
 * workflow runs (asking for those two files again). The reason is cost: tuf-js 5 (through
 * @tufjs/models 4) builds its targets object with a spread per entry, O(n²), about a minute for
 * 20,000 targets, and it would re-read the cached targets.json on every pull.
 */
export async function unchangedSince(
  q: QuickCheck,
): Promise<{ set: Required<TrustedSet>; requests: number } | undefined> {
  const files = q.prevFiles;
  if (ROLE_FILES.some((r) => files[r] === undefined)) return undefined;
  const tracker = new TrustTracker({ root: q.root, ...localTrusted(q.root, files) }, q.now, q.verifier);
  const fetcher = new CpansecFetcher(q.source, q.base.metadata, q.limits, q.tempDir, {
    onMetadata: (name, bytes) => {
      if (name === 'timestamp.json') tracker.updateTimestamp(bytes);
    },
  });
  try {
    await fetcher.downloadBytes(`${q.base.metadata}${q.root.signed.version + 1}.root.json`, q.limits.rootMaxBytes);
    return undefined; // a new root: the full workflow
  } catch (err) {
    if (!(err instanceof DownloadHTTPError && [403, 404].includes(err.statusCode)))
      throw mapUpdateError(err, fetcher.lastError);
  }
  let timestamp: Uint8Array;
  try {
    timestamp = await fetcher.downloadBytes(`${q.base.metadata}timestamp.json`, q.limits.timestampMaxBytes);
  } catch (err) {
    throw mapUpdateError(err, fetcher.lastError);
  }
  if (!sameBytes(timestamp, files.timestamp)) return undefined;
  const set = verifyTrustedSet(files as Record<RoleName, Uint8Array>, q.now, q.verifier);
  return { set, requests: fetcher.requests };
}
