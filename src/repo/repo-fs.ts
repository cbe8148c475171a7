/**
 * Reading and writing inside a repository directory without following
 * symbolic links (a git checkout or a shared folder may hold them), through
 * the files adapter: every component is lstat-ed, reads are bounded, writes
 * are temp file + fsync + rename.
 */
import { lstat, mkdir, readdir, unlink } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import { join } from 'node:path';
import { CpansecError, wrapError } from '../errors.js';
import { writeFileAtomic } from '../files/atomic.js';
import { readFileLimited } from '../files/read.js';
import { inspectInside } from '../files/safe-path.js';

/** Reads `rel` inside `root`; undefined when missing. @throws SYMLINK_ESCAPE, LIMIT_EXCEEDED, UNSAFE_ENTRY, IO */
export async function readInside(root: string, rel: string, maxBytes: number): Promise<Uint8Array | undefined> {
  const { absolute, state } = await inspectInside(root, rel);
  if (state.kind === 'missing') return undefined;
  try {
    return await readFileLimited(absolute, maxBytes, rel);
  } catch (err) {
    if (err instanceof CpansecError && err.code === 'FILE_NOT_FOUND') return undefined;
    throw err;
  }
}

export async function requireInside(root: string, rel: string, maxBytes: number): Promise<Uint8Array> {
  const bytes = await readInside(root, rel, maxBytes);
  if (bytes === undefined) {
    throw new CpansecError('FILE_NOT_FOUND', `${join(root, rel)} does not exist`, { details: { path: rel } });
  }
  return bytes;
}

/** Creates the directories of `rel` (refusing symlinks on the way) and writes it atomically. */
export async function writeInside(root: string, rel: string, bytes: Uint8Array): Promise<string> {
  const { absolute, state } = await inspectInside(root, rel);
  if (state.kind === 'missing') {
    const parts = rel.split('/');
    for (let i = state.missingFrom; i < parts.length - 1; i++) {
      await mkdir(join(root, ...parts.slice(0, i + 1)), { mode: 0o755 }).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw wrapError(err, 'IO', `cannot create ${rel}`);
      });
    }
  }
  await writeFileAtomic(absolute, bytes, 0o644);
  return absolute;
}

export async function removeInside(root: string, rel: string): Promise<boolean> {
  const { absolute, state } = await inspectInside(root, rel);
  if (state.kind === 'missing') return false;
  await unlink(absolute);
  return true;
}

/** Names of the real directories / regular files directly in `rel` (symlinks and others are reported). */
export async function listInside(
  root: string,
  rel: string,
): Promise<{ dirs: string[]; files: string[]; other: string[] }> {
  const out = { dirs: [] as string[], files: [] as string[], other: [] as string[] };
  let entries: Dirent[];
  try {
    if (rel !== '') {
      const st = await lstat(join(root, rel));
      if (!st.isDirectory()) {
        throw new CpansecError('UNSAFE_ENTRY', `${join(root, rel)} is not a directory`, { details: { path: rel } });
      }
    }
    // d_type from the directory itself (node lstat-s entries whose type the file system does not give).
    entries = await readdir(join(root, rel), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw wrapError(err, 'IO', `cannot list ${join(root, rel)}`);
  }
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.isDirectory()) out.dirs.push(entry.name);
    else if (entry.isFile()) out.files.push(entry.name);
    else out.other.push(entry.name);
  }
  return out;
}
