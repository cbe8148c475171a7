/**
 * Where does a hunk go? GNU patch 2.7.6's answer (patch.c locate_hunk and
 * patch_match), reproduced step for step because its choice of line, offset
 * and fuzz is the ground truth users compare against. Line numbers are
 * 1-based as in GNU patch; `input` holds the file's lines with their "\n".
 */
import type { Hunk } from './model.js';

/** A hunk prepared for matching: one side as the pattern, the other as replacement. */
export interface CompiledHunk {
  /** GNU pch_first(): the start line, plus one for an empty side ("@@ -5,0" inserts after line 5). */
  first: number;
  /** Pattern lines (context and removed lines), each with its "\n" unless it is a last line without. */
  pattern: string[];
  patternOps: (' ' | '-')[];
  /** Replacement lines (context and added lines). */
  replacement: string[];
  replacementOps: (' ' | '+')[];
  /** Context lines before the first change and after the last one. */
  prefix: number;
  suffix: number;
}

/** Compile a hunk, or its mirror image (GNU pch_swap) for the "already applied?" test. */
export function compileHunk(hunk: Hunk, swapped = false): CompiledHunk {
  const oldSide: string[] = [];
  const oldOps: (' ' | '-')[] = [];
  const newSide: string[] = [];
  const newOps: (' ' | '+')[] = [];
  let prefix = -1;
  let context = 0;
  for (const l of hunk.lines) {
    const text = l.eol ? l.text + '\n' : l.text;
    if (l.op === ' ') {
      context++;
      oldSide.push(text);
      oldOps.push(' ');
      newSide.push(text);
      newOps.push(' ');
      continue;
    }
    if (prefix < 0) prefix = context;
    context = 0;
    if (l.op === '-') {
      oldSide.push(text);
      oldOps.push('-');
    } else {
      newSide.push(text);
      newOps.push('+');
    }
  }
  const suffix = context;
  const oldFirst = hunk.oldStart + (hunk.oldLines === 0 ? 1 : 0);
  const newFirst = hunk.newStart + (hunk.newLines === 0 ? 1 : 0);
  if (!swapped) {
    return {
      first: oldFirst,
      pattern: oldSide,
      patternOps: oldOps,
      replacement: newSide,
      replacementOps: newOps,
      prefix: Math.max(prefix, 0),
      suffix,
    };
  }
  return {
    first: newFirst,
    pattern: newSide,
    patternOps: newOps.map((o) => (o === '+' ? '-' : ' ')),
    replacement: oldSide,
    replacementOps: oldOps.map((o) => (o === '-' ? '+' : ' ')),
    prefix: Math.max(prefix, 0),
    suffix,
  };
}

/**
 * The file being patched. Searches start with string comparisons; a search
 * that goes on past STRING_PROBES offsets switches to comparing line ids (an
 * Int32Array built once per file, on first need), and stops at once when the
 * hunk holds a line the file does not have. The order of the probes, hence
 * the result, is GNU's either way; only the cost of a hunk that matches
 * nowhere changes (one pass over integers instead of strings, or none).
 */
export class InputFile {
  private map: Map<string, number> | null = null;
  private idLines: Int32Array | null = null;

  constructor(readonly lines: readonly string[]) {}

  /** The lines as ids; id 0 is '', which only lines past the end compare equal to. */
  ids(): Int32Array {
    if (this.idLines === null) {
      const map = new Map<string, number>([['', 0]]);
      const ids = new Int32Array(this.lines.length);
      for (let i = 0; i < this.lines.length; i++) {
        const line = this.lines[i] as string;
        let id = map.get(line);
        if (id === undefined) {
          id = map.size;
          map.set(line, id);
        }
        ids[i] = id;
      }
      this.map = map;
      this.idLines = ids;
    }
    return this.idLines;
  }

  /** Ids of a pattern's lines, -1 for a line the file does not have. */
  patternIds(pattern: readonly string[]): Int32Array {
    this.ids();
    const map = this.map as Map<string, number>;
    return Int32Array.from(pattern, (l) => map.get(l) ?? -1);
  }
}

const STRING_PROBES = 4096;

/** Per-file matching state: GNU's in_offset and last_frozen_line. */
export interface Cursor {
  inOffset: number;
  lastFrozen: number;
}

/**
 * GNU patch_match: does the pattern, minus fuzzed context, match at line
 * base + offset? Returns null when the hunk cannot match at any offset (a
 * compared line is missing from the file), which ends the search early.
 */
class Matcher {
  private probes = 0;
  private ids: Int32Array | null = null;
  private patternIds: Int32Array | null = null;

  constructor(
    private readonly file: InputFile,
    private readonly h: CompiledHunk,
  ) {}

  match(base: number, offset: number, prefixFuzz: number, suffixFuzz: number): boolean | null {
    const patLines = this.h.pattern.length - suffixFuzz;
    const start = base + offset - 1; // 0-based index of the pattern's first line
    if (this.probes++ < STRING_PROBES) {
      const input = this.file.lines;
      for (let p = prefixFuzz; p < patLines; p++) {
        // Lines outside the file compare as empty, as GNU's ifetch returns them.
        if ((input[start + p] ?? '') !== this.h.pattern[p]) return false;
      }
      return true;
    }
    if (this.ids === null) {
      this.ids = this.file.ids();
      this.patternIds = this.file.patternIds(this.h.pattern);
      for (let p = prefixFuzz; p < patLines; p++) if (this.patternIds[p] === -1) return null;
    }
    const ids = this.ids;
    const pattern = this.patternIds as Int32Array;
    for (let p = prefixFuzz; p < patLines; p++) {
      const at = start + p;
      if ((at >= 0 && at < ids.length ? ids[at] : 0) !== pattern[p]) return false;
    }
    return true;
  }
}

/**
 * GNU locate_hunk: the line where the hunk applies with `fuzz` context lines
 * ignored at each end, or 0. Searches outward from the expected line (its
 * start plus the offset of the hunks before): 0, +1, -1, +2, -2, ... within
 * [last_frozen_line + 1, end]. Updates cur.inOffset on success, as GNU does.
 */
export function locateHunk(file: InputFile, h: CompiledHunk, fuzz: number, cur: Cursor): number {
  const input = file.lines;
  const m = new Matcher(file, h);
  const firstGuess = h.first + cur.inOffset;
  const patLines = h.pattern.length;
  const context = Math.max(h.prefix, h.suffix);
  // A hunk with less leading than trailing context was cut short by the start
  // of the file (diff had no more lines to show), and vice versa at the end:
  // GNU patch only lets such a hunk match there, unless fuzz makes up the difference.
  let prefixFuzz = fuzz + h.prefix - context;
  const suffixFuzz = fuzz + h.suffix - context;
  const maxWhere = input.length - (patLines - suffixFuzz) + 1;
  const minWhere = cur.lastFrozen + 1;
  const maxPosOffset = maxWhere - firstGuess;
  let maxNegOffset = firstGuess - minWhere;
  const maxOffset = Math.max(maxPosOffset, maxNegOffset);

  if (patLines === 0) return firstGuess; // GNU: "null range matches always"
  if (firstGuess <= maxNegOffset) maxNegOffset = firstGuess - 1; // do not try lines <= 0

  if (prefixFuzz < 0 && h.first <= 1) {
    // Can only match the start of the file.
    const offset = 1 - firstGuess;
    if (cur.lastFrozen <= h.prefix && offset <= maxPosOffset && m.match(firstGuess, offset, 0, suffixFuzz) === true) {
      cur.inOffset += offset;
      return firstGuess + offset;
    }
    return 0;
  } else if (prefixFuzz < 0) {
    prefixFuzz = 0;
  }

  if (suffixFuzz < 0) {
    // Can only match the end of the file.
    const offset = firstGuess - (input.length - patLines + 1);
    if (offset <= maxNegOffset && m.match(firstGuess, -offset, prefixFuzz, 0) === true) {
      cur.inOffset -= offset;
      return firstGuess - offset;
    }
    return 0;
  }

  // GNU 2.7.6 starts below zero when the guess lies outside [min, max]; the
  // positive probe then tries lines below the guess too (even frozen ones,
  // which apply_hunk later refuses as "misordered hunks").
  const minOffset = maxPosOffset < 0 ? firstGuess - maxWhere : maxNegOffset < 0 ? firstGuess - minWhere : 0;
  for (let offset = minOffset; offset <= maxOffset; offset++) {
    if (offset <= maxPosOffset) {
      const r = m.match(firstGuess, offset, prefixFuzz, suffixFuzz);
      if (r === null) return 0;
      if (r) {
        cur.inOffset += offset;
        return firstGuess + offset;
      }
    }
    if (offset <= maxNegOffset) {
      const r = m.match(firstGuess, -offset, prefixFuzz, suffixFuzz);
      if (r === null) return 0;
      if (r) {
        cur.inOffset -= offset;
        return firstGuess - offset;
      }
    }
  }
  return 0;
}
