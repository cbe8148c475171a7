import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareVersions,
  isLaxVersion,
  isStrictVersion,
  normalVersion,
  numifyVersion,
  parseVersion,
  stringifyVersion,
  tryParseVersion,
} from '../../../src/core/version/cpan-version.js';
import { thrown } from '../../helpers/errors.js';
import { ORACLE_SOURCES } from './oracle-rows.js';

const show = (s: string): string => JSON.stringify(s);

// Versions version.pm accepts, built from the lax grammar: decimal with an
// optional underscore in the fraction, "v" + components, or 3+ bare components.
const digitString = (min: number, max: number): fc.Arbitrary<string> =>
  fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));
const withUnderscore = (digits: string, at: number): string =>
  digits.length < 2
    ? digits
    : `${digits.slice(0, 1 + (at % (digits.length - 1)))}_${digits.slice(1 + (at % (digits.length - 1)))}`;
const decimalArb = fc
  .tuple(digitString(1, 4), fc.option(digitString(1, 9)), fc.option(fc.nat()))
  .map(([int, frac, us]) => (frac === null ? int : `${int}.${us === null ? frac : withUnderscore(frac, us)}`));
const dottedArb = fc
  .tuple(fc.boolean(), fc.array(fc.integer({ min: 0, max: 1200 }), { minLength: 3, maxLength: 6 }), fc.option(fc.nat()))
  .map(([v, comps, us]) => {
    const parts = comps.map(String);
    const lastIndex = parts.length - 1;
    if (us !== null) parts[lastIndex] = withUnderscore(parts[lastIndex] as string, us);
    return `${v ? 'v' : ''}${parts.join('.')}`;
  });
const shortDottedArb = fc
  .array(fc.integer({ min: 0, max: 1200 }), { minLength: 1, maxLength: 2 })
  .map((comps) => `v${comps.join('.')}`);
const versionArb = fc.oneof(decimalArb, dottedArb, shortDottedArb);

describe('compareVersions', () => {
  for (const src of ORACLE_SOURCES) {
    describe.skipIf(!src.present)(`when checked against ${src.name} (version-cmp.tsv)`, () => {
      for (const [a = '', b = '', expected = ''] of src.rows('version-cmp.tsv')) {
        it(`${a} <=> ${b} is ${expected}`, () => {
          expect(compareVersions(a, b)).toBe(Number(expected));
        });
      }
    });
  }

  describe('when given generated versions', () => {
    it('is reflexive and antisymmetric', () => {
      fc.assert(
        fc.property(versionArb, versionArb, (a, b) => {
          expect(compareVersions(a, a)).toBe(0);
          expect(compareVersions(a, b)).toBe(-compareVersions(b, a) || 0);
        }),
      );
    });

    it('is transitive', () => {
      fc.assert(
        fc.property(versionArb, versionArb, versionArb, (a, b, c) => {
          const [x, y, z] = [a, b, c].sort(compareVersions) as [string, string, string];
          expect(compareVersions(x, y)).toBeLessThanOrEqual(0);
          expect(compareVersions(y, z)).toBeLessThanOrEqual(0);
          expect(compareVersions(x, z)).toBeLessThanOrEqual(0);
        }),
      );
    });

    it('ignores the underscore (Lyon compromise)', () => {
      fc.assert(
        fc.property(versionArb, (a) => {
          expect(compareVersions(a, a.replace('_', ''))).toBe(0);
        }),
      );
    });

    it('agrees with comparing the normal forms', () => {
      fc.assert(
        fc.property(versionArb, versionArb, (a, b) => {
          expect(compareVersions(normalVersion(a), normalVersion(b))).toBe(compareVersions(a, b));
        }),
      );
    });
  });

  describe('when given a string that is not a version', () => {
    it('throws VERSION_INVALID', () => {
      expect(() => compareVersions('1.2-TRIAL', '1.2')).toThrowCode('VERSION_INVALID');
    });
  });
});

describe('parseVersion', () => {
  for (const src of ORACLE_SOURCES) {
    describe.skipIf(!src.present)(`when checked against ${src.name} (version-info.tsv)`, () => {
      for (const [input = '', ...expected] of src.rows('version-info.tsv')) {
        if (expected[0] === 'ERROR') {
          it(`rejects ${show(input)} with version.pm's message "${expected[1]}"`, () => {
            expect(() => parseVersion(input)).toThrowCode('VERSION_INVALID');
            // Matching version.pm's wording is the point of this oracle, so the message is compared.
            expect(thrown(() => parseVersion(input)).message).toBe(expected[1]);
            expect(tryParseVersion(input)).toBeUndefined();
          });
        } else {
          it(`reads ${show(input)} as ${expected.join(' ')}`, () => {
            const v = parseVersion(input);
            expect([
              stringifyVersion(v),
              numifyVersion(v),
              normalVersion(v),
              v.alpha ? '1' : '0',
              v.kind === 'dotted' ? '1' : '0',
              isLaxVersion(input) ? '1' : '0',
              isStrictVersion(input) ? '1' : '0',
            ]).toEqual(expected);
          });
        }
      }
    });
  }

  describe('when the version has leading whitespace', () => {
    it('skips it, as version.pm does', () => {
      expect(parseVersion('  1.2').original).toBe('1.2');
    });
  });

  describe('when the version has trailing whitespace or other leftovers', () => {
    it('rejects what version.pm only warns about (fatal in CPAN::Meta::Requirements)', () => {
      expect(() => parseVersion('1.2 ')).toThrowCode('VERSION_INVALID');
      expect(thrown(() => parseVersion('1.2;')).message).toBe(
        "Version string '1.2;' contains invalid data; ignoring: ';'",
      );
    });
  });

  describe('when a component exceeds 2^31-1', () => {
    it('rejects it instead of overflowing to v.Inf', () => {
      expect(() => parseVersion('99999999999')).toThrowCode('VERSION_INVALID');
      expect(() => parseVersion('v1.2.2147483648')).toThrowCode('VERSION_INVALID');
      expect(thrown(() => parseVersion('2147483648.1')).message).toBe('Integer overflow in version');
    });

    it('accepts 2^31-1 itself', () => {
      expect(parseVersion('v1.2.2147483647').parts).toEqual([1, 2, 2147483647]);
      expect(parseVersion('2147483647').parts).toEqual([2147483647]);
    });

    it('rejects an integer part of eleven digits even when it is small, as vutil.c does', () => {
      expect(() => parseVersion('00000000001.5')).toThrowCode('VERSION_INVALID');
    });

    it('does not count the leading zeros of a dotted component', () => {
      expect(parseVersion('v1.000000000002.3').parts).toEqual([1, 2, 3]);
    });
  });

  describe('when the input is "undef"', () => {
    it('is version 0 that stringifies as "0"', () => {
      expect(parseVersion('undef')).toEqual({ original: '0', kind: 'decimal', parts: [0], alpha: false });
    });
  });

  describe('when it succeeds', () => {
    it('returns a frozen value', () => {
      const v = parseVersion('v1.2.3_4');
      expect(v).toEqual({ original: 'v1.2.3_4', kind: 'dotted', parts: [1, 2, 34], alpha: true });
      expect(Object.isFrozen(v)).toBe(true);
      expect(Object.isFrozen(v.parts)).toBe(true);
    });

    it('reports the input in the error details when it fails', () => {
      expect(thrown(() => parseVersion('1.2a')).details).toEqual({ input: '1.2a' });
    });
  });

  describe('when given generated lax versions', () => {
    it('accepts every one and is_lax agrees', () => {
      fc.assert(
        fc.property(versionArb, (s) => {
          expect(tryParseVersion(s)).toBeDefined();
          expect(isLaxVersion(s)).toBe(true);
        }),
      );
    });

    it('reads numify output back to an equal version when no component exceeds 999', () => {
      fc.assert(
        fc.property(versionArb, (s) => {
          const v = parseVersion(s);
          fc.pre(v.parts.slice(1).every((p) => p <= 999));
          expect(compareVersions(numifyVersion(v), v)).toBe(0);
        }),
      );
    });
  });
});

describe('numifyVersion', () => {
  describe('when a dotted component is above 999', () => {
    it('is lossy, like version.pm', () => {
      expect(numifyVersion('v1.1000')).toBe('1.1000000');
    });
  });
});

describe('isStrictVersion', () => {
  describe('when the version has fewer than three dotted parts or leading zeros', () => {
    it('is false', () => {
      expect(isStrictVersion('v1.2')).toBe(false);
      expect(isStrictVersion('01.2')).toBe(false);
      expect(isStrictVersion('v1.2.3')).toBe(true);
    });
  });
});
