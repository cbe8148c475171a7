/**
 * From a file in a distribution to where an install put it (research §2.5,
 * checked against cpanm installs and Debian packages of the corpus):
 *
 *   lib/Foo/Bar.pm          → <lib or arch>/Foo/Bar.pm   (EU::MM PMLIBDIRS)
 *   Bar.pm, Bar/Baz.pm      → <lib>/<parent of NAME>/…   (EU::MM PM default; old-style dists)
 *   Sub/Sub.pm (own Makefile.PL) → <lib>/<NAME>/Sub.pm  (found by suffix)
 *   bin/x, script/x         → <bin>/x, shebang rewritten (EXE_FILES, MBT script/)
 *   share/x                 → <lib>/auto/share/dist/<Dist>/x (File::ShareDir)
 *   t/, xt/, Makefile.PL, META.*, Changes …  → not installed
 *   .xs, .c, .h, typemap, *.PL generators   → compiled or generated at build time:
 *                                             an installed tree cannot take the change
 *
 * Pure: the adapter probes the candidate paths and passes what exists.
 */

export type DistPathKind =
  'module' | 'module-top' | 'script' | 'share' | 'test' | 'build' | 'doc' | 'compiled' | 'generator' | 'other';

const TEST_DIRS = new Set(['t', 'xt', 'test', 'tests']);
const NOT_INSTALLED_DIRS = new Set([
  'inc',
  'eg',
  'ex',
  'example',
  'examples',
  'author',
  'authors',
  'maint',
  'tools',
  'dev',
  'devel',
  'bench',
  'benchmarks',
  'debian',
  'doc',
  'docs',
  'xtra',
  '.github',
  '.circleci',
  'ci',
]);
const BUILD_FILES = new Set([
  'Makefile.PL',
  'Build.PL',
  'META.json',
  'META.yml',
  'MYMETA.json',
  'MYMETA.yml',
  'MANIFEST',
  'MANIFEST.SKIP',
  'cpanfile',
  'cpanfile.snapshot',
  'dist.ini',
  'weaver.ini',
  'Makefile',
  'SIGNATURE',
]);
const COMPILED_EXT = /\.(?:xs|xsh|xsi|c|h|cc|cpp|cxx|hh|hpp|hxx|y|l|s|S|f|m)$/;
const COMPILED_NAMES = new Set(['typemap', 'ppport.h']);
const MODULE_EXT = /\.(?:pm|pod|pl)$/;

/** What kind of file a dist-relative path names. */
export function classifyDistPath(path: string): DistPathKind {
  const parts = path.split('/');
  const first = parts[0] as string;
  const base = parts[parts.length - 1] as string;
  if (parts.length > 1 && TEST_DIRS.has(first)) return 'test';
  if (base.endsWith('.t')) return 'test';
  if (parts.length > 1 && NOT_INSTALLED_DIRS.has(first)) return 'other';
  if (parts.length === 1 && BUILD_FILES.has(base)) return 'build';
  if (COMPILED_EXT.test(base) || COMPILED_NAMES.has(base)) return 'compiled';
  // Foo.pm.PL, lib/Config.pm.PL: files generated when the dist is built.
  if (base.endsWith('.PL')) return parts.length === 1 && BUILD_FILES.has(base) ? 'build' : 'generator';
  if (first === 'lib' && parts.length > 1) return 'module';
  if ((first === 'bin' || first === 'script' || first === 'scripts') && parts.length > 1) return 'script';
  if (first === 'share' && parts.length > 1) return 'share';
  if (MODULE_EXT.test(base)) return 'module-top';
  if (parts.length === 1) return 'doc';
  return 'other';
}

/** One installed copy of a distribution, as path mapping needs it. */
export interface InstallSite {
  dist: string;
  /** Library directories relative to the tree root, in @INC order (arch before lib). */
  libDirs: readonly string[];
  /** Script directories relative to the tree root. */
  binDirs: readonly string[];
  /** The Makefile.PL NAME (main module), e.g. "XML::Parser". */
  mainModule?: string;
  /** Tree-relative installed files of this dist, when a .packlist or dpkg list says so. */
  files?: ReadonlySet<string>;
  /** The library directory the dist's modules live in (arch for XS dists), for files a patch creates. */
  homeLib?: string;
}

export type MapRule = 'lib' | 'top-level' | 'suffix' | 'script' | 'share';

export type PathMapping =
  | { kind: 'mapped'; distPath: string; installed: string; rule: MapRule; script: boolean }
  | { kind: 'skipped'; distPath: string; reason: 'test' | 'build' | 'doc' | 'other' | 'not-installed' }
  | { kind: 'refused'; distPath: string; reason: 'compiled' | 'generator' }
  | { kind: 'missing'; distPath: string; candidates: string[] };

const join = (dir: string, rel: string): string => (dir === '' || dir === '.' ? rel : `${dir}/${rel}`);

function moduleDir(mainModule: string | undefined): { parent: string; self: string } | undefined {
  if (mainModule === undefined) return undefined;
  const parts = mainModule.split('::');
  return { parent: parts.slice(0, -1).join('/'), self: parts.join('/') };
}

/** Paths relative to one library directory where a top-level dist file may land, best first. */
function topLevelRelatives(path: string, mainModule: string | undefined): string[] {
  const m = moduleDir(mainModule);
  const out: string[] = [];
  if (m !== undefined) {
    // EU::MM: top-level *.pm and the BASEEXT dir install under the parent of NAME.
    out.push(m.parent === '' ? path : `${m.parent}/${path}`);
    // A subdirectory with its own Makefile.PL (NAME Main::Sub) installs Sub/Sub.pm as Main/Sub.pm.
    const rest = path.split('/').slice(1).join('/');
    if (rest !== '') out.push(`${m.self}/${rest}`);
  }
  out.push(path);
  return [...new Set(out)];
}

/** Tree-relative paths the adapter should probe for `distPath`, best first. */
export function mappingCandidates(distPath: string, site: InstallSite): string[] {
  const kind = classifyDistPath(distPath);
  const rest = distPath.split('/').slice(1).join('/');
  switch (kind) {
    case 'module':
      return site.libDirs.map((d) => join(d, rest));
    case 'module-top':
      return site.libDirs.flatMap((d) => topLevelRelatives(distPath, site.mainModule).map((r) => join(d, r)));
    case 'script': {
      const base = distPath.split('/').pop() as string;
      return site.binDirs.map((d) => join(d, base));
    }
    case 'share':
      return site.libDirs.map((d) => join(d, `auto/share/dist/${site.dist}/${rest}`));
    default:
      return [];
  }
}

/** The unique installed file sharing the longest run of trailing path components with `distPath`. */
function bySuffix(distPath: string, files: Iterable<string>, libDirs: readonly string[]): string | undefined {
  const want = distPath.split('/');
  let best = 0;
  let found: string[] = [];
  for (const f of files) {
    if (!libDirs.some((d) => d === '' || d === '.' || f.startsWith(`${d}/`))) continue;
    const have = f.split('/');
    let n = 0;
    while (n < want.length && n < have.length && want[want.length - 1 - n] === have[have.length - 1 - n]) n++;
    if (n === 0) continue;
    if (n > best) {
      best = n;
      found = [f];
    } else if (n === best) found.push(f);
  }
  return found.length === 1 ? found[0] : undefined;
}

/**
 * Where `distPath` is installed in `site`. `existing` holds the candidates
 * (from mappingCandidates) that exist; a file in the dist's own list wins
 * over one found on disk. `creates` marks a section that creates the file:
 * it then lands in the dist's home library directory.
 */
export function mapDistPath(
  distPath: string,
  site: InstallSite,
  existing: ReadonlySet<string>,
  creates = false,
): PathMapping {
  const kind = classifyDistPath(distPath);
  switch (kind) {
    case 'test':
    case 'build':
    case 'doc':
    case 'other':
      return { kind: 'skipped', distPath, reason: kind };
    case 'compiled':
    case 'generator':
      return { kind: 'refused', distPath, reason: kind };
    default:
      break;
  }
  const script = kind === 'script';
  const rule: MapRule = kind === 'module' ? 'lib' : kind === 'module-top' ? 'top-level' : kind;
  const candidates = mappingCandidates(distPath, site);
  const known = site.files;
  // The dist's own file list first; then what is on disk (a packlist can be stale or empty).
  const pick = candidates.find((c) => known?.has(c) === true) ?? candidates.find((c) => existing.has(c));
  if (pick !== undefined) return { kind: 'mapped', distPath, installed: pick, rule, script };
  if (kind === 'module-top' && known !== undefined && !creates) {
    const s = bySuffix(distPath, known, site.libDirs);
    if (s !== undefined) return { kind: 'mapped', distPath, installed: s, rule: 'suffix', script };
  }
  if (creates && (kind === 'module' || kind === 'module-top')) {
    const home = site.homeLib ?? site.libDirs[site.libDirs.length - 1];
    const rel =
      kind === 'module' ? distPath.split('/').slice(1).join('/') : topLevelRelatives(distPath, site.mainModule)[0];
    if (home !== undefined && rel !== undefined) {
      return { kind: 'mapped', distPath, installed: join(home, rel), rule, script };
    }
  }
  // Scripts are installed only when listed in EXE_FILES; a dist's file list that lacks a module
  // means this install does not have it. Either way there is nothing to patch.
  if (script || known !== undefined || distPath.endsWith('.pod'))
    return { kind: 'skipped', distPath, reason: 'not-installed' };
  return { kind: 'missing', distPath, candidates };
}
