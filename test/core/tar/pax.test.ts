import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPaxRecords, parsePaxRecords, paxValue } from '../../../src/core/tar/pax.js';
import { paxPayload } from '../../helpers/tar-builder.js';

function reason(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return (err as { details?: Record<string, unknown> }).details?.['reason'];
  }
  return undefined;
}

describe('parsePaxRecords', () => {
  it('reads what GNU tar and bsdtar write (path, times, xattrs)', () => {
    const records = parsePaxRecords(
      paxPayload([
        ['path', 'Acme-1.0/lib/long/name.pm'],
        ['mtime', '1700000000.123456789'],
        ['atime', '1700000000'],
        ['SCHILY.xattr.user.x', 'y'],
        ['LIBARCHIVE.xattr.com.apple.quarantine', 'MDA4Mw'],
      ]),
    );
    expect(paxValue(records, 'path')).toBe('Acme-1.0/lib/long/name.pm');
    expect(records).toHaveLength(5);
  });
  it('keeps newlines and "=" inside values (records are length-delimited)', () => {
    expect(parsePaxRecords(paxPayload([['comment', 'a=b\nc']]))).toEqual([{ key: 'comment', value: 'a=b\nc' }]);
  });
  it('keeps UTF-8 names as byte strings', () => {
    expect(paxValue(parsePaxRecords(paxPayload([['path', 'a/caf\xc3\xa9']])), 'path')).toBe('a/caf\xc3\xa9');
  });
  describe('refuses', () => {
    it('a keyword given twice (UNSAFE_ENTRY): readers keep the first or the last', () => {
      const twice = paxPayload([
        ['path', 'a/b'],
        ['path', '../../etc/passwd'],
      ]);
      expect(() => parsePaxRecords(twice)).toThrowCode('UNSAFE_ENTRY');
      expect(reason(() => parsePaxRecords(twice))).toBe('pax-duplicate');
    });
    it('GNU sparse records and unknown keywords (TARBALL_UNSUPPORTED)', () => {
      expect(() => parsePaxRecords(paxPayload([['GNU.sparse.name', 'x']]))).toThrowCode('TARBALL_UNSUPPORTED');
      expect(() => parsePaxRecords(paxPayload([['realtime.any', 'x']]))).toThrowCode('TARBALL_UNSUPPORTED');
    });
    it('binary (non-UTF-8) names and hdrcharset=BINARY', () => {
      expect(() => parsePaxRecords(paxPayload([['path', 'a/\xff']]))).toThrowCode('TARBALL_UNSUPPORTED');
      expect(() => parsePaxRecords(paxPayload([['hdrcharset', 'BINARY']]))).toThrowCode('TARBALL_UNSUPPORTED');
    });
    it('malformed lengths, records that overrun, junk after the records (TARBALL_INVALID)', () => {
      for (const bad of [
        '13 path=a/b\n',
        '0 x=y\n',
        '011 path=a\n',
        '9 path=ab',
        '10 path=a\nzz',
        ' 9 pathab\n',
        '7 =abc\n',
      ]) {
        expect(() => parsePaxRecords(bad), JSON.stringify(bad)).toThrowCode('TARBALL_INVALID');
      }
    });
    it('malformed numbers and empty paths', () => {
      expect(() => parsePaxRecords(paxPayload([['size', '-1']]))).toThrowCode('TARBALL_INVALID');
      expect(() => parsePaxRecords(paxPayload([['mtime', '1e9']]))).toThrowCode('TARBALL_INVALID');
      expect(() => parsePaxRecords(paxPayload([['path', '']]))).toThrowCode('TARBALL_INVALID');
    });
  });
  it('never throws anything but a CpansecError on arbitrary bytes (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 200 }), (s) => {
        try {
          parsePaxRecords(s);
        } catch (err) {
          expect((err as Error).name).toBe('CpansecError');
        }
      }),
    );
  });
});

describe('formatPaxRecords', () => {
  it('computes lengths that count their own digits, and round-trips', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('comment', 'mtime'), fc.string({ maxLength: 300 })), { maxLength: 1 }),
        (pairs) => {
          const records = pairs.map(([key, v]) => ({
            key,
            value: key === 'mtime' ? String(v.length) : v.replace(/[^\x20-\x7e]/g, ''),
          }));
          expect(parsePaxRecords(formatPaxRecords(records))).toEqual(records);
        },
      ),
    );
    expect(formatPaxRecords([{ key: 'path', value: 'x'.repeat(90) }]).startsWith('99 path=')).toBe(true);
  });
});
