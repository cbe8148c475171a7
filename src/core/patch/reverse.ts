/**
 * reverseDiff: the diff that undoes a diff (GNU patch -R, pch.c pch_swap).
 * Old and new sides trade names, modes, states and line ranges; within each
 * run of changed lines the removed lines come first again, as diff writes them.
 */
import { CpansecError, assertNever } from '../../errors.js';
import type { Diff, FilePatch, Hunk, HunkLine } from './model.js';

function reverseLines(lines: readonly HunkLine[]): HunkLine[] {
  const out: HunkLine[] = [];
  let minus: HunkLine[] = [];
  let plus: HunkLine[] = [];
  const flush = (): void => {
    out.push(...minus, ...plus);
    minus = [];
    plus = [];
  };
  for (const l of lines) {
    if (l.op === ' ') {
      flush();
      out.push({ ...l });
    } else if (l.op === '+') minus.push({ ...l, op: '-' });
    else plus.push({ ...l, op: '+' });
  }
  flush();
  return out;
}

export function reverseHunk(h: Hunk): Hunk {
  return {
    oldStart: h.newStart,
    oldLines: h.newLines,
    newStart: h.oldStart,
    newLines: h.oldLines,
    section: h.section,
    lines: reverseLines(h.lines),
    patchLine: h.patchLine,
  };
}

function swapSides(f: FilePatch): Omit<FilePatch, 'type' | 'from' | 'to' | 'similarity'> {
  const out: Omit<FilePatch, 'type' | 'from' | 'to' | 'similarity'> = {
    oldName: f.newName,
    newName: f.oldName,
    indexName: f.indexName,
    oldState: f.newState,
    newState: f.oldState,
    hunks: f.hunks.map(reverseHunk),
    git: f.git,
    crStripped: f.crStripped,
    patchLine: f.patchLine,
  };
  if (f.newTimestamp !== undefined) out.oldTimestamp = f.newTimestamp;
  if (f.oldTimestamp !== undefined) out.newTimestamp = f.oldTimestamp;
  if (f.newMode !== undefined) out.oldMode = f.newMode;
  if (f.oldMode !== undefined) out.newMode = f.oldMode;
  if (f.newHash !== undefined) out.oldHash = f.newHash;
  if (f.oldHash !== undefined) out.newHash = f.oldHash;
  return out;
}

function reverseFile(f: FilePatch): FilePatch {
  const base = swapSides(f);
  switch (f.type) {
    case 'modify':
      return { ...base, type: 'modify' };
    case 'create':
      return { ...base, type: 'delete' };
    case 'delete':
      return { ...base, type: 'create' };
    case 'rename':
      return {
        ...base,
        type: 'rename',
        from: f.to,
        to: f.from,
        ...(f.similarity === undefined ? {} : { similarity: f.similarity }),
      };
    case 'copy':
      // Undoing a copy means deleting the copy, whose content the diff does not hold.
      throw new CpansecError('PATCH_UNSUPPORTED', `cannot reverse the copy of ${f.from} to ${f.to}`, {
        details: { from: f.from, to: f.to },
      });
    default:
      return assertNever(f, 'file patch');
  }
}

/**
 * The reverse of a diff; files stay in order (GNU patch -R does the same).
 * @throws CpansecError PATCH_UNSUPPORTED for copies
 */
export function reverseDiff(diff: Diff): Diff {
  return { format: diff.format, preamble: diff.preamble, files: diff.files.map(reverseFile) };
}
