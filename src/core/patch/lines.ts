/**
 * Line splitting for byte strings, done once per text (never by repeated
 * slicing of the remainder, which is quadratic on large files).
 */

/**
 * Split a file into GNU patch's lines: every line keeps its "\n"; only the
 * last may lack it. Matching a hunk compares these strings whole, so "x\n"
 * never matches a final "x" without newline, as in GNU patch's patch_match().
 */
export function splitKeepingNewlines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) break;
    out.push(text.slice(start, nl + 1));
    start = nl + 1;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

/** A patch split into lines without their "\n", plus whether the last one had it. */
export interface PatchLines {
  lines: string[];
  /** Offset of each line in the text, for slicing the preamble byte for byte. */
  offsets: number[];
  /** False when the text does not end in "\n" (its last line is partial). */
  terminated: boolean;
}

export function splitPatchLines(text: string): PatchLines {
  const lines: string[] = [];
  const offsets: number[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) break;
    lines.push(text.slice(start, nl));
    offsets.push(start);
    start = nl + 1;
  }
  const terminated = start === text.length;
  if (!terminated) {
    lines.push(text.slice(start));
    offsets.push(start);
  }
  return { lines, offsets, terminated };
}

/** The 1-based line number of a char offset, for error messages. */
export function lineNumberAt(text: string, offset: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
