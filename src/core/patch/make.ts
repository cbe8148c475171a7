/**
 * makeDiff: the unified (or git) diff between two byte strings. jsdiff
 * computes the line diff; it is wrapped here, and converted to our model and
 * formatted by format.ts, so that the diff algorithm can be replaced without
 * touching callers, and so that the text follows diff -u's conventions
 * (jsdiff's structuredPatch counts an empty side from the following line,
 * diff -u from the line before; "\ No newline" attaches to the line it ends).
 */
import { structuredPatch } from 'diff';
import { formatDiff } from './format.js';
import type { FilePatch, Hunk, HunkLine } from './model.js';

export interface MakeDiffOptions {
  /** Context lines around each change. Default 3, like diff -u. */
  context?: number;
  /** Write a git diff ("diff --git", new/deleted file mode). Default false. */
  git?: boolean;
  /** Modes for the git header (default 100644). */
  oldMode?: string;
  newMode?: string;
}

function toHunks(oldText: string, newText: string, context: number): Hunk[] {
  const sp = structuredPatch('a', 'b', oldText, newText, undefined, undefined, { context });
  return sp.hunks.map((h) => {
    const lines: HunkLine[] = [];
    for (const raw of h.lines) {
      const op = raw[0];
      if (op === '\\') {
        const prev = lines[lines.length - 1];
        if (prev !== undefined) prev.eol = false;
        continue;
      }
      if (op === ' ' || op === '-' || op === '+') lines.push({ op, text: raw.slice(1), eol: true });
    }
    return {
      oldStart: h.oldLines === 0 ? h.oldStart - 1 : h.oldStart,
      oldLines: h.oldLines,
      newStart: h.newLines === 0 ? h.newStart - 1 : h.newStart,
      newLines: h.newLines,
      section: '',
      lines,
      patchLine: 0,
    };
  });
}

/**
 * The diff from oldText to newText, named a/oldPath and b/newPath (apply
 * with -p1). null text means the file does not exist on that side. Returns
 * '' when there is nothing to say.
 */
export function makeDiff(
  oldPath: string,
  newPath: string,
  oldText: string | null,
  newText: string | null,
  options: MakeDiffOptions = {},
): string {
  const context = options.context ?? 3;
  const git = options.git ?? false;
  const hunks = toHunks(oldText ?? '', newText ?? '', context);
  const oldMode = options.oldMode ?? '100644';
  const newMode = options.newMode ?? '100644';
  const base = {
    oldName: oldText === null && !git ? null : `a/${oldPath}`,
    newName: newText === null && !git ? null : `b/${newPath}`,
    indexName: null,
    hunks,
    git,
    crStripped: false,
    patchLine: 0,
  };
  let file: FilePatch;
  if (oldText === null && newText === null) return '';
  if (oldText === null) {
    file = { ...base, type: 'create', oldState: 'absent', newState: 'exists', newMode };
  } else if (newText === null) {
    file = { ...base, type: 'delete', oldState: 'exists', newState: 'absent', oldMode };
  } else if (git && oldPath !== newPath) {
    file = {
      ...base,
      type: 'rename',
      from: oldPath,
      to: newPath,
      oldState: 'exists',
      newState: 'exists',
      oldMode,
      newMode,
    };
  } else {
    if (hunks.length === 0 && (!git || oldMode === newMode)) return '';
    file = { ...base, type: 'modify', oldState: 'exists', newState: 'exists' };
    if (git) Object.assign(file, { oldMode, newMode });
  }
  if (!git && hunks.length === 0) return '';
  return formatDiff({ files: [file], format: git ? 'git-diff' : 'unified', preamble: '' });
}
