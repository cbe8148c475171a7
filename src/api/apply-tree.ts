/**
 * `cpansec-patch apply --tree DIR [--patch FILE …]`: patch installed Perl
 * distributions in place. Every patch is verified, mapped onto the installed
 * files and planned in memory first; then all files of the run change as one
 * journaled transaction (tree/transaction.ts) under the tree's lock, and the
 * state file records what was applied with the images before and after, so
 * that `revert` can restore the originals byte for byte.
 */
import { resolveLimits } from '../core/limits.js';
import { isAffected } from '../core/version/affected.js';
import { tryParseVersion } from '../core/version/cpan-version.js';
import { fileCondition, findApplied } from '../core/tree/state.js';
import { CpansecError } from '../errors.js';
import { scanLayout } from '../tree/discover.js';
import { hashTreeFile } from '../tree/files.js';
import { detectLayout } from '../tree/layout.js';
import { acquireLock } from '../tree/lock.js';
import { ensureStore, readJournal, readState, removeStoreIfEmpty, storeOf } from '../tree/store.js';
import { newTransactionId, runTransaction } from '../tree/transaction.js';
import { planPatchForSite } from './tree-plan.js';
import { loadPatchFile, trustedKeysFor } from './tree-patches.js';
import { treeRefusal } from './tree-refusal.js';
import { embeddedPublisherKeys, openTreePatchSource } from './tree-repo.js';
import type { Limits } from '../core/limits.js';
import type { AppliedPatch, FileImage, TreeState } from '../core/tree/state.js';
import type { FsOps } from '../files/ops.js';
import type { PublicKey } from '../sign/key-format.js';
import type { InstalledDist } from '../tree/discover.js';
import type { TreeLayout } from '../tree/layout.js';
import type { Transaction, TxFile } from '../tree/transaction.js';
import type { PlannedChange, TreeFileReport } from './tree-plan.js';
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
    const fallback = options.keys?.length || options.trustedKeys ? [] : await embeddedPublisherKeys();
    const keys = await trustedKeysFor({
      ...options,
      keys: options.keys ?? [],
      trustedKeys: [...(options.trustedKeys ?? []), ...fallback],
    });
    const out = [];
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
    for (const id of repo.forDistribution(d.dist, d.version)) {
      if (!loaded.has(id)) loaded.set(id, await repo.load(id));
      byPatch.set(id, [...(byPatch.get(id) ?? []), d]);
    }
  }
  return [...byPatch].map(([id, installs]) => ({ patch: loaded.get(id) as TreePatch, installs }));
}

function affects(patch: TreePatch, install: InstalledDist, warn: (m: string) => void): boolean {
  if (patch.affected === undefined) return true;
  const v = install.version === undefined ? undefined : tryParseVersion(install.version);
  if (v === undefined) {
    warn(`${patch.id}: the version of ${install.dist} at ${install.location} is unknown; checking the files only`);
    return true;
  }
  return isAffected(patch.affected, v, patch.fixed);
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

interface PlanAllOptions {
  fuzz: number;
  limits: Readonly<Limits>;
  warn: (m: string) => void;
  dryRun: boolean;
}

async function planAll(
  root: string,
  work: { patch: TreePatch; installs: InstalledDist[] }[],
  state: TreeState,
  options: PlanAllOptions,
): Promise<{ patches: TreePatchResult[]; tx: Transaction }> {
  const overlay = new Map<string, { bytes: Uint8Array | null; image: FileImage | null }>();
  const first = new Map<string, { before: FileImage | null; bytes: Uint8Array | null; mkdirs: string[] }>();
  const applied: AppliedPatch[] = [];
  let nextState = state;
  const patches: TreePatchResult[] = [];
  const now = new Date().toISOString();
  const id = newTransactionId();
  for (const { patch, installs } of work) {
    const results: TreeInstallResult[] = [];
    for (const install of installs) {
      const base = { location: install.location, ...(install.version ? { version: install.version } : {}) };
      if (!affects(patch, install, options.warn)) {
        results.push({ ...base, outcome: 'not-affected', files: [] });
        continue;
      }
      const at = findApplied(nextState, patch.id, install.location);
      if (at >= 0) {
        const record = nextState.applied[at] as AppliedPatch;
        const conditions = await Promise.all(
          record.files.map(async (f) => {
            const h = await hashTreeFile(root, f.path, options.limits.maxFileBytes);
            return fileCondition(f, h === 'unreadable' ? { sha256: 'unreadable' } : h === null ? null : { sha256: h });
          }),
        );
        if (conditions.every((c) => c === 'applied')) {
          results.push({ ...base, outcome: 'already-applied', recorded: true, files: [] });
          continue;
        }
        if (!conditions.every((c) => c === 'original')) {
          results.push({
            ...base,
            outcome: 'drifted',
            files: record.files.map((f, i) => ({
              distPath: f.distPath,
              installed: f.path,
              action: 'skip',
              reason: conditions[i] as string,
            })),
          });
          continue;
        }
        // The originals are back (a reinstall of the same version): the old record is stale.
        nextState = { ...nextState, applied: nextState.applied.filter((_, i) => i !== at) };
      }
      const plan = await planPatchForSite(root, patch, install, { get: (p) => overlay.get(p) }, options);
      if (plan.kind !== 'ok') {
        results.push({
          ...base,
          outcome: plan.kind,
          ...(plan.kind === 'already-applied' ? { recorded: false } : {}),
          files: plan.files,
        });
        continue;
      }
      for (const c of plan.changes) applyToOverlay(c, overlay, first);
      applied.push(recordOf(patch, install, plan.outcome, plan.changes, now, id));
      results.push({ ...base, outcome: 'would-apply', planOutcome: plan.outcome, files: plan.files });
    }
    patches.push({
      patchId: patch.id,
      dist: patch.dist as string,
      origin: patch.origin,
      source: patch.source,
      sha256: patch.sha256,
      ...(patch.signedBy ? { signedBy: patch.signedBy } : {}),
      installs: results,
    });
  }
  const files: TxFile[] = [];
  for (const [path, start] of first) {
    const end = overlay.get(path);
    if (end === undefined || (start.before?.sha256 ?? null) === (end.image?.sha256 ?? null)) continue;
    files.push({
      path,
      before: start.before,
      after: end.image,
      ...(start.bytes ? { beforeBytes: start.bytes } : {}),
      ...(end.bytes ? { afterBytes: end.bytes } : {}),
      mkdirs: start.mkdirs,
    });
  }
  return {
    patches,
    tx: { id, op: 'apply', files, state: { ...nextState, applied: [...nextState.applied, ...applied] } },
  };
}

function applyToOverlay(
  c: PlannedChange,
  overlay: Map<string, { bytes: Uint8Array | null; image: FileImage | null }>,
  first: Map<string, { before: FileImage | null; bytes: Uint8Array | null; mkdirs: string[] }>,
): void {
  if (!first.has(c.path)) first.set(c.path, { before: c.before, bytes: c.beforeBytes, mkdirs: c.mkdirs });
  overlay.set(c.path, { bytes: c.afterBytes, image: c.after });
}

function recordOf(
  patch: TreePatch,
  install: InstalledDist,
  outcome: 'clean' | 'offset' | 'fuzz',
  changes: PlannedChange[],
  at: string,
  transaction: string,
): AppliedPatch {
  return {
    patchId: patch.id,
    dist: install.dist,
    ...(install.version ? { version: install.version } : {}),
    location: install.location,
    patchSha256: patch.sha256,
    source: patch.source,
    origin: patch.origin,
    ...(patch.signedBy ? { signedBy: patch.signedBy } : {}),
    appliedAt: at,
    transaction,
    outcome,
    files: changes.map((c) => ({
      path: c.path,
      distPath: c.distPath,
      before: c.before,
      after: c.after,
      ...(c.mkdirs.length > 0 ? { createdDirs: c.mkdirs } : {}),
    })),
  };
}
