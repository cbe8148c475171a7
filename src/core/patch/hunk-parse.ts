/**
 * Reading one unified hunk: the "@@" line and exactly as many body lines as
 * it announces. GNU patch reads by count too (pch.c another_hunk), so a body
 * that is longer than its header makes GNU silently ignore the rest; we refuse
 * it instead, because a reviewer would read lines that are never applied.
 */
import { CpansecError } from '../../errors.js';
import type { Limits } from '../limits.js';
import type { Hunk, HunkLine } from './model.js';

const HUNK_HEADER = /^@@ -(\d{1,15})(?:,(\d{1,15}))? \+(\d{1,15})(?:,(\d{1,15}))? @@(.*)$/;

export function isHunkHeader(line: string | undefined): boolean {
  return line !== undefined && line.startsWith('@@ -');
}

function parseError(patchLine: number, message: string, details: Record<string, unknown> = {}): CpansecError {
  return new CpansecError('PATCH_PARSE', `${message} (patch line ${patchLine})`, {
    hint: 'The patch is truncated or was edited by hand; regenerate it with diff -u or git diff.',
    details: { line: patchLine, ...details },
  });
}

export interface HunkSource {
  lines: readonly string[];
  /** False when the last element of `lines` had no "\n" in the patch. */
  terminated: boolean;
  /** Strip one trailing CR from every line (GNU patch's CRLF-patch rule). */
  stripCr: boolean;
  limits: Readonly<Limits>;
}

function uncr(line: string, stripCr: boolean): string {
  return stripCr && line.endsWith('\r') ? line.slice(0, -1) : line;
}

/**
 * Parse the hunk whose "@@" line is lines[at]. Returns the hunk and the index
 * of the first line after it.
 * @throws CpansecError PATCH_PARSE (malformed or truncated), LIMIT_EXCEEDED
 */
export function parseHunk(src: HunkSource, at: number): { hunk: Hunk; next: number } {
  const header = uncr(src.lines[at] as string, src.stripCr);
  const m = HUNK_HEADER.exec(header);
  if (m === null) throw parseError(at + 1, 'malformed hunk header', { reason: 'hunk-header' });
  const oldStart = Number(m[1]);
  const oldLines = m[2] === undefined ? 1 : Number(m[2]);
  const newStart = Number(m[3]);
  const newLines = m[4] === undefined ? 1 : Number(m[4]);
  const section = (m[5] ?? '').replace(/^ /, '');
  if (oldLines + newLines > src.limits.maxLinesPerHunk) {
    throw new CpansecError('LIMIT_EXCEEDED', `hunk at patch line ${at + 1} has ${oldLines + newLines} lines`, {
      details: { line: at + 1, limit: 'maxLinesPerHunk', value: oldLines + newLines },
    });
  }
  const lines: HunkLine[] = [];
  let remOld = oldLines;
  let remNew = newLines;
  let changes = 0;
  let i = at + 1;
  while (remOld > 0 || remNew > 0) {
    if (i >= src.lines.length) {
      // GNU patch (pch.c another_hunk) takes up to three lines missing at the
      // very end of the patch for blank context lines whose lone space was
      // stripped with the trailing blank lines ("Assume blank lines got
      // chopped"). Padding adds no change, only context that must match, and
      // real published patches rely on it; anything else is a truncation.
      if (remOld === remNew && remOld <= 3 && src.terminated) {
        for (; remOld > 0; remOld--, remNew--) lines.push({ op: ' ', text: '', eol: true });
        break;
      }
      throw parseError(i, `hunk at line ${at + 1} ends early: ${remOld} old and ${remNew} new lines missing`, {
        reason: 'truncated',
      });
    }
    if (i === src.lines.length - 1 && !src.terminated) {
      // GNU patch drops a last line that has no newline ("patch unexpectedly
      // ends in middle of line") and pads the hunk with blank context: refuse.
      throw parseError(i + 1, 'patch ends in the middle of a hunk line', { reason: 'truncated' });
    }
    const raw = uncr(src.lines[i] as string, src.stripCr);
    const c = raw[0];
    i++;
    let line: HunkLine;
    if (c === '#') continue; // GNU patch (pget_line) skips '#' comment lines everywhere.
    if (c === ' ' || c === '=') line = { op: ' ', text: raw.slice(1), eol: true };
    else if (c === undefined || c === '\t') {
      // A blank line, or one whose leading space was eaten: GNU patch takes it as context.
      line = { op: ' ', text: raw, eol: true };
    } else if (c === '-' || c === '+') line = { op: c, text: raw.slice(1), eol: true };
    else throw parseError(i, `unexpected line inside hunk at line ${at + 1}`, { reason: 'mangled' });
    if (line.op !== '+') remOld--;
    if (line.op !== '-') remNew--;
    if (remOld < 0 || remNew < 0) {
      throw parseError(i, `hunk at line ${at + 1} has more ${remOld < 0 ? 'old' : 'new'} lines than its header says`, {
        reason: 'count',
      });
    }
    if (line.op !== ' ') changes++;
    // "\ No newline at end of file" may only follow the last old or new line.
    const marker = src.lines[i];
    if (marker !== undefined && marker.startsWith('\\')) {
      const lastOld = line.op !== '+' && remOld === 0;
      const lastNew = line.op !== '-' && remNew === 0;
      if (!(line.op === ' ' ? lastOld && lastNew : lastOld || lastNew)) {
        throw parseError(i + 1, '"\\ No newline" marker in the middle of a hunk', { reason: 'mangled' });
      }
      line.eol = false;
      i++;
    }
    if (line.text.length > src.limits.maxLineBytes) {
      throw new CpansecError('LIMIT_EXCEEDED', `line ${i} of the patch is too long`, {
        details: { line: i, limit: 'maxLineBytes' },
      });
    }
    lines.push(line);
  }
  // GNU patch rejects a hunk without a change as malformed (p_prefix_context < 0).
  if (changes === 0) throw parseError(at + 1, 'hunk without changes', { reason: 'no-change' });
  return { hunk: { oldStart, oldLines, newStart, newLines, section, lines, patchLine: at + 1 }, next: i };
}

/**
 * After a complete hunk, the next line may not look like more hunk body: GNU
 * patch would take it as junk and skip it, so the patch would not do what it
 * shows. A mail signature ("-- ") is the one exception.
 * @throws CpansecError PATCH_PARSE
 */
export function checkAfterHunk(line: string | undefined, nextLine: string | undefined, patchLine: number): void {
  if (line === undefined) return;
  if (line === '-- ' || line === '--' || line === '-- \r') return;
  // The next file section ("--- x" then "+++ y").
  if (/^---[ \t]/.test(line) && /^\+\+\+[ \t]/.test(nextLine ?? '')) return;
  const c = line[0];
  if (c === ' ' || c === '+' || c === '-' || c === '\\') {
    throw parseError(patchLine, 'hunk body is longer than its "@@" header says', { reason: 'count' });
  }
}
