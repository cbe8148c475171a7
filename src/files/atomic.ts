/**
 * Writing a set of file changes into a directory so that either all of them
 * land or none does (on errors: everything done so far is rolled back).
 * Each file is written to a temp file in its own directory (O_EXCL,
 * O_NOFOLLOW), fsynced, then renamed over the target, so no reader ever sees
 * a half-written file. Crash safety across several files needs a journal;
 * the installed-tree adapter adds one on top of these primitives.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rmdir, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CpansecError, wrapError } from '../errors.js';
import { nodeFsOps, writeAll } from './ops.js';
import { inspectInside } from './safe-path.js';
import type { FsOps } from './ops.js';

export interface FileChange {
  /** Relative path inside the root (already validated by the core path policy). */
  path: string;
  /** New content, or null to delete the file. */
  content: Uint8Array | null;
  /** Permission bits for the new file; default: keep the old file's, or 0o644 for new files. */
  mode?: number;
  /** What the file held before (null = absent); used to roll back. */
  original: Uint8Array | null;
}

/** Maps a file-system error to our codes: a read-only location or a full disk get their own message. */
export function ioError(err: unknown, what: string): CpansecError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new CpansecError('READ_ONLY', `${what}: ${(err as Error).message}`, {
      hint: 'the location is not writable by this user; nothing was changed',
      cause: err,
    });
  }
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new CpansecError('IO', `${what}: the disk is full`, {
      hint: 'free some space and run again; nothing was changed',
      cause: err,
    });
  }
  return wrapError(err, 'IO', what);
}

async function fsyncDir(dir: string): Promise<void> {
  await nodeFsOps.syncDir(dir);
}

/** The name of a temp file beside `target`: hidden, unique, and recognisable as ours. */
export function tempNameBeside(target: string): string {
  return join(dirname(target), `.${basename(target)}.cpansec-${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Writes `content` to a fresh file (O_EXCL, O_NOFOLLOW, mode 0600 while it is
 * written), fsyncs it, then sets `mode`. On failure the file is removed.
 */
export async function writeNewFile(
  path: string,
  content: Uint8Array,
  mode: number,
  ops: FsOps = nodeFsOps,
): Promise<void> {
  const handle = await ops.openNew(path, 0o600);
  try {
    await writeAll(handle, content);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await ops.unlink(path).catch(() => undefined);
    throw err;
  }
  await handle.close();
  await ops.chmod(path, mode);
}

/** Writes `content` to a fresh temp file beside `target` and returns its path. */
export async function writeTempBeside(
  target: string,
  content: Uint8Array,
  mode: number,
  ops: FsOps = nodeFsOps,
): Promise<string> {
  const temp = tempNameBeside(target);
  await writeNewFile(temp, content, mode, ops);
  return temp;
}

/** Atomically replaces (or creates) one file. */
export async function writeFileAtomic(
  target: string,
  content: Uint8Array,
  mode = 0o644,
  ops: FsOps = nodeFsOps,
): Promise<void> {
  let temp: string | undefined;
  try {
    temp = await writeTempBeside(target, content, mode, ops);
    await ops.rename(temp, target);
    temp = undefined;
    await ops.syncDir(dirname(target));
  } catch (err) {
    if (temp !== undefined) await ops.unlink(temp).catch(() => undefined);
    throw ioError(err, `cannot write ${target}`);
  }
}

interface Staged {
  change: FileChange;
  absolute: string;
  temp: string | undefined;
  createdDirs: string[];
  originalMode: number;
  done: boolean;
}

/**
 * Applies every change or none. Paths are re-inspected here (no symlinks,
 * inside root) right before writing, to narrow the window between planning
 * and writing.
 */
export async function commitChanges(root: string, changes: readonly FileChange[]): Promise<void> {
  const staged: Staged[] = [];
  try {
    // Phase 1: everything that can fail without touching the targets.
    for (const change of changes) {
      const { absolute, state } = await inspectInside(root, change.path);
      const originalMode = state.kind === 'file' ? state.mode : 0o644;
      const entry: Staged = { change, absolute, temp: undefined, createdDirs: [], originalMode, done: false };
      staged.push(entry);
      if (change.content === null) continue;
      if (state.kind === 'missing') {
        const parts = change.path.split('/');
        for (let i = state.missingFrom; i < parts.length - 1; i++) {
          const dir = join(root, ...parts.slice(0, i + 1));
          await mkdir(dir, { mode: 0o755 });
          entry.createdDirs.push(dir);
        }
      }
      const mode = change.mode ?? originalMode;
      entry.temp = await writeTempBeside(absolute, change.content, mode);
    }
    // Phase 2: renames and unlinks, each atomic.
    for (const entry of staged) {
      if (entry.change.content === null) await unlink(entry.absolute);
      else await rename(entry.temp as string, entry.absolute);
      entry.temp = undefined;
      entry.done = true;
    }
    for (const dir of new Set(staged.map((s) => dirname(s.absolute)))) await fsyncDir(dir).catch(() => undefined);
  } catch (err) {
    await rollback(staged);
    throw ioError(err, 'cannot write the patched files (nothing was changed)');
  }
}

async function rollback(staged: Staged[]): Promise<void> {
  for (const entry of [...staged].reverse()) {
    if (entry.temp !== undefined) await unlink(entry.temp).catch(() => undefined);
    if (entry.done) {
      const { original } = entry.change;
      if (original === null) await unlink(entry.absolute).catch(() => undefined);
      else await writeFileAtomic(entry.absolute, original, entry.originalMode).catch(() => undefined);
    }
    for (const dir of [...entry.createdDirs].reverse()) await rmdir(dir).catch(() => undefined);
  }
}
