import { describe, expect, it } from 'vitest';
import { parseInstallRecord } from '../../../src/core/tree/install-meta.js';
import { packlistModule, parsePacklist, relocatePacklist } from '../../../src/core/tree/packlist.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

// Shapes recorded with cpanm 1.7046 and cpm 1.1.5 (shared/research/cpan-ecosystem.md §2.3).
const CPANM_XS =
  '{"target":"Tiny::XS","version":1.002003,"provides":{"Tiny::XS":{"version":1.002003,"file":"lib/Tiny/XS.pm"}},' +
  '"name":"Tiny::XS","pathname":"T/TE/TESTER/Tiny-XS-v1.2.3.tar.gz","dist":"Tiny-XS-v1.2.3"}';

describe('parseInstallRecord', () => {
  it('reads a cpanm install.json with numeric versions, keeping their spelling', () => {
    const r = parseInstallRecord(
      'Tiny-Thing-0.010',
      enc('{"name":"Tiny::Thing","version":0.010,"dist":"Tiny-Thing-0.010"}'),
      undefined,
    );
    expect(r).toMatchObject({ dist: 'Tiny-Thing', version: '0.010', mainModule: 'Tiny::Thing' });
  });

  it('prefers the tarball name over the main module version (a dotted dist, a numified module)', () => {
    const r = parseInstallRecord('Tiny-XS-v1.2.3', enc(CPANM_XS), undefined);
    expect(r).toMatchObject({ dist: 'Tiny-XS', version: 'v1.2.3', versionSource: 'distname' });
    expect(r?.provides).toEqual([{ package: 'Tiny::XS', file: 'lib/Tiny/XS.pm', version: '1.002003' }]);
  });

  it('takes name and version from MYMETA.json when present', () => {
    const r = parseInstallRecord('x', enc(CPANM_XS), enc('{"name":"Tiny-XS","version":"v1.2.3"}'));
    expect(r).toMatchObject({ dist: 'Tiny-XS', version: 'v1.2.3', versionSource: 'mymeta' });
  });

  it('works from the directory name alone when install.json is missing', () => {
    expect(parseInstallRecord('Foo-Bar-1.5', undefined, enc('{"name":"Foo-Bar","version":1.50}'))).toMatchObject({
      dist: 'Foo-Bar',
      version: '1.50',
    });
  });

  it('refuses damaged JSON with METADATA_INVALID and ignores hostile names', () => {
    expect(() => parseInstallRecord('x', enc('{"name":'), undefined)).toThrowCode('METADATA_INVALID');
    expect(parseInstallRecord('Foo-1.0', undefined, enc('{"name":"../../x","version":"1.0"}'))?.dist).toBe('Foo');
    expect(parseInstallRecord('!!', undefined, enc('{"name":"a/b"}'))).toBeUndefined();
  });
});

describe('parsePacklist', () => {
  it('reads absolute paths and key=value attributes, dropping anything else', () => {
    const text =
      '/ll/lib/perl5/Tiny/Thing.pm\n/usr/bin/x type=link from=/usr/bin/y\nrelative/path\n/with\u0001control\n/a b.pm\n';
    expect(parsePacklist(text, 100)).toEqual([
      { path: '/ll/lib/perl5/Tiny/Thing.pm', attrs: {} },
      { path: '/usr/bin/x', attrs: { type: 'link', from: '/usr/bin/y' } },
      { path: '/a b.pm', attrs: {} },
    ]);
  });

  it('names the module from its place below auto/', () => {
    expect(packlistModule('Tiny/Thing/.packlist')).toBe('Tiny::Thing');
    expect(packlistModule('../x/.packlist')).toBeUndefined();
  });
});

describe('relocatePacklist', () => {
  const entries = parsePacklist(
    '/old/ll/bin/tiny\n/old/ll/lib/perl5/Tiny/Thing.pm\n/old/ll/lib/perl5/x86/auto/T/T.so\n',
    100,
  );

  it('maps paths of a tree that has not moved', () => {
    const here = parsePacklist('/srv/ll/lib/perl5/A.pm\n/usr/local/bin/a\n', 10);
    expect(relocatePacklist(here, '/srv/ll', ['lib/perl5'])).toEqual({
      files: ['lib/perl5/A.pm'],
      outside: ['/usr/local/bin/a'],
      oldRoot: undefined,
    });
  });

  it('finds the old root of a moved tree (a Carton local/ copied into a container)', () => {
    const r = relocatePacklist(entries, '/app/local', ['lib/perl5/x86', 'lib/perl5']);
    expect(r.oldRoot).toBe('/old/ll');
    expect(r.files).toEqual(['bin/tiny', 'lib/perl5/Tiny/Thing.pm', 'lib/perl5/x86/auto/T/T.so']);
  });
});
