/**
 * Debian packages as distributions: /usr/share/doc/<pkg>/copyright names the
 * upstream dist (DEP-5 Upstream-Name, or the Source URL), dpkg's info/<pkg>.list
 * names its files when the tree has a dpkg database, and the version is the
 * main module's $VERSION (Debian versions carry repack and revision suffixes),
 * or the dpkg status version's upstream part when the module has none.
 */
import { join } from 'node:path';
import { mainModuleOfDist, parseDebianCopyright, upstreamOfDebianVersion } from '../core/tree/debian.js';
import { readFileHeadSync } from '../files/read.js';
import { decoder, findModuleFile, isXs, mapLimited, modulePath, readSmall, staticVersion } from './scan-util.js';
import { dirInside, listDir } from './walk.js';
import type { InstalledDist } from './discover.js';
import type { LibSet } from './layout.js';
import type { Ctx } from './scan-util.js';

export async function scanDebian(
  ctx: Ctx,
  set: LibSet,
  dpkgVersions: () => Promise<Map<string, string>>,
): Promise<InstalledDist[]> {
  const deb = ctx.layout.debian;
  if (deb === undefined) return [];
  const docs = await dirInside(ctx.layout.root, deb.docDir);
  const pkgs = ((docs === undefined ? undefined : await listDir(docs, ctx.budget)) ?? [])
    .filter((e) => e.kind === 'dir' && e.name.endsWith('-perl'))
    .map((e) => e.name);
  const found = await mapLimited(pkgs, 16, async (pkg): Promise<InstalledDist | undefined> => {
    const head = readFileHeadSync(join(ctx.layout.root, deb.docDir, pkg, 'copyright'), 16 * 1024);
    if (head === undefined) return undefined;
    const c = parseDebianCopyright(decoder.decode(head.bytes));
    const dist = c.upstreamName ?? c.sourceDist;
    if (dist === undefined) return undefined;
    const main = mainModuleOfDist(dist);
    const files = await dpkgFiles(ctx, pkg);
    const inLib = files?.filter((f) => set.libDirs.some((d) => f.startsWith(`${d}/`)));
    const mainFile =
      (inLib ?? []).find((f) => f.endsWith(`/${modulePath(main)}`)) ?? (await findModuleFile(ctx, set, main));
    if (mainFile === undefined && (inLib === undefined || inLib.length === 0)) return undefined;
    let version = mainFile === undefined ? undefined : await staticVersion(ctx, mainFile);
    let versionSource: InstalledDist['versionSource'] = 'module';
    if (version === undefined) {
      const dv = (await dpkgVersions()).get(pkg);
      if (dv !== undefined) {
        version = upstreamOfDebianVersion(dv);
        versionSource = 'dpkg';
      }
    }
    const home = mainFile === undefined ? undefined : set.libDirs.find((d) => mainFile.startsWith(`${d}/`));
    return {
      location: set.key,
      scope: set.scope,
      libDirs: set.libDirs,
      binDirs: set.binDirs,
      dist,
      ...(version === undefined ? {} : { version, versionSource }),
      source: 'debian',
      mainModule: main,
      ...(home === undefined ? {} : { homeLib: home }),
      ...(files === undefined ? {} : { files }),
      xs: isXs(set, files, home),
      debianPackage: pkg,
    };
  });
  return found.filter((d): d is InstalledDist => d !== undefined);
}

/** dpkg's list of a package's files, relative to the tree; undefined when the tree has no dpkg database. */
async function dpkgFiles(ctx: Ctx, pkg: string): Promise<string[] | undefined> {
  const deb = ctx.layout.debian;
  if (deb?.dpkgInfo === undefined) return undefined;
  for (const name of [`${pkg}.list`, ...(await archLists(deb.dpkgInfo, pkg, ctx))]) {
    const bytes = await readSmall(join(deb.dpkgInfo, name), ctx.limits.maxMetaFileBytes);
    if (bytes === undefined) continue;
    const sys = deb.sysroot.endsWith('/') ? deb.sysroot : `${deb.sysroot}/`;
    const out: string[] = [];
    for (const line of decoder.decode(bytes).split('\n')) {
      if (!line.startsWith('/')) continue;
      const abs = join(sys, line);
      const root = ctx.layout.root.endsWith('/') ? ctx.layout.root : `${ctx.layout.root}/`;
      if (abs.startsWith(root)) out.push(abs.slice(root.length));
    }
    return out;
  }
  return undefined;
}

const archListCache = new WeakMap<Ctx, string[]>();
async function archLists(info: string, pkg: string, ctx: Ctx): Promise<string[]> {
  let names = archListCache.get(ctx);
  if (names === undefined) {
    names = ((await listDir(info, ctx.budget)) ?? [])
      .map((e) => e.name)
      .filter((n) => n.includes(':') && n.endsWith('.list'));
    archListCache.set(ctx, names);
  }
  return names.filter((n) => n.startsWith(`${pkg}:`));
}
