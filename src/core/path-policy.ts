/**
 * The one place that decides whether a path named by hostile input (a patch
 * header, a tarball entry) may be used. Pure: strings in, strings out; the
 * adapters do the file-system half (lstat walk, O_NOFOLLOW) with isInside().
 *
 * Rules (security.md §4.8): after C-unquoting and -p stripping a path must be
 * relative, free of "..", ".git", empty and "." components, of NUL, CR, LF and
 * other control bytes, of "\" and ":" (Windows separators and drive letters,
 * CVE-2021-37713 class), within the length and depth limits. We refuse rather
 * than repair: GNU patch "ignores potentially dangerous file names" and may
 * then pick another name from the same header, which makes its choice depend on
 * the attack; a refusal cannot be steered.
 */
import { CpansecError } from '../errors.js';
import { resolveLimits } from './limits.js';
import type { Limits } from './limits.js';

export type UnsafePathReason =
  | 'empty'
  | 'absolute'
  | 'dot-dot'
  | 'dot-git'
  | 'dot-only'
  | 'nul'
  | 'control-character'
  | 'backslash'
  | 'colon'
  | 'component-too-long'
  | 'path-too-long'
  | 'too-deep'
  | 'too-few-components'
  | 'trailing-slash';

function unsafe(path: string, reason: UnsafePathReason, message: string): CpansecError {
  return new CpansecError('UNSAFE_PATH', `unsafe path ${JSON.stringify(path)}: ${message}`, {
    hint: 'The patch names a file outside the distribution or a file we never touch; it was refused as a whole.',
    details: { path, reason },
  });
}

/** Length in bytes: byte strings count one per char; real Unicode strings are measured as UTF-8. */
function byteLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return /[^\u0000-\u00ff]/.test(s) ? new TextEncoder().encode(s).length : s.length;
}

/**
 * GNU patch's -pN: remove N leading components, counting each run of slashes
 * as one separator (util.c strip_leading_slashes). Returns null when the name
 * has too few slashes, which GNU patch treats as "no name" rather than an error.
 */
export function tryStripPath(name: string, strip: number): string | null {
  if (!Number.isInteger(strip) || strip < 0) {
    throw new CpansecError('USAGE', `strip level must be a non-negative integer, got ${String(strip)}`);
  }
  let remaining = strip;
  let start = 0;
  for (let i = 0; i < name.length; i++) {
    if (name[i] !== '/') continue;
    while (name[i + 1] === '/') i++;
    if (remaining > 0) {
      remaining--;
      start = i + 1;
    }
  }
  if (remaining > 0 || start >= name.length) return null;
  return name.slice(start);
}

/**
 * Like tryStripPath, but a name with too few components is an error.
 * @throws CpansecError UNSAFE_PATH (reason too-few-components)
 */
export function stripPath(name: string, strip: number): string {
  const stripped = tryStripPath(name, strip);
  if (stripped === null) {
    throw unsafe(name, 'too-few-components', `fewer than ${strip} leading components to strip`);
  }
  return stripped;
}

/**
 * Validate a path relative to a distribution root and return it normalised
 * (single slashes, no "." components).
 * @throws CpansecError UNSAFE_PATH with details {path, reason}
 */
export function checkRelativePath(path: string, limits: Partial<Limits> = {}): string {
  const lim = resolveLimits(limits);
  if (path.length === 0) throw unsafe(path, 'empty', 'empty name');
  if (path.includes('\0')) throw unsafe(path, 'nul', 'contains a NUL byte');
  if (path.startsWith('/')) throw unsafe(path, 'absolute', 'absolute path');
  if (path.includes('\\')) throw unsafe(path, 'backslash', 'contains a backslash');
  // eslint-disable-next-line no-control-regex
  if (/[\u0001-\u001f\u007f]/.test(path)) throw unsafe(path, 'control-character', 'contains a control character');
  if (path.endsWith('/')) throw unsafe(path, 'trailing-slash', 'names a directory');
  if (byteLength(path) > lim.maxPathBytes) {
    throw unsafe(path, 'path-too-long', `longer than ${lim.maxPathBytes} bytes`);
  }
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw unsafe(path, 'dot-dot', 'contains a ".." component');
    if (part.includes(':')) throw unsafe(path, 'colon', 'contains ":" (drive letter or stream name)');
    // ".git" in any case, also with the trailing dots and spaces Windows ignores.
    if (part.replace(/[. ]+$/, '').toLowerCase() === '.git') {
      throw unsafe(path, 'dot-git', 'contains a ".git" component');
    }
    if (byteLength(part) > lim.maxPathComponentBytes) {
      throw unsafe(path, 'component-too-long', `a component is longer than ${lim.maxPathComponentBytes} bytes`);
    }
    parts.push(part);
  }
  if (parts.length === 0) throw unsafe(path, 'dot-only', 'names the root itself');
  if (parts.length > lim.maxPathDepth) throw unsafe(path, 'too-deep', `deeper than ${lim.maxPathDepth} components`);
  return parts.join('/');
}

/**
 * Reject a raw patch name (before -p stripping) that is absolute or climbs
 * with "..": such a name is hostile whatever the strip level, even when -p
 * would remove the offending part (CVE-2010-4651: GNU patch checks only the
 * stripped name, so "-p1" turns "/etc/x" into "etc/x").
 * @throws CpansecError UNSAFE_PATH
 */
export function checkRawName(name: string): void {
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.startsWith('\\')) {
    throw unsafe(name, 'absolute', 'absolute name in the patch');
  }
  if (name.includes('\0')) throw unsafe(name, 'nul', 'contains a NUL byte');
  for (const part of name.split(/[/\\]/)) {
    if (part === '..') throw unsafe(name, 'dot-dot', 'contains a ".." component');
  }
}

/**
 * Containment check for adapters, on the result of `path.relative(root, p)`
 * (either separator): true when p is strictly inside root. Compare relative
 * paths, never prefixes (tar-fs CVE-2025-59343: "/out-evil" starts with "/out").
 */
export function isInside(rootRelative: string): boolean {
  if (rootRelative === '' || rootRelative === '.') return false;
  if (rootRelative.startsWith('/') || rootRelative.startsWith('\\') || /^[A-Za-z]:/.test(rootRelative)) return false;
  const first = rootRelative.split(/[/\\]/)[0];
  return first !== '..';
}
