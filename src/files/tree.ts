/**
 * Reading the files a patch needs from a directory: only the named paths,
 * each checked by inspectInside (no symlinks, inside the root, regular files).
 */
import { CpansecError } from '../errors.js';
import { readFileLimited } from './read.js';
import { inspectInside } from './safe-path.js';

export interface TreeFile {
  bytes: Uint8Array;
  /** Permission bits (st_mode & 0o7777). */
  mode: number;
}

export async function readFilesInside(
  root: string,
  paths: readonly string[],
  maxBytes: number,
): Promise<Map<string, TreeFile>> {
  const out = new Map<string, TreeFile>();
  for (const path of new Set(paths)) {
    const { absolute, state } = await inspectInside(root, path);
    if (state.kind === 'missing') continue;
    out.set(path, { bytes: await readFileLimited(absolute, maxBytes, 'file'), mode: state.mode });
  }
  return out;
}

/** Fails clearly when the target directory is missing or not a directory. */
export async function requireDirectory(path: string, what = 'directory'): Promise<void> {
  const { stat } = await import('node:fs/promises');
  let isDir = false;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch {
    throw new CpansecError('FILE_NOT_FOUND', `${what} not found: ${path}`, {
      hint: 'check the --dir path',
      details: { path },
    });
  }
  if (!isDir) throw new CpansecError('USAGE', `${what} is not a directory: ${path}`, { details: { path } });
}
