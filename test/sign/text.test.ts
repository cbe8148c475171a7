import { describe, expect, it } from 'vitest';
import { decodePrintable, splitLines } from '../../src/sign/text.js';

const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

describe('splitLines', () => {
  it('splits on \\n and reports raw lengths with the terminator', () => {
    const lines = splitLines(bytes('ab\ncde\n'), 'SIGNATURE_MALFORMED', 'x');
    expect(lines.map((l) => [text(l.bytes), l.rawLength, l.terminated])).toEqual([
      ['ab', 3, true],
      ['cde', 4, true],
    ]);
  });

  it('treats \\r\\n as a line ending (the \\r is not content)', () => {
    const lines = splitLines(bytes('ab\r\ncd\r\n'), 'SIGNATURE_MALFORMED', 'x');
    expect(lines.map((l) => [text(l.bytes), l.rawLength])).toEqual([
      ['ab', 4],
      ['cd', 4],
    ]);
  });

  it('keeps a last line without newline as unterminated', () => {
    const lines = splitLines(bytes('ab\ncd'), 'SIGNATURE_MALFORMED', 'x');
    expect(lines[1]).toMatchObject({ terminated: false, rawLength: 2 });
  });

  describe('when a \\r does not end a line', () => {
    it.each([
      ['inside a line', 'a\rb\n'],
      ['twice before \\n', 'ab\r\r\n'],
      ['at the end of the file', 'ab\r'],
      ['at the start of a line', '\rab\n'],
    ])('throws the given code (%s)', (_what, input) => {
      expect(() => splitLines(bytes(input), 'SIGNATURE_MALFORMED', 'x')).toThrowCode('SIGNATURE_MALFORMED');
      expect(() => splitLines(bytes(input), 'KEY_INVALID', 'x')).toThrowCode('KEY_INVALID');
    });
  });
});

describe('decodePrintable', () => {
  it('accepts ASCII, TAB and non-ASCII letters', () => {
    expect(decodePrintable(new Uint8Array(Buffer.from('a\tb ü ✓ 😀')))).toBe('a\tb ü ✓ 😀');
  });

  it('keeps a byte order mark instead of dropping it', () => {
    expect(decodePrintable(new Uint8Array([0xef, 0xbb, 0xbf, 0x41]))).toBe('\ufeffA');
  });

  describe('when the bytes are not printable UTF-8', () => {
    it.each([
      ['NUL', [0x41, 0x00]],
      ['ESC (terminal escape sequences)', [0x1b, 0x5b, 0x32, 0x4a]],
      ['a bell', [0x07]],
      ['\\n', [0x0a]],
      ['\\r', [0x0d]],
      ['DEL', [0x7f]],
      ['a C1 control (U+0085 NEL)', [0xc2, 0x85]],
      ['a C1 control (U+009B CSI)', [0xc2, 0x9b]],
      ['a lone continuation byte', [0x80]],
      ['a truncated sequence', [0xe2, 0x9c]],
      ['an overlong encoding of "/"', [0xc0, 0xaf]],
      ['an encoded surrogate', [0xed, 0xa0, 0x80]],
      ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
      ['a Latin-1 byte', [0x41, 0xe9]],
    ])('returns undefined for %s', (_what, input) => {
      expect(decodePrintable(new Uint8Array(input))).toBeUndefined();
    });
  });
});
