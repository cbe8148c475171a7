/**
 * C-style quoted file names, as git writes them ("a/b\303\251.pm") and as GNU
 * patch 2.7 reads them (util.c parse_c_string): \a \b \f \n \r \t \v \\ \"
 * and three-digit octal \ooo (first digit 0-3, value not zero).
 */

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
};

export interface Unquoted {
  value: string;
  /** Index just past the closing quote. */
  end: number;
}

/**
 * Decode the quoted name starting at `start` (which must be a '"').
 * Returns null for a malformed string (unknown escape, \000, no closing
 * quote), which GNU patch treats as an unusable name.
 */
export function unquoteC(text: string, start: number): Unquoted | null {
  if (text[start] !== '"') return null;
  const out: string[] = [];
  let i = start + 1;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"') return { value: out.join(''), end: i + 1 };
    if (c !== '\\') {
      out.push(c);
      i++;
      continue;
    }
    const e = text[i + 1];
    if (e === undefined) return null;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out.push(simple);
      i += 2;
      continue;
    }
    const oct = /^[0-3][0-7][0-7]/.exec(text.slice(i + 1, i + 4));
    if (oct === null) return null;
    const code = parseInt(oct[0], 8);
    if (code === 0) return null;
    out.push(String.fromCharCode(code));
    i += 4;
  }
  return null;
}

const ENCODE: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '\\': '\\\\',
  '"': '\\"',
};

/**
 * Quote a byte-string name when it needs it: control bytes, DEL, bytes >= 0x80
 * (git's core.quotePath), quotes and backslashes, and also spaces, because
 * GNU patch reads an unquoted name on a "diff --git" line only up to the
 * first blank.
 */
export function quoteNameIfNeeded(name: string): string {
  if (!/[^\u0021\u0023-\u005b\u005d-\u007e]/.test(name)) return name;
  const out: string[] = ['"'];
  for (const c of name) {
    const code = c.charCodeAt(0);
    const simple = ENCODE[c];
    if (simple !== undefined) out.push(simple);
    else if (code > 0xff) {
      // Not a byte string: quote the character's UTF-8 bytes.
      for (const b of new TextEncoder().encode(c)) out.push('\\' + b.toString(8).padStart(3, '0'));
    } else if (code < 0x20 || code >= 0x7f) out.push('\\' + code.toString(8).padStart(3, '0'));
    else out.push(c);
  }
  out.push('"');
  return out.join('');
}
