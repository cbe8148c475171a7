import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatField,
  formatHeader,
  getField,
  getFields,
  parseHeader,
  removeField,
  setField,
} from '../../../src/core/patch/header.js';

const SAMPLE = [
  'Patch-Id: Acme-Demo-CVE-2099-0001',
  'Description: short summary',
  ' long line one',
  ' .',
  ' long line three',
  'X-Vendor-Note: kept as is',
  'Bug-Debian: https://bugs.debian.org/1',
  '',
  'free text',
  '--- a/x',
  '',
].join('\n');

describe('parseHeader', () => {
  it('reads fields with their lines and unfolded values', () => {
    const h = parseHeader(SAMPLE);
    expect(h.fields.map((f) => [f.name, f.line])).toEqual([
      ['Patch-Id', 1],
      ['Description', 2],
      ['X-Vendor-Note', 6],
      ['Bug-Debian', 7],
    ]);
    expect(getField(h, 'description')?.value).toBe('short summary\nlong line one\n\nlong line three');
    expect(h.rest).toBe('\nfree text\n--- a/x\n');
  });

  it('round-trips byte for byte', () => {
    expect(formatHeader(parseHeader(SAMPLE))).toBe(SAMPLE);
  });

  describe('when the text does not start with a field', () => {
    it('returns no fields and keeps everything as rest', () => {
      const text = 'From 1234abcd Mon Sep 17 00:00:00 2001\nFrom: a <a@b>\n';
      const h = parseHeader(text);
      expect(h.fields).toEqual([]);
      expect(h.rest).toBe(text);
    });
  });

  describe('when lines end in CRLF', () => {
    it('keeps the CR out of values and in the raw text', () => {
      const text = 'Patch-Id: X-1\r\nDescription: d\r\n more\r\n\r\nrest';
      const h = parseHeader(text);
      expect(getField(h, 'Patch-Id')?.value).toBe('X-1');
      expect(getField(h, 'Description')?.value).toBe('d\nmore');
      expect(formatHeader(h)).toBe(text);
    });
  });

  it('round-trips any text (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom('A: b', ' c', ' .', '', 'Bug-X: y', 'junk', '\r'), fc.string()), {
          maxLength: 12,
        }),
        (lines) => {
          const text = lines.join('\n');
          expect(formatHeader(parseHeader(text))).toBe(text);
        },
      ),
    );
  });
});

describe('setField', () => {
  describe('when the field exists', () => {
    it('rewrites only its lines and drops duplicates', () => {
      const h = setField(parseHeader('A: 1\nB: 2\nA: 3\n\nbody'), 'a', 'new\nsecond');
      expect(formatHeader(h)).toBe('A: new\n second\nB: 2\n\nbody');
    });
  });

  describe('when the field is new', () => {
    it('appends it after the last field, or after the field named in `after`', () => {
      const h = parseHeader('A: 1\nB: 2\n\nbody');
      expect(formatHeader(setField(h, 'C', '3'))).toBe('A: 1\nB: 2\nC: 3\n\nbody');
      expect(formatHeader(setField(h, 'C', '3', { after: 'A' }))).toBe('A: 1\nC: 3\nB: 2\n\nbody');
    });

    it('separates a new header from text that had none', () => {
      expect(formatHeader(setField(parseHeader('diff --git a/x b/x\n'), 'Patch-Id', 'X-1'))).toBe(
        'Patch-Id: X-1\n\ndiff --git a/x b/x\n',
      );
    });

    it('keeps CRLF line endings', () => {
      expect(formatHeader(setField(parseHeader('A: 1\r\n\r\n'), 'B', '2'))).toBe('A: 1\r\nB: 2\r\n\r\n');
    });
  });
});

describe('formatField', () => {
  it('folds empty lines as " ."', () => {
    expect(formatField('Description', 'a\n\nb')).toBe('Description: a\n .\n b\n');
  });
  it('parses back to the same value (property)', () => {
    const line = fc.stringMatching(/^[a-z.:][a-z .:]{0,10}[a-z.:]$/);
    fc.assert(
      fc.property(line, fc.array(fc.oneof(line, fc.constant('')), { maxLength: 4 }), (first, more) => {
        const value = [first, ...more].join('\n');
        const h = parseHeader(formatField('Description', value));
        expect(getFields(h, 'Description')).toHaveLength(1);
        expect(getField(h, 'Description')?.value).toBe(value);
      }),
    );
  });
});

describe('removeField', () => {
  it('removes every field of that name', () => {
    expect(formatHeader(removeField(parseHeader('A: 1\nB: 2\na: 3\n'), 'A'))).toBe('B: 2\n');
  });
});
