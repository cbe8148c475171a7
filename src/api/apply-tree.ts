/**
 * `cpansec-patch apply --tree DIR [--patch FILE …]`: patch installed Perl
 * distributions in place. Every patch is verified, mapped onto the installed
 * files and planned in memory first; then all files of the run change as one
 * journaled transaction (tree/transaction.ts) under the tree's lock, and the
 * state file records what was applied with the images before and after, so
 * that `revert` can restore the originals byte for byte.
 */
import { resolveLimits } from '../core/limits.js';
import { CpansecError } from '../errors.js';
import { scanLayout } from '../tree/discover.js';
import { detectLayout } from '../tree/layout.js';
import { acquireLock } from '../tree/lock.js';
import { ensureStore, readJournal, readState, removeStoreIfEmpty, storeOf } from '../tree/store.js';
import { runTransaction } from '../tree/transaction.js';
import { planAll } from './tree-batch.js';
import { loadPatchFile, trustedKeysFor } from './tree-patches.js';
import { treeRefusal } from './tree-refusal.js';
import { embeddedPublisherKeys, openTreePatchSource } from './tree-repo.js';
import type { Limits } from '../core/limits.js';
import type { FsOps } from '../files/ops.js';
import type { PublicKey } from '../sign/key-format.js';
import type { InstalledDist } from '../tree/discover.js';
import type { TreeLayout } from '../tree/layout.js';
import type { TreeFileReport } from './tree-plan.js';
import type { TreePatch, TreePatchSource } from './tree-patches.js';
import type { TreeRepositoryOptions } from './tree-repo.js';

export interface ApplyTreeOptions {
  /** The installed tree (a local::lib / Carton local/, a system root, a library directory). */
  tree: string;
  /** Patch files (`--patch`, repeatable). None: the repository's patches for what is installed. */
  patches?: readonly string[];
  /** The repository to take patches from when `patches` is empty (default: opened from `repo`). */
  repository?: TreePatchSource;
  /** Which repository to open when `patches` is empty and `repository` is not given (default: the embedded one). */
  repo?: TreeRepositoryOptions;
  /** Public key files trusted for `patches` (`--key`). */
  keys?: readonly string[];
  /** Keys trusted as well. Default, when no `keys` are given: the embedded repository's publisher keys. */
  trustedKeys?: readonly PublicKey[];
  /** Apply patch files without a verified signature, with a warning (`--allow-unsigned`). */
  allowUnsigned?: boolean;
  /** The distribution of patches whose header names none (`--dist`). */
  dist?: string;
  /** Context lines that may differ at each end of a hunk (`--fuzz`, default 0: exact). */
  fuzz?: number;
  /** Plan and report, change nothing (`--dry-run`). */
  dryRun?: boolean;
  /** How long to wait for another run's lock, in milliseconds (`--wait` seconds; default 10 s). */
  waitMs?: number;
  limits?: Partial<Limits>;
  /** Warnings as they happen (the CLI prints them on stderr); they are in the result too. */
  onWarning?: (message: string) => void;
  /** @internal Replaces the file-system writes (fault tests, the fsync benchmark). */
  fsOps?: FsOps;
}

export type TreeInstallOutcome =
  | 'applied'
  | 'would-apply'
  | 'already-applied'
  | 'not-affected'
  | 'nothing-to-apply'
  | 'needs-rebuild'
  | 'conflict'
  | 'missing-files'
  | 'drifted';

export interface TreeInstallResult {
  /** The install's library directory, relative to the tree. */
  location: string;
  version?: string;
  outcome: TreeInstallOutcome;
  /** clean / offset / fuzz, for applied patches. */
  planOutcome?: 'clean' | 'offset' | 'fuzz';
  /** already-applied: true when the state records it (revertible), false when the files already had it. */
  recorded?: boolean;
  files: TreeFileReport[];
}

export interface TreePatchResult {
  patchId: string;
  dist: string;
  origin: string;
  source: 'file' | 'repository';
  sha256: string;
  signedBy?: string;
  installs: TreeInstallResult[];
}

export interface TreeApplyResult {
  tree: string;
  layout: TreeLayout['kind'];
  dryRun: boolean;
  /** True when files were changed. */
  written: boolean;
  transaction?: string;
  patches: TreePatchResult[];
  warnings: string[];
}

export const DEFAULT_WAIT_MS = 10_000;

async function gatherPatches(
  options: ApplyTreeOptions,
  dists: InstalledDist[],
  warn: (m: string) => void,
): Promise<{ patch: TreePatch; installs: InstalledDist[] }[]> {
  const limits = resolveLimits(options.limits);
  if (options.patches && options.patches.length > 0) {
    // No --key: the publisher keys of the named repository, or of the embedded one (patches/keys).
    const fallback =
      options.keys?.length || options.trustedKeys
        ? []
        : options.repo?.repo !== undefined
          ? ((options.repository ?? (await openTreePatchSource(options.repo))).publisherKeys?.() ?? [])
          : await embeddedPublisherKeys();
    const keys = await trustedKeysFor({
      ...options,
      keys: options.keys ?? [],
      trustedKeys: [...(options.trustedKeys ?? []), ...fallback],
    });
    const out: { patch: TreePatch; installs: InstalledDist[] }[] = [];
    for (const path of options.patches) {
      const patch = await loadPatchFile(path, { ...options, limits, warn }, keys);
      if (patch.dist === undefined) {
        throw new CpansecError('USAGE', `${path} names no Distribution; pass --dist NAME`, {
          hint: 'patches from Debian or upstream have no cpansec header: say which distribution they are for',
          details: { patch: path },
        });
      }
      const installs = dists.filter((d) => d.dist === patch.dist);
      if (installs.length === 0) {
        throw new CpansecError('DIST_NOT_FOUND', `${patch.dist} is not installed in ${options.tree}`, {
          hint: `"cpansec-patch scan --tree ${options.tree}" lists what is installed there`,
          details: { dist: patch.dist, patch: path },
        });
      }
      const twin = out.find((o) => o.patch.id === patch.id);
      if (twin) {
        throw new CpansecError('USAGE', `${twin.patch.origin} and ${path} are both patch ${patch.id}`, {
          hint: 'the state file knows patches by their Patch-Id (or file name without one): rename one of them',
          details: { patchId: patch.id },
        });
      }
      out.push({ patch, installs });
    }
    return out;
  }
  const repo = options.repository ?? (await openTreePatchSource(options.repo));
  const loaded = new Map<string, TreePatch>();
  const byPatch = new Map<string, InstalledDist[]>();
  for (const d of dists) {
    if (d.version === undefined) {
      warn(`${d.dist} at ${d.location}: version unknown, no repository patch can be matched`);
      continue;
    }
    for (const advice of repo.upgradeAdvice?.(d.dist, d.version) ?? []) warn(advice);
    for (const id of repo.forDistribution(d.dist, d.version)) {
      if (!loaded.has(id)) loaded.set(id, await repo.load(id));
      byPatch.set(id, [...(byPatch.get(id) ?? []), d]);
    }
  }
  return [...byPatch].map(([id, installs]) => ({ patch: loaded.get(id) as TreePatch, installs }));
}

/**
 * @throws CpansecError USAGE, DIST_NOT_FOUND, UNSIGNED, SIGNATURE_*, KEY_*, PATCH_CONFLICT,
 *   PATCH_UNSUPPORTED (compiled code: rebuild from a patched tarball), FILE_NOT_FOUND, DRIFT,
 *   SYMLINK_ESCAPE, UNSAFE_PATH, LOCKED, READ_ONLY, IO — nothing is changed when any is thrown
 */
export async function applyPatchesToTree(options: ApplyTreeOptions): Promise<TreeApplyResult> {
  const limits = resolveLimits(options.limits);
  const fuzz = options.fuzz ?? 0;
  if (!Number.isInteger(fuzz) || fuzz < 0 || fuzz > limits.maxFuzz) {
    throw new CpansecError('USAGE', `--fuzz must be a whole number from 0 to ${limits.maxFuzz}, got ${fuzz}`);
  }
  const warnings: string[] = [];
  const warn = (m: string): void => {
    warnings.push(m);
    options.onWarning?.(m);
  };
  const dryRun = options.dryRun === true;
  const layout = await detectLayout(options.tree);
  const store = storeOf(layout.root, options.fsOps, limits.maxMetaFileBytes);
  let release = async (): Promise<void> => undefined;
  let created = false;
  if (!dryRun) {
    created = (await ensureStore(store)).created;
    try {
      release = (await acquireLock(store.dir, 'apply', options.waitMs ?? DEFAULT_WAIT_MS)).release;
    } catch (err) {
      if (created) await removeStoreIfEmpty(store);
      throw err;
    }
  }
  let ok = false;
  try {
    if (await readJournal(store)) {
      const msg = 'an earlier run on this tree was interrupted';
      if (!dryRun) {
        throw new CpansecError('LOCKED', `${msg}; run "cpansec-patch recover --tree ${options.tree}" first`, {
          hint: 'recover finishes the interrupted run (or rolls it back with --rollback)',
          details: { reason: 'interrupted' },
        });
      }
      warn(`${msg}; the dry run shows the files as they are now`);
    }
    const dists = await scanLayout(layout, limits);
    const work = await gatherPatches(options, dists, warn);
    const state = await readState(store);
    const result = await planAll(layout.root, work, state, { fuzz, limits, warn, dryRun });
    const base = { tree: layout.root, layout: layout.kind, dryRun, warnings };
    const failure = treeRefusal(result.patches, options.repository !== undefined && !options.patches?.length);
    if (failure) throw failure;
    if (dryRun || result.tx.files.length === 0) {
      ok = true;
      return { ...base, written: false, patches: result.patches };
    }
    const transaction = await runTransaction(store, result.tx);
    ok = true;
    for (const p of result.patches) for (const i of p.installs) if (i.outcome === 'would-apply') i.outcome = 'applied';
    return { ...base, written: true, transaction, patches: result.patches };
  } finally {
    await release();
    // A failed first run leaves no trace: the store it made is removed again (when empty).
    if (!ok && created) await removeStoreIfEmpty(store);
  }
}
