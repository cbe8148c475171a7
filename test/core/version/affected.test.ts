import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canBeAffected,
  formatAffectedVersions,
  isAffected,
  parseAffectedVersions,
  parseVersionList,
} from '../../../src/core/version/affected.js';
import { stringifyVersion } from '../../../src/core/version/cpan-version.js';
import { parseRange, rangeAccepts } from '../../../src/core/version/range.js';
import { thrown } from '../../helpers/errors.js';

const versions = (text: string): string[] => parseVersionList(text).map((v) => stringifyVersion(v));

describe('parseAffectedVersions', () => {
  describe('when given one CPAN::Meta range', () => {
    it('reads the commas as AND', () => {
      const a = parseAffectedVersions('>= 3.81, <= 3.83');
      expect(a.alternatives).toHaveLength(1);
      expect(isAffected(a, '3.82')).toBe(true);
      expect(isAffected(a, '3.84')).toBe(false);
      expect(isAffected(a, '3.80')).toBe(false);
    });
  });

  describe('when alternatives are separated by ";"', () => {
    it('reads them as OR', () => {
      const a = parseAffectedVersions('< 1.5; >= 2.0, < 2.3');
      expect(a.alternatives).toHaveLength(2);
      expect(['1.4', '1.5', '1.9', '2.0', '2.29', '2.3'].map((v) => isAffected(a, v))).toEqual([
        true,
        false,
        false,
        true,
        true,
        false,
      ]);
    });
  });

  describe('when alternatives are on continuation lines', () => {
    it('reads each line as an alternative and ignores the indentation', () => {
      const a = parseAffectedVersions('< 1.5\n >= 2.0, < 2.3 \r\n\t== 3.1\n');
      expect(formatAffectedVersions(a)).toBe('< 1.5; >= 2.0, < 2.3; == 3.1');
    });
  });

  describe('when an alternative is a bare version', () => {
    it('means that version or later', () => {
      const a = parseAffectedVersions('2.0');
      expect(isAffected(a, '1.99')).toBe(false);
      expect(isAffected(a, 'v2.0.0')).toBe(true);
      expect(isAffected(a, '17')).toBe(true);
    });
  });

  describe('when there are empty alternatives', () => {
    it('ignores them', () => {
      expect(parseAffectedVersions('< 1.5;; ; \n').alternatives).toHaveLength(1);
    });
  });

  describe('when the text is empty or blank', () => {
    it('throws RANGE_INVALID', () => {
      expect(() => parseAffectedVersions('')).toThrowCode('RANGE_INVALID');
      expect(() => parseAffectedVersions(' ; \n ')).toThrowCode('RANGE_INVALID');
    });
  });

  describe('when an alternative is not a valid range', () => {
    it('names the alternative that failed', () => {
      const err = thrown(() => parseAffectedVersions('< 1.5; >= 2.0 < 2.3'));
      expect(err.code).toBe('RANGE_INVALID');
      expect(err.details).toMatchObject({ alternative: 2, alternativeText: '>= 2.0 < 2.3', partIndex: 1 });
      expect(err.message).toContain('alternative 2 of 2');
    });

    it('rejects a contradictory alternative', () => {
      expect(() => parseAffectedVersions('>= 2, < 1')).toThrowCode('RANGE_INVALID');
    });

    it('rejects a -TRIAL version', () => {
      expect(() => parseAffectedVersions('<= 1.23-TRIAL')).toThrowCode('RANGE_INVALID');
    });
  });
});

describe('formatAffectedVersions', () => {
  describe('when the input is in any accepted spelling', () => {
    it('prints CMR normal forms joined by "; "', () => {
      expect(formatAffectedVersions(parseAffectedVersions('>=1.2,<2\n== 1.2.3;v1.2'))).toBe(
        '>= 1.2, < 2; == v1.2.3; v1.2.0',
      );
    });
  });

  describe('when the output is parsed again', () => {
    it('gives the same alternatives', () => {
      const a = parseAffectedVersions('> 1.2, != 1.5, <= 2; < 0.9\n== v1.2.3');
      expect(parseAffectedVersions(formatAffectedVersions(a))).toEqual(a);
    });
  });
});

describe('parseVersionList', () => {
  describe('when versions are separated by commas and/or spaces', () => {
    it('reads each one', () => {
      expect(versions('3.84, 3.85')).toEqual(['3.84', '3.85']);
      expect(versions(' 1.0 v1.2.3,1.02_01\n2 ')).toEqual(['1.0', 'v1.2.3', '1.02_01', '2']);
    });
  });

  describe('when the text is blank', () => {
    it('returns an empty list', () => {
      expect(parseVersionList('  ')).toEqual([]);
    });
  });

  describe('when an item is not a version', () => {
    it('throws VERSION_INVALID naming the item', () => {
      const err = thrown(() => parseVersionList('3.84, 3.85-TRIAL'));
      expect(err.code).toBe('VERSION_INVALID');
      expect(err.details).toMatchObject({ item: 2, input: '3.85-TRIAL' });
    });
  });
});

describe('isAffected', () => {
  describe('when the version is listed as fixed', () => {
    it('is never affected, whatever the ranges say', () => {
      const a = parseAffectedVersions('< 2.0');
      expect(isAffected(a, '1.5', parseVersionList('1.50'))).toBe(false);
      expect(isAffected(a, '1.4', parseVersionList('1.50'))).toBe(true);
    });
  });

  describe('when the version string does not parse', () => {
    it('throws VERSION_INVALID (strip -TRIAL first)', () => {
      expect(() => isAffected(parseAffectedVersions('< 2'), '1.2-TRIAL')).toThrowCode('VERSION_INVALID');
    });
  });

  describe('when given generated alternatives', () => {
    it('is the OR of the ranges minus the fixed versions', () => {
      const pool = ['0', '1', '1.2', '1.5', '1.50', 'v1.2.3', '2', '2.5', '3'];
      const rangeArb = fc
        .tuple(fc.constantFrom('>= ', '> ', '<= ', '< ', '== ', '!= ', ''), fc.constantFrom(...pool))
        .map(([op, v]) => `${op}${v}`);
      fc.assert(
        fc.property(
          fc.array(rangeArb, { minLength: 1, maxLength: 3 }),
          fc.subarray(pool),
          fc.constantFrom(...pool, '1.1', '9'),
          (alts, fixedList, v) => {
            const a = parseAffectedVersions(alts.join('; '));
            const fixed = parseVersionList(fixedList.join(', '));
            const expected =
              !fixedList.some((f) => rangeAccepts(parseRange(`== ${f}`), v)) &&
              alts.some((r) => rangeAccepts(parseRange(r), v));
            expect(isAffected(a, v, fixed)).toBe(expected);
            if (!canBeAffected(a, fixed)) expect(isAffected(a, v, fixed)).toBe(false);
          },
        ),
      );
    });
  });
});

describe('canBeAffected', () => {
  describe('when some alternative has room left', () => {
    it('is true', () => {
      expect(canBeAffected(parseAffectedVersions('> 1.2, < 1.3'), parseVersionList('1.25'))).toBe(true);
      expect(canBeAffected(parseAffectedVersions('== 1.5; != 2'), parseVersionList('1.5'))).toBe(true);
      expect(canBeAffected(parseAffectedVersions('<= 0'))).toBe(true);
    });
  });

  describe('when every alternative is emptied by the fixed versions', () => {
    it('is false', () => {
      expect(canBeAffected(parseAffectedVersions('== 1.5'), parseVersionList('1.50'))).toBe(false);
      expect(canBeAffected(parseAffectedVersions('== 1.5; <= 0'), parseVersionList('1.5, 0'))).toBe(false);
    });
  });

  describe('when an alternative can hold no version at all', () => {
    it('is false', () => {
      expect(canBeAffected(parseAffectedVersions('< 0'))).toBe(false);
      expect(canBeAffected(parseAffectedVersions('<= 0, != 0.0'))).toBe(false);
    });
  });
});
