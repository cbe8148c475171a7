/**
 * What kind of Perl tree a directory is, and where its library and script
 * directories are (docs/installed-trees.md, "Layouts"):
 *
 *   install base   DIR/lib/perl5 (+ lib/perl5/<archname>), DIR/bin: local::lib,
 *                  cpanm -L, Carton's local/, INSTALL_BASE
 *   system root    DIR/usr/share/perl5, DIR/usr/lib/<triplet>/perl5/<ver> (vendor),
 *                  DIR/usr/local/share/perl/<ver>, DIR/usr/local/lib/<triplet>/perl/<ver> (site):
 *                  a Debian root, a container image, a dpkg-deb -x of packages
 *   library dir    DIR itself is on @INC (DIR/<archname> too): /usr/share/perl5, local/lib/perl5
 *   perl config    the running perl's site and vendor directories (the default)
 */
import { realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { CpansecError } from '../errors.js';
import { EntryBudget, listDir } from './walk.js';
import type { PerlConfig } from './perl-config.js';

export interface LibSet {
  scope: 'install-base' | 'site' | 'vendor' | 'lib-dir';
  /** Library directories relative to the tree root, in @INC order (arch first); "" is the root itself. */
  libDirs: string[];
  /** Script directories relative to the tree root. */
  binDirs: string[];
  /** Names this install: its pure-Perl library directory ("." for the root). */
  key: string;
}

export interface TreeLayout {
  /** The tree's real path (symlinks in the path the user gave are resolved once, here). */
  root: string;
  kind: 'install-base' | 'system-root' | 'lib-dir' | 'perl-config';
  sets: LibSet[];
  /** Debian metadata, when the tree is (or contains) a Debian system. */
  debian?: { docDir: string; dpkgInfo?: string; dpkgStatus?: string; sysroot: string };
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The archname directories inside a library directory: names with a "-"
 * (never a Perl package) holding auto/ or .meta/, or the running perl's
 * archname. local::lib's <version>/<archname> is left out (perl's own).
 */
async function archDirs(root: string, lib: string, budget: EntryBudget, archname?: string): Promise<string[]> {
  const entries = (await listDir(join(root, lib), budget)) ?? [];
  const out: string[] = [];
  for (const e of entries) {
    if (e.kind !== 'dir' || !e.name.includes('-')) continue;
    const rel = lib === '' ? e.name : `${lib}/${e.name}`;
    if (e.name === archname || (await isDir(join(root, rel, 'auto'))) || (await isDir(join(root, rel, '.meta')))) {
      out.push(rel);
    }
  }
  return out.sort();
}

async function subdirs(root: string, rel: string, budget: EntryBudget): Promise<string[]> {
  const entries = (await listDir(join(root, rel), budget)) ?? [];
  return entries.filter((e) => e.kind === 'dir').map((e) => `${rel}/${e.name}`);
}

async function debianOf(root: string, docDir: string, sysroot: string): Promise<TreeLayout['debian']> {
  if (!(await isDir(join(root, docDir)))) return undefined;
  const admin = join(sysroot, 'var', 'lib', 'dpkg');
  const info = join(admin, 'info');
  return {
    docDir,
    ...((await isDir(info)) ? { dpkgInfo: info, dpkgStatus: join(admin, 'status') } : {}),
    sysroot,
  };
}

/**
 * @throws CpansecError FILE_NOT_FOUND (no such directory), USAGE (not a directory)
 */
export async function detectLayout(
  tree: string,
  options: { archname?: string; maxEntries?: number } = {},
): Promise<TreeLayout> {
  let root: string;
  try {
    root = await realpath(tree);
  } catch {
    throw new CpansecError('FILE_NOT_FOUND', `tree not found: ${tree}`, {
      hint: 'check the --tree path',
      details: { tree },
    });
  }
  if (!(await isDir(root)))
    throw new CpansecError('USAGE', `the tree is not a directory: ${tree}`, { details: { tree } });
  const budget = new EntryBudget(options.maxEntries ?? 100_000);
  if (await isDir(join(root, 'lib', 'perl5'))) {
    const arch = await archDirs(root, 'lib/perl5', budget, options.archname);
    return {
      root,
      kind: 'install-base',
      sets: [{ scope: 'install-base', libDirs: [...arch, 'lib/perl5'], binDirs: ['bin'], key: 'lib/perl5' }],
    };
  }
  const vendorLib = 'usr/share/perl5';
  const siteLibs = await subdirs(root, 'usr/local/share/perl', budget);
  if ((await isDir(join(root, vendorLib))) || siteLibs.length > 0 || (await isDir(join(root, 'usr/lib')))) {
    const sets: LibSet[] = [];
    const siteArch: string[] = [];
    for (const t of await subdirs(root, 'usr/local/lib', budget))
      siteArch.push(...(await subdirs(root, `${t}/perl`, budget)));
    for (const lib of siteLibs) {
      const ver = lib.split('/').pop() as string;
      sets.push({
        scope: 'site',
        libDirs: [...siteArch.filter((a) => a.endsWith(`/${ver}`)), lib],
        binDirs: ['usr/local/bin'],
        key: lib,
      });
    }
    const vendorArch: string[] = [];
    for (const t of await subdirs(root, 'usr/lib', budget))
      vendorArch.push(...(await subdirs(root, `${t}/perl5`, budget)));
    if ((await isDir(join(root, vendorLib))) || vendorArch.length > 0) {
      sets.push({ scope: 'vendor', libDirs: [...vendorArch.sort(), vendorLib], binDirs: ['usr/bin'], key: vendorLib });
    }
    if (sets.length > 0) {
      const debian = await debianOf(root, 'usr/share/doc', root);
      return { root, kind: 'system-root', sets, ...(debian ? { debian } : {}) };
    }
  }
  const arch = await archDirs(root, '', budget, options.archname);
  return { root, kind: 'lib-dir', sets: [{ scope: 'lib-dir', libDirs: [...arch, ''], binDirs: [], key: '.' }] };
}

function commonAncestor(paths: readonly string[]): string {
  const split = paths.map((p) => p.split(sep));
  const first = split[0] ?? [''];
  let n = 0;
  while (n < first.length && split.every((s) => s[n] === first[n])) n++;
  return first.slice(0, n).join(sep) || sep;
}

/**
 * The running perl's site and vendor trees (`perl -V:installsitelib …`), each
 * rooted at the common ancestor of its directories (/usr/local, /usr on
 * Debian), which is where their journal and state live.
 */
export async function layoutsFromPerlConfig(config: PerlConfig): Promise<TreeLayout[]> {
  const out: TreeLayout[] = [];
  const groups: [LibSet['scope'], (string | undefined)[], (string | undefined)[]][] = [
    ['site', [config.installsitearch, config.installsitelib], [config.installsitebin, config.installsitescript]],
    [
      'vendor',
      [config.installvendorarch, config.installvendorlib],
      [config.installvendorbin, config.installvendorscript],
    ],
  ];
  for (const [scope, libs, bins] of groups) {
    const present: string[] = [];
    for (const l of libs)
      if (l !== undefined && !present.includes(l) && (await isDir(l))) present.push(await realpath(l));
    if (present.length === 0) continue;
    const binList = [...new Set(bins.filter((b): b is string => b !== undefined))];
    const root = commonAncestor([...present, ...binList]);
    const rel = (p: string): string => relative(root, p).split(sep).join('/');
    const key = rel(present[present.length - 1] as string);
    const debian = scope === 'vendor' ? await debianOf(root, rel(join(root, 'share', 'doc')), '/') : undefined;
    out.push({
      root,
      kind: 'perl-config',
      sets: [{ scope, libDirs: present.map(rel), binDirs: binList.map(rel), key: key === '' ? '.' : key }],
      ...(debian ? { debian } : {}),
    });
  }
  return out;
}
