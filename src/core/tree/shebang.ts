/**
 * Installed scripts do not start with the dist's shebang: ExtUtils::MakeMaker
 * (MM_Unix `fixin`) and Module::Build rewrite `#!perl -w` to the perl that
 * built them (`#!/usr/bin/perl -w`, `#!/usr/bin/env perl` with
 * PERL_MM_SHEBANG=relocatable, a perlbrew path …). A hunk that touches line 1
 * carries the dist's shebang and would never match, so it is rebased onto the
 * installed one before planning: the interpreter stays the installed one,
 * the switches are the patch's.
 */
import type { FilePatch, Hunk, HunkLine } from '../patch/model.js';

export interface Shebang {
  interpreter: string;
  /** Everything after the interpreter, with its leading blank ("" when none). */
  args: string;
}

/** Splits a `#!` line; undefined when it is not one. */
export function parseShebang(line: string): Shebang | undefined {
  const m = /^#!\s*(\S+)(.*)$/.exec(line);
  if (m === null) return undefined;
  let interpreter = m[1] as string;
  let args = m[2] as string;
  // "#!/usr/bin/env perl -w": the interpreter is "env perl".
  const env = /^(\s+)(\S*perl\S*)(.*)$/.exec(args);
  if (/(?:^|\/)env$/.test(interpreter) && env) {
    interpreter = `${interpreter}${env[1] as string}${env[2] as string}`;
    args = env[3] as string;
  }
  return { interpreter, args };
}

function isPerlShebang(s: Shebang): boolean {
  return /perl/.test(s.interpreter);
}

/** The installed interpreter with the patch's switches. */
function rebaseLine(patchLine: string, installed: Shebang): string {
  const p = parseShebang(patchLine);
  if (p === undefined || !isPerlShebang(p)) return patchLine;
  return `#!${installed.interpreter}${p.args}`;
}

function rebaseHunk(h: Hunk, installedFirstLine: string, installed: Shebang): Hunk {
  // Only the old file's line 1 and the new file's line 1 are shebangs; find them by position.
  let oldLine = h.oldStart === 0 ? 1 : h.oldStart;
  let newLine = h.newStart === 0 ? 1 : h.newStart;
  const lines: HunkLine[] = h.lines.map((l) => {
    const atOld = l.op !== '+' && oldLine === 1;
    const atNew = l.op !== '-' && newLine === 1;
    if (l.op !== '+') oldLine++;
    if (l.op !== '-') newLine++;
    if (!atOld && !atNew) return l;
    const p = parseShebang(l.text);
    if (p === undefined || !isPerlShebang(p)) return l;
    // A context line is both the old and the new line 1: it must read as installed.
    if (l.op === ' ' || l.op === '-') return { ...l, text: installedFirstLine };
    return { ...l, text: rebaseLine(l.text, installed) };
  });
  return { ...h, lines };
}

/**
 * Rewrites the hunks of `file` that touch line 1 so they match a script whose
 * installed first line is `installedFirstLine` (without its newline). A file
 * whose installed line 1 is not a perl shebang, or hunks that do not touch
 * line 1, are returned as they are.
 */
export function rebaseShebang(file: FilePatch, installedFirstLine: string): FilePatch {
  const installed = parseShebang(installedFirstLine);
  if (installed === undefined || !isPerlShebang(installed)) return file;
  const touches = (h: Hunk): boolean => h.oldStart <= 1 || h.newStart <= 1;
  if (!file.hunks.some(touches)) return file;
  return { ...file, hunks: file.hunks.map((h) => (touches(h) ? rebaseHunk(h, installedFirstLine, installed) : h)) };
}
