/**
 * Path mapping against the corpus' record of where Debian's binary packages
 * install each distribution file (expected.json "installed" maps, derived from
 * the real .deb contents): every mapped file must land where Debian put it,
 * with dpkg's file list and without it (probing the tree).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyDistPath, mapDistPath, mappingCandidates } from '../../../src/core/tree/path-map.js';
import { hasShared, sharedPath } from '../../helpers/shared.js';
import type { InstallSite } from '../../../src/core/tree/path-map.js';

interface Installed {
  perl_roots: string[];
  files: { dist_path: string; installed_path: string; mapped_by: string }[];
}

function entries(): { entry: string; dist: string; installed: Installed }[] {
  const dir = sharedPath('corpus');
  return readdirSync(dir)
    .filter((e) => {
      try {
        return JSON.parse(readFileSync(join(dir, e, 'expected.json'), 'utf8')).installed !== undefined;
      } catch {
        return false;
      }
    })
    .map((e) => {
      const x = JSON.parse(readFileSync(join(dir, e, 'expected.json'), 'utf8'));
      return { entry: e, dist: x.cpan.dist as string, installed: x.installed as Installed };
    });
}

describe('classifyDistPath', () => {
  it.each([
    ['lib/Foo/Bar.pm', 'module'],
    ['Bar.pm', 'module-top'],
    ['Expat/Expat.pm', 'module-top'],
    ['script/tiny', 'script'],
    ['bin/dbiprof', 'script'],
    ['share/data.txt', 'share'],
    ['t/01.t', 'test'],
    ['xt/author.t', 'test'],
    ['Makefile.PL', 'build'],
    ['Build.PL', 'build'],
    ['MANIFEST', 'build'],
    ['Changes', 'doc'],
    ['Tail.pm.debug', 'doc'],
    ['DBI.xs', 'compiled'],
    ['util.c', 'compiled'],
    ['lib/HTML/Gumbo.xs', 'compiled'],
    ['typemap', 'compiled'],
    ['sense.pm.PL', 'generator'],
    ['lib/Config.pm.PL', 'generator'],
    ['eg/example.perl', 'other'],
    ['inc/Module/Install.pm', 'other'],
  ])('%s is %s', (path, kind) => {
    expect(classifyDistPath(path)).toBe(kind);
  });
});

describe('mapDistPath', () => {
  const site: InstallSite = {
    dist: 'Tiny-Thing',
    libDirs: ['lib/perl5/x86_64-linux', 'lib/perl5'],
    binDirs: ['bin'],
    mainModule: 'Tiny::Thing',
  };

  it('maps lib/ files to the first library directory that has them (arch first)', () => {
    const existing = new Set(['lib/perl5/Tiny/Thing.pm']);
    expect(mapDistPath('lib/Tiny/Thing.pm', site, existing)).toMatchObject({
      kind: 'mapped',
      installed: 'lib/perl5/Tiny/Thing.pm',
      rule: 'lib',
    });
    expect(mapDistPath('lib/Tiny/Thing.pm', site, new Set(['lib/perl5/x86_64-linux/Tiny/Thing.pm']))).toMatchObject({
      installed: 'lib/perl5/x86_64-linux/Tiny/Thing.pm',
    });
  });

  it('maps scripts by base name into the bin directory, marked for shebang rebasing', () => {
    expect(mapDistPath('script/tiny', site, new Set(['bin/tiny']))).toMatchObject({
      kind: 'mapped',
      installed: 'bin/tiny',
      script: true,
    });
    expect(mapDistPath('script/tiny', site, new Set())).toMatchObject({ kind: 'skipped', reason: 'not-installed' });
  });

  it('refuses compiled and generated files, skips tests and build files', () => {
    expect(mapDistPath('Thing.xs', site, new Set())).toMatchObject({ kind: 'refused', reason: 'compiled' });
    expect(mapDistPath('Thing.pm.PL', site, new Set())).toMatchObject({ kind: 'refused', reason: 'generator' });
    expect(mapDistPath('t/basic.t', site, new Set())).toMatchObject({ kind: 'skipped', reason: 'test' });
    expect(mapDistPath('Makefile.PL', site, new Set())).toMatchObject({ kind: 'skipped', reason: 'build' });
  });

  it('puts a created module in the home library directory', () => {
    expect(
      mapDistPath('lib/Tiny/New.pm', { ...site, homeLib: 'lib/perl5/x86_64-linux' }, new Set(), true),
    ).toMatchObject({
      installed: 'lib/perl5/x86_64-linux/Tiny/New.pm',
    });
  });

  it('reports a module it cannot find, with the places it looked', () => {
    expect(mapDistPath('lib/Tiny/Gone.pm', site, new Set())).toMatchObject({
      kind: 'missing',
      candidates: ['lib/perl5/x86_64-linux/Tiny/Gone.pm', 'lib/perl5/Tiny/Gone.pm'],
    });
  });

  it("skips a file missing from the dist's own file list (this install does not have it)", () => {
    expect(
      mapDistPath('lib/Tiny/Gone.pm', { ...site, files: new Set(['lib/perl5/Tiny/Thing.pm']) }, new Set()),
    ).toMatchObject({
      kind: 'skipped',
      reason: 'not-installed',
    });
  });
});

describe.skipIf(!hasShared('corpus'))('mapDistPath on the corpus Debian packages', () => {
  for (const { entry, dist, installed } of hasShared('corpus') ? entries() : []) {
    const libDirs = [...installed.perl_roots].sort((a, b) =>
      a.startsWith('usr/lib') ? -1 : b.startsWith('usr/lib') ? 1 : 0,
    );
    const site: InstallSite = { dist, libDirs, binDirs: ['usr/bin'], mainModule: dist.replace(/-/g, '::') };
    const all = new Set(installed.files.map((f) => f.installed_path));

    it(`${entry}: every file lands where Debian installed it, with dpkg's file list`, () => {
      for (const f of installed.files) {
        const m = mapDistPath(f.dist_path, { ...site, files: all }, new Set());
        expect(m.kind === 'mapped' ? m.installed : m, f.dist_path).toBe(f.installed_path);
      }
    });

    it(`${entry}: and by probing the tree, without a file list`, () => {
      for (const f of installed.files) {
        const existing = new Set(mappingCandidates(f.dist_path, site).filter((c) => all.has(c)));
        const m = mapDistPath(f.dist_path, site, existing);
        expect(m.kind === 'mapped' ? m.installed : m, f.dist_path).toBe(f.installed_path);
      }
    });
  }
});
