import { describe, expect, it } from 'vitest';
import { checkAuthorPath, findDistribution, findPackage } from '../../../src/core/cpan/packages.js';

// The layout PAUSE writes (mldistwatch rewrite02), cpan-ecosystem.md §3.2.
const INDEX = [
  'File:         02packages.details.txt',
  'URL:          http://www.cpan.org/modules/02packages.details.txt',
  'Description:  Package names found in directory $CPAN/authors/id/',
  'Columns:      package name, version, path',
  'Line-Count:   5',
  'Last-Updated: Wed, 25 Nov 2026 23:09:11 GMT',
  '',
  'HTTP::Daemon                      6.16  O/OA/OALDERS/HTTP-Daemon-6.16.tar.gz',
  'HTTP::Daemon::ClientConn          undef  O/OA/OALDERS/HTTP-Daemon-6.16.tar.gz',
  'HTTP::DaemonX                     1.0  A/AU/AUTHOR/HTTP-DaemonX-1.0.tar.gz',
  'Tiny::XS                       v1.2.3  T/TE/TESTER/Tiny-XS-v1.2.3.tar.gz',
  'Term::Gnuplot                   0.90380906  I/IL/ILYAZ/modules/Term-Gnuplot-0.90380906.zip',
  '',
].join('\n');

describe('findPackage', () => {
  it('finds a package exactly (not a longer one with the same prefix)', () => {
    expect(findPackage(INDEX, 'HTTP::Daemon')).toEqual({
      package: 'HTTP::Daemon',
      version: '6.16',
      path: 'O/OA/OALDERS/HTTP-Daemon-6.16.tar.gz',
    });
    expect(findPackage(INDEX, 'Term::Gnuplot')?.path).toBe('I/IL/ILYAZ/modules/Term-Gnuplot-0.90380906.zip');
    expect(findPackage(INDEX, 'HTTP')).toBeUndefined();
  });
  it('refuses what is not a package name (USAGE)', () => {
    expect(() => findPackage(INDEX, 'HTTP Daemon')).toThrowCode('USAGE');
  });
  describe('when the index is malformed or hostile (METADATA_INVALID)', () => {
    it('no header, or no blank line after it', () => {
      expect(() => findPackage('HTTP::Daemon 1 O/OA/X/y.tar.gz\n', 'HTTP::Daemon')).toThrowCode('METADATA_INVALID');
      expect(() => findPackage('File: x\nHTTP::Daemon 1 O/OA/X/y.tar.gz\n', 'HTTP::Daemon')).toThrowCode(
        'METADATA_INVALID',
      );
    });
    it('a path that climbs out of authors/id, or is absolute', () => {
      const evil = INDEX.replace('O/OA/OALDERS/HTTP-Daemon-6.16.tar.gz', 'O/OA/OALDERS/../../../../etc/passwd');
      expect(() => findPackage(evil, 'HTTP::Daemon')).toThrowCode('METADATA_INVALID');
      const abs = INDEX.replace('O/OA/OALDERS/HTTP-Daemon-6.16.tar.gz', '/etc/passwd');
      expect(() => findPackage(abs, 'HTTP::Daemon')).toThrowCode('METADATA_INVALID');
    });
    it('a line with extra fields or an odd version', () => {
      expect(() => findPackage(INDEX.replace('6.16  O/', '6.16 x O/'), 'HTTP::Daemon')).toThrowCode('METADATA_INVALID');
      expect(() => findPackage(INDEX.replace('6.16  O/', '$(rm) O/'), 'HTTP::Daemon')).toThrowCode('METADATA_INVALID');
    });
  });
});

describe('findDistribution', () => {
  it('finds the tarballs of a distribution by its file name (CPAN::DistnameInfo)', () => {
    expect(findDistribution(INDEX, 'HTTP-Daemon').map((e) => e.path)).toEqual(['O/OA/OALDERS/HTTP-Daemon-6.16.tar.gz']);
    expect(findDistribution(INDEX, 'Tiny-XS').map((e) => e.path)).toEqual(['T/TE/TESTER/Tiny-XS-v1.2.3.tar.gz']);
    expect(findDistribution(INDEX, 'Nope')).toEqual([]);
  });
});

describe('checkAuthorPath', () => {
  it('accepts A/AU/AUTHOR/… with sub-directories', () => {
    expect(checkAuthorPath('I/IL/ILYAZ/modules/Term-Gnuplot-0.90380906.zip')).toBe(
      'I/IL/ILYAZ/modules/Term-Gnuplot-0.90380906.zip',
    );
  });
  it('refuses levels that do not extend each other, and traversal', () => {
    for (const bad of [
      'A/BU/AUTHOR/x.tar.gz',
      'a/au/author/x.tar.gz',
      'A/AU/AUTHOR/',
      'A/AU/AUTHOR/../x',
      'A/AU/AUTHOR/.git/x',
    ]) {
      expect(() => checkAuthorPath(bad), bad).toThrowCode('METADATA_INVALID');
    }
  });
});
