/**
 * Building the patched file: GNU patch 2.7.6's apply_hunk, copy_till and
 * spew_output over an array of chunks (joined once at the end, so a file with
 * thousands of hunks costs one pass). Context lines come from the file, not
 * from the patch, so text that fuzz allowed to differ is kept as it was.
 */
import type { CompiledHunk, Cursor } from './locate.js';

export class Splicer {
  private readonly parts: string[] = [];
  private afterNewline = true;
  /** GNU's zero_output: nothing at all was written. */
  empty = true;
  /** GNU's out_offset: lines added minus lines removed by the hunks applied so far. */
  outOffset = 0;

  constructor(
    private readonly input: readonly string[],
    readonly cursor: Cursor,
  ) {}

  private write(line: string): void {
    this.parts.push(line);
    this.afterNewline = line.endsWith('\n');
    this.empty = false;
  }

  /**
   * Copy input lines up to and including `last` (GNU copy_till). A line
   * without newline gets one when more text follows it. False when the
   * output is already past `last`: GNU's "misordered hunks! output would be
   * garbled", which fails the hunk.
   */
  private copyTill(last: number): boolean {
    if (this.cursor.lastFrozen > last) return false;
    while (this.cursor.lastFrozen < last) {
      const line = this.input[this.cursor.lastFrozen++];
      if (line === undefined || line.length === 0) continue;
      if (!this.afterNewline) this.parts.push('\n');
      this.write(line);
    }
    return true;
  }

  /**
   * Apply a located hunk at 1-based line `where` (GNU apply_hunk). Only the
   * first copy can fail, before anything is written, so a false return
   * leaves the output unchanged.
   */
  applyHunk(h: CompiledHunk, where: number): boolean {
    const base = where - 1;
    let old = 0;
    let neu = 0;
    const ptrn = h.pattern.length;
    const repl = h.replacement.length;
    while (old < ptrn) {
      if (h.patternOps[old] === '-') {
        if (!this.copyTill(base + old)) return false;
        this.cursor.lastFrozen++;
        old++;
      } else if (neu >= repl) {
        break;
      } else if (h.replacementOps[neu] === '+') {
        if (!this.copyTill(base + old)) return false;
        this.write(h.replacement[neu] as string);
        neu++;
      } else {
        old++;
        neu++;
      }
    }
    if (neu < repl && h.replacementOps[neu] === '+') {
      if (!this.copyTill(base + old)) return false;
      do {
        if (!this.afterNewline) this.parts.push('\n');
        this.write(h.replacement[neu] as string);
        neu++;
      } while (neu < repl && h.replacementOps[neu] === '+');
    }
    this.outOffset += repl - ptrn;
    return true;
  }

  /** Copy the rest of the input and return the new content (GNU spew_output). */
  finish(): string {
    this.copyTill(this.input.length);
    return this.parts.join('');
  }
}
