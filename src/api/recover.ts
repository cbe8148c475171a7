/**
 * `cpansec-patch recover --tree DIR [--rollback]`: finish (default) or roll
 * back a run that was interrupted (killed, power loss, a full disk that
 * outlasted the run's own rollback). Every file ends entirely before or
 * entirely after; files someone else changed since are left alone and listed.
 * A lock left by a dead process is broken; a live run's lock is respected.
 */
import { resolveLimits } from '../core/limits.js';
import { detectLayout } from '../tree/layout.js';
import { acquireLock } from '../tree/lock.js';
import { readJournal, storeOf } from '../tree/store.js';
import { recoverFromJournal } from '../tree/transaction.js';
import { DEFAULT_WAIT_MS } from './apply-tree.js';
import type { Limits } from '../core/limits.js';
import type { FsOps } from '../files/ops.js';
import type { RecoveryReport } from '../tree/transaction.js';

export interface RecoverOptions {
  tree: string;
  /** Undo the interrupted run instead of finishing it. A run stopped before its commit point is always undone. */
  rollback?: boolean;
  waitMs?: number;
  limits?: Partial<Limits>;
  /** @internal */
  fsOps?: FsOps;
}

export interface RecoverResult {
  tree: string;
  /** False when there was nothing to recover. */
  recovered: boolean;
  report?: RecoveryReport;
}

/** @throws CpansecError LOCKED (a live run), METADATA_INVALID (a damaged journal), READ_ONLY, IO */
export async function recoverTree(options: RecoverOptions): Promise<RecoverResult> {
  const limits = resolveLimits(options.limits);
  const layout = await detectLayout(options.tree);
  const store = storeOf(layout.root, options.fsOps, limits.maxMetaFileBytes);
  if ((await readJournal(store)) === undefined) return { tree: layout.root, recovered: false };
  const lock = await acquireLock(store.dir, 'recover', options.waitMs ?? DEFAULT_WAIT_MS);
  try {
    const report = await recoverFromJournal(store, options.rollback === true ? 'rollback' : 'finish');
    return { tree: layout.root, recovered: report !== undefined, ...(report ? { report } : {}) };
  } finally {
    await lock.release();
  }
}
