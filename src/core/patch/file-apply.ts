/**
 * One file section, GNU patch 2.7.6 style (patch.c main loop): locate each
 * hunk at increasing fuzz, test the first hunk for a reversed patch, splice,
 * then decide between writing, deleting and "not deleting: content differs".
 */
import { CpansecError } from '../../errors.js';
import type { Limits } from '../limits.js';
import { splitKeepingNewlines } from './lines.js';
import { InputFile, compileHunk, locateHunk } from './locate.js';
import { Splicer } from './splice.js';
import type { FailReason, FileChange, FileEntry, FileReport, HunkReport } from './apply-types.js';
import type { CompiledHunk, Cursor } from './locate.js';
import type { FilePatch } from './model.js';
import type { Selection } from './select.js';

export interface FileRunOptions {
  fuzz: number;
  detectApplied: boolean;
  removeEmptyFiles: boolean;
  limits: Readonly<Limits>;
}

export interface FileRunResult {
  report: FileReport;
  /** Changes to the working tree, in order. GNU patch writes a file even when some of its hunks failed. */
  writes: [string, FileEntry | null][];
}

const PLANNED: Record<FilePatch['type'], FileChange> = {
  modify: 'modified',
  create: 'created',
  delete: 'deleted',
  rename: 'renamed',
  copy: 'copied',
};

/** GNU check_line_endings: does the failed hunk's first line end differently from the file's line there? */
function differentLineEndings(input: readonly string[], h: CompiledHunk, where: number): boolean {
  const p = h.pattern[0];
  if (p === undefined || p.length === 0 || input.length === 0) return false;
  const line = input[Math.min(where, input.length) - 1];
  if (line === undefined || line.length === 0) return false;
  return p.endsWith('\r\n') !== line.endsWith('\r\n');
}

function skipped(file: FilePatch, sel: Extract<Selection, { kind: 'skip' }>): FileRunResult {
  const hunks: HunkReport[] = file.hunks.map((h, k) => ({
    hunk: k + 1,
    status: 'ignored',
    line: compileHunk(h).first,
    offset: 0,
    fuzz: 0,
    reason: sel.message,
  }));
  const report: FileReport = {
    path: sel.path ?? file.newName ?? file.oldName ?? file.indexName ?? '',
    change: PLANNED[file.type],
    status: 'failed',
    reason: sel.reason,
    message: sel.message,
    hunks,
  };
  return { report, writes: [] };
}

/**
 * Run one section against the working tree.
 * @throws CpansecError UNSAFE_PATH (the file is a symlink), LIMIT_EXCEEDED
 */
export function runFile(file: FilePatch, sel: Selection, opts: FileRunOptions): FileRunResult {
  if (sel.kind === 'skip') return skipped(file, sel);
  const { inName, outName, input } = sel;
  if (input?.mode !== undefined && input.mode.startsWith('120')) {
    throw new CpansecError('UNSAFE_PATH', `refusing to patch ${JSON.stringify(inName)}: it is a symbolic link`, {
      details: { path: inName, reason: 'symlink' },
    });
  }
  const content = input?.content ?? '';
  if (content.length > opts.limits.maxFileBytes) {
    throw new CpansecError('LIMIT_EXCEEDED', `${inName} is larger than ${opts.limits.maxFileBytes} bytes`, {
      details: { path: inName, limit: 'maxFileBytes' },
    });
  }
  const lines = splitKeepingNewlines(content);
  const inputFile = new InputFile(lines);
  const cursor: Cursor = { inOffset: 0, lastFrozen: 0 };
  const out = new Splicer(lines, cursor);
  const hunks: HunkReport[] = [];
  let reversed = false;
  let failed = 0;
  file.hunks.forEach((hunk, k) => {
    const h = compileHunk(hunk);
    if (reversed) {
      hunks.push({
        hunk: k + 1,
        status: 'ignored',
        line: h.first + out.outOffset,
        offset: 0,
        fuzz: 0,
        reason: 'reversed',
      });
      return;
    }
    // GNU: fuzz may not exceed the hunk's longer context.
    const maxFuzz = Math.min(opts.fuzz, Math.max(h.prefix, h.suffix));
    let where = 0;
    let fuzz = 0;
    for (;;) {
      where = locateHunk(inputFile, h, fuzz, cursor);
      // GNU --forward: if the first hunk does not match at this fuzz but its
      // reverse does, the patch was applied before: "Reversed (or previously
      // applied) patch detected!  Skipping patch."
      if (
        k === 0 &&
        where === 0 &&
        opts.detectApplied &&
        locateHunk(inputFile, compileHunk(hunk, true), fuzz, cursor)
      ) {
        reversed = true;
        break;
      }
      if (where !== 0 || ++fuzz > maxFuzz) break;
    }
    const line = (where || h.first) + out.outOffset;
    if (reversed) {
      hunks.push({ hunk: k + 1, status: 'ignored', line, offset: 0, fuzz: 0, reason: 'reversed' });
      return;
    }
    let reason: string | undefined;
    if (where === 1 && file.oldState === 'absent' && content.length > 0) reason = 'file exists';
    else if (where === 0) reason = differentLineEndings(lines, h, line) ? 'different line endings' : 'no match';
    else if (!out.applyHunk(h, where)) reason = 'misordered hunks';
    if (reason !== undefined) {
      failed++;
      hunks.push({ hunk: k + 1, status: 'failed', line, offset: cursor.inOffset, fuzz: 0, reason });
    } else {
      hunks.push({ hunk: k + 1, status: 'applied', line, offset: cursor.inOffset, fuzz });
    }
  });
  const report: FileReport = {
    path: outName,
    ...(inName === outName ? {} : { oldPath: inName }),
    change: PLANNED[file.type],
    status: 'ok',
    hunks,
  };
  const fail = (reason: FailReason, message: string): FileRunResult => {
    report.status = 'failed';
    report.reason = reason;
    report.message = message;
    return { report, writes: [] };
  };
  if (reversed) return fail('reversed-or-already-applied', 'reversed (or previously applied) patch detected');
  const result = out.finish();
  if (result.length > opts.limits.maxFileBytes) {
    throw new CpansecError(
      'LIMIT_EXCEEDED',
      `patched ${outName} would be larger than ${opts.limits.maxFileBytes} bytes`,
      {
        details: { path: outName, limit: 'maxFileBytes' },
      },
    );
  }
  const writes: [string, FileEntry | null][] = [];
  if (failed > 0) {
    report.status = 'failed';
    report.reason = 'hunks-failed';
    report.message = `${failed} out of ${file.hunks.length} hunks failed`;
  }
  const deletes = file.newState === 'absent';
  if (out.empty && (opts.removeEmptyFiles || deletes)) {
    if (file.type !== 'delete' && input !== undefined) report.change = 'deleted';
    writes.push([outName, null]);
    return { report, writes };
  }
  if (!out.empty && deletes) {
    // GNU: "Not deleting file X as content differs from patch" (the file is still written).
    report.status = 'failed';
    report.reason ??= 'content-differs';
    report.message ??= 'not deleting the file: content differs from the patch';
  }
  const setMode = file.newMode !== undefined && file.newMode !== file.oldMode;
  const isMove = file.type === 'rename' || file.type === 'copy';
  // GNU avoids rewriting a file when nothing changed.
  if (failed < file.hunks.length || setMode || isMove) {
    const mode = setMode ? file.newMode : input?.mode;
    const entry: FileEntry = mode === undefined ? { content: result } : { content: result, mode };
    if (mode !== undefined) report.mode = mode;
    if (file.type === 'modify' && input !== undefined && result === content && setMode) report.change = 'mode-changed';
    if (file.type === 'modify' && input === undefined) report.change = 'created';
    writes.push([outName, entry]);
    if (file.type === 'rename' && inName !== outName) writes.push([inName, null]);
  }
  return { report, writes };
}
