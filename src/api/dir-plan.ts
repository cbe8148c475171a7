/**
 * Planning a patch against a plain directory: read only the files the patch
 * names, run the pure engine, and turn a refusal into a specific error. Shared
 * by `check` (stops here) and `apply --dir` (writes the plan).
 */
import { binaryToBytes, bytesToBinary } from '../core/bytes.js';
import { resolveLimits } from '../core/limits.js';
import { candidatePaths, planPatch } from '../core/patch/apply.js';
import { CpansecError } from '../errors.js';
import { readFilesInside, requireDirectory } from '../files/tree.js';
import { loadPatch } from './load-patch.js';
import type { Limits } from '../core/limits.js';
import type { FileEntry, FileReport, PatchOutcome, PatchPlan } from '../core/patch/apply.js';
import type { ErrorCode } from '../errors.js';
import type { TreeFile } from '../files/tree.js';
import type { FileChange } from '../files/atomic.js';

export interface DirPatchOptions {
  /** Path of the patch file. */
  patch: string;
  /** The directory to patch (the distribution root, as for `patch -p1`). */
  dir: string;
  /** Leading path components to strip from names in the patch (default 1, like `patch -p1`). */
  strip?: number;
  /** Context lines that may be ignored at each end of a hunk (default 0: exact context). */
  fuzz?: number;
  /** Apply the patch in reverse (undo it). */
  reverse?: boolean;
  limits?: Partial<Limits>;
}

export interface DirPatchReport {
  patch: { path: string; sha256: string; patchId?: string };
  dir: string;
  strip: number;
  fuzz: number;
  reverse: boolean;
  outcome: PatchOutcome;
  files: FileReport[];
  failReasons: string[];
}

export interface DirPlan {
  report: DirPatchReport;
  plan: PatchPlan;
  originals: Map<string, TreeFile>;
}

const EXEC = 0o111;

export function gitModeOf(mode: number): string {
  return mode & EXEC ? '100755' : '100644';
}

/**
 * The most specific error code for a failed plan and one line per failed file. The failed files'
 * own reasons pick the code; "hunks-failed" in failReasons may only echo them. Shared by every
 * mode that plans patches (directories, tarballs).
 */
export function describeFailure(files: readonly FileReport[]): { code: ErrorCode; lines: string[] } {
  const failed = files.filter((f) => f.status === 'failed');
  const reasons = new Set<string>(failed.map((f) => f.reason ?? 'hunks-failed'));
  const only = (r: string): boolean => reasons.size === 1 && reasons.has(r);
  const code: ErrorCode = reasons.has('reversed-or-already-applied')
    ? 'PATCH_REVERSED'
    : only('file-not-found')
      ? 'FILE_NOT_FOUND'
      : only('file-already-exists')
        ? 'FILE_EXISTS'
        : 'PATCH_CONFLICT';
  const lines = failed.map((f) => {
    const hunks = f.hunks.filter((h) => h.status === 'failed').map((h) => `hunk #${h.hunk} failed at line ${h.line}`);
    return `${f.path}: ${hunks.length > 0 ? hunks.join(', ') : (f.message ?? f.reason ?? 'failed')}`;
  });
  return { code, lines };
}

/** Turns a failed plan into the most specific error, carrying the full report. */
export function refusal(report: DirPatchReport): CpansecError {
  const { code, lines } = describeFailure(report.files);
  const hint =
    code === 'PATCH_REVERSED'
      ? 'the patch looks already applied to some files (their reverse applies); use --reverse to undo it'
      : code === 'FILE_NOT_FOUND'
        ? 'is --dir the distribution root, and is --strip right (default 1, like patch -p1)?'
        : code === 'FILE_EXISTS'
          ? 'the patch creates a file that is already there; is the patch already applied in part?'
          : 'the files differ from what the patch expects; `check --fuzz 2` shows whether a looser match is possible';
  return new CpansecError(
    code,
    `${report.patch.path} does not apply to ${report.dir}:\n  ${lines.join('\n  ') || report.failReasons.join(', ')}`,
    {
      hint,
      details: { report },
    },
  );
}

export async function planInDir(options: DirPatchOptions): Promise<DirPlan> {
  const limits = resolveLimits(options.limits);
  const strip = options.strip ?? 1;
  const fuzz = options.fuzz ?? 0;
  const reverse = options.reverse ?? false;
  if (!Number.isInteger(strip) || strip < 0)
    throw new CpansecError('USAGE', `--strip must be a whole number ≥ 0, got ${strip}`);
  if (!Number.isInteger(fuzz) || fuzz < 0 || fuzz > limits.maxFuzz) {
    throw new CpansecError('USAGE', `--fuzz must be a whole number from 0 to ${limits.maxFuzz}, got ${fuzz}`);
  }
  await requireDirectory(options.dir, 'target directory');
  const loaded = await loadPatch(options.patch, limits);
  const paths = candidatePaths(loaded.file.diff, strip);
  const originals = await readFilesInside(options.dir, paths, limits.maxFileBytes);
  const files = new Map<string, FileEntry>();
  for (const [path, f] of originals) files.set(path, { content: bytesToBinary(f.bytes), mode: gitModeOf(f.mode) });
  const plan = planPatch(loaded.file.diff, files, { strip, fuzz, reverse, limits });
  const patchId = loaded.file.header.fields.find((f) => f.name.toLowerCase() === 'patch-id')?.value.trim();
  const report: DirPatchReport = {
    patch: { path: loaded.path, sha256: loaded.sha256, ...(patchId ? { patchId } : {}) },
    dir: options.dir,
    strip,
    fuzz,
    reverse,
    outcome: plan.outcome,
    files: plan.files,
    failReasons: plan.failReasons,
  };
  return { report, plan, originals };
}

/** A plan's changes as file writes for commitChanges, with the originals for rollback and modes kept. */
export function toFileChanges(changes: PatchPlan['changes'], originals: ReadonlyMap<string, TreeFile>): FileChange[] {
  return [...changes].map(([path, entry]) => {
    const old = originals.get(path);
    const mode = entry === null ? undefined : modeFor(entry.mode, old?.mode);
    return {
      path,
      content: entry === null ? null : binaryToBytes(entry.content),
      original: old?.bytes ?? null,
      ...(mode === undefined ? {} : { mode }),
    };
  });
}

/** New permission bits: keep the old ones, adjusting the executable bits to a git mode. */
export function modeFor(gitMode: string | undefined, old: number | undefined): number | undefined {
  if (gitMode === undefined) return old;
  const base = old ?? 0o644;
  return gitMode === '100755' ? base | ((base & 0o444) >> 2) : base & ~EXEC;
}
