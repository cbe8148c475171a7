/**
 * The tree's own directory, `<tree>/.cpansec/`:
 *
 *   lock           who is changing the tree now (tree/lock.ts)
 *   journal.json   the run in progress (core/tree/journal.ts)
 *   state.json     what is applied (core/tree/state.ts)
 *   objects/<sha256>  every file image the state or a journal refers to
 *
 * Objects are content-addressed and written once (temp + fsync + rename), so
 * a crash never leaves a half-written backup under a valid name; reading one
 * checks its hash. Every write goes through FsOps (files/ops.ts) so that the
 * tests can fill the disk and the benchmark can time fsync.
 */
import { lstat, readdir, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { parseJournal, formatJournal } from '../core/tree/journal.js';
import { emptyState, formatState, parseState, referencedObjects } from '../core/tree/state.js';
import { encodeUtf8 } from '../core/bytes.js';
import { CpansecError } from '../errors.js';
import { ioError, writeFileAtomic, writeNewFile, tempNameBeside } from '../files/atomic.js';
import { sha256Hex } from '../files/hash.js';
import { nodeFsOps } from '../files/ops.js';
import { readFileHead, readFileLimited } from '../files/read.js';
import type { Journal } from '../core/tree/journal.js';
import type { TreeState } from '../core/tree/state.js';
import type { FsOps } from '../files/ops.js';

export const STORE_DIR = '.cpansec';

export interface Store {
  root: string;
  dir: string;
  ops: FsOps;
  maxBytes: number;
}

export function storeOf(root: string, ops: FsOps = nodeFsOps, maxBytes = 64 * 1024 * 1024): Store {
  return { root, dir: join(root, STORE_DIR), ops, maxBytes };
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** The store must be a real directory of ours: a symlink there would redirect every write. */
async function checkStoreDir(store: Store): Promise<boolean> {
  let st;
  try {
    st = await lstat(store.dir);
  } catch {
    return false;
  }
  if (!st.isDirectory()) {
    throw new CpansecError('SYMLINK_ESCAPE', `${store.dir} is not a directory (a symbolic link or a file)`, {
      hint: 'cpansec-patch keeps its journal and backups there; remove it if you did not make it',
      details: { path: store.dir },
    });
  }
  // objects/ too: a link there would send every backup, and every restore, elsewhere.
  const objects = await lstat(join(store.dir, 'objects')).catch(() => undefined);
  if (objects !== undefined && !objects.isDirectory()) {
    throw new CpansecError(
      'SYMLINK_ESCAPE',
      `${join(store.dir, 'objects')} is not a directory (a symbolic link or a file)`,
      {
        details: { path: join(store.dir, 'objects') },
      },
    );
  }
  return true;
}

/** Creates .cpansec/ and objects/ when missing. @throws READ_ONLY when the tree is not writable */
export async function ensureStore(store: Store): Promise<{ created: boolean }> {
  const had = await checkStoreDir(store);
  try {
    if (!had) await store.ops.mkdir(store.dir, 0o755);
    if (!(await exists(join(store.dir, 'objects')))) await store.ops.mkdir(join(store.dir, 'objects'), 0o700);
  } catch (err) {
    throw ioError(err, `cannot create ${store.dir}`);
  }
  return { created: !had };
}

export async function readState(store: Store): Promise<TreeState> {
  if (!(await checkStoreDir(store))) return emptyState();
  const path = join(store.dir, 'state.json');
  let bytes: Uint8Array;
  try {
    bytes = await readFileLimited(path, store.maxBytes, 'state file');
  } catch (err) {
    if (err instanceof CpansecError && err.code === 'FILE_NOT_FOUND') return emptyState();
    throw err;
  }
  return parseState(new TextDecoder().decode(bytes));
}

export async function writeState(store: Store, state: TreeState): Promise<void> {
  await writeFileAtomic(join(store.dir, 'state.json'), encodeUtf8(formatState(state)), 0o644, store.ops);
}

export async function readJournal(store: Store): Promise<Journal | undefined> {
  if (!(await checkStoreDir(store))) return undefined;
  const path = join(store.dir, 'journal.json');
  let bytes: Uint8Array;
  try {
    bytes = await readFileLimited(path, store.maxBytes, 'journal');
  } catch (err) {
    if (err instanceof CpansecError && err.code === 'FILE_NOT_FOUND') return undefined;
    throw err;
  }
  return parseJournal(new TextDecoder().decode(bytes));
}

export async function writeJournal(store: Store, journal: Journal): Promise<void> {
  await writeFileAtomic(join(store.dir, 'journal.json'), encodeUtf8(formatJournal(journal)), 0o644, store.ops);
}

export async function removeJournal(store: Store): Promise<void> {
  try {
    await store.ops.unlink(join(store.dir, 'journal.json'));
    await store.ops.syncDir(store.dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(err, 'cannot remove the journal');
  }
}

const objectPath = (store: Store, sha: string): string => join(store.dir, 'objects', sha);

/** Stores `bytes` under its sha256 unless an intact copy is there. Returns whether a file was written. */
export async function putObject(store: Store, bytes: Uint8Array, sha = sha256Hex(bytes)): Promise<boolean> {
  const path = objectPath(store, sha);
  if ((await readObjectOrUndefined(store, sha)) !== undefined) return false;
  // A damaged copy (a crash of an older version, a disk error) is replaced.
  await store.ops.unlink(path).catch(() => undefined);
  const temp = tempNameBeside(path);
  try {
    await writeNewFile(temp, bytes, 0o400, store.ops);
    await store.ops.rename(temp, path);
  } catch (err) {
    await store.ops.unlink(temp).catch(() => undefined);
    throw ioError(err, `cannot store a backup in ${store.dir}`);
  }
  return true;
}

async function readObjectOrUndefined(store: Store, sha: string): Promise<Uint8Array | undefined> {
  const head = await readFileHead(objectPath(store, sha), store.maxBytes);
  if (head === undefined || !head.complete || sha256Hex(head.bytes) !== sha) return undefined;
  return head.bytes;
}

/** @throws IO when the object is missing or damaged (its hash differs) */
export async function getObject(store: Store, sha: string): Promise<Uint8Array> {
  const bytes = await readObjectOrUndefined(store, sha);
  if (bytes === undefined) {
    throw new CpansecError('IO', `the backup ${sha.slice(0, 12)}… is missing or damaged in ${store.dir}/objects`, {
      hint: 'the original of this file cannot be restored from the tree; reinstall the distribution',
      details: { sha256: sha },
    });
  }
  return bytes;
}

export async function syncObjects(store: Store): Promise<void> {
  await store.ops.syncDir(join(store.dir, 'objects'));
}

/** Removes objects no longer referenced by `state` (or `keep`). Best effort: an orphan only costs space. */
export async function collectGarbage(store: Store, state: TreeState, keep: Iterable<string> = []): Promise<void> {
  const live = referencedObjects(state);
  for (const k of keep) live.add(k);
  let names: string[];
  try {
    names = await readdir(join(store.dir, 'objects'));
  } catch {
    return;
  }
  for (const name of names) {
    if (live.has(name)) continue;
    await unlink(join(store.dir, 'objects', name)).catch(() => undefined);
  }
}

/** Removes .cpansec/ again when a first run failed before storing anything (only empty directories go). */
export async function removeStoreIfEmpty(store: Store): Promise<void> {
  await rmdir(join(store.dir, 'objects')).catch(() => undefined);
  await rmdir(store.dir).catch(() => undefined);
}
