/**
 * RFC 2047 encoded words in mail header fields: `git format-patch` (and
 * GitHub's `.patch` pages) write a non-ASCII author or subject as
 * "=?UTF-8?q?Ren=C3=A9?=" or "=?UTF-8?b?UmVuw6k=?=". Only UTF-8 and
 * US-ASCII/ISO-8859-1 charsets are decoded; anything else is left as written.
 * Pure, bounded by the input length.
 */

const WORD_RE = /=\?([A-Za-z0-9_-]+)(?:\*[A-Za-z-]+)?\?([QqBb])\?([^?\s]*)\?=/g;

function qBytes(text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '_') out.push(0x20);
    else if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(c.charCodeAt(0) & 0xff);
  }
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function bBytes(text: string): number[] | undefined {
  const clean = text.replace(/=+$/, '');
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const c of clean) {
    const v = B64.indexOf(c);
    if (v < 0) return undefined;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return out;
}

function decodeCharset(charset: string, bytes: number[]): string | undefined {
  const cs = charset.toLowerCase();
  if (cs === 'utf-8' || cs === 'utf8') {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
    } catch {
      return undefined;
    }
  }
  if (cs === 'us-ascii' || cs === 'iso-8859-1' || cs === 'latin1') return String.fromCharCode(...bytes);
  return undefined;
}

/** Decodes every encoded word; whitespace between two adjacent encoded words is dropped (RFC 2047 §6.2). */
export function decodeMimeWords(value: string): string {
  if (!value.includes('=?')) return value;
  const joined = value.replace(/(\?=)\s+(?==\?)/g, '$1');
  return joined.replace(WORD_RE, (word, charset: string, enc: string, text: string) => {
    const bytes = enc.toUpperCase() === 'Q' ? qBytes(text) : bBytes(text);
    if (bytes === undefined) return word;
    return decodeCharset(charset, bytes) ?? word;
  });
}
