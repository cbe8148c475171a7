/**
 * planPatch: apply a parsed diff to files held in memory, the way GNU patch
 * 2.7.6 does with `--forward --batch`, and report hunk by hunk. Pure: the
 * adapter reads the files candidatePaths() names, passes them in, and
 * writes `changes` back only when the whole patch applied.
 *
 * A patch that does not apply is reported, never thrown; only unsafe or
 * invalid input throws.
 */
import { CpansecError } from '../../errors.js';
import { resolveLimits } from '../limits.js';
import { runFile } from './file-apply.js';
import { reverseDiff } from './reverse.js';
import { resolveNames, selectFile } from './select.js';
import type { ApplyOptions, FailReason, FileEntry, FileMap, FileReport, PatchPlan } from './apply-types.js';
import type { Diff } from './model.js';

export type {
  ApplyOptions,
  FailReason,
  FileChange,
  FileEntry,
  FileMap,
  FileReport,
  HunkReport,
  PatchOutcome,
  PatchPlan,
} from './apply-types.js';

/**
 * Every path the adapter must read before planPatch: the old, new and
 * "Index:" names of each section after -p stripping (rename and copy sources
 * included), validated by path-policy.
 * @throws CpansecError UNSAFE_PATH
 */
export function candidatePaths(diff: Diff, strip: number, options: Pick<ApplyOptions, 'limits'> = {}): string[] {
  const limits = resolveLimits(options.limits);
  const seen = new Set<string>();
  for (const file of diff.files) {
    const names = resolveNames(file, strip, limits);
    for (const n of [names.old, names.new, names.index]) if (n !== null) seen.add(n);
  }
  return [...seen];
}

/** Refuse two different paths that name the same file on a case-insensitive or normalising file system. */
function checkCollisions(paths: Iterable<string>): void {
  const folded = new Map<string, string>();
  for (const p of paths) {
    let key: string;
    try {
      key = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(p, (c) => c.charCodeAt(0) & 0xff));
    } catch {
      key = p;
    }
    key = key.normalize('NFC').toLowerCase();
    const other = folded.get(key);
    if (other !== undefined && other !== p) {
      throw new CpansecError('UNSAFE_PATH', `paths ${JSON.stringify(other)} and ${JSON.stringify(p)} collide`, {
        hint: 'On case-insensitive file systems both names are one file (CVE-2021-37701 class).',
        details: { path: p, other, reason: 'collision' },
      });
    }
    folded.set(key, p);
  }
}

interface Run {
  files: FileReport[];
  overlay: Map<string, FileEntry | null>;
}

function run(diff: Diff, files: FileMap, strip: number, opts: Parameters<typeof runFile>[2]): Run {
  const overlay = new Map<string, FileEntry | null>();
  const lookup = (path: string): FileEntry | undefined => {
    if (overlay.has(path)) return overlay.get(path) ?? undefined;
    return files.get(path);
  };
  const isFile = (path: string): boolean => lookup(path) !== undefined;
  const reports: FileReport[] = [];
  const touched: string[] = [];
  for (const file of diff.files) {
    const names = resolveNames(file, strip, opts.limits);
    for (const n of [names.old, names.new, names.index]) {
      if (n === null) continue;
      touched.push(n);
      // A path below an existing file (or symlink) cannot be a file; with a
      // symlink it would be a write through it (CVE-2015-1196, CVE-2023-23946).
      const parts = n.split('/');
      for (let k = 1; k < parts.length; k++) {
        const parent = parts.slice(0, k).join('/');
        const entry = lookup(parent);
        if (entry?.mode?.startsWith('120')) {
          throw new CpansecError('UNSAFE_PATH', `${JSON.stringify(n)} lies behind the symbolic link ${parent}`, {
            details: { path: n, reason: 'symlink' },
          });
        }
      }
    }
    const sel = selectFile(file, names, lookup);
    if (sel.kind === 'patch' && sel.outName.includes('/')) {
      const parts = sel.outName.split('/');
      const blocked = parts.slice(1).some((_, k) => isFile(parts.slice(0, k + 1).join('/')));
      if (blocked) {
        const hunks = file.hunks.map((h, k) => ({
          hunk: k + 1,
          status: 'ignored' as const,
          line: h.oldStart,
          offset: 0,
          fuzz: 0,
        }));
        reports.push({
          path: sel.outName,
          change: 'created',
          status: 'failed',
          reason: 'file-not-found',
          message: 'a parent of this path is a file',
          hunks,
        });
        continue;
      }
    }
    const result = runFile(file, sel, opts);
    reports.push(result.report);
    for (const [path, entry] of result.writes) overlay.set(path, entry);
  }
  checkCollisions(touched);
  return { files: reports, overlay };
}

function failReasons(files: readonly FileReport[]): FailReason[] {
  const reasons = new Set<FailReason>();
  for (const f of files) {
    if (f.reason !== undefined) reasons.add(f.reason);
    if (f.hunks.some((h) => h.status !== 'applied')) reasons.add('hunks-failed');
  }
  return [...reasons].sort();
}

/**
 * Plan a patch.
 * @throws CpansecError UNSAFE_PATH (unsafe names, symlinks), LIMIT_EXCEEDED,
 *   USAGE (bad strip or fuzz), PATCH_UNSUPPORTED (reversing a copy)
 */
export function planPatch(diff: Diff, files: FileMap, options: ApplyOptions = {}): PatchPlan {
  const limits = resolveLimits(options.limits);
  const strip = options.strip ?? 1;
  const fuzz = options.fuzz ?? 0;
  if (!Number.isInteger(fuzz) || fuzz < 0 || fuzz > limits.maxFuzz) {
    throw new CpansecError('USAGE', `fuzz must be a whole number from 0 to ${limits.maxFuzz}, got ${String(fuzz)}`);
  }
  const detectApplied = options.detectApplied ?? true;
  const removeEmptyFiles = options.removeEmptyFiles ?? false;
  const forward = options.reverse === true ? reverseDiff(diff) : diff;
  const { files: reports, overlay } = run(forward, files, strip, { fuzz, detectApplied, removeEmptyFiles, limits });

  if (reports.some((f) => f.status === 'failed')) {
    const reasons = failReasons(reports);
    if (detectApplied && alreadyApplied(forward, files, strip, removeEmptyFiles, limits)) {
      return { outcome: 'already-applied', files: reports, failReasons: reasons, changes: new Map() };
    }
    return { outcome: 'fail', files: reports, failReasons: reasons, changes: new Map() };
  }
  const hunks = reports.flatMap((f) => f.hunks);
  const outcome = hunks.some((h) => h.fuzz > 0) ? 'fuzz' : hunks.some((h) => h.offset !== 0) ? 'offset' : 'clean';
  const changes = new Map<string, FileEntry | null>();
  for (const [path, entry] of overlay) {
    const before = files.get(path);
    if (entry === null ? before !== undefined : before?.content !== entry.content || before.mode !== entry.mode) {
      changes.set(path, entry);
    }
  }
  return { outcome, files: reports, failReasons: [], changes };
}

/** The failed patch's reverse applies without fuzz: the patch is in already. */
function alreadyApplied(
  diff: Diff,
  files: FileMap,
  strip: number,
  removeEmptyFiles: boolean,
  limits: ReturnType<typeof resolveLimits>,
): boolean {
  let reversed: Diff;
  try {
    reversed = reverseDiff(diff);
  } catch {
    return false;
  }
  const back = run(reversed, files, strip, { fuzz: 0, detectApplied: false, removeEmptyFiles, limits });
  return back.files.every((f) => f.status === 'ok');
}
