import { describe, expect, it } from 'vitest';
import { parseDebianCopyright, parseDpkgStatus, upstreamOfDebianVersion } from '../../../src/core/tree/debian.js';

describe('parseDebianCopyright', () => {
  it('reads Upstream-Name from the DEP-5 header paragraph only', () => {
    // The header of libhttp-daemon-perl 6.16-1+deb13u1~deb12u1's copyright file.
    const text =
      'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: HTTP-Daemon\n' +
      'Source: https://metacpan.org/release/HTTP-Daemon\n\nFiles: *\nUpstream-Name: Not-This\n';
    expect(parseDebianCopyright(text)).toEqual({ upstreamName: 'HTTP-Daemon', sourceDist: 'HTTP-Daemon' });
  });

  it('falls back to the dist named in an old-style Source URL', () => {
    expect(parseDebianCopyright('Source: http://search.cpan.org/dist/Foo-Bar/\n').sourceDist).toBe('Foo-Bar');
    expect(parseDebianCopyright('Upstream-Name: not a dist name!\n')).toEqual({});
  });
});

describe('upstreamOfDebianVersion', () => {
  it.each([
    ['1:0.9929-1+b2', '0.9929'],
    ['3.000003-2+deb12u1', '3.000003'],
    ['2.0207+dfsg+really+2.0134-1+deb12u1', '2.0134'],
    ['9.31+dfsg-1', '9.31'],
    ['3:1.329.3-2', '1.329.3'],
    ['1.17', '1.17'],
  ])('%s → %s', (debian, upstream) => {
    expect(upstreamOfDebianVersion(debian)).toBe(upstream);
  });
});

describe('parseDpkgStatus', () => {
  it('keeps installed packages only', () => {
    const text =
      'Package: libfoo-perl\nStatus: install ok installed\nVersion: 1.0-1\n\n' +
      'Package: libgone-perl\nStatus: deinstall ok config-files\nVersion: 2.0-1\n';
    expect([...parseDpkgStatus(text)]).toEqual([['libfoo-perl', '1.0-1']]);
  });
});
