/**
 * `cpansec-patch check <file.patch> --dir <tree>`: a dry run with the
 * per-hunk report. Nothing is written.
 */
import { planInDir, refusal } from './dir-plan.js';
import type { DirPatchOptions, DirPatchReport } from './dir-plan.js';

export type CheckOptions = DirPatchOptions;
export type CheckResult = DirPatchReport;

/**
 * @throws CpansecError PATCH_CONFLICT, PATCH_REVERSED, FILE_NOT_FOUND, FILE_EXISTS when the patch
 * would not apply (details.report holds the per-hunk report), or the parse/safety errors of loadPatch.
 */
export async function checkPatch(options: CheckOptions): Promise<CheckResult> {
  const { report } = await planInDir(options);
  if (report.outcome === 'fail') throw refusal(report);
  return report;
}
