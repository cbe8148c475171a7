/**
 * Parsing .minisig files with minisign HEAD's strict rules; the structural
 * attacks of research note §4.6 (items 1-4) each end in SIGNATURE_MALFORMED.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeBase64, encodeBase64 } from '../../src/sign/base64.js';
import { formatSignature, parseSignature } from '../../src/sign/signature-format.js';
import { MINISIGN_FIXTURES } from '../helpers/minisign.js';

const SIG = readFileSync(join(MINISIGN_FIXTURES, 'message.txt.minisig'), 'utf8');
const LEGACY = readFileSync(join(MINISIGN_FIXTURES, 'message.txt.legacy.minisig'), 'utf8');
const [L1, L2, L3, L4] = SIG.split('\n') as [string, string, string, string];
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const latin1 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const withTrusted = (comment: string): string => `${L1}\n${L2}\ntrusted comment: ${comment}\n${L4}\n`;

describe('parseSignature', () => {
  it('reads a signature made by minisign', () => {
    const sig = parseSignature(SIG);
    expect(sig).toMatchObject({
      algorithm: 'ED',
      keyIdHex: 'A8C9836BB81FD0D5',
      untrustedComment: 'signature from test-only.key (ED)',
      trustedComment: 'timestamp:1764115200\tfile:message.txt\thashed',
    });
    expect(sig.signature).toHaveLength(64);
    expect(sig.globalSignature).toHaveLength(64);
    expect(new TextDecoder().decode(sig.trustedCommentBytes)).toBe(sig.trustedComment);
  });

  it('reads a legacy signature as algorithm "Ed"', () => {
    expect(parseSignature(LEGACY).algorithm).toBe('Ed');
  });

  it('formats back byte for byte', () => {
    expect(formatSignature(parseSignature(SIG))).toBe(SIG);
  });

  it('accepts \\r\\n line endings as the same signature (§4.6.1)', () => {
    const crlf = parseSignature(SIG.replace(/\n/g, '\r\n'));
    expect(crlf.trustedComment).toBe(parseSignature(SIG).trustedComment);
    expect(crlf.trustedCommentBytes).toEqual(parseSignature(SIG).trustedCommentBytes);
  });

  it('accepts a file whose last line has no newline (minisign does not check it)', () => {
    expect(parseSignature(SIG.slice(0, -1)).algorithm).toBe('ED');
  });

  it('accepts an empty trusted comment and non-ASCII text', () => {
    expect(parseSignature(withTrusted('')).trustedComment).toBe('');
    expect(parseSignature(withTrusted('Grüße ✓')).trustedComment).toBe('Grüße ✓');
  });

  it('accepts a trusted comment line of exactly 8191 bytes and refuses 8192', () => {
    const max = 8191 - 'trusted comment: '.length - 1;
    expect(parseSignature(withTrusted('x'.repeat(max))).trustedComment).toHaveLength(max);
    expect(() => parseSignature(withTrusted('x'.repeat(max + 1)))).toThrowCode('SIGNATURE_MALFORMED');
  });

  describe('when the file breaks a rule (SIGNATURE_MALFORMED)', () => {
    const b64sig = decodeBase64(L2) as Uint8Array;
    const withAlg = (a: number, b: number): string => {
      const s = b64sig.slice();
      s[0] = a;
      s[1] = b;
      return `${L1}\n${encodeBase64(s)}\n${L3}\n${L4}\n`;
    };
    const cases: [string, string | Uint8Array][] = [
      // §4.6.1: carriage returns
      ['a bare \\r inside the trusted comment', withTrusted('timestamp:1\rfile:evil')],
      [
        'a bare \\r at the end of the trusted comment line',
        SIG.replace(L3, `${L3}\r`).replace(`${L3}\r\n`, `${L3}\r\r\n`),
      ],
      ['a bare \\r in the untrusted comment', SIG.replace('(ED)', '(E\rD)')],
      ['a bare \\r after the base64', SIG.replace(`${L2}\n`, `${L2}\rX\n`)],
      // §4.6.2: unprintable trusted comments
      ['ESC in the trusted comment', withTrusted('ok\u001b[2Jgone')],
      ['NUL in the trusted comment', withTrusted('ok\u0000hidden')],
      ['a bell (C0) in the trusted comment', withTrusted('ok\u0007')],
      ['a vertical tab (C0) in the trusted comment', withTrusted('ok\u000b')],
      ['DEL in the trusted comment', withTrusted('ok\u007f')],
      ['a C1 control (U+009B) in the trusted comment', withTrusted('ok\u009b2J')],
      ['a C1 control (U+0085) in the trusted comment', withTrusted('ok\u0085')],
      ['invalid UTF-8 in the trusted comment', latin1(`${L1}\n${L2}\ntrusted comment: caf\u00e9\n${L4}\n`)],
      [
        'an overlong UTF-8 "/" in the trusted comment',
        latin1(`${L1}\n${L2}\ntrusted comment: a\u00c0\u00afb\n${L4}\n`),
      ],
      ['ESC in the untrusted comment', SIG.replace('(ED)', '\u001b]0;pwned\u0007')],
      // §4.6.3: lengths and line counts
      ['an untrusted comment line over 1023 bytes', SIG.replace(L1, `untrusted comment: ${'u'.repeat(1004)}`)],
      ['a trusted comment line over 8191 bytes', withTrusted('t'.repeat(8174))],
      ['an empty file', ''],
      ['only line 1', `${L1}\n`],
      ['lines 1-2 only', `${L1}\n${L2}\n`],
      ['lines 1-3 only', `${L1}\n${L2}\n${L3}\n`],
      ['line 3 without its newline (truncated)', `${L1}\n${L2}\n${L3}`],
      ['an extra line after line 4', `${SIG}extra\n`],
      ['an empty line after line 4', `${SIG}\n`],
      ['a second signature appended', `${SIG}${SIG}`],
      ['lines 3 and 4 swapped', `${L1}\n${L2}\n${L4}\n${L3}\n`],
      ['no "untrusted comment: " prefix', SIG.replace('untrusted comment: ', 'comment: ')],
      ['no "trusted comment: " prefix', SIG.replace('trusted comment: ', 'trusted-comment: ')],
      ['a line 1 that is the trusted comment', `${L3}\n${L2}\n${L3}\n${L4}\n`],
      // §4.6.4: algorithms and base64
      ['algorithm "Ex"', withAlg(0x45, 0x78)],
      ['algorithm "ed"', withAlg(0x65, 0x64)],
      ['algorithm bytes 00 00', withAlg(0, 0)],
      ['a signature line one character short', SIG.replace(L2, L2.slice(0, -2) + '=')],
      ['a signature line of 75 bytes', SIG.replace(L2, encodeBase64(new Uint8Array([...b64sig, 0])))],
      [
        'a global signature of 63 bytes',
        SIG.replace(L4, encodeBase64((decodeBase64(L4) as Uint8Array).subarray(0, 63))),
      ],
      ['"=" in the middle of the signature', SIG.replace(L2, `${L2.slice(0, 40)}=${L2.slice(41)}`)],
      ['a non-alphabet character in the signature', SIG.replace(L2, `${L2.slice(0, 40)}*${L2.slice(41)}`)],
      [
        'URL-safe base64 in the signature',
        SIG.replace(
          L2,
          L2.replace(/\+/g, '-')
            .replace(/\//g, '_')
            .replace(/^(.{10})./, '$1-'),
        ),
      ],
      ['a space inside the signature', SIG.replace(L2, `${L2.slice(0, 40)} ${L2.slice(41)}`)],
      ['a space after the global signature', SIG.replace(L4, `${L4} `)],
      [
        'non-zero padding bits in the global signature',
        SIG.replace(
          L4,
          // With "==", the last character carries 4 unused bits; setting the lowest changes no byte.
          L4.replace(/(.)==$/, (_m, c: string) => `${B64[B64.indexOf(c) ^ 1]}==`),
        ),
      ],
      ['a file too large to be a signature', `${SIG}${'#'.repeat(10_000)}`],
    ];
    it.each(cases)('%s', (_what, input) => {
      expect(() => parseSignature(input)).toThrowCode('SIGNATURE_MALFORMED');
    });
  });

  it('names the algorithm bytes in hex, never raw (they are attacker-chosen)', () => {
    const s = (decodeBase64(L2) as Uint8Array).slice();
    s[0] = 0x1b;
    s[1] = 0x5b;
    try {
      parseSignature(`${L1}\n${encodeBase64(s)}\n${L3}\n${L4}\n`);
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toContain('0x1b5b');
      expect((err as Error).message).not.toContain('\u001b');
    }
  });
});

describe('formatSignature', () => {
  const sig = parseSignature(SIG);

  it.each([
    ['a newline in the trusted comment', { trustedComment: 'a\nb' }],
    ['a carriage return in the untrusted comment', { untrustedComment: 'a\rb' }],
    ['an ESC in the trusted comment', { trustedComment: '\u001b[31m' }],
    ['a trusted comment over 8173 bytes', { trustedComment: 'x'.repeat(8174) }],
    ['an untrusted comment over 1003 bytes', { untrustedComment: 'x'.repeat(1004) }],
  ])('refuses %s (USAGE): it would not parse back', (_what, change) => {
    expect(() => formatSignature({ ...sig, ...change })).toThrowCode('USAGE');
  });

  it('writes the longest comments that still parse back', () => {
    const text = formatSignature({ ...sig, trustedComment: 't'.repeat(8173), untrustedComment: 'u'.repeat(1003) });
    expect(parseSignature(text).trustedComment).toHaveLength(8173);
  });
});
