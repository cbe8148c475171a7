/**
 * modules/02packages.details.txt: which distribution tarball provides a
 * package. Written by PAUSE (mldistwatch rewrite02): a mail-style header, a
 * blank line, then "Package  version  A/AU/AUTHOR/Dist-1.23.tar.gz" lines
 * (cpan-ecosystem.md §3.2). Pure and bounded: the text comes from a mirror
 * we do not trust, so every line we use is checked, and a malformed one is
 * an error rather than a guess.
 */
import { CpansecError } from '../../errors.js';
import { parseDistname } from '../dist/distname.js';
import { checkRelativePath } from '../path-policy.js';

export interface PackageEntry {
  package: string;
  /** The indexed $VERSION ("undef" when the module has none). */
  version: string;
  /** Path below authors/id/ ("A/AU/AUTHOR/Dist-Name-1.23.tar.gz"). */
  path: string;
}

const MAX_LINE = 4096;
const PACKAGE_RE = /^[A-Za-z_][\w]*(?:(?:::|')\w+)*$/;
// A/AU/AUTHOR/…: each level extends the one above (CPAN::DistnameInfo's pattern); sub-directories allowed below.
const AUTHOR_PATH_RE = /^([A-Z])\/(\1[A-Z])\/(\2[-A-Z0-9]*)\/\S+$/;

function invalid(message: string, line?: number): CpansecError {
  return new CpansecError('METADATA_INVALID', `02packages.details.txt: ${message}`, {
    hint: 'the mirror served a damaged or unexpected index; try another --mirror',
    details: { file: '02packages.details.txt', ...(line === undefined ? {} : { line }) },
  });
}

/** Checks an authors/id path from an index: the layout PAUSE uses, and nothing that climbs or escapes. */
export function checkAuthorPath(path: string, where = 'index'): string {
  if (!AUTHOR_PATH_RE.test(path)) {
    throw new CpansecError(
      'METADATA_INVALID',
      `${where}: ${JSON.stringify(path.slice(0, 200))} is not an authors/id path`,
      {
        details: { path: path.slice(0, 200) },
      },
    );
  }
  try {
    return checkRelativePath(path);
  } catch (err) {
    throw new CpansecError('METADATA_INVALID', `${where}: unsafe path ${JSON.stringify(path.slice(0, 200))}`, {
      details: { path: path.slice(0, 200) },
      cause: err,
    });
  }
}

/** Where the package lines start (after the header's blank line). */
function bodyStart(text: string): number {
  if (!text.startsWith('File:')) throw invalid('does not start with a "File:" header line');
  const m = /\r?\n\r?\n/.exec(text.slice(0, 64 * 1024));
  if (m === null) throw invalid('no blank line after the header');
  return m.index + m[0].length;
}

function parseLine(line: string, number: number): PackageEntry {
  if (line.length > MAX_LINE) throw invalid(`line ${number} is too long`, number);
  const fields = line.trim().split(/\s+/);
  if (fields.length !== 3) throw invalid(`line ${number} does not have three fields`, number);
  const [pkg, version, path] = fields as [string, string, string];
  if (!PACKAGE_RE.test(pkg))
    throw invalid(`line ${number}: ${JSON.stringify(pkg.slice(0, 100))} is not a package name`, number);
  if (!/^[\w.]+$/.test(version)) throw invalid(`line ${number}: malformed version`, number);
  return { package: pkg, version, path: checkAuthorPath(path, `02packages.details.txt line ${number}`) };
}

/** Every line, one at a time (without line ends); a generator so the 30 MiB index is never split up front. */
function* bodyLines(text: string): Generator<{ line: string; number: number }> {
  let at = bodyStart(text);
  let number = text.slice(0, at).split('\n').length;
  while (at < text.length) {
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    const line = text.slice(at, end).replace(/\r$/, '');
    if (line.trim() !== '') yield { line, number };
    at = end + 1;
    number++;
  }
}

/**
 * The index entry of one package (exact, case-sensitive, as cpanm looks it up).
 * @throws CpansecError METADATA_INVALID (malformed index or line)
 */
export function findPackage(text: string, pkg: string): PackageEntry | undefined {
  if (!PACKAGE_RE.test(pkg)) throw new CpansecError('USAGE', `${JSON.stringify(pkg)} is not a Perl package name`);
  for (const { line, number } of bodyLines(text)) {
    if (!line.startsWith(pkg)) continue;
    const next = line[pkg.length];
    if (next !== ' ' && next !== '\t') continue;
    return parseLine(line, number);
  }
  return undefined;
}

/**
 * Every tarball of a distribution the index names (normally one: PAUSE
 * indexes the latest release), by the distribution name in the tarball's
 * file name (CPAN::DistnameInfo rules).
 * @throws CpansecError METADATA_INVALID
 */
export function findDistribution(text: string, dist: string): PackageEntry[] {
  const found = new Map<string, PackageEntry>();
  const needle = `/${dist}-`;
  for (const { line, number } of bodyLines(text)) {
    if (!line.includes(needle)) continue;
    const entry = parseLine(line, number);
    if (found.has(entry.path)) continue;
    if (parseDistname(entry.path).dist === dist) found.set(entry.path, entry);
  }
  return [...found.values()];
}
