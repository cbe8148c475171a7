/**
 * Recognisers for the diff kinds we refuse, and the byte-level checks every
 * patch passes before it is parsed. Each refusal names the attack it answers.
 */
import { CpansecError } from '../../errors.js';
import { lineNumberAt } from './lines.js';

/**
 * GNU patch's ed command recogniser (pch.c get_ed_command_letter): "12a",
 * "3,4c", "5d", "2i", "s/.//". GNU patch auto-detects ed scripts even without
 * -e and feeds them to ed, which runs "r !cmd" and "!cmd" lines
 * (CVE-2018-1000156, CVE-2019-13638). We never run ed; we refuse.
 */
export function isEdCommand(line: string): boolean {
  let p = 0;
  while (line[p] === ' ' || line[p] === '\t' || line[p] === 'X') p++;
  let pair = false;
  const digits = (): boolean => {
    const from = p;
    while (/[0-9]/.test(line[p] ?? '')) p++;
    return p > from;
  };
  if (digits() && line[p] === ',') {
    p++;
    if (!digits()) return false;
    pair = true;
  }
  const letter = line[p++];
  if (letter === 'a' || letter === 'i') {
    if (pair) return false;
  } else if (letter === 's') {
    if (line.slice(p, p + 4) !== '/.//') return false;
    p += 4;
  } else if (letter !== 'c' && letter !== 'd') {
    return false;
  }
  while (line[p] === ' ' || line[p] === '\t') p++;
  return p === line.length || (line[p] === '\r' && p === line.length - 1);
}

/** A "normal" (diff without -u) command line: "3c3", "5,7d4", "0a1,2". */
export function isNormalDiffCommand(line: string): boolean {
  return /^[ \tX]*\d+(?:,\d+)?[acd]\d+(?:,\d+)?[ \t]*\r?$/.test(line);
}

/** Lines of an ed script that execute commands when ed runs them. */
export function isEdShellEscape(line: string): boolean {
  return /^\s*(?:\d*(?:,\d*)?\s*)?(?:r\s*!|w\s*!|!)/.test(line) || /^\s*,\s*p\s*$/.test(line);
}

export function edScriptError(patchLine: number): CpansecError {
  return new CpansecError('PATCH_UNSUPPORTED', `ed-style diff at line ${patchLine}`, {
    hint: 'ed scripts are never applied (GNU patch runs them through ed: CVE-2018-1000156). Regenerate the patch with diff -u or git diff.',
    details: { line: patchLine, kind: 'ed' },
  });
}

export function normalDiffError(patchLine: number): CpansecError {
  return new CpansecError('PATCH_UNSUPPORTED', `normal (non-unified) diff at line ${patchLine}`, {
    hint: 'Only unified diffs are supported. Regenerate the patch with diff -u or git diff.',
    details: { line: patchLine, kind: 'normal' },
  });
}

export function contextDiffError(patchLine: number): CpansecError {
  return new CpansecError('PATCH_UNSUPPORTED', `context diff at line ${patchLine}`, {
    hint: 'Only unified diffs are supported. Convert it, e.g. with `filterdiff --format=unified` (patchutils), or regenerate it with diff -u.',
    details: { line: patchLine, kind: 'context' },
  });
}

export function binaryDiffError(patchLine: number): CpansecError {
  return new CpansecError('PATCH_UNSUPPORTED', `binary diff at line ${patchLine}`, {
    hint: 'Binary patches cannot be reviewed as text and are never applied.',
    details: { line: patchLine, kind: 'binary' },
  });
}

/** "GIT binary patch" or diff's "Binary files a and b differ". */
export function isBinaryMarker(line: string): boolean {
  return line.startsWith('GIT binary patch') || /^Binary files .* differ\r?$/.test(line);
}

/**
 * A context diff hunk starts with a line of at least 8 stars followed by
 * "*** N[,M] ****" (pch.c intuit_diff_type). GNU patch applies context
 * sections found anywhere, even after unified ones, so we refuse wherever.
 */
export function isContextHunkStart(line: string, next: string | undefined): boolean {
  return line.startsWith('********') && next !== undefined && /^\*\*\* \d+(?:,\d+)? \*{4}\r?$|^\*\*\* \d/.test(next);
}

/**
 * The whole text must be a byte string (every char <= 0xFF, as latin1
 * decoding gives) without NUL. A NUL makes C tools stop reading a line
 * where we would not; a char above 0xFF (U+2028 and friends) means the caller
 * decoded the bytes as text, and jsdiff's header parser looped on exactly
 * those (CVE-2026-24001).
 * @throws CpansecError PATCH_PARSE
 */
export function checkByteString(text: string): void {
  // eslint-disable-next-line no-control-regex
  const bad = /[\u0000\u0100-\uffff]/.exec(text);
  if (bad === null) return;
  const line = lineNumberAt(text, bad.index);
  if (bad[0] === '\0') {
    throw new CpansecError('PATCH_PARSE', `NUL byte in patch at line ${line}`, {
      hint: 'Patches are text; a NUL byte means a binary or corrupted file.',
      details: { line, reason: 'nul' },
    });
  }
  throw new CpansecError(
    'PATCH_PARSE',
    `character U+${bad[0].charCodeAt(0).toString(16).toUpperCase()} at line ${line}`,
    {
      hint: 'Patch text must be passed as a byte string (latin1-decoded bytes), not as decoded Unicode.',
      details: { line, reason: 'not-bytes' },
    },
  );
}

/**
 * A file header line may end in CR (a CRLF patch), but may not hold a bare CR
 * or a UTF-8 line/paragraph separator: tools disagree on where such a line
 * ends, which is how jsdiff's CVE-2026-24001 was reached.
 * @throws CpansecError PATCH_PARSE
 */
export function checkHeaderLine(line: string, patchLine: number): void {
  const body = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (body.includes('\r') || body.includes('\xe2\x80\xa8') || body.includes('\xe2\x80\xa9')) {
    throw new CpansecError('PATCH_PARSE', `line separator inside file header at line ${patchLine}`, {
      hint: 'A carriage return or U+2028/U+2029 inside a header line is refused.',
      details: { line: patchLine, reason: 'header-line-separator' },
    });
  }
}
