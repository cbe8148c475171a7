import { describe, expect, it } from 'vitest';
import { resolveLimits } from '../../../src/core/limits.js';
import { ArchiveIndex, foldName } from '../../../src/core/tar/archive-index.js';
import type { EntryType } from '../../../src/core/tar/chain.js';

type E = { path: string; type?: EntryType; linkpath?: string; size?: number; headerPath?: string };

function index(entries: E[], limits = resolveLimits()): ArchiveIndex {
  const ix = new ArchiveIndex(limits);
  for (const e of entries) {
    ix.add({
      path: e.path,
      headerPath: e.headerPath ?? e.path,
      type: e.type ?? 'file',
      size: e.size ?? 0,
      linkpath: e.linkpath ?? '',
      mtime: 1,
    });
  }
  ix.finish();
  return ix;
}

function refusal(entries: E[], limits = resolveLimits()): { code: string; reason: unknown } {
  try {
    index(entries, limits);
  } catch (err) {
    const e = err as { code: string; details?: Record<string, unknown> };
    return { code: e.code, reason: e.details?.['reason'] };
  }
  return { code: 'none', reason: undefined };
}

const top: E = { path: 'A-1/', type: 'directory' };

describe('ArchiveIndex', () => {
  it('indexes a distribution under its top directory', () => {
    const ix = index([top, { path: 'A-1/lib/A.pm' }, { path: './A-1/t/a.t' }, { path: 'A-1/lib/', type: 'directory' }]);
    expect(ix.top).toBe('A-1');
    expect(ix.entries.map((e) => e.rel)).toEqual(['', 'lib/A.pm', 't/a.t', 'lib']);
    expect(ix.exact('lib/A.pm')?.kind).toBe('file');
    expect(ix.get('LIB/a.PM')?.rel).toBe('lib/A.pm');
  });
  it('accepts archives without directory entries, and symlinks that stay inside', () => {
    const ix = index([
      { path: 'A-1/README.pod' },
      { path: 'A-1/README', type: 'symlink', linkpath: 'README.pod' },
      { path: 'A-1/t/lib', type: 'symlink', linkpath: '../lib' },
      { path: 'A-1/lib/A.pm' },
      { path: 'A-1/lib/B.pm', type: 'hardlink', linkpath: 'A-1/lib/A.pm' },
    ]);
    expect(ix.exact('lib/B.pm')).toMatchObject({ kind: 'hardlink', linkpath: 'lib/A.pm' });
  });

  describe('refuses names that leave the distribution', () => {
    const cases: [string, E[], string, unknown][] = [
      ['absolute (CVE-2021-32804)', [{ path: '/etc/passwd' }], 'UNSAFE_PATH', 'absolute'],
      ['absolute with several slashes', [{ path: '////home/u/.bashrc' }], 'UNSAFE_PATH', 'absolute'],
      ['drive letter (CVE-2021-37713)', [{ path: 'C:/x' }], 'UNSAFE_PATH', 'absolute'],
      ['.. at the top', [{ path: '../x' }], 'UNSAFE_PATH', 'dot-dot'],
      ['.. inside (zip slip)', [top, { path: 'A-1/../../x' }], 'UNSAFE_PATH', 'dot-dot'],
      [
        '"./" itself (would chmod the extraction directory)',
        [{ path: './', type: 'directory' }],
        'UNSAFE_PATH',
        'dot-only',
      ],
      ['a .git directory (CVE-2022-24765 class)', [top, { path: 'A-1/.git/config' }], 'UNSAFE_PATH', 'dot-git'],
      ['backslash', [top, { path: 'A-1/a\\..\\..\\x' }], 'UNSAFE_PATH', 'backslash'],
      ['colon (drive-relative)', [top, { path: 'A-1/c:x' }], 'UNSAFE_PATH', 'colon'],
      ['control characters', [top, { path: 'A-1/a\nb' }], 'UNSAFE_PATH', 'control-character'],
      ['too deep (CVE-2024-28863)', [top, { path: `A-1/${'a/'.repeat(40)}x` }], 'UNSAFE_PATH', 'too-deep'],
      [
        'a pax name fine but the header name absolute',
        [top, { path: 'A-1/x', headerPath: '/etc/x' }],
        'UNSAFE_PATH',
        'absolute',
      ],
    ];
    for (const [what, entries, code, reason] of cases) {
      it(what, () => expect(refusal(entries)).toEqual({ code, reason }));
    }
  });

  describe('refuses archives without one top directory (UNSAFE_ENTRY)', () => {
    it('a file at the root (a "tarbomb")', () =>
      expect(refusal([{ path: 'README' }])).toEqual({ code: 'UNSAFE_ENTRY', reason: 'no-top-directory' }));
    it('two top directories', () =>
      expect(refusal([{ path: 'A-1/x' }, { path: 'B-1/y' }])).toEqual({
        code: 'UNSAFE_ENTRY',
        reason: 'no-top-directory',
      }));
    it('an empty archive (TARBALL_INVALID)', () =>
      expect(refusal([])).toEqual({ code: 'TARBALL_INVALID', reason: undefined }));
  });

  describe('refuses duplicate and colliding names (UNSAFE_ENTRY)', () => {
    it('the same name twice with different types (CVE-2021-32803, CVE-2018-12015)', () => {
      expect(
        refusal([top, { path: 'A-1/d/', type: 'directory' }, { path: 'A-1/d', type: 'symlink', linkpath: 'x' }]),
      ).toEqual({
        code: 'UNSAFE_ENTRY',
        reason: 'duplicate',
      });
      expect(refusal([top, { path: 'A-1/f' }, { path: 'A-1/f' }]).reason).toBe('duplicate');
    });
    it('names equal after case folding (CVE-2021-37701)', () => {
      expect(refusal([top, { path: 'A-1/README' }, { path: 'A-1/readme' }]).reason).toBe('collision');
    });
    it('NFC and NFD spellings, and ligatures (CVE-2021-37712, CVE-2026-23950)', () => {
      expect(refusal([top, { path: 'A-1/caf\xc3\xa9' }, { path: 'A-1/cafe\xcc\x81' }]).reason).toBe('collision');
      expect(refusal([top, { path: 'A-1/\xef\xac\x81le' }, { path: 'A-1/file' }]).reason).toBe('collision');
      expect(foldName('A-1/\xef\xac\x81le')).toBe(foldName('a-1/FILE'));
    });
    it('an entry below a file or below a symlink', () => {
      expect(refusal([top, { path: 'A-1/f' }, { path: 'A-1/f/x' }]).reason).toBe('not-a-directory');
      expect(refusal([top, { path: 'A-1/l', type: 'symlink', linkpath: 'lib' }, { path: 'A-1/l/x' }]).reason).toBe(
        'through-symlink',
      );
      expect(refusal([top, { path: 'A-1/L', type: 'symlink', linkpath: 'lib' }, { path: 'A-1/l/x' }]).reason).toBe(
        'through-symlink',
      );
    });
    it('a file or link where earlier entries made a directory', () => {
      expect(refusal([top, { path: 'A-1/d/x' }, { path: 'A-1/d', type: 'symlink', linkpath: '/tmp' }]).reason).toBe(
        'not-a-directory',
      );
      expect(refusal([top, { path: 'A-1/d/x' }, { path: 'A-1/d' }]).reason).toBe('not-a-directory');
    });
  });

  it("refuses a header name (for readers without pax) that is another entry's name", () => {
    expect(refusal([top, { path: 'A-1/lib/X.pm' }, { path: 'A-1/lib/Y.pm', headerPath: 'A-1/lib/X.pm' }])).toEqual({
      code: 'UNSAFE_ENTRY',
      reason: 'fallback-name',
    });
    expect(refusal([top, { path: 'A-1/lib/Y.pm', headerPath: 'A-1/lib/X.pm' }, { path: 'A-1/lib/X.pm' }]).reason).toBe(
      'fallback-name',
    );
    expect(refusal([top, { path: `A-1/${'d'.repeat(120)}`, headerPath: `A-1/${'d'.repeat(96)}` }])).toEqual({
      code: 'none',
      reason: undefined,
    });
  });

  describe('refuses links that point outside, or through other links', () => {
    const cases: [string, E, unknown][] = [
      [
        'an absolute symlink (CVE-2026-23745; Module-CPANTS-Analyse MANIFEST.lnk)',
        { path: 'A-1/l', type: 'symlink', linkpath: '/etc/passwd' },
        'symlink-target',
      ],
      [
        'a symlink climbing out (CVE-2024-12905)',
        { path: 'A-1/t/l', type: 'symlink', linkpath: '../../etc' },
        'symlink-target',
      ],
      ["a symlink to the top directory's parent", { path: 'A-1/l', type: 'symlink', linkpath: '..' }, 'symlink-target'],
      ['a drive-relative symlink', { path: 'A-1/l', type: 'symlink', linkpath: 'c:foo' }, 'symlink-target'],
      ['an empty symlink target', { path: 'A-1/l', type: 'symlink', linkpath: '' }, 'symlink-target'],
      [
        'a hard link to an absolute path',
        { path: 'A-1/h', type: 'hardlink', linkpath: '/etc/passwd' },
        'hardlink-target',
      ],
      [
        'a hard link with .. (CVE-2026-24842)',
        { path: 'A-1/h', type: 'hardlink', linkpath: 'A-1/../x' },
        'hardlink-target',
      ],
      ['a hard link to nothing earlier', { path: 'A-1/h', type: 'hardlink', linkpath: 'A-1/later' }, 'hardlink-target'],
      ['a hard link to a directory', { path: 'A-1/h', type: 'hardlink', linkpath: 'A-1' }, 'hardlink-target'],
    ];
    for (const [what, entry, reason] of cases) {
      it(what, () => expect(refusal([top, entry])).toEqual({ code: 'UNSAFE_ENTRY', reason }));
    }
    it('a symlink that resolves through another symlink (CVE-2026-26960)', () => {
      const entries: E[] = [
        top,
        { path: 'A-1/a/b/c/up', type: 'symlink', linkpath: '../..' },
        { path: 'A-1/a/b/escape', type: 'symlink', linkpath: 'c/up/../..' },
      ];
      expect(refusal(entries)).toEqual({ code: 'UNSAFE_ENTRY', reason: 'symlink-chain' });
    });
  });

  describe('refuses devices and FIFOs (UNSAFE_ENTRY)', () => {
    for (const type of ['character-device', 'block-device', 'fifo'] as const) {
      it(type, () => expect(refusal([top, { path: 'A-1/dev', type }]).code).toBe('UNSAFE_ENTRY'));
    }
  });

  describe('bounds (LIMIT_EXCEEDED)', () => {
    it('entry count', () => {
      const limits = resolveLimits({ maxTarEntries: 3 });
      expect(refusal([top, { path: 'A-1/a' }, { path: 'A-1/b' }, { path: 'A-1/c' }], limits).code).toBe(
        'LIMIT_EXCEEDED',
      );
    });
    it('an absurd size announced by a header', () => {
      expect(refusal([top, { path: 'A-1/a', size: 2 ** 50 }]).code).toBe('LIMIT_EXCEEDED');
    });
  });
});
