import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64, encodeBase64 } from '../../src/sign/base64.js';

describe('encodeBase64', () => {
  it('matches Node for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(encodeBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
      }),
    );
  });
});

describe('decodeBase64', () => {
  it('reverses encodeBase64 for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(decodeBase64(encodeBase64(bytes))).toEqual(bytes);
      }),
    );
  });

  describe('when the text is not canonical base64', () => {
    it.each([
      ['a length that is not a multiple of 4', 'QUJD='],
      ['"=" in the middle', 'QU=D'],
      ['"=" in the middle of a longer text', 'QUJD=UJD'],
      ['three "="', 'Q==='],
      ['a character outside the alphabet', 'QUJ-'],
      ['a URL-safe character', 'QUJ_'],
      ['a space', 'QUJ D'],
      ['a newline', 'QUJD\n'],
      ['a non-ASCII character', 'QUJé'],
      // "AB" is QUI=; J differs from I only in the two bits that the padding drops.
      ['non-zero padding bits (one "=")', 'QUJ='],
      ['non-zero padding bits (two "=")', 'QR=='],
    ])('returns undefined for %s', (_what, text) => {
      expect(decodeBase64(text)).toBeUndefined();
    });
  });

  it('accepts the canonical forms', () => {
    expect(decodeBase64('QUI=')).toEqual(new Uint8Array([0x41, 0x42]));
    expect(decodeBase64('QQ==')).toEqual(new Uint8Array([0x41]));
  });

  it('accepts the empty string as no bytes', () => {
    expect(decodeBase64('')).toEqual(new Uint8Array());
  });

  it('refuses what Node would silently accept', () => {
    // Node's decoder skips junk and ignores padding bits; ours does not (one textual form per value).
    for (const text of ['QR==', 'QU=D', 'QUJ D']) {
      expect(Buffer.from(text, 'base64').length).toBeGreaterThan(0);
      expect(decodeBase64(text)).toBeUndefined();
    }
  });
});
