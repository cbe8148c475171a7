/**
 * Does a patch apply to a release tarball? Checked in memory, as `apply`'s
 * first pass does: the tarball streams through the tarball mode's reader
 * (every entry checked), only the files the patch names are kept, and the
 * engine plans the patch on them. Nothing is written. Used by `lint`,
 * `import` (against GNU patch's recorded results) and the curated tests.
 */
import { bytesToBinary } from '../core/bytes.js';
import { resolveLimits } from '../core/limits.js';
import { candidatePaths, planPatch } from '../core/patch/apply.js';
import { scanTarball } from '../tarball/scan.js';
import { gitModeOf } from './dir-plan.js';
import type { Limits } from '../core/limits.js';
import type { FileEntry, FileReport, PatchOutcome } from '../core/patch/apply.js';
import type { Diff } from '../core/patch/model.js';

export interface ReleaseCheck {
  tarball: string;
  sha256: string;
  top: string;
  outcome: PatchOutcome;
  files: FileReport[];
  failReasons: string[];
  /** Path → new content (byte string), null for a deleted file; empty unless the patch applies. */
  changes: Map<string, FileEntry | null>;
  /** What the patched files held before (byte strings), by path. */
  original: Map<string, FileEntry>;
}

/**
 * @throws CpansecError the tarball reader's refusals; UNSAFE_PATH for unsafe names in the patch
 */
export async function checkPatchOnTarball(
  diff: Diff,
  tarball: string,
  options: { fuzz?: number; limits?: Partial<Limits> } = {},
): Promise<ReleaseCheck> {
  const limits = resolveLimits(options.limits);
  const wanted = new Set<string>();
  for (const path of candidatePaths(diff, 1, { limits })) {
    const parts = path.split('/');
    for (let k = 1; k <= parts.length; k++) wanted.add(parts.slice(0, k).join('/'));
  }
  const scan = await scanTarball(tarball, { wanted, limits });
  const original = new Map<string, FileEntry>();
  for (const [path, found] of scan.found) {
    if (!wanted.has(path)) continue;
    if (found.entry.kind === 'file' && found.bytes !== undefined) {
      original.set(path, { content: bytesToBinary(found.bytes), mode: gitModeOf(found.header.mode) });
    } else if (found.entry.kind === 'symlink') {
      // The engine refuses to write through or over links; it must see them to do so.
      original.set(path, { content: found.entry.linkpath ?? '', mode: '120000' });
    }
  }
  const plan = planPatch(diff, original, { strip: 1, fuzz: options.fuzz ?? 0, limits });
  return {
    tarball,
    sha256: scan.sha256,
    top: scan.top,
    outcome: plan.outcome,
    files: plan.files,
    failReasons: plan.failReasons,
    changes: plan.changes,
    original,
  };
}
