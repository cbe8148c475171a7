/**
 * Resolving patch-relative paths inside a root directory without ever
 * following a symlink (CVE-2015-1196, CVE-2019-13636 class): every existing
 * component is lstat-ed, and anything but a real directory (for parents) or
 * a regular file (for the target) is refused.
 */
import { lstat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { CpansecError, wrapError } from '../errors.js';
import { checkRelativePath } from '../core/path-policy.js';

/** True iff `candidate` is strictly inside `root` (path.relative, not startsWith: tar-fs CVE-2025-59343). */
export function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

export type PathState = { kind: 'file'; mode: number; size: number } | { kind: 'missing'; missingFrom: number };

async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw wrapError(err, 'IO', `cannot inspect ${path}`);
  }
}

/**
 * Returns the absolute path of `rel` inside `root` and what is there.
 * Refuses (SYMLINK_ESCAPE / UNSAFE_PATH) a symlink anywhere on the way, and
 * non-regular targets. `missingFrom` is the index of the first missing
 * component, so a caller creating the file knows which directories to make.
 */
export async function inspectInside(root: string, rel: string): Promise<{ absolute: string; state: PathState }> {
  const clean = checkRelativePath(rel);
  const parts = clean.split('/');
  let current = root;
  for (let i = 0; i < parts.length; i++) {
    current = join(current, parts[i] as string);
    const st = await lstatOrUndefined(current);
    if (st === undefined) return { absolute: join(root, ...parts), state: { kind: 'missing', missingFrom: i } };
    if (st.isSymbolicLink()) {
      throw new CpansecError(
        'SYMLINK_ESCAPE',
        `refusing to follow the symbolic link ${current} (on the way to ${clean})`,
        {
          hint: 'patches are never applied through symbolic links; replace the link with the real file or directory',
          details: { path: clean, link: current },
        },
      );
    }
    const last = i === parts.length - 1;
    if (!last && !st.isDirectory()) {
      throw new CpansecError('UNSAFE_PATH', `${current} is not a directory (on the way to ${clean})`, {
        details: { path: clean },
      });
    }
    if (last && !st.isFile()) {
      throw new CpansecError('UNSAFE_ENTRY', `${current} is not a regular file`, {
        hint: 'patches change regular files only',
        details: { path: clean },
      });
    }
    if (last) return { absolute: current, state: { kind: 'file', mode: st.mode & 0o7777, size: st.size } };
  }
  throw new CpansecError('INTERNAL', `empty path after validation: ${rel}`);
}
