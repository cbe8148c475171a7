import { describe, expect, it } from 'vitest';
import { parseDistname, versionForMatching } from '../../../src/core/dist/distname.js';
import { parseVersion } from '../../../src/core/version/cpan-version.js';
import { ORACLE_SOURCES } from '../version/oracle-rows.js';

const orUndefined = (field: string | undefined): string | undefined => (field === '' ? undefined : field);

describe('parseDistname', () => {
  for (const src of ORACLE_SOURCES) {
    describe.skipIf(!src.present)(`when checked against ${src.name} (distname.tsv)`, () => {
      for (const [pathname = '', dist, version, maturity, cpanid, distvname, extension, filename = ''] of src.rows(
        'distname.tsv',
      )) {
        it(`reads ${pathname} as ${dist || '(undef)'} ${version || '(undef)'} ${maturity}`, () => {
          expect(parseDistname(pathname)).toEqual({
            dist: orUndefined(dist),
            version: orUndefined(version),
            maturity,
            cpanid: orUndefined(cpanid),
            distvname: orUndefined(distvname),
            extension: orUndefined(extension),
            filename,
          });
        });
      }
    });
  }

  describe('when allowXz is set', () => {
    it('reads .tar.xz like .tar.gz', () => {
      expect(parseDistname('authors/id/A/AU/AUTHOR/Dist-Name-1.23.tar.xz', { allowXz: true })).toEqual({
        dist: 'Dist-Name',
        version: '1.23',
        maturity: 'released',
        cpanid: 'AUTHOR',
        distvname: 'Dist-Name-1.23',
        extension: 'tar.xz',
        filename: 'Dist-Name-1.23.tar.xz',
      });
    });

    it('reads .txz and keeps the extension as written', () => {
      expect(parseDistname('Foo-Bar-0.01.TXZ', { allowXz: true })).toMatchObject({ dist: 'Foo-Bar', extension: 'TXZ' });
    });

    it('keeps perl release rules', () => {
      expect(parseDistname('authors/id/S/SH/SHAY/perl-5.37.1.tar.xz', { allowXz: true })).toMatchObject({
        dist: 'perl',
        version: '5.37.1',
        maturity: 'developer',
      });
    });
  });

  describe('when allowXz is not set', () => {
    it('does not recognise .tar.xz, like CPAN::DistnameInfo 0.12', () => {
      expect(parseDistname('Dist-Name-1.23.tar.xz')).toMatchObject({
        dist: undefined,
        version: undefined,
        distvname: undefined,
      });
    });
  });

  describe('when the file name is only an extension or "0"', () => {
    it('has no dist and no version', () => {
      expect(parseDistname('.tar.gz')).toMatchObject({ dist: undefined, distvname: undefined });
      expect(parseDistname('0.tar.gz')).toMatchObject({ dist: undefined, version: undefined, distvname: '0' });
    });
  });

  describe('when the name is a long run of digits', () => {
    it('answers at once (no regex backtracking blow-up)', () => {
      const started = Date.now();
      const info = parseDistname(`Foo-${'1'.repeat(3000)}.tar.gz`);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(info.dist).toBe('Foo');
    });
  });

  describe('when the path is empty, too long or has control characters', () => {
    it('throws DISTNAME_INVALID', () => {
      expect(() => parseDistname('')).toThrowCode('DISTNAME_INVALID');
      expect(() => parseDistname(`${'a'.repeat(5000)}.tar.gz`)).toThrowCode('DISTNAME_INVALID');
      expect(() => parseDistname('Foo-1.0.tar.gz\n')).toThrowCode('DISTNAME_INVALID');
      expect(() => parseDistname('Foo\u0000-1.0.tar.gz')).toThrowCode('DISTNAME_INVALID');
    });
  });
});

describe('versionForMatching', () => {
  describe('when the version has a -TRIAL suffix', () => {
    it('strips it so version.pm can read the rest', () => {
      expect(versionForMatching('1.23-TRIAL')).toBe('1.23');
      expect(versionForMatching('v1.2.3-TRIAL2')).toBe('v1.2.3');
      expect(parseVersion(versionForMatching('1.23_01-TRIAL')).alpha).toBe(true);
    });
  });

  describe('when the version has no -TRIAL suffix', () => {
    it('returns it unchanged', () => {
      expect(versionForMatching('1.23')).toBe('1.23');
      expect(versionForMatching('1.02-1')).toBe('1.02-1');
      expect(versionForMatching('1.0-TRIALS')).toBe('1.0-TRIALS');
    });
  });
});
