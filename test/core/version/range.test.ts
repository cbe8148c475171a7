import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CpansecError } from '../../../src/errors.js';
import { parseVersion } from '../../../src/core/version/cpan-version.js';
import { formatRange, intersectRanges, parseRange, rangeAccepts } from '../../../src/core/version/range.js';
import type { VersionRange } from '../../../src/core/version/range.js';
import { thrown } from '../../helpers/errors.js';
import { ORACLE_SOURCES } from './oracle-rows.js';

const show = (s: string): string => JSON.stringify(s);

function tryRange(text: string): VersionRange | undefined {
  try {
    return parseRange(text);
  } catch (err) {
    if (err instanceof CpansecError && err.code === 'RANGE_INVALID') return undefined;
    throw err;
  }
}

// A small pool so generated ranges collide: equal values spelled differently, dotted and decimal, 0.
const POOL = [
  '0',
  '0.0',
  '1',
  '1.0',
  '1.2',
  '1.20',
  '1.5',
  '1.50',
  '1.02_01',
  'v1.2.3',
  '1.002003',
  '.5',
  '2',
  '3.10',
  'v2.0.0',
];
const OPS = ['', '>= ', '> ', '<= ', '< ', '== ', '!= '];
const partArb = fc.tuple(fc.constantFrom(...OPS), fc.constantFrom(...POOL)).map(([op, v]) => `${op}${v}`);
const partsArb = fc.array(partArb, { minLength: 1, maxLength: 4 });
const PROBES = [...POOL, '0.000001', '1.1', '1.3', '1.999', '2.000001', '99', 'v1.2.2', 'v1.2.4'];

describe('rangeAccepts', () => {
  for (const src of ORACLE_SOURCES) {
    describe.skipIf(!src.present)(`when checked against ${src.name} (version-range.tsv)`, () => {
      for (const [version = '', range = '', expected = ''] of src.rows('version-range.tsv')) {
        if (expected === 'error') {
          it(`refuses ${show(version)} against ${show(range)} (range or version invalid)`, () => {
            const parsed = tryRange(range);
            if (parsed === undefined) expect(() => parseRange(range)).toThrowCode('RANGE_INVALID');
            else expect(() => rangeAccepts(parsed, version)).toThrowCode('VERSION_INVALID');
          });
        } else {
          it(`${expected === '1' ? 'accepts' : 'rejects'} ${show(version)} for ${show(range)}`, () => {
            expect(rangeAccepts(parseRange(range), version)).toBe(expected === '1');
          });
        }
      }
    });
  }

  describe('when given a range of several parts', () => {
    it('accepts exactly the versions every part accepts (comma = AND)', () => {
      fc.assert(
        fc.property(partsArb, fc.constantFrom(...PROBES), (parts, v) => {
          const range = tryRange(parts.join(', '));
          const each = parts.every((p) => rangeAccepts(parseRange(p), v));
          // CMR only calls a range contradictory when nothing can satisfy it.
          if (range === undefined) expect(each).toBe(false);
          else expect(rangeAccepts(range, v)).toBe(each);
        }),
      );
    });
  });
});

describe('formatRange', () => {
  for (const src of ORACLE_SOURCES) {
    describe.skipIf(!src.present)(`when checked against ${src.name} (version-range-norm.tsv)`, () => {
      for (const [range = '', normalized = ''] of src.rows('version-range-norm.tsv')) {
        if (normalized === 'error') {
          it(`rejects ${show(range)}`, () => {
            expect(() => parseRange(range)).toThrowCode('RANGE_INVALID');
          });
        } else {
          it(`normalises ${show(range)} to ${show(normalized)}`, () => {
            expect(formatRange(parseRange(range))).toBe(normalized);
          });
        }
      }
    });
  }

  describe('when the output is parsed again', () => {
    it('gives the same range', () => {
      fc.assert(
        fc.property(partsArb, (parts) => {
          const range = tryRange(parts.join(', '));
          fc.pre(range !== undefined);
          expect(parseRange(formatRange(range as VersionRange))).toEqual(range);
        }),
      );
    });
  });

  describe('when the range has no requirement at all', () => {
    it('prints "0", the any-version range', () => {
      expect(formatRange({ exact: undefined, minimum: undefined, maximum: undefined, exclusions: [] })).toBe('0');
    });
  });
});

describe('parseRange', () => {
  describe('when given ">" or "<"', () => {
    it('gives an exclusive bound', () => {
      const range = parseRange('> 1.2, < 2');
      expect(range.minimum).toEqual({ version: parseVersion('1.2'), inclusive: false });
      expect(range.maximum).toEqual({ version: parseVersion('2'), inclusive: false });
      expect(range.exclusions).toEqual([]);
    });
  });

  describe('when two parts spell the same exclusion differently', () => {
    it('keeps both spellings, as CMR does', () => {
      expect(formatRange(parseRange('!= 1.5, != 1.50, != 1.5'))).toBe('!= 1.5, != 1.50');
    });
  });

  describe('when an exclusion lies outside the bounds', () => {
    it('drops it', () => {
      expect(formatRange(parseRange('!= 3, >= 1, < 2'))).toBe('>= 1, < 2');
    });
  });

  describe('when a "0" minimum follows another requirement', () => {
    it('ignores it, like CMR add_minimum', () => {
      expect(formatRange(parseRange('>= 0.0, 0'))).toBe('0.0');
      expect(formatRange(parseRange('0, >= 0.0'))).toBe('0.0');
      expect(formatRange(parseRange('< 2, > 0'))).toBe('< 2, != 0');
    });
  });

  describe('when the range ends with a comma', () => {
    it('accepts it (Perl split drops trailing empty fields)', () => {
      expect(formatRange(parseRange('>= 1.2,'))).toBe('1.2');
    });
  });

  describe('when the range starts with a comma or has an empty part', () => {
    it('throws RANGE_INVALID', () => {
      expect(() => parseRange(', >= 1.2')).toThrowCode('RANGE_INVALID');
      expect(() => parseRange('>= 1.2,, < 2')).toThrowCode('RANGE_INVALID');
    });
  });

  describe('when the text is empty or blank', () => {
    it('throws RANGE_INVALID', () => {
      expect(() => parseRange('')).toThrowCode('RANGE_INVALID');
      expect(() => parseRange('  ')).toThrowCode('RANGE_INVALID');
    });
  });

  describe('when a part is not valid', () => {
    it('names the part, its position and why', () => {
      const err = thrown(() => parseRange('>= 1.2, => 2'));
      expect(err.code).toBe('RANGE_INVALID');
      expect(err.details).toMatchObject({ range: '>= 1.2, => 2', part: '=> 2', partIndex: 2 });
      expect(err.hint).toContain('">="');
    });
  });

  describe('when a part contradicts the ones before it', () => {
    it('names the part and the contradiction', () => {
      const err = thrown(() => parseRange('>= 2, < 1'));
      expect(err.code).toBe('RANGE_INVALID');
      expect(err.details).toMatchObject({ part: '< 1', partIndex: 2 });
      expect(err.details?.['reason']).toMatch(/2.*1/);
    });

    it('rejects an exact version outside the range and an excluded single point', () => {
      expect(() => parseRange('>= 2, == 1.5')).toThrowCode('RANGE_INVALID');
      expect(() => parseRange('!= 1.5, >= 1.5, <= 1.5')).toThrowCode('RANGE_INVALID');
      expect(() => parseRange('== 1.5, > 1.5')).toThrowCode('RANGE_INVALID');
      expect(() => parseRange('== 1.5, < 1')).toThrowCode('RANGE_INVALID');
    });
  });

  describe('when an exact version meets a compatible part', () => {
    it('stays exact', () => {
      expect(formatRange(parseRange('>= 1, == 1.5, != 2, <= 1.50'))).toBe('== 1.5');
    });
  });

  describe('when there are absurdly many parts', () => {
    it('throws RANGE_INVALID instead of doing quadratic work', () => {
      const text = Array.from({ length: 300 }, (_, i) => `!= 1.${i}`).join(', ');
      expect(() => parseRange(text)).toThrowCode('RANGE_INVALID');
    });
  });
});

describe('intersectRanges', () => {
  describe('when the ranges overlap', () => {
    it('keeps what both accept, in CMR normal form', () => {
      const both = intersectRanges(parseRange('>= 1.2, != 1.5'), parseRange('< 2, > 1.3'));
      expect(formatRange(both)).toBe('> 1.3, < 2, != 1.5');
    });

    it('turns equal bounds into an exact version', () => {
      expect(formatRange(intersectRanges(parseRange('>= 1.5'), parseRange('<= 1.50')))).toBe('== 1.5');
    });
  });

  describe('when the ranges cannot both hold', () => {
    it('throws RANGE_INVALID', () => {
      expect(() => intersectRanges(parseRange('>= 2'), parseRange('< 1'))).toThrowCode('RANGE_INVALID');
      expect(() => intersectRanges(parseRange('== 1.2'), parseRange('!= 1.2'))).toThrowCode('RANGE_INVALID');
    });
  });

  describe('when given generated ranges', () => {
    it('accepts exactly what both accept, and refuses only empty intersections', () => {
      fc.assert(
        fc.property(partsArb, partsArb, (pa, pb) => {
          const a = tryRange(pa.join(', '));
          const b = tryRange(pb.join(', '));
          fc.pre(a !== undefined && b !== undefined);
          const x = a as VersionRange;
          const y = b as VersionRange;
          let both: VersionRange | undefined;
          try {
            both = intersectRanges(x, y);
          } catch (err) {
            expect(err).toBeInstanceOf(CpansecError);
            expect((err as CpansecError).code).toBe('RANGE_INVALID');
          }
          for (const v of PROBES) {
            const expected = rangeAccepts(x, v) && rangeAccepts(y, v);
            if (both === undefined) expect(expected).toBe(false);
            else expect(rangeAccepts(both, v)).toBe(expected);
          }
        }),
      );
    });
  });
});
