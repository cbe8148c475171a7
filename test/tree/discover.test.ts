import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/core/limits.js';
import { scanLayout } from '../../src/tree/discover.js';
import { detectLayout, layoutsFromPerlConfig } from '../../src/tree/layout.js';
import { tempDir } from '../helpers/tmp.js';
import { writeTree } from '../helpers/tree.js';

const ARCH = 'lib/perl5/x86_64-linux-gnu-thread-multi';

async function scan(root: string, limits = DEFAULT_LIMITS) {
  return scanLayout(await detectLayout(root), limits);
}

describe('scanLayout', () => {
  describe('on a cpanm/Carton install base', () => {
    it('reads .meta install.json + MYMETA.json, joins the packlist, and keeps numeric versions as written', async () => {
      const root = join(tempDir(), 'local');
      writeTree(root, {
        [`${ARCH}/.meta/Tiny-Thing-0.010/install.json`]:
          '{"name":"Tiny::Thing","version":0.010,"dist":"Tiny-Thing-0.010","pathname":"T/TE/TESTER/Tiny-Thing-0.010.tar.gz"}',
        [`${ARCH}/.meta/Tiny-Thing-0.010/MYMETA.json`]: '{"name":"Tiny-Thing","version":0.010}',
        [`${ARCH}/auto/Tiny/Thing/.packlist`]: `${root}/bin/tiny\n${root}/lib/perl5/Tiny/Thing.pm\n`,
        'lib/perl5/Tiny/Thing.pm': "package Tiny::Thing;\nour $VERSION = '0.010';\n1;\n",
        'bin/tiny': '#!/usr/bin/perl\n',
      });
      const [d, ...rest] = await scan(root);
      expect(rest).toEqual([]);
      expect(d).toMatchObject({
        dist: 'Tiny-Thing',
        version: '0.010',
        versionSource: 'mymeta',
        source: 'meta',
        location: 'lib/perl5',
        mainModule: 'Tiny::Thing',
        homeLib: 'lib/perl5',
        files: ['bin/tiny', 'lib/perl5/Tiny/Thing.pm'],
        xs: false,
      });
    });

    it('sees an XS dist in the arch directory, and takes the newest of two .meta entries (cpanm keeps the old one)', async () => {
      const root = join(tempDir(), 'local');
      writeTree(root, {
        [`${ARCH}/.meta/Tiny-XS-v1.2.3/install.json`]: '{"name":"Tiny::XS","version":1.002003,"dist":"Tiny-XS-v1.2.3"}',
        [`${ARCH}/.meta/Tiny-XS-v1.2.0/install.json`]: '{"name":"Tiny::XS","version":1.002,"dist":"Tiny-XS-v1.2.0"}',
        [`${ARCH}/auto/Tiny/XS/.packlist`]: `${root}/${ARCH}/Tiny/XS.pm\n${root}/${ARCH}/auto/Tiny/XS/XS.so\n`,
        [`${ARCH}/Tiny/XS.pm`]: 'package Tiny::XS;\nour $VERSION = "v1.2.3";\n',
      });
      const [d] = await scan(root);
      expect(d).toMatchObject({
        dist: 'Tiny-XS',
        version: 'v1.2.3',
        xs: true,
        homeLib: ARCH,
        metaDir: `${ARCH}/.meta/Tiny-XS-v1.2.3`,
      });
    });

    it('reads a packlist alone (cpanm of a local tarball writes no .meta) with the version from the module', async () => {
      const root = join(tempDir(), 'moved');
      // Installed under /build/ll, then copied here: the packlist still names the old place.
      writeTree(root, {
        [`${ARCH}/auto/Config/IniFiles/.packlist`]: '/build/ll/lib/perl5/Config/IniFiles.pm\n',
        'lib/perl5/Config/IniFiles.pm': "package Config::IniFiles;\nour $VERSION = '3.000003';\n",
      });
      const [d] = await scan(root);
      expect(d).toMatchObject({
        dist: 'Config-IniFiles',
        version: '3.000003',
        versionSource: 'module',
        source: 'packlist',
        files: ['lib/perl5/Config/IniFiles.pm'],
      });
    });
  });

  describe('on a Debian root', () => {
    it('maps packages to dists through copyright Upstream-Name, with dpkg lists and the module $VERSION', async () => {
      const root = join(tempDir(), 'root');
      writeTree(root, {
        'usr/share/doc/libhttp-daemon-perl/copyright':
          'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: HTTP-Daemon\n\nFiles: *\n',
        'usr/share/perl5/HTTP/Daemon.pm': "package HTTP::Daemon;\nour $VERSION = '6.16';\n",
        'usr/share/doc/libdbi-perl/copyright': 'Upstream-Name: DBI\n',
        'usr/lib/x86_64-linux-gnu/perl5/5.36/DBI.pm': 'package DBI;\nour $XS_VERSION = our $VERSION = "1.643";\n',
        'usr/share/doc/libnot-perl-at-all/copyright': 'Upstream-Name: Nothing-Here\n',
        'usr/share/doc/bash/copyright': 'Upstream-Name: bash\n',
        'var/lib/dpkg/info/libhttp-daemon-perl.list': '/.\n/usr\n/usr/share/perl5/HTTP/Daemon.pm\n',
        'var/lib/dpkg/status': 'Package: libdbi-perl\nStatus: install ok installed\nVersion: 1.643-4+deb12u3\n',
      });
      const layout = await detectLayout(root);
      expect(layout.kind).toBe('system-root');
      const found = await scanLayout(layout, DEFAULT_LIMITS);
      expect(found.map((d) => [d.dist, d.version, d.source, d.debianPackage, d.xs, d.homeLib])).toEqual([
        ['DBI', '1.643', 'debian', 'libdbi-perl', true, 'usr/lib/x86_64-linux-gnu/perl5/5.36'],
        ['HTTP-Daemon', '6.16', 'debian', 'libhttp-daemon-perl', false, 'usr/share/perl5'],
      ]);
      expect(found[1]?.files).toEqual(['usr', 'usr/share/perl5/HTTP/Daemon.pm']);
    });
  });

  describe('on a library directory without any metadata', () => {
    it('lists each module under its own name with its $VERSION', async () => {
      const root = join(tempDir(), 'perl5');
      writeTree(root, {
        'Foo/Bar.pm': "package Foo::Bar;\nour $VERSION = '1.0';\n",
        'Foo/Bar/Baz.pm': 'package Foo::Bar::Baz;\n1;\n',
      });
      const found = await scan(root);
      expect(found.map((d) => [d.dist, d.version, d.source])).toEqual([
        ['Foo-Bar', '1.0', 'module'],
        ['Foo-Bar-Baz', undefined, 'module'],
      ]);
    });
  });

  describe('when the tree is hostile', () => {
    it('does not follow a .meta or auto link out of the tree, and ignores a FIFO named install.json', async () => {
      const root = join(tempDir(), 'local');
      const outside = tempDir();
      writeTree(outside, { 'Evil-1.0/install.json': '{"name":"Evil","dist":"Evil-1.0"}', 'E/.packlist': '/x\n' });
      mkdirSync(join(root, ARCH, '.meta', 'Fifo-1.0'), { recursive: true });
      execFileSync('mkfifo', [join(root, ARCH, '.meta', 'Fifo-1.0', 'install.json')]);
      symlinkSync(outside, join(root, ARCH, '.meta', 'Evil-1.0'));
      symlinkSync(outside, join(root, ARCH, 'auto'));
      expect(await scan(root)).toEqual([]);
    });

    it('stops at limits.maxTreeEntries with LIMIT_EXCEEDED', async () => {
      const root = join(tempDir(), 'perl5');
      const files: Record<string, string> = {};
      for (let i = 0; i < 50; i++) files[`M${i}.pm`] = 'package M;\n';
      writeTree(root, files);
      await expect(scan(root, { ...DEFAULT_LIMITS, maxTreeEntries: 20 })).rejects.toMatchObject({
        code: 'LIMIT_EXCEEDED',
      });
    });
  });
});

describe('layoutsFromPerlConfig', () => {
  it("roots the site and vendor trees at their directories' common ancestor", async () => {
    const sys = tempDir();
    for (const d of [
      'usr/local/share/perl/5.36.0',
      'usr/local/lib/x86_64-linux-gnu/perl/5.36.0',
      'usr/share/perl5',
      'usr/lib/x86_64-linux-gnu/perl5/5.36',
      'usr/share/doc',
    ]) {
      mkdirSync(join(sys, d), { recursive: true });
    }
    const layouts = await layoutsFromPerlConfig({
      installsitelib: join(sys, 'usr/local/share/perl/5.36.0'),
      installsitearch: join(sys, 'usr/local/lib/x86_64-linux-gnu/perl/5.36.0'),
      installsitebin: join(sys, 'usr/local/bin'),
      installvendorlib: join(sys, 'usr/share/perl5'),
      installvendorarch: join(sys, 'usr/lib/x86_64-linux-gnu/perl5/5.36'),
      installvendorbin: join(sys, 'usr/bin'),
    });
    expect(layouts.map((l) => [l.root, l.sets[0]?.libDirs, l.sets[0]?.binDirs, l.debian?.docDir])).toEqual([
      [join(sys, 'usr/local'), ['lib/x86_64-linux-gnu/perl/5.36.0', 'share/perl/5.36.0'], ['bin'], undefined],
      [join(sys, 'usr'), ['lib/x86_64-linux-gnu/perl5/5.36', 'share/perl5'], ['bin'], 'share/doc'],
    ]);
  });
});
