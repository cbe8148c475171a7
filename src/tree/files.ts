/**
 * Reading installed files for planning: the path is resolved through links
 * that stay inside the tree (files/safe-path.ts resolveInside; anything
 * leaving the tree is refused), then read without following anything, with
 * its mode and owner, so that the new file can get both back.
 */
import { sha256Hex } from '../files/hash.js';
import { readFileLimited } from '../files/read.js';
import { inspectInside, resolveInside } from '../files/safe-path.js';
import type { FileImage } from '../core/tree/state.js';

export type TreeFileRead =
  | { kind: 'file'; path: string; bytes: Uint8Array; image: FileImage }
  | { kind: 'missing'; path: string; missingDirs: string[] };

/**
 * @throws SYMLINK_ESCAPE (a link leaving the tree), UNSAFE_PATH / UNSAFE_ENTRY (not a regular file),
 *   LIMIT_EXCEEDED, IO
 */
export async function readTreeFile(root: string, rel: string, maxBytes: number): Promise<TreeFileRead> {
  const path = await resolveInside(root, rel);
  const { absolute, state } = await inspectInside(root, path);
  if (state.kind === 'missing') {
    const parts = path.split('/');
    const missingDirs: string[] = [];
    for (let i = state.missingFrom; i < parts.length - 1; i++) missingDirs.push(parts.slice(0, i + 1).join('/'));
    return { kind: 'missing', path, missingDirs };
  }
  const bytes = await readFileLimited(absolute, maxBytes, 'installed file');
  return {
    kind: 'file',
    path,
    bytes,
    image: { sha256: sha256Hex(bytes), size: bytes.length, mode: state.mode, uid: state.uid, gid: state.gid },
  };
}

/** Does a tree-relative path name an existing regular file (links inside the tree followed)? */
export async function treeFileExists(root: string, rel: string): Promise<boolean> {
  try {
    const path = await resolveInside(root, rel);
    const { state } = await inspectInside(root, path);
    return state.kind === 'file';
  } catch {
    return false;
  }
}

/** sha256 of a tree file now, or null when absent; errors (a link out, a FIFO) count as "not what we wrote". */
export async function hashTreeFile(root: string, rel: string, maxBytes: number): Promise<string | null | 'unreadable'> {
  try {
    const r = await readTreeFile(root, rel, maxBytes);
    return r.kind === 'missing' ? null : r.image.sha256;
  } catch {
    return 'unreadable';
  }
}
