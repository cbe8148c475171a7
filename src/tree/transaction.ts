/**
 * Changing a set of installed files as one unit, across crashes
 * (the protocol is in core/tree/journal.ts; docs/installed-trees.md has it
 * with the reasons). runTransaction is used by apply and revert alike: a
 * revert is a transaction whose after-images are the originals.
 */
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { JOURNAL_FORMAT, planRecovery } from '../core/tree/journal.js';
import { CpansecError } from '../errors.js';
import { ioError, tempNameBeside, writeNewFile } from '../files/atomic.js';
import { sha256Hex } from '../files/hash.js';
import { readFileLimited } from '../files/read.js';
import { inspectInside } from '../files/safe-path.js';
import { faultPoint } from './fault.js';
import {
  collectGarbage,
  getObject,
  putObject,
  readJournal,
  readState,
  removeJournal,
  syncObjects,
  writeJournal,
  writeState,
} from './store.js';
import type { Journal, JournalFile, Observed, RecoveryPlan } from '../core/tree/journal.js';
import type { FileImage, TreeState } from '../core/tree/state.js';
import type { Store } from './store.js';

export interface TxFile {
  path: string;
  before: FileImage | null;
  after: FileImage | null;
  /** The images' bytes when the caller has them (apply); otherwise they come from objects/. */
  beforeBytes?: Uint8Array;
  afterBytes?: Uint8Array;
  mkdirs?: string[];
  rmdirs?: string[];
}

export interface Transaction {
  /** Default: a fresh id (newTransactionId). */
  id?: string;
  op: 'apply' | 'revert';
  files: TxFile[];
  /** The state once the transaction is done (lastTransaction is filled in here). */
  state: TreeState;
  /**
   * Images the new state refers to besides the files' before and after: the
   * steps between patches stacked on one file in the same run, which a
   * revert of the later patch alone restores.
   */
  objects?: ReadonlyMap<string, Uint8Array>;
}

/** sha256 of a tree file now (null = absent); refuses symlinks and non-files like every other access. */
async function currentHash(root: string, path: string, maxBytes: number): Promise<string | null> {
  const { absolute, state } = await inspectInside(root, path);
  if (state.kind === 'missing') return null;
  return sha256Hex(await readFileLimited(absolute, maxBytes, 'file'));
}

async function setOwner(store: Store, path: string, image: FileImage): Promise<void> {
  if (image.uid === undefined || image.gid === undefined) return;
  if (image.uid === process.getuid?.() && image.gid === process.getgid?.()) return;
  await store.ops.chown(path, image.uid, image.gid);
}

/** Writes `bytes` as the temp file `temp` (tree-relative) with the image's mode and owner. */
async function stage(store: Store, temp: string, bytes: Uint8Array, image: FileImage): Promise<void> {
  const abs = join(store.root, temp);
  await writeNewFile(abs, bytes, image.mode, store.ops);
  try {
    await setOwner(store, abs, image);
  } catch (err) {
    await store.ops.unlink(abs).catch(() => undefined);
    throw err;
  }
}

/** Makes sure objects/ holds `image`: stores the bytes when given, else checks the copy there. */
async function ensureObject(store: Store, image: FileImage | null, bytes: Uint8Array | undefined): Promise<void> {
  if (image === null) return;
  if (bytes !== undefined) await putObject(store, bytes, image.sha256);
  else await getObject(store, image.sha256);
}

export function newTransactionId(): string {
  return `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
}

async function undoStaging(store: Store, journal: Journal, made: string[]): Promise<void> {
  for (const f of journal.files)
    if (f.temp !== null) await store.ops.unlink(join(store.root, f.temp)).catch(() => undefined);
  for (const d of [...made].reverse()) await store.ops.rmdir(join(store.root, d)).catch(() => undefined);
  await removeJournal(store).catch(() => undefined);
  // The run's objects are referenced by nothing now.
  await collectGarbage(store, await readState(store)).catch(() => undefined);
}

/**
 * Runs a transaction. On an error before the commit point nothing has
 * changed; after it, the run is rolled back from the journal, or, if even
 * that fails, the journal stays for `recover` and the error says so.
 * @throws READ_ONLY, IO (nothing changed), DRIFT (a target changed since planning; nothing changed)
 */
export async function runTransaction(store: Store, tx: Transaction): Promise<string> {
  const id = tx.id ?? newTransactionId();
  // 1. Every image the journal may need, durable before anything else.
  try {
    for (const f of tx.files) {
      await ensureObject(store, f.before, f.beforeBytes);
      await ensureObject(store, f.after, f.afterBytes);
    }
    for (const [sha, bytes] of tx.objects ?? []) await putObject(store, bytes, sha);
    await syncObjects(store);
  } catch (err) {
    await collectGarbage(store, await readState(store)).catch(() => undefined);
    throw err instanceof CpansecError ? err : ioError(err, 'cannot store the backups (nothing was changed)');
  }
  await faultPoint('objects-written');

  const files: JournalFile[] = tx.files.map((f) => ({
    path: f.path,
    before: f.before,
    after: f.after,
    temp: f.after === null ? null : tempNameBeside(f.path),
    mkdirs: f.mkdirs ?? [],
    rmdirs: f.rmdirs ?? [],
  }));
  const state: TreeState = { ...tx.state, updatedAt: new Date().toISOString(), lastTransaction: id };
  const journal: Journal = {
    format: JOURNAL_FORMAT,
    id,
    op: tx.op,
    phase: 'staging',
    pid: process.pid,
    startedAt: new Date().toISOString(),
    files,
    state,
  };
  try {
    await writeJournal(store, journal);
  } catch (err) {
    await undoStaging(store, journal, []);
    throw ioError(err, 'cannot write the journal (nothing was changed)');
  }
  await faultPoint('journal-staging');

  // 2. Temps beside the targets; the targets are untouched so far.
  const made: string[] = [];
  try {
    for (const [i, f] of files.entries()) {
      for (const d of f.mkdirs) {
        await store.ops.mkdir(join(store.root, d), 0o755);
        made.push(d);
      }
      const src = tx.files[i] as TxFile;
      if (f.after === null || f.temp === null) continue;
      const bytes = src.afterBytes ?? (await getObject(store, f.after.sha256));
      await stage(store, f.temp, bytes, f.after);
      await faultPoint('temp-written');
    }
    // Nobody may have changed a target since it was planned (we hold the lock; dpkg does not know it).
    for (const f of files) {
      const now = await currentHash(store.root, f.path, store.maxBytes);
      if (now !== (f.before?.sha256 ?? null)) {
        throw new CpansecError('DRIFT', `${f.path} changed while the run was being prepared; nothing was changed`, {
          hint: 'run the command again',
          details: { path: f.path },
        });
      }
    }
    for (const d of new Set(files.filter((f) => f.temp !== null).map((f) => dirname(join(store.root, f.path))))) {
      await store.ops.syncDir(d);
    }
  } catch (err) {
    await undoStaging(store, journal, made);
    throw err instanceof CpansecError ? err : ioError(err, 'cannot prepare the new files (nothing was changed)');
  }

  // 3. The commit point.
  await writeJournal(store, { ...journal, phase: 'committing' });
  await faultPoint('journal-committing');
  try {
    for (const f of files) {
      const target = join(store.root, f.path);
      if (f.after === null) await store.ops.unlink(target);
      else await store.ops.rename(join(store.root, f.temp as string), target);
      await faultPoint('renamed');
    }
    for (const f of files) for (const d of f.rmdirs) await store.ops.rmdir(join(store.root, d)).catch(() => undefined);
    for (const d of new Set(files.map((f) => dirname(join(store.root, f.path)))))
      await store.ops.syncDir(d).catch(() => undefined);
    await writeState(store, state);
    await faultPoint('state-written');
  } catch (err) {
    const cause = ioError(err, 'writing the files failed');
    try {
      await recoverFromJournal(store, 'rollback');
    } catch (again) {
      throw new CpansecError('IO', `${cause.message}; rolling back failed too: ${(again as Error).message}`, {
        hint: 'the journal is kept: run `cpansec-patch recover --tree DIR` once the cause is fixed',
        cause: err,
      });
    }
    throw new CpansecError(cause.code, `${cause.message} (rolled back: nothing was changed)`, {
      ...(cause.hint ? { hint: cause.hint } : {}),
      cause: err,
    });
  }
  await removeJournal(store);
  await faultPoint('journal-removed');
  await collectGarbage(store, state);
  return id;
}

export interface RecoveryReport {
  transaction: string;
  op: 'apply' | 'revert';
  phase: 'staging' | 'committing';
  startedAt: string;
  outcome: RecoveryPlan['outcome'];
  /** Files put into the chosen direction's image now. */
  changed: string[];
  /** Files that already were. */
  settled: string[];
  /** Files someone else changed since; left as they are. */
  foreign: string[];
}

async function writeImage(store: Store, path: string, image: FileImage): Promise<void> {
  const { state } = await inspectInside(store.root, path);
  if (state.kind === 'missing') {
    // A parent directory the run had removed: make it again.
    const parts = path.split('/');
    for (let i = state.missingFrom; i < parts.length - 1; i++) {
      await store.ops.mkdir(join(store.root, ...parts.slice(0, i + 1)), 0o755).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
    }
  }
  const bytes = await getObject(store, image.sha256);
  const temp = tempNameBeside(path);
  await stage(store, temp, bytes, image);
  await store.ops.rename(join(store.root, temp), join(store.root, path));
}

/**
 * Completes (`finish`) or undoes (`rollback`) the run a journal describes.
 * Returns undefined when there is no journal. The caller holds the lock.
 */
export async function recoverFromJournal(
  store: Store,
  want: 'finish' | 'rollback',
): Promise<RecoveryReport | undefined> {
  const journal = await readJournal(store);
  if (journal === undefined) return undefined;
  const disk = await readState(store);
  const observed = new Map<string, Observed>();
  for (const f of journal.files) {
    const target = await currentHash(store.root, f.path, store.maxBytes).catch(() => 'unreadable');
    const temp = f.temp === null ? null : await currentHash(store.root, f.temp, store.maxBytes).catch(() => null);
    observed.set(f.path, { target, temp });
  }
  const plan = planRecovery(journal, disk, observed, want);
  const changed: string[] = [];
  for (const a of plan.actions) {
    try {
      switch (a.kind) {
        case 'rename-temp':
          await store.ops.rename(join(store.root, a.temp), join(store.root, a.path));
          changed.push(a.path);
          break;
        case 'write-object':
          await writeImage(store, a.path, a.image);
          changed.push(a.path);
          break;
        case 'delete':
          await store.ops.unlink(join(store.root, a.path));
          changed.push(a.path);
          break;
        case 'remove-temp':
          await store.ops.unlink(join(store.root, a.temp)).catch(() => undefined);
          break;
        case 'rmdir':
          await store.ops.rmdir(join(store.root, a.dir)).catch(() => undefined);
          break;
      }
    } catch (err) {
      throw ioError(err, `recovery could not ${a.kind} ${'path' in a ? a.path : 'temp' in a ? a.temp : a.dir}`);
    }
  }
  for (const d of new Set(journal.files.map((f) => dirname(join(store.root, f.path)))))
    await store.ops.syncDir(d).catch(() => undefined);
  const finalState = plan.state ?? disk;
  if (plan.state !== undefined) await writeState(store, plan.state);
  await removeJournal(store);
  await collectGarbage(store, finalState);
  return {
    transaction: journal.id,
    op: journal.op,
    phase: journal.phase,
    startedAt: journal.startedAt,
    outcome: plan.outcome,
    changed,
    settled: plan.settled,
    foreign: plan.foreign,
  };
}
