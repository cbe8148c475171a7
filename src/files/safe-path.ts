/**
 * Resolving patch-relative paths inside a root directory without ever
 * following a symlink (CVE-2015-1196, CVE-2019-13636 class): every existing
 * component is lstat-ed, and anything but a real directory (for parents) or
 * a regular file (for the target) is refused.
 */
import { lstat, readlink } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { CpansecError, wrapError } from '../errors.js';
import { checkRelativePath } from '../core/path-policy.js';

/** True iff `candidate` is strictly inside `root` (path.relative, not startsWith: tar-fs CVE-2025-59343). */
export function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

export type PathState =
  { kind: 'file'; mode: number; size: number; uid: number; gid: number } | { kind: 'missing'; missingFrom: number };

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
    if (last) {
      return {
        absolute: current,
        state: { kind: 'file', mode: st.mode & 0o7777, size: st.size, uid: st.uid, gid: st.gid },
      };
    }
  }
  throw new CpansecError('INTERNAL', `empty path after validation: ${rel}`);
}

/** Linux's MAXSYMLINKS: more links than this on one path is a loop. */
const MAX_LINKS = 40;

/**
 * Resolves `rel` inside `root` (an absolute, symlink-free path) through
 * symbolic links that stay inside the root, and returns the link-free
 * relative path (the rest of the path is kept when a component is missing).
 * A link that leads outside the root, or a loop, is refused with
 * SYMLINK_ESCAPE: installed trees contain links (Debian's compatibility
 * links, a lib dir linked into place), and writing through one that leaves
 * the tree would change files nobody asked us to touch. Callers then operate
 * on the returned path with inspectInside, which follows nothing.
 */
export async function resolveInside(root: string, rel: string): Promise<string> {
  const clean = checkRelativePath(rel);
  let resolved: string[] = [];
  const queue = clean.split('/');
  let hops = 0;
  while (queue.length > 0) {
    const part = queue.shift() as string;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      // Only link targets bring ".." here; they were checked to stay inside, but never climb above root.
      if (resolved.length === 0) throw escape(root, clean, root);
      resolved.pop();
      continue;
    }
    const current = join(root, ...resolved, part);
    const st = await lstatOrUndefined(current);
    if (st === undefined) return [...resolved, part, ...queue].join('/');
    if (!st.isSymbolicLink()) {
      resolved.push(part);
      continue;
    }
    if (++hops > MAX_LINKS) throw escape(current, clean, root, 'too many levels of symbolic links');
    let target: string;
    try {
      target = await readlink(current);
    } catch (err) {
      throw wrapError(err, 'IO', `cannot read the symbolic link ${current}`);
    }
    const absolute = resolve(join(root, ...resolved), target);
    const inside = relative(root, absolute);
    if (inside !== '' && !isInside(root, absolute)) throw escape(current, clean, root);
    resolved = [];
    queue.unshift(...inside.split(sep).filter((p) => p !== ''));
  }
  if (resolved.length === 0) throw escape(root, clean, root, 'the path resolves to the tree itself');
  return resolved.join('/');
}

function escape(link: string, path: string, root: string, why = 'it points outside the tree'): CpansecError {
  return new CpansecError('SYMLINK_ESCAPE', `refusing ${path}: the symbolic link ${link} cannot be followed (${why})`, {
    hint: `only links that stay inside ${root} are followed; patch the real location instead`,
    details: { path, link, root },
  });
}
