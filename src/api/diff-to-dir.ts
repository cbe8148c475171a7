/**
 * Applying an already parsed diff to a directory, all or nothing (the
 * `apply --dir` machinery: only the named files are read, the engine plans
 * in memory, temp files + rename, rollback). Used by `new --from` for the
 * upstream fix and by `test` for the patch under test. With `skipMissing`,
 * sections for files the release does not have (a .github/ workflow,
 * dist.ini, an author-only test of the upstream repository) are left out,
 * and named in the result, when they are all that fails.
 */
import { bytesToBinary } from '../core/bytes.js';
import { resolveLimits } from '../core/limits.js';
import { candidatePaths, planPatch } from '../core/patch/apply.js';
import { commitChanges } from '../files/atomic.js';
import { readFilesInside } from '../files/tree.js';
import { gitModeOf, toFileChanges } from './dir-plan.js';
import type { Limits } from '../core/limits.js';
import type { FileEntry, FileReport, PatchOutcome } from '../core/patch/apply.js';
import type { Diff } from '../core/patch/model.js';

export interface DiffToDirResult {
  outcome: PatchOutcome;
  files: FileReport[];
  failReasons: string[];
  /** Sections left out because the release has no such file (skipMissing). */
  skipped: string[];
  written: boolean;
}

export interface DiffToDirOptions {
  fuzz?: number;
  skipMissing?: boolean;
  dryRun?: boolean;
  limits?: Partial<Limits>;
}

async function plan(dir: string, diff: Diff, fuzz: number, limits: Readonly<Limits>) {
  const originals = await readFilesInside(dir, candidatePaths(diff, 1, { limits }), limits.maxFileBytes);
  const files = new Map<string, FileEntry>();
  for (const [path, f] of originals) files.set(path, { content: bytesToBinary(f.bytes), mode: gitModeOf(f.mode) });
  return { originals, result: planPatch(diff, files, { strip: 1, fuzz, limits }) };
}

/** Never throws for a patch that does not apply: `outcome` says 'fail' and the reports say where. */
export async function applyDiffToDir(
  dir: string,
  diff: Diff,
  options: DiffToDirOptions = {},
): Promise<DiffToDirResult> {
  const limits = resolveLimits(options.limits);
  const fuzz = options.fuzz ?? 0;
  let current = diff;
  let skipped: string[] = [];
  let { originals, result } = await plan(dir, current, fuzz, limits);
  if (result.outcome === 'fail' && options.skipMissing === true) {
    const failed = result.files.filter((f) => f.status === 'failed');
    if (failed.length > 0 && failed.length < diff.files.length && failed.every((f) => f.reason === 'file-not-found')) {
      skipped = failed.map((f) => f.path);
      current = { ...diff, files: diff.files.filter((_, i) => result.files[i]?.reason !== 'file-not-found') };
      ({ originals, result } = await plan(dir, current, fuzz, limits));
    }
  }
  const base = { outcome: result.outcome, files: result.files, failReasons: result.failReasons, skipped };
  if (result.outcome === 'fail' || result.outcome === 'already-applied' || options.dryRun === true) {
    return { ...base, written: false };
  }
  await commitChanges(dir, toFileChanges(result.changes, originals));
  return { ...base, written: true };
}
