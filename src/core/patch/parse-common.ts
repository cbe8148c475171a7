/**
 * Pieces shared by parse.ts and git-section.ts: the parse state, hunk
 * sequences, and GNU patch's create/delete inference.
 */
import { CpansecError } from '../../errors.js';
import type { Limits } from '../limits.js';
import { checkAfterHunk, isHunkHeader, parseHunk } from './hunk-parse.js';
import type { FileState, Hunk } from './model.js';

/** "---" or "+++" (GNU patch accepts a blank or a tab after the three chars). */
export function isHeaderTag(line: string | undefined, tag: '---' | '+++'): boolean {
  return line !== undefined && line.startsWith(tag) && (line[3] === ' ' || line[3] === '\t');
}

export function parseError(patchLine: number, message: string, details: Record<string, unknown> = {}): CpansecError {
  return new CpansecError('PATCH_PARSE', `${message} (patch line ${patchLine})`, {
    hint: 'Regenerate the patch with diff -u or git diff.',
    details: { line: patchLine, ...details },
  });
}

/** Shared state of one parse; git-section.ts uses it too. */
export interface ParseState {
  readonly text: string;
  readonly lines: readonly string[];
  readonly terminated: boolean;
  readonly limits: Readonly<Limits>;
  hunkCount: number;
}

/**
 * Read the hunks of a section starting at lines[at] (an "@@" line).
 * Returns the hunks and the index after the last one.
 */
export function readHunks(st: ParseState, at: number, stripCr: boolean): { hunks: Hunk[]; next: number } {
  const hunks: Hunk[] = [];
  let i = at;
  const src = { lines: st.lines, terminated: st.terminated, stripCr, limits: st.limits };
  for (;;) {
    const { hunk, next } = parseHunk(src, i);
    hunks.push(hunk);
    if (++st.hunkCount > st.limits.maxHunksPerPatch) {
      throw new CpansecError('LIMIT_EXCEEDED', `more than ${st.limits.maxHunksPerPatch} hunks`, {
        details: { limit: 'maxHunksPerPatch' },
      });
    }
    i = next;
    while (st.lines[i]?.startsWith('#')) i++; // GNU patch skips comment lines between hunks too.
    if (isHunkHeader(st.lines[i])) continue;
    checkAfterHunk(st.lines[i], st.lines[i + 1], i + 1);
    return { hunks, next: i };
  }
}

/**
 * GNU patch's view of each side (pch.c intuit_diff_type): an "@@ -0" range
 * says "empty", or "absent" when the name is /dev/null or the timestamp is the
 * epoch; git headers may have said so before.
 */
export function sideStates(
  first: Hunk | undefined,
  oldEpoch: boolean,
  newEpoch: boolean,
  initial: { old: FileState; new: FileState },
): { old: FileState; new: FileState } {
  let { old, new: neu } = initial;
  if (first !== undefined && first.oldStart === 0) old = oldEpoch ? 'absent' : 'empty';
  if (first !== undefined && first.newStart === 0) neu = newEpoch ? 'absent' : 'empty';
  return { old, new: neu };
}
