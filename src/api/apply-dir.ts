/**
 * `cpansec-patch apply <file.patch> --dir <tree>`: apply to a plain
 * directory. Every file of the patch changes, or none: the plan is computed
 * in memory first, then written with temp files + rename, rolled back on error.
 */
import { commitChanges } from '../files/atomic.js';
import { planInDir, refusal, toFileChanges } from './dir-plan.js';
import type { DirPatchOptions, DirPatchReport } from './dir-plan.js';

export interface ApplyDirOptions extends DirPatchOptions {
  /** Plan and report, but write nothing. */
  dryRun?: boolean;
}

export interface ApplyDirResult extends DirPatchReport {
  /** True when files were written. False for --dry-run and for an already applied patch. */
  written: boolean;
  dryRun: boolean;
}

/** @throws the errors of checkPatch, and READ_ONLY / IO / SYMLINK_ESCAPE when writing fails (nothing is changed then). */
export async function applyPatchToDir(options: ApplyDirOptions): Promise<ApplyDirResult> {
  const { report, plan, originals } = await planInDir(options);
  const dryRun = options.dryRun ?? false;
  if (report.outcome === 'fail') throw refusal(report);
  if (report.outcome === 'already-applied' || dryRun) return { ...report, written: false, dryRun };
  await commitChanges(options.dir, toFileChanges(plan.changes, originals));
  return { ...report, written: true, dryRun };
}
