/**
 * What the user named on the command line of `apply`: a URL, a module
 * (Dist::Name, Dist::Name@1.23), a distribution with or without a version
 * (Dist-Name-1.23, Dist-Name), or — when none of these — a local file.
 * Pure; the api layer checks the file system first, so an existing file
 * always wins.
 */
import { CpansecError } from '../../errors.js';
import { parseDistname } from '../dist/distname.js';
import { isLaxVersion } from '../version/cpan-version.js';

export type DistRequest =
  | { kind: 'url'; url: string }
  | { kind: 'module'; module: string; version?: string }
  | { kind: 'dist'; dist: string; version?: string };

const MODULE_RE = /^[A-Za-z_]\w*(?:::\w+)*$/;
const DIST_RE = /^[A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*$/;
const ARCHIVE_RE = /\.(?:tar\.gz|tgz|tar|tar\.bz2|tbz|tar\.xz|txz|zip|tar\.zst)$/i;

/** The file names a distribution release may have on CPAN, most common first. */
export const TARBALL_EXTENSIONS = ['tar.gz', 'tgz', 'tar.bz2', 'zip', 'tar.xz'];

function checkVersion(version: string, input: string): string {
  if (!isLaxVersion(version.replace(/-TRIAL\d*$/, ''))) {
    throw new CpansecError('VERSION_INVALID', `${JSON.stringify(input)}: "${version}" is not a version`, {
      hint: 'write Dist::Name@1.23 or Dist-Name-1.23',
      details: { input, version },
    });
  }
  return version;
}

/**
 * Classifies a name; undefined means "a path" (anything with a slash or an archive extension).
 * @throws CpansecError VERSION_INVALID (a malformed @version)
 */
export function parseDistRequest(input: string): DistRequest | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(input)) return { kind: 'url', url: input };
  if (input.includes('/') || input.includes('\\') || ARCHIVE_RE.test(input)) return undefined;
  const at = input.indexOf('@');
  if (at > 0) {
    const name = input.slice(0, at);
    const version = checkVersion(input.slice(at + 1), input);
    if (MODULE_RE.test(name) && !name.includes('-')) return { kind: 'module', module: name, version };
    if (DIST_RE.test(name)) return { kind: 'dist', dist: name, version };
    return undefined;
  }
  if (MODULE_RE.test(input)) return { kind: 'module', module: input };
  if (!DIST_RE.test(input) && !/^[A-Za-z][\w-]*-v?\d[\w.-]*$/.test(input)) return undefined;
  const info = parseDistname(`${input}.tar.gz`);
  if (info.dist === undefined) return undefined;
  if (info.version === undefined) return { kind: 'dist', dist: info.dist };
  return { kind: 'dist', dist: info.dist, version: checkVersion(info.version, input) };
}

/** The file name of a release, as `make dist` names it. */
export function tarballFileName(dist: string, version: string, extension = 'tar.gz'): string {
  return `${dist}-${version}.${extension}`;
}
