/**
 * `cpansec-patch status [--tree DIR …]`: for each tree, what is applied (and
 * whether its files are still as we left them), what drifted, what the
 * repository has for the installed versions, what was revoked since, and
 * whether a run was interrupted. Reads only: it takes no lock and writes
 * nothing, so it works on read-only trees too.
 */
import { resolveLimits } from '../core/limits.js';
import { diffstat } from '../core/patch/diffstat.js';
import { classifyDistPath } from '../core/tree/path-map.js';
import { fileCondition } from '../core/tree/state.js';
import { scanLayout } from '../tree/discover.js';
import { hashTreeFile } from '../tree/files.js';
import { inspectLock } from '../tree/lock.js';
import { readJournal, readState, storeOf } from '../tree/store.js';
import { resolveLayouts } from './scan.js';
import { openTreePatchSource } from './tree-repo.js';
import { CpansecError, wrapError } from '../errors.js';
import type { Limits } from '../core/limits.js';
import type { FileCondition } from '../core/tree/state.js';
import type { TreeLayout } from '../tree/layout.js';
import type { LockInfo } from '../core/tree/lock.js';
import type { TreePatchSource } from './tree-patches.js';
import type { TreeRepositoryOptions } from './tree-repo.js';

export interface StatusOptions {
  /** Trees to report on; default: the running perl's site and vendor trees. */
  trees?: readonly string[];
  /** The repository, for "available" and "revoked" (default: opened from `repo`). */
  repository?: TreePatchSource;
  /** Which repository to open (default: the embedded one); false: none. */
  repo?: TreeRepositoryOptions | false;
  perl?: string;
  limits?: Partial<Limits>;
}

export interface AppliedStatus {
  patchId: string;
  dist: string;
  /** The version it was applied to. */
  version?: string;
  /** The version installed now, when it differs (the dist was upgraded or reinstalled). */
  installedVersion?: string;
  location: string;
  appliedAt: string;
  source: 'file' | 'repository';
  origin?: string;
  signedBy?: string;
  /** applied: every file as patched; drifted: some file changed since; reverted: all originals are back. */
  condition: 'applied' | 'drifted' | 'reverted';
  revoked?: boolean;
  revocationReason?: string;
  files: { path: string; distPath: string; condition: FileCondition }[];
}

export interface AvailablePatch {
  patchId: string;
  dist: string;
  version: string;
  location: string;
  /**
   * True when the patch changes compiled code (XS/C) or build-time generators: `apply --tree`
   * refuses it, the fix needs the tarball route and a reinstall.
   */
  needsRebuild: boolean;
}

/** Whether a verified patch touches files that only a rebuild can change (see core/tree/path-map.ts). */
async function needsRebuild(repo: TreePatchSource, patchId: string, cache: Map<string, boolean>): Promise<boolean> {
  const known = cache.get(patchId);
  if (known !== undefined) return known;
  const patch = await repo.load(patchId);
  const rebuild = diffstat(patch.file.diff).files.some((f) => {
    const kind = classifyDistPath(f.path);
    return kind === 'compiled' || kind === 'generator';
  });
  cache.set(patchId, rebuild);
  return rebuild;
}

export interface TreeStatus {
  tree: string;
  kind: TreeLayout['kind'];
  installed: number;
  applied: AppliedStatus[];
  available: AvailablePatch[];
  /** A run that did not finish: `recover` completes or rolls it back. */
  interrupted?: { transaction: string; op: 'apply' | 'revert'; phase: string; startedAt: string };
  /** A run holding the lock now (or a stale lock a crash left). */
  lock?: { holder?: LockInfo; stale: boolean; reason: string };
  summary: { applied: number; drifted: number; reverted: number; available: number; revoked: number };
}

export interface StatusResult {
  defaultTrees: boolean;
  repository?: string;
  /** Why the repository could not be used ("available" and "revoked" are then empty). */
  repositoryError?: { code: string; message: string };
  trees: TreeStatus[];
}

async function statusOfLayout(
  layout: TreeLayout,
  options: StatusOptions,
  limits: Readonly<Limits>,
): Promise<TreeStatus> {
  const store = storeOf(layout.root, undefined, limits.maxMetaFileBytes);
  const [state, journal, lock, dists] = await Promise.all([
    readState(store),
    readJournal(store).catch(() => undefined),
    inspectLock(store.dir),
    scanLayout(layout, limits),
  ]);
  const installedAt = new Map(dists.map((d) => [`${d.dist}\u0000${d.location}`, d]));
  const repo = options.repository;
  const applied: AppliedStatus[] = [];
  for (const a of state.applied) {
    const files = await Promise.all(
      a.files.map(async (f) => {
        const h = await hashTreeFile(layout.root, f.path, limits.maxFileBytes);
        const condition = fileCondition(f, h === null ? null : { sha256: h });
        return { path: f.path, distPath: f.distPath, condition };
      }),
    );
    const now = installedAt.get(`${a.dist}\u0000${a.location}`)?.version;
    const condition = files.every((f) => f.condition === 'applied')
      ? 'applied'
      : files.every((f) => f.condition === 'original')
        ? 'reverted'
        : 'drifted';
    const revoked = repo?.isRevoked(a.patchId) === true;
    const reason = revoked ? repo?.revocationReason?.(a.patchId) : undefined;
    applied.push({
      patchId: a.patchId,
      dist: a.dist,
      ...(a.version ? { version: a.version } : {}),
      ...(now !== undefined && now !== a.version ? { installedVersion: now } : {}),
      location: a.location,
      appliedAt: a.appliedAt,
      source: a.source,
      ...(a.origin ? { origin: a.origin } : {}),
      ...(a.signedBy ? { signedBy: a.signedBy } : {}),
      condition,
      ...(revoked ? { revoked: true } : {}),
      ...(reason ? { revocationReason: reason } : {}),
      files,
    });
  }
  const available: AvailablePatch[] = [];
  if (repo) {
    const done = new Set(state.applied.map((a) => `${a.patchId}\u0000${a.location}`));
    const rebuild = new Map<string, boolean>();
    for (const d of dists) {
      if (d.version === undefined) continue;
      for (const id of repo.forDistribution(d.dist, d.version)) {
        if (done.has(`${id}\u0000${d.location}`)) continue;
        available.push({
          patchId: id,
          dist: d.dist,
          version: d.version,
          location: d.location,
          needsRebuild: await needsRebuild(repo, id, rebuild),
        });
      }
    }
  }
  return {
    tree: layout.root,
    kind: layout.kind,
    installed: dists.length,
    applied,
    available,
    ...(journal
      ? { interrupted: { transaction: journal.id, op: journal.op, phase: journal.phase, startedAt: journal.startedAt } }
      : {}),
    ...(lock ? { lock } : {}),
    summary: {
      applied: applied.filter((a) => a.condition === 'applied').length,
      drifted: applied.filter((a) => a.condition === 'drifted').length,
      reverted: applied.filter((a) => a.condition === 'reverted').length,
      available: available.length,
      revoked: applied.filter((a) => a.revoked).length,
    },
  };
}

/**
 * @throws CpansecError FILE_NOT_FOUND / USAGE (a --tree that is no directory), TOOL_FAILED,
 *   METADATA_INVALID (a damaged state file), LIMIT_EXCEEDED, IO
 */
export async function statusOfTrees(options: StatusOptions = {}): Promise<StatusResult> {
  const limits = resolveLimits(options.limits);
  const layouts = await resolveLayouts(options.trees, options.perl);
  let repository = options.repository;
  let repositoryError: StatusResult['repositoryError'];
  if (repository === undefined && options.repo !== false) {
    try {
      repository = await openTreePatchSource(options.repo ?? {});
    } catch (err) {
      // The tree's own state is still worth showing without the repository.
      const e = err instanceof CpansecError ? err : wrapError(err, 'IO', 'cannot open the repository');
      repositoryError = { code: e.code, message: e.message };
    }
  }
  const trees: TreeStatus[] = [];
  for (const layout of layouts)
    trees.push(await statusOfLayout(layout, { ...options, ...(repository ? { repository } : {}) }, limits));
  return {
    defaultTrees: !(options.trees && options.trees.length > 0),
    ...(repository ? { repository: repository.name } : {}),
    ...(repositoryError ? { repositoryError } : {}),
    trees,
  };
}
