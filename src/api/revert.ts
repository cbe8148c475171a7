/**
 * `cpansec-patch revert <patch-id>… | --all --tree DIR`: put back the files
 * an applied patch changed, byte for byte and with their modes and owners,
 * from the images in `.cpansec/objects`. A file changed since the patch was
 * applied (drift) is not overwritten unless --force, and then what was there
 * is saved under `.cpansec/saved/`. Patches stacked on the same file are
 * reverted newest first; reverting an older one alone is refused.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveLimits } from '../core/limits.js';
import { fileCondition, laterOverlaps } from '../core/tree/state.js';
import { CpansecError } from '../errors.js';
import { writeFileAtomic } from '../files/atomic.js';
import { readTreeFile } from '../tree/files.js';
import { detectLayout } from '../tree/layout.js';
import { acquireLock } from '../tree/lock.js';
import { getObject, readJournal, readState, storeOf } from '../tree/store.js';
import { newTransactionId, runTransaction } from '../tree/transaction.js';
import { DEFAULT_WAIT_MS } from './apply-tree.js';
import type { Limits } from '../core/limits.js';
import type { AppliedPatch, FileCondition, FileImage } from '../core/tree/state.js';
import type { FsOps } from '../files/ops.js';
import type { TxFile } from '../tree/transaction.js';

export interface RevertOptions {
  tree: string;
  /** Patch ids to revert (at every install, or at `location`). */
  patchIds?: readonly string[];
  /** Revert every applied patch. */
  all?: boolean;
  /** Only the install at this library directory (as `status` shows it). */
  location?: string;
  /** Restore the originals even over files changed since (their content is saved first). */
  force?: boolean;
  dryRun?: boolean;
  waitMs?: number;
  limits?: Partial<Limits>;
  /** @internal */
  fsOps?: FsOps;
}

export interface RevertedFile {
  path: string;
  distPath: string;
  /** What the file was before the revert. */
  condition: FileCondition;
  action: 'restore' | 'delete' | 'none';
  /** Where a drifted file's content was saved (--force). */
  savedAs?: string;
}

export interface RevertedPatch {
  patchId: string;
  dist: string;
  version?: string;
  location: string;
  files: RevertedFile[];
}

export interface RevertResult {
  tree: string;
  dryRun: boolean;
  written: boolean;
  transaction?: string;
  reverted: RevertedPatch[];
}

function select(applied: readonly AppliedPatch[], options: RevertOptions): number[] {
  if (options.all === true) return applied.map((_, i) => i);
  const ids = new Set(options.patchIds ?? []);
  if (ids.size === 0) throw new CpansecError('USAGE', 'name the patches to revert, or pass --all');
  const picked = applied.flatMap((a, i) =>
    ids.has(a.patchId) && (options.location === undefined || a.location === options.location) ? [i] : [],
  );
  const missing = [...ids].filter((id) => !picked.some((i) => applied[i]?.patchId === id));
  if (missing.length > 0) {
    throw new CpansecError('PATCH_NOT_FOUND', `not applied in ${options.tree}: ${missing.join(', ')}`, {
      hint: `"cpansec-patch status --tree ${options.tree}" lists the applied patches`,
      details: { patchIds: missing },
    });
  }
  return picked;
}

/**
 * @throws CpansecError USAGE, PATCH_NOT_FOUND, PATCH_CONFLICT (a later patch changed the same file),
 *   DRIFT (files changed since; --force), LOCKED, READ_ONLY, IO — nothing is changed when any is thrown
 */
export async function revertTree(options: RevertOptions): Promise<RevertResult> {
  const limits = resolveLimits(options.limits);
  const dryRun = options.dryRun === true;
  const layout = await detectLayout(options.tree);
  const store = storeOf(layout.root, options.fsOps, limits.maxMetaFileBytes);
  const state = await readState(store);
  const picked = select(state.applied, options);
  if (picked.length === 0) return { tree: layout.root, dryRun, written: false, reverted: [] };
  let release = async (): Promise<void> => undefined;
  if (!dryRun) release = (await acquireLock(store.dir, 'revert', options.waitMs ?? DEFAULT_WAIT_MS)).release;
  try {
    if (await readJournal(store)) {
      throw new CpansecError(
        'LOCKED',
        `an earlier run on this tree was interrupted; run "cpansec-patch recover --tree ${options.tree}" first`,
        {
          details: { reason: 'interrupted' },
        },
      );
    }
    // Re-read under the lock: another run may have changed the state since.
    const locked = dryRun ? state : await readState(store);
    const indices = dryRun ? picked : select(locked.applied, options);
    const chosen = new Set(indices);
    for (const i of indices) {
      const blockers = laterOverlaps(locked, i).filter((b) => !chosen.has(locked.applied.indexOf(b)));
      if (blockers.length > 0) {
        const a = locked.applied[i] as AppliedPatch;
        throw new CpansecError(
          'PATCH_CONFLICT',
          `${a.patchId} cannot be reverted alone: ${blockers.map((b) => b.patchId).join(', ')} changed the same files later`,
          {
            hint: `revert those first, or together: cpansec-patch revert ${[...blockers.map((b) => b.patchId), a.patchId].join(' ')} --tree ${options.tree}`,
            details: { patchId: a.patchId, blockers: blockers.map((b) => b.patchId) },
          },
        );
      }
    }
    const txid = newTransactionId();
    const overlay = new Map<string, { bytes: Uint8Array | null; image: FileImage | null }>();
    const first = new Map<string, { image: FileImage | null; bytes: Uint8Array | null }>();
    const rmdirs = new Map<string, string[]>();
    const reverted: RevertedPatch[] = [];
    const drifted: string[] = [];
    const toSave: { path: string; bytes: Uint8Array }[] = [];
    // Newest first: each revert sees the files as the later patches' reverts left them.
    for (const i of [...indices].sort((a, b) => b - a)) {
      const a = locked.applied[i] as AppliedPatch;
      const files: RevertedFile[] = [];
      for (const f of a.files) {
        let now = overlay.get(f.path);
        if (now === undefined) {
          const read = await readTreeFile(layout.root, f.path, limits.maxFileBytes);
          now = read.kind === 'file' ? { bytes: read.bytes, image: read.image } : { bytes: null, image: null };
          first.set(f.path, now);
        }
        const condition = fileCondition(f, now.image);
        const report: RevertedFile = { path: f.path, distPath: f.distPath, condition, action: 'none' };
        if (condition === 'original') {
          files.push(report);
          continue;
        }
        if (condition !== 'applied') {
          if (options.force !== true) {
            drifted.push(`${a.patchId}: ${f.path} (${condition})`);
            files.push(report);
            continue;
          }
          if (now.bytes) {
            report.savedAs = `.cpansec/saved/${txid}/${f.path.replace(/\//g, '%')}`;
            toSave.push({ path: report.savedAs, bytes: now.bytes });
          }
        }
        const restored = f.before === null ? null : { bytes: await getObject(store, f.before.sha256), image: f.before };
        overlay.set(f.path, restored ?? { bytes: null, image: null });
        report.action = f.before === null ? 'delete' : 'restore';
        if (f.before === null && f.createdDirs) rmdirs.set(f.path, [...f.createdDirs].reverse());
        files.push(report);
      }
      reverted.push({
        patchId: a.patchId,
        dist: a.dist,
        ...(a.version ? { version: a.version } : {}),
        location: a.location,
        files,
      });
    }
    reverted.reverse();
    if (drifted.length > 0) {
      throw new CpansecError(
        'DRIFT',
        `files changed since the patch was applied; nothing was reverted:\n  ${drifted.join('\n  ')}`,
        {
          hint: 'they were edited or reinstalled after the patch; --force restores the originals anyway (saving what is there under .cpansec/saved/)',
          details: { drifted },
        },
      );
    }
    const base = { tree: layout.root, dryRun, reverted };
    const txFiles: TxFile[] = [];
    for (const [path, start] of first) {
      const end = overlay.get(path);
      if (end === undefined || (start.image?.sha256 ?? null) === (end.image?.sha256 ?? null)) continue;
      txFiles.push({
        path,
        before: start.image,
        after: end.image,
        ...(start.bytes ? { beforeBytes: start.bytes } : {}),
        ...(end.bytes ? { afterBytes: end.bytes } : {}),
        ...(rmdirs.has(path) ? { rmdirs: rmdirs.get(path) as string[] } : {}),
      });
    }
    const nextState = { ...locked, applied: locked.applied.filter((_, i) => !chosen.has(i)) };
    if (dryRun) return { ...base, written: false };
    if (toSave.length > 0) {
      // Saved before anything is restored: --force must not lose what someone put there.
      await mkdir(join(layout.root, '.cpansec', 'saved', txid), { recursive: true, mode: 0o700 });
      for (const s of toSave) await writeFileAtomic(join(layout.root, s.path), s.bytes, 0o600, store.ops);
    }
    const transaction = await runTransaction(store, { id: txid, op: 'revert', files: txFiles, state: nextState });
    return { ...base, written: txFiles.length > 0 || indices.length > 0, transaction };
  } finally {
    await release();
  }
}
