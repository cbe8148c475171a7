/**
 * Line and character rules shared by minisign key and signature files, as
 * minisign HEAD applies them (commits a10dc92 "trim(): only trim trailing
 * \r\n, reject straight \r characters" and 6c59875 "Bail out if the
 * signature file contains unprintable characters", December 2025).
 * minisign 0.11 replaced every \r with NUL, so `A\rB` authenticated only
 * `A` while a naive reader showed `A\rB`; following the strict rules means
 * whatever we accept, every minisign version reads the same way.
 */
import { CpansecError } from '../errors.js';
import type { ErrorCode } from '../errors.js';

export interface TextLine {
  /** 1-based line number. */
  number: number;
  /** The line without its terminator (`\n` or `\r\n`). */
  bytes: Uint8Array;
  /** Bytes the line occupies in the file, terminator included (what minisign's fgets buffers count). */
  rawLength: number;
  /** False only for a last line that ends at end of file without `\n`. */
  terminated: boolean;
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits on `\n`; one `\r` directly before a `\n` belongs to the line ending.
 * Any other `\r` is refused with `code`: it is the character minisign 0.11
 * and HEAD disagree about.
 */
export function splitLines(input: Uint8Array, code: ErrorCode, what: string): TextLine[] {
  const lines: TextLine[] = [];
  let start = 0;
  while (start < input.length) {
    let end = input.indexOf(LF, start);
    const terminated = end >= 0;
    if (!terminated) end = input.length;
    let contentEnd = end;
    if (terminated && contentEnd > start && input[contentEnd - 1] === CR) contentEnd--;
    const bytes = input.subarray(start, contentEnd);
    const number = lines.length + 1;
    if (bytes.includes(CR)) {
      throw new CpansecError(code, `${what}: line ${number} contains a carriage return that does not end the line`, {
        hint: 'lines may end with \\n or \\r\\n only; a bare \\r is how a comment hides text from older minisign versions',
        details: { line: number },
      });
    }
    lines.push({ number, bytes, rawLength: (terminated ? end + 1 : end) - start, terminated });
    start = terminated ? end + 1 : end;
  }
  return lines;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes `bytes` as printable UTF-8 text, or returns undefined. Refused, as
 * minisign HEAD's is_printable() does: malformed or overlong UTF-8 and
 * surrogates (the fatal decoder), C0 controls except TAB, DEL, and C1
 * controls U+0080-U+009F (ESC sequences could rewrite a terminal's display).
 * A BOM is kept (ignoreBOM), so the text is exactly what the bytes say.
 */
export function decodePrintable(bytes: Uint8Array): string | undefined {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return undefined;
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || (c >= 0x7f && c <= 0x9f)) return undefined;
  }
  return text;
}

export function encodeUtf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function startsWithAscii(bytes: Uint8Array, prefix: string): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix.charCodeAt(i)) return false;
  return true;
}

/** Latin-1 view for ASCII-only fields (base64 lines): never throws, never changes length. */
export function asciiString(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += String.fromCharCode(b);
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}
