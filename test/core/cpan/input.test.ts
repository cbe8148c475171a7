import { describe, expect, it } from 'vitest';
import { parseDistRequest, tarballFileName } from '../../../src/core/cpan/input.js';

describe('parseDistRequest', () => {
  const cases: [string, unknown][] = [
    ['HTTP::Daemon', { kind: 'module', module: 'HTTP::Daemon' }],
    ['HTTP::Daemon@6.16', { kind: 'module', module: 'HTTP::Daemon', version: '6.16' }],
    ['DBI', { kind: 'module', module: 'DBI' }],
    ['HTTP-Daemon-6.16', { kind: 'dist', dist: 'HTTP-Daemon', version: '6.16' }],
    ['HTTP-Daemon', { kind: 'dist', dist: 'HTTP-Daemon' }],
    ['HTTP-Daemon@6.16', { kind: 'dist', dist: 'HTTP-Daemon', version: '6.16' }],
    ['Tiny-XS-v1.2.3', { kind: 'dist', dist: 'Tiny-XS', version: 'v1.2.3' }],
    ['libwww-perl-6.76', { kind: 'dist', dist: 'libwww-perl', version: '6.76' }],
    [
      'https://cpan.metacpan.org/authors/id/O/OA/OALDERS/HTTP-Daemon-6.16.tar.gz',
      { kind: 'url', url: 'https://cpan.metacpan.org/authors/id/O/OA/OALDERS/HTTP-Daemon-6.16.tar.gz' },
    ],
    ['HTTP-Daemon-6.16.tar.gz', undefined],
    ['./dist', undefined],
    ['x y', undefined],
  ];
  for (const [input, expected] of cases) it(input, () => expect(parseDistRequest(input)).toEqual(expected));
  it('refuses a malformed version (VERSION_INVALID)', () => {
    expect(() => parseDistRequest('HTTP::Daemon@six')).toThrowCode('VERSION_INVALID');
  });
});

describe('tarballFileName', () => {
  it('names a release as make dist does', () => expect(tarballFileName('A-B', '1.0')).toBe('A-B-1.0.tar.gz'));
});
