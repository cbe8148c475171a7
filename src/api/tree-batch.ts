/**
 * Planning a batch of patches against a tree for `apply --tree`: each patch
 * at each install of its dist, in order, each seeing the files as the
 * earlier ones left them; what is recorded as applied, what is already in,
 * what is not affected. The result is the transaction to run and the report.
 */
import { reverseDiff } from '../core/patch/reverse.js';
import { isAffected } from '../core/version/affected.js';
import { tryParseVersion } from '../core/version/cpan-version.js';
import { fileCondition, findApplied } from '../core/tree/state.js';
import { hashTreeFile } from '../tree/files.js';
import { newTransactionId } from '../tree/transaction.js';
import { planPatchForSite } from './tree-plan.js';
import type { Limits } from '../core/limits.js';
import type { AppliedPatch, FileImage, TreeState } from '../core/tree/state.js';
import type { InstalledDist } from '../tree/discover.js';
import type { Transaction, TxFile } from '../tree/transaction.js';
import type { TreeInstallResult, TreePatchResult } from './apply-tree.js';
import type { PlannedChange } from './tree-plan.js';
import type { TreePatch } from './tree-patches.js';

function affects(patch: TreePatch, install: InstalledDist, warn: (m: string) => void): boolean {
  if (patch.affected === undefined) return true;
  const v = install.version === undefined ? undefined : tryParseVersion(install.version);
  if (v === undefined) {
    warn(`${patch.id}: the version of ${install.dist} at ${install.location} is unknown; checking the files only`);
    return true;
  }
  return isAffected(patch.affected, v, patch.fixed);
}

export interface PlanAllOptions {
  fuzz: number;
  limits: Readonly<Limits>;
  warn: (m: string) => void;
  dryRun: boolean;
}

export async function planAll(
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
  const inAlready = await seriesAlreadyApplied(root, work, state, options);
  const objects = new Map<string, Uint8Array>();
  for (const { patch, installs } of work) {
    const results: TreeInstallResult[] = [];
    for (const install of installs) {
      const base = { location: install.location, ...(install.version ? { version: install.version } : {}) };
      if (!affects(patch, install, options.warn)) {
        results.push({ ...base, outcome: 'not-affected', files: [] });
        continue;
      }
      if (inAlready.has(`${patch.id}\u0000${install.location}`)) {
        results.push({ ...base, outcome: 'already-applied', recorded: false, files: [] });
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
      for (const c of plan.changes) {
        applyToOverlay(c, overlay, first);
        if (c.beforeBytes && c.before) objects.set(c.before.sha256, c.beforeBytes);
        if (c.afterBytes && c.after) objects.set(c.after.sha256, c.afterBytes);
      }
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
    tx: { id, op: 'apply', objects, files, state: { ...nextState, applied: [...nextState.applied, ...applied] } },
  };
}

/**
 * Patches stacked on one file (a Debian series, several fixes for one
 * module) cannot each be recognised as applied on their own: the reverse of
 * the first no longer matches once later ones changed its context. So for an
 * install that gets several patches in one run and none recorded, the whole
 * set is checked first: if undoing them newest first succeeds exactly, every
 * one of them is already in (applied by the distributor, or by hand).
 */
async function seriesAlreadyApplied(
  root: string,
  work: { patch: TreePatch; installs: InstalledDist[] }[],
  state: TreeState,
  options: PlanAllOptions,
): Promise<Set<string>> {
  const byInstall = new Map<string, { install: InstalledDist; patches: TreePatch[] }>();
  for (const { patch, installs } of work) {
    for (const install of installs) {
      if (findApplied(state, patch.id, install.location) >= 0) continue;
      const entry = byInstall.get(install.location) ?? { install, patches: [] };
      entry.patches.push(patch);
      byInstall.set(install.location, entry);
    }
  }
  const out = new Set<string>();
  for (const { install, patches } of byInstall.values()) {
    if (patches.length < 2) continue;
    const overlay = new Map<string, { bytes: Uint8Array | null; image: FileImage | null }>();
    const undone: TreePatch[] = [];
    let whole = true;
    for (const patch of [...patches].reverse()) {
      const reversed = { ...patch, file: { ...patch.file, diff: reverseDiff(patch.file.diff) } };
      let plan;
      try {
        plan = await planPatchForSite(root, reversed, install, { get: (p) => overlay.get(p) }, { ...options, fuzz: 0 });
      } catch {
        whole = false;
        break;
      }
      if (plan.kind === 'nothing-to-apply') continue;
      if (plan.kind !== 'ok') {
        whole = false;
        break;
      }
      for (const c of plan.changes) overlay.set(c.path, { bytes: c.afterBytes, image: c.after });
      undone.push(patch);
    }
    if (whole && undone.length > 0) for (const p of undone) out.add(`${p.id}\u0000${install.location}`);
  }
  return out;
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
