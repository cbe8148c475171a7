import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeHeader,
  decodeNumber,
  encodeHeader,
  headerChecksum,
  splitUstarName,
  withMode,
  withSize,
} from '../../../src/core/tar/header.js';
import { headerBlock } from '../../helpers/tar-builder.js';
import type { TarHeader } from '../../../src/core/tar/header.js';

function field(text: string, length = 12): Uint8Array {
  const block = new Uint8Array(length);
  block.set(Uint8Array.from(text, (c) => c.charCodeAt(0)));
  return block;
}

describe('decodeNumber', () => {
  it('reads POSIX octal with NUL or space terminators, and leading spaces (old tars)', () => {
    expect(decodeNumber(field('00000001234\0'), 0, 12, 'size')).toBe(0o1234);
    expect(decodeNumber(field('000644 \0', 8), 0, 8, 'mode')).toBe(0o644);
    expect(decodeNumber(field('   1234 '), 0, 12, 'size')).toBe(0o1234);
    expect(decodeNumber(new Uint8Array(8), 0, 8, 'devmajor')).toBe(0);
  });
  it('reads GNU base-256 for large values', () => {
    const f = new Uint8Array(12);
    f[0] = 0x80;
    f[10] = 1;
    f[11] = 2;
    expect(decodeNumber(f, 0, 12, 'size')).toBe(258);
  });
  describe('when the field is malformed', () => {
    it('refuses trailing garbage that tar-stream would silently cut off (TARBALL_INVALID)', () => {
      expect(() => decodeNumber(field('0000012x4\0'), 0, 12, 'size')).toThrowCode('TARBALL_INVALID');
      expect(() => decodeNumber(field('00000001 7\0'), 0, 12, 'size')).toThrowCode('TARBALL_INVALID');
      expect(() => decodeNumber(field('9'), 0, 12, 'size')).toThrowCode('TARBALL_INVALID');
    });
    it('refuses negative base-256 numbers', () => {
      const f = new Uint8Array(12).fill(0xff);
      expect(() => decodeNumber(f, 0, 12, 'size')).toThrowCode('TARBALL_INVALID');
    });
    it('refuses base-256 values beyond 2^53', () => {
      const f = new Uint8Array(12).fill(0x7f);
      f[0] = 0x80;
      expect(() => decodeNumber(f, 0, 12, 'size')).toThrowCode('TARBALL_INVALID');
    });
  });
});

describe('decodeHeader', () => {
  it('reads a POSIX ustar header, joining the prefix', () => {
    const h = decodeHeader(headerBlock({ name: 'Demo.pm', prefix: 'Acme-1.0/lib', data: 'x', mode: 0o755 }));
    expect(h).toMatchObject({ name: 'Acme-1.0/lib/Demo.pm', size: 1, mode: 0o755, typeflag: '0', format: 'ustar' });
  });
  it('reads GNU headers, whose prefix field must be empty (Archive::Tar would join it to the name)', () => {
    expect(decodeHeader(headerBlock({ name: 'a/b', magic: 'gnu' }))).toMatchObject({ name: 'a/b', format: 'gnu' });
    expect(() => decodeHeader(headerBlock({ name: 'a/b', prefix: '../../etc', magic: 'gnu' }))).toThrowCode(
      'UNSAFE_ENTRY',
    );
  });
  it('returns null for a zero block', () => {
    expect(decodeHeader(new Uint8Array(512))).toBeNull();
  });
  it('keeps non-ASCII names as byte strings', () => {
    const h = decodeHeader(headerBlock({ name: 'a/caf\xc3\xa9' }));
    expect(h?.name).toBe('a/caf\xc3\xa9');
  });
  describe('when the block is bad', () => {
    it('a wrong checksum is TARBALL_INVALID', () => {
      expect(() => decodeHeader(headerBlock({ name: 'a', badChecksum: true }))).toThrowCode('TARBALL_INVALID');
    });
    it('a pre-POSIX (v7) header is TARBALL_UNSUPPORTED', () => {
      expect(() => decodeHeader(headerBlock({ name: 'a', magic: 'v7' }))).toThrowCode('TARBALL_UNSUPPORTED');
    });
    it('a block that is not 512 bytes is TARBALL_INVALID', () => {
      expect(() => decodeHeader(new Uint8Array(100))).toThrowCode('TARBALL_INVALID');
    });
  });
});

const base: TarHeader = {
  name: 'Acme-1.0/lib/Acme.pm',
  mode: 0o644,
  uid: 1000,
  gid: 100,
  size: 1234,
  mtime: 1_700_000_000,
  typeflag: '0',
  linkname: '',
  format: 'ustar',
  uname: 'me',
  gname: 'users',
  devmajor: 0,
  devminor: 0,
};

describe('encodeHeader', () => {
  it('round-trips through decodeHeader', () => {
    expect(decodeHeader(encodeHeader(base))).toEqual(base);
  });
  it('round-trips arbitrary fields (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          mode: fc.integer({ min: 0, max: 0o7777 }),
          uid: fc.integer({ min: 0, max: 2 ** 40 }),
          size: fc.integer({ min: 0, max: 8 ** 11 - 1 }),
          mtime: fc.integer({ min: 0, max: 2 ** 40 }),
          name: fc.stringMatching(/^[a-z0-9/._-]{1,100}$/),
        }),
        (r) => {
          expect(decodeHeader(encodeHeader({ ...base, ...r }))).toEqual({ ...base, ...r });
        },
      ),
    );
  });
  it('refuses to read back a base-256 size (Archive::Tar reads only octal ones)', () => {
    const block = encodeHeader({ ...base, size: 2 ** 34 });
    expect(block[124]).toBe(0x80);
    expect(() => decodeHeader(block)).toThrowCode('UNSAFE_ENTRY');
  });
});

describe('withSize / withMode', () => {
  it('change only that field and the checksum', () => {
    const block = headerBlock({ name: 'a/b', data: 'hello', magic: 'gnu', uname: 'x' });
    const sized = withSize(block, 99999);
    const moded = withMode(sized, 0o755);
    expect(decodeHeader(moded)).toEqual({ ...decodeHeader(block), size: 99999, mode: 0o755 });
    const differs = [...moded].map((b, i) => (b !== block[i] ? i : -1)).filter((i) => i >= 0);
    expect(differs.every((i) => (i >= 100 && i < 108) || (i >= 124 && i < 136) || (i >= 148 && i < 156))).toBe(true);
    expect(headerChecksum(moded)).toBe(decodeNumber(moded, 148, 8, 'chksum'));
  });
});

describe('splitUstarName', () => {
  it('keeps short names whole and splits long ones at a slash', () => {
    expect(splitUstarName('a/b')).toEqual({ prefix: '', name: 'a/b' });
    const long = `${'d'.repeat(90)}/${'e'.repeat(60)}`;
    expect(splitUstarName(long)).toEqual({ prefix: 'd'.repeat(90), name: 'e'.repeat(60) });
  });
  it('returns undefined when no split fits', () => {
    expect(splitUstarName('x'.repeat(101))).toBeUndefined();
    expect(splitUstarName(`${'p'.repeat(160)}/n`)).toBeUndefined();
  });
});
