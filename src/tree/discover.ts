/**
 * Which distributions are installed in a tree, at which versions, with which
 * files (docs/installed-trees.md, "Discovery"). In order of trust:
 *
 *   1. .meta/<Dist-Ver>/install.json + MYMETA.json (cpanm, cpm, Carton)
 *   2. auto/<Main/Module>/.packlist (ExtUtils::Install: every CPAN install)
 *   3. Debian: /usr/share/doc/<pkg>/copyright Upstream-Name, dpkg's file list
 *   4. nothing at all: one entry per module, named after it, with its $VERSION
 *
 * Versions the metadata lacks are read from the main module's source without
 * running it (core/tree/module-version.ts). Reads are bounded; nothing is
 * followed through symlinks; installed code is never executed.
 */
import { join } from 'node:path';
import { compareVersions, tryParseVersion } from '../core/version/cpan-version.js';
import { mainModuleOfDist, parseDpkgStatus } from '../core/tree/debian.js';
import { parseInstallRecord } from '../core/tree/install-meta.js';
import { packlistModule, parsePacklist, relocatePacklist } from '../core/tree/packlist.js';
import { readFileHead } from '../files/read.js';
import { scanDebian } from './debian-scan.js';
import { decoder, homeOf, inDir, isXs, mapLimited, modulePath, readSmall, staticVersion } from './scan-util.js';
import { EntryBudget, dirInside, findFiles, listDir } from './walk.js';
import type { Ctx, ScanLimits } from './scan-util.js';
import type { InstallRecord } from '../core/tree/install-meta.js';
import type { LibSet, TreeLayout } from './layout.js';

export interface InstalledDist {
  dist: string;
  version?: string;
  versionSource?: 'mymeta' | 'distname' | 'install.json' | 'module' | 'dpkg';
  /** How the dist was found. */
  source: 'meta' | 'packlist' | 'debian' | 'module';
  /** The install's library set key (tree-relative), which tells installs of one dist apart. */
  location: string;
  scope: LibSet['scope'];
  mainModule?: string;
  libDirs: string[];
  binDirs: string[];
  /** The library directory holding the main module (arch for XS dists). */
  homeLib?: string;
  /** Tree-relative installed files, when a .packlist or dpkg's list names them. */
  files?: string[];
  /** Packlist entries outside the tree (scripts of a site install in /usr/local/bin …). */
  outside?: string[];
  /** Compiled parts are installed (.so/.bs), or the modules live in the arch directory. */
  xs: boolean;
  metaDir?: string;
  packlist?: string;
  debianPackage?: string;
}

export type { ScanLimits } from './scan-util.js';

async function readMetas(ctx: Ctx, set: LibSet): Promise<{ record: InstallRecord; dir: string }[]> {
  const dirs: string[] = [];
  for (const lib of set.libDirs) {
    const meta = inDir(lib, '.meta');
    const abs = await dirInside(ctx.layout.root, meta);
    const entries = abs === undefined ? undefined : await listDir(abs, ctx.budget);
    for (const e of entries ?? []) if (e.kind === 'dir') dirs.push(`${meta}/${e.name}`);
  }
  const read = await mapLimited(dirs, 16, async (dir) => {
    const base = join(ctx.layout.root, dir);
    const [install, mymeta] = await Promise.all([
      readSmall(join(base, 'install.json'), ctx.limits.maxMetaFileBytes),
      readSmall(join(base, 'MYMETA.json'), ctx.limits.maxMetaFileBytes),
    ]);
    if (install === undefined && mymeta === undefined) return undefined;
    try {
      const record = parseInstallRecord(dir.split('/').pop() as string, install, mymeta);
      return record === undefined ? undefined : { record, dir };
    } catch {
      // A damaged .meta entry is skipped: the packlist still describes the install.
      return undefined;
    }
  });
  return read.filter((r): r is { record: InstallRecord; dir: string } => r !== undefined);
}

interface Packlist {
  module: string;
  path: string;
  files: string[];
  outside: string[];
}

async function readPacklists(ctx: Ctx, set: LibSet): Promise<Packlist[]> {
  const found: string[] = [];
  for (const lib of set.libDirs) {
    const auto = inDir(lib, 'auto');
    const abs = await dirInside(ctx.layout.root, auto);
    if (abs === undefined) continue;
    // auto/share holds File::ShareDir data, never packlists.
    const hits = await findFiles(
      abs,
      ctx.budget,
      (n) => n === '.packlist',
      (rel) => rel !== 'share',
    );
    found.push(...hits.map((h) => `${auto}/${h}`));
  }
  const lists = await mapLimited(found, 16, async (path) => {
    const module = packlistModule(path.slice(path.indexOf('auto/') + 5));
    const bytes = await readSmall(join(ctx.layout.root, path), ctx.limits.maxMetaFileBytes);
    if (module === undefined || bytes === undefined) return undefined;
    const entries = parsePacklist(decoder.decode(bytes), 100_000);
    const { files, outside } = relocatePacklist(entries, ctx.layout.root, set.libDirs);
    return { module, path, files, outside };
  });
  return lists.filter((l): l is Packlist => l !== undefined);
}

async function scanSet(
  ctx: Ctx,
  set: LibSet,
  dpkgVersions: () => Promise<Map<string, string>>,
): Promise<InstalledDist[]> {
  const [metas, packlists] = await Promise.all([readMetas(ctx, set), readPacklists(ctx, set)]);
  const byModule = new Map(packlists.map((p) => [p.module, p]));
  const used = new Set<Packlist>();
  const out = new Map<string, InstalledDist>();
  const base = { location: set.key, scope: set.scope, libDirs: set.libDirs, binDirs: set.binDirs };

  for (const { record, dir } of metas) {
    const main = record.mainModule ?? mainModuleOfDist(record.dist);
    const pl = byModule.get(main);
    if (pl) used.add(pl);
    const home = homeOf(set, main, pl?.files);
    const entry: InstalledDist = {
      ...base,
      dist: record.dist,
      ...(record.version === undefined ? {} : { version: record.version, versionSource: record.versionSource }),
      source: 'meta',
      mainModule: main,
      ...(home === undefined ? {} : { homeLib: home }),
      ...(pl ? { files: pl.files, outside: pl.outside, packlist: pl.path } : {}),
      xs: isXs(set, pl?.files, home),
      metaDir: dir,
    };
    // cpanm keeps the .meta of a replaced version: the newest one describes what is installed.
    const seen = out.get(record.dist);
    if (seen === undefined || newer(entry.version, seen.version)) out.set(record.dist, entry);
  }
  for (const pl of packlists) {
    if (used.has(pl)) continue;
    const dist = pl.module.replace(/::/g, '-');
    if (out.has(dist)) continue;
    const home = homeOf(set, pl.module, pl.files);
    const version = home === undefined ? undefined : await staticVersion(ctx, inDir(home, modulePath(pl.module)));
    out.set(dist, {
      ...base,
      dist,
      ...(version === undefined ? {} : { version, versionSource: 'module' as const }),
      source: 'packlist',
      mainModule: pl.module,
      ...(home === undefined ? {} : { homeLib: home }),
      files: pl.files,
      outside: pl.outside,
      xs: isXs(set, pl.files, home),
      packlist: pl.path,
    });
  }
  if (set.scope === 'vendor' && ctx.layout.debian) {
    for (const d of await scanDebian(ctx, set, dpkgVersions)) if (!out.has(d.dist)) out.set(d.dist, d);
  }
  if (out.size === 0 && set.scope === 'lib-dir') for (const d of await scanModules(ctx, set)) out.set(d.dist, d);
  return [...out.values()];
}

function newer(a: string | undefined, b: string | undefined): boolean {
  const va = a === undefined ? undefined : tryParseVersion(a);
  const vb = b === undefined ? undefined : tryParseVersion(b);
  if (va === undefined) return false;
  return vb === undefined || compareVersions(va, vb) > 0;
}

/** No metadata at all: every module is reported under its own name, with its $VERSION. */
async function scanModules(ctx: Ctx, set: LibSet): Promise<InstalledDist[]> {
  const lib = set.libDirs[set.libDirs.length - 1] as string;
  const found: string[] = [];
  for (const d of set.libDirs) {
    const skipArch = d === lib ? new Set(set.libDirs.filter((x) => x !== lib)) : new Set<string>();
    const abs = await dirInside(ctx.layout.root, d);
    if (abs === undefined) continue;
    const hits = await findFiles(
      abs,
      ctx.budget,
      (n) => n.endsWith('.pm'),
      (rel, name) => /^[A-Za-z_]\w*$/.test(name) && !skipArch.has(inDir(d, rel)),
    );
    found.push(...hits.map((h) => inDir(d, h)));
  }
  const out = await mapLimited(found, 16, async (rel): Promise<InstalledDist> => {
    const home = set.libDirs.find((d) => d === '' || rel.startsWith(`${d}/`)) ?? lib;
    const module = (home === '' ? rel : rel.slice(home.length + 1)).replace(/\.pm$/, '').split('/').join('::');
    const version = await staticVersion(ctx, rel);
    return {
      location: set.key,
      scope: set.scope,
      libDirs: set.libDirs,
      binDirs: set.binDirs,
      dist: module.replace(/::/g, '-'),
      ...(version === undefined ? {} : { version, versionSource: 'module' as const }),
      source: 'module',
      mainModule: module,
      homeLib: home,
      xs: home !== lib,
    };
  });
  return out;
}

/** Every distribution installed in the tree. */
export async function scanLayout(layout: TreeLayout, limits: ScanLimits): Promise<InstalledDist[]> {
  const ctx: Ctx = { layout, limits, budget: new EntryBudget(limits.maxTreeEntries) };
  let statusCache: Promise<Map<string, string>> | undefined;
  const dpkgVersions = (): Promise<Map<string, string>> => {
    statusCache ??= (async () => {
      const path = layout.debian?.dpkgStatus;
      if (path === undefined) return new Map<string, string>();
      const head = await readFileHead(path, 256 * 1024 * 1024);
      return head === undefined ? new Map<string, string>() : parseDpkgStatus(decoder.decode(head.bytes));
    })();
    return statusCache;
  };
  const all: InstalledDist[] = [];
  for (const set of layout.sets) all.push(...(await scanSet(ctx, set, dpkgVersions)));
  return all.sort((a, b) => (a.dist < b.dist ? -1 : a.dist > b.dist ? 1 : a.location < b.location ? -1 : 1));
}
