/**
 * Distribution name and version from a tarball path, with the heuristics of
 * CPAN::DistnameInfo 0.12 (the latest CPAN release, what PAUSE-era tools and
 * MetaCPAN agree on). Pinned by shared/oracles/distname.tsv; see
 * docs/versions.md. The one deliberate extension is `allowXz`.
 *
 * The result is a name, not a parsed version: DistnameInfo leaves "-TRIAL"
 * and Debian-style "-1" revisions inside `version`. Use versionForMatching
 * and, better, the version in META.json before comparing versions.
 */
import { CpansecError } from '../../errors.js';
import { DEFAULT_LIMITS } from '../limits.js';

export interface DistnameInfo {
  dist: string | undefined;
  version: string | undefined;
  maturity: 'released' | 'developer';
  /** The PAUSE id when the path is under an authors/id/X/XY/XYZ directory. */
  cpanid: string | undefined;
  /** The file name without directories and archive extension. */
  distvname: string | undefined;
  extension: string | undefined;
  /** The path below the author directory, or the whole path when there is none. */
  filename: string;
}

export interface ParseDistnameOptions {
  /**
   * Also recognise ".tar.xz" and ".txz" (DistnameInfo 0.12 does not; its
   * unreleased successor does). Debian orig tarballs and newer uploads use xz.
   */
  allowXz?: boolean;
}

const EXTENSIONS = ['tar.gz', 'tar.z', 'tar.bz2', 'zip', 'tgz'];
const XZ_EXTENSIONS = ['tar.xz', 'txz'];

// The author directory: [[prefix/]authors/]id/ then A/AB/ABCDE/, where each level extends the one above.
const AUTHOR_DIR = /^(?:(?:(?:.*?\/)?authors\/)?id\/)?([A-Z])\/(\1[A-Z])\/(\2[-A-Z0-9]*)\//;

const hasControlChar = (s: string): boolean => [...s].some((c) => c < ' ' || c === '\x7f');
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isLetter = (c: string | undefined): boolean =>
  c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));

/**
 * Parse a CPAN path ("authors/id/A/AU/AUTHOR/Dist-Name-1.23.tar.gz", "T/TI/TIMB/DBI-1.646.tar.gz")
 * or a bare file name. Unknown extensions give dist/version/distvname undefined, like DistnameInfo.
 * @throws CpansecError DISTNAME_INVALID for an empty path, one with control characters or one over the path limit.
 */
export function parseDistname(pathname: string, options: ParseDistnameOptions = {}): DistnameInfo {
  if (pathname === '' || pathname.length > DEFAULT_LIMITS.maxPathBytes || hasControlChar(pathname)) {
    // Perl's "$" and "." treat a newline specially; refusing control characters keeps the port exact.
    throw new CpansecError('DISTNAME_INVALID', `not a distribution path: ${JSON.stringify(pathname.slice(0, 200))}`, {
      hint: `Give a tarball path or file name (at most ${DEFAULT_LIMITS.maxPathBytes} characters, no control characters), e.g. "authors/id/A/AU/AUTHOR/Dist-Name-1.23.tar.gz".`,
      details: { pathname: pathname.slice(0, 200), length: pathname.length },
    });
  }
  const path = pathname.replace(/\/\/+/g, '/');
  const author = AUTHOR_DIR.exec(path);
  const filename = author ? path.slice(author[0].length) : path;
  const cpanid = author?.[3];

  const base = path.slice(path.lastIndexOf('/') + 1);
  const lower = base.toLowerCase();
  const known = options.allowXz ? [...EXTENSIONS, ...XZ_EXTENSIONS] : EXTENSIONS;
  // At most one extension can match a given ending; the name before it must not be empty.
  const ext = known.find((e) => lower.endsWith(`.${e}`) && base.length > e.length + 1);
  const distvname = ext === undefined ? undefined : base.slice(0, base.length - ext.length - 1);
  const extension = ext === undefined ? undefined : base.slice(base.length - ext.length);

  const { dist, version, developer } = splitDistVersion(distvname);
  return { dist, version, maturity: developer ? 'developer' : 'released', cpanid, distvname, extension, filename };
}

/**
 * Strip a "-TRIAL" / "-TRIAL2" suffix before matching a version. Dist::Zilla
 * and friends put it in the tarball name only, to make PAUSE treat the upload
 * as a developer release; the code inside says "1.23", and version.pm cannot
 * parse "1.23-TRIAL" at all (cpan-ecosystem.md §1.3). Prefer META.json's version.
 */
export function versionForMatching(version: string): string {
  return version.replace(/-TRIAL\d*$/, '');
}

interface Split {
  dist: string | undefined;
  version: string | undefined;
  developer: boolean;
}

/** DistnameInfo `distname_info`, step by step. */
function splitDistVersion(file: string | undefined): Split {
  // Perl: `my $file = shift or return` — "0" is false too.
  if (file === undefined || file === '' || file === '0')
    return { dist: undefined, version: undefined, developer: false };
  const end = distPrefixEnd(file);
  if (end === 0) return { dist: file, version: undefined, developer: false };
  let dist = file.slice(0, end);
  let version = file.slice(end);

  if (version === '' && dist.endsWith('-undef')) dist = dist.slice(0, -'-undef'.length);
  if (version.endsWith('-withoutworldwriteables')) version = version.slice(0, -'-withoutworldwriteables'.length);

  // "Unicode-Collate-Standard-V3_1_1-0.1": a "-V…" word before the last "-<digit>" belongs to the name.
  const last = lastDashDigit(version);
  if (/^-[Vv]/.test(version) && last >= 2) {
    dist += version.slice(0, last);
    version = version.slice(last + 1);
  }
  // "Task-Deprecations5_14-1.00": an underscore before the last "-<digit>" means that part is name too
  // (but "libfoo-perl_0.03-1" has no "-<digit>" after its underscore part and keeps "0.03-1").
  const lastAfter = lastDashDigit(version);
  const underscore = version.indexOf('_', 1);
  if (lastAfter > 0 && underscore >= 1 && underscore < lastAfter) {
    dist += version.slice(0, lastAfter);
    version = version.slice(lastAfter + 1);
  }
  // The "CGI.pm-3.49" convention.
  if (dist.endsWith('.pm')) dist = dist.slice(0, -3);

  if (version === '') {
    const m = /-(\d+\w)$/.exec(dist);
    if (m) {
      version = m[1] as string;
      dist = dist.slice(0, m.index);
    }
  }
  if (/^\d+$/.test(version)) {
    const m = /-(\w+)$/.exec(dist);
    if (m) {
      version = (m[1] as string) + version;
      dist = dist.slice(0, m.index);
    }
  }
  version = version.replace(/\d\.\d/.test(version) ? /^[-_.]+/ : /^[-_]+/, '');
  if (version === '') return { dist, version: undefined, developer: false };
  return { dist, version, developer: isDeveloper(file, version) };
}

function isDeveloper(file: string, version: string): boolean {
  const perl = /^perl-?\d+\.(\d+)(?:\D(\d+))?(-(?:TRIAL|RC)\d+)?$/.exec(file);
  if (perl) {
    // perl's own numbering: odd minor above 6 is a development series, sub-version 50+ a maintenance trial.
    const minor = perl[1] as string;
    const oddDevSeries = Number(minor) > 6 && Number(minor.slice(-1)) % 2 === 1;
    return oddDevSeries || Number(perl[2] ?? 0) >= 50 || perl[3] !== undefined;
  }
  return /\d\D\d+_\d/.test(version) || version.includes('-TRIAL');
}

/** Index of the last "-" followed by a digit, or -1. */
function lastDashDigit(s: string): number {
  for (let i = s.length - 2; i >= 0; i--) if (s[i] === '-' && isDigit(s[i + 1])) return i;
  return -1;
}

/**
 * Where the name ends: the longest run of "words" that DistnameInfo's
 * pattern takes, first match first. A word is optional "-+." separators,
 * then letters, digits and underscores (an underscore only next to a
 * non-digit), ending on the last letter of a letter run or on a digit
 * directly before "-", and not on "-v"/"_v"/".v" (that starts a version).
 * Written as a scanner rather than the original nested-quantifier regex,
 * which backtracks exponentially on long digit runs in V8.
 */
function distPrefixEnd(s: string): number {
  let pos = 0;
  for (;;) {
    const end = wordEnd(s, pos);
    if (end === undefined) return pos;
    pos = end;
  }
}

function wordEnd(s: string, from: number): number | undefined {
  let t = from;
  while (s[t] === '-' || s[t] === '+' || s[t] === '.') t++;
  let e = t;
  while (e < s.length && isWordChar(s, e)) e++;
  // The pattern's greedy loop tries the longest word first, then shorter ones.
  for (let k = e - 1; k >= t; k--) {
    const c = s[k];
    const endsHere = isLetter(c) ? !isLetter(s[k + 1]) : isDigit(c) && s[k + 1] === '-';
    const startsVersion = (s[k - 1] === '.' || s[k - 1] === '_' || s[k - 1] === '-') && (c === 'v' || c === 'V');
    if (endsHere && !startsVersion) return k + 1;
  }
  return undefined;
}

function isWordChar(s: string, i: number): boolean {
  const c = s[i];
  if (isLetter(c) || isDigit(c)) return true;
  // An underscore counts after a non-digit or before a non-digit ("Thread_52" splits, "5_14" does not).
  return c === '_' && ((i > 0 && !isDigit(s[i - 1])) || (i + 1 < s.length && !isDigit(s[i + 1])));
}
