/**
 * `cpansec-patch scan [--tree DIR …]`: the distributions installed in Perl
 * trees, with their versions and how each was found. Without --tree, the
 * running perl's site and vendor directories (`perl -V:installsitelib …`;
 * that perl is run with -V only and an emptied environment, and no installed
 * code is ever executed).
 */
import { resolveLimits } from '../core/limits.js';
import { scanLayout } from '../tree/discover.js';
import { detectLayout, layoutsFromPerlConfig } from '../tree/layout.js';
import { readPerlConfig } from '../tree/perl-config.js';
import type { Limits } from '../core/limits.js';
import type { InstalledDist } from '../tree/discover.js';
import type { LibSet, TreeLayout } from '../tree/layout.js';

export interface ScanOptions {
  /** Trees to scan; default: the running perl's site and vendor trees. */
  trees?: readonly string[];
  /** The perl asked for the default trees (default "perl" on PATH). */
  perl?: string;
  limits?: Partial<Limits>;
}

export interface ScannedDist {
  dist: string;
  version?: string;
  versionSource?: InstalledDist['versionSource'];
  source: InstalledDist['source'];
  location: string;
  scope: LibSet['scope'];
  mainModule?: string;
  /** The library directory of its modules (the arch directory for XS dists). */
  homeLib?: string;
  xs: boolean;
  /** Files the packlist or dpkg lists (none when unknown). */
  fileCount?: number;
  metaDir?: string;
  packlist?: string;
  debianPackage?: string;
}

export interface ScannedTree {
  tree: string;
  kind: TreeLayout['kind'];
  sets: LibSet[];
  debian: boolean;
  dists: ScannedDist[];
}

export interface ScanResult {
  /** True when the trees came from the running perl's configuration. */
  defaultTrees: boolean;
  trees: ScannedTree[];
  count: number;
}

/** The layouts of the named trees, or of the running perl's site and vendor trees. */
export async function resolveLayouts(trees: readonly string[] | undefined, perl?: string): Promise<TreeLayout[]> {
  if (trees !== undefined && trees.length > 0) return Promise.all(trees.map((t) => detectLayout(t)));
  return layoutsFromPerlConfig(await readPerlConfig(perl));
}

export function summarizeDist(d: InstalledDist): ScannedDist {
  return {
    dist: d.dist,
    ...(d.version === undefined ? {} : { version: d.version, versionSource: d.versionSource }),
    source: d.source,
    location: d.location,
    scope: d.scope,
    ...(d.mainModule ? { mainModule: d.mainModule } : {}),
    ...(d.homeLib !== undefined ? { homeLib: d.homeLib } : {}),
    xs: d.xs,
    ...(d.files ? { fileCount: d.files.length } : {}),
    ...(d.metaDir ? { metaDir: d.metaDir } : {}),
    ...(d.packlist ? { packlist: d.packlist } : {}),
    ...(d.debianPackage ? { debianPackage: d.debianPackage } : {}),
  };
}

/**
 * @throws CpansecError FILE_NOT_FOUND / USAGE (a --tree that is no directory), TOOL_FAILED (no perl for
 *   the default trees), LIMIT_EXCEEDED (a tree over limits.maxTreeEntries), IO
 */
export async function scanTrees(options: ScanOptions = {}): Promise<ScanResult> {
  const limits = resolveLimits(options.limits);
  const layouts = await resolveLayouts(options.trees, options.perl);
  const trees: ScannedTree[] = [];
  for (const layout of layouts) {
    const dists = await scanLayout(layout, limits);
    trees.push({
      tree: layout.root,
      kind: layout.kind,
      sets: layout.sets,
      debian: layout.debian !== undefined,
      dists: dists.map(summarizeDist),
    });
  }
  return {
    defaultTrees: !(options.trees && options.trees.length > 0),
    trees,
    count: trees.reduce((n, t) => n + t.dists.length, 0),
  };
}
