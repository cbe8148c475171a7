/**
 * Putting the patch on the upstream default branch, in a scratch clone. The
 * patch was made against a release tarball; the branch has moved on since.
 * Tried in order (docs/upstream.md#applying):
 *
 *  1. `git apply --index` on the default branch's head: the usual case, the
 *     code around the fix has not changed;
 *  2. three-way: a branch from the release's tag (v1.23, 1.23, Dist-1.23…),
 *     where the patch applies (`git apply`, then `--3way`), committed there,
 *     then cherry-picked onto the head: git's merge uses the tag as the base,
 *     so changes made since the release merge in instead of conflicting;
 *  3. our own engine on the head with fuzz 2 (GNU patch's default), for
 *     drift git will not accept; the PR body says so and asks for review.
 *
 * When all fail, PATCH_CONFLICT names every hunk that does not apply to the
 * head (file, hunk number, line) and the files the merge left conflicted.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bytesToBinary, binaryToBytes } from '../core/bytes.js';
import { resolveLimits } from '../core/limits.js';
import { candidatePaths, planPatch } from '../core/patch/apply.js';
import { findReleaseTag } from '../core/upstream/release-tag.js';
import { CpansecError } from '../errors.js';
import { commitChanges } from '../files/atomic.js';
import { readFilesInside } from '../files/tree.js';
import { gitModeOf, modeFor } from './dir-plan.js';
import type { FileEntry, FileReport } from '../core/patch/apply.js';
import type { Person } from '../core/upstream/compose.js';
import type { ForwardBase } from '../core/upstream/compose.js';
import type { ReleaseTag } from '../core/upstream/release-tag.js';
import type { UpstreamCheckout } from '../upstream/git.js';
import type { ForwardPatch } from './upstream-source.js';

export interface Applied {
  /** The commit on top of the default branch. */
  commit: string;
  base: ForwardBase;
  /** Why earlier strategies did not work, for the report. */
  attempts: string[];
}

export type ApplyOutcome = ({ kind: 'applied' } & Applied) | { kind: 'already-upstream'; base: ForwardBase };

const ENGINE_FUZZ = 2;

async function engineApply(
  checkout: UpstreamCheckout,
  patch: ForwardPatch,
): Promise<
  { ok: true; paths: string[]; fuzzy: boolean } | { ok: false; alreadyApplied: boolean; files: FileReport[] }
> {
  const limits = resolveLimits();
  const paths = candidatePaths(patch.file.diff, 1);
  const originals = await readFilesInside(checkout.dir, paths, limits.maxFileBytes);
  const files = new Map<string, FileEntry>();
  for (const [p, f] of originals) files.set(p, { content: bytesToBinary(f.bytes), mode: gitModeOf(f.mode) });
  const plan = planPatch(patch.file.diff, files, { strip: 1, fuzz: ENGINE_FUZZ, limits });
  if (plan.outcome === 'fail' || plan.outcome === 'already-applied') {
    return { ok: false, alreadyApplied: plan.outcome === 'already-applied', files: plan.files };
  }
  const changes = [...plan.changes].map(([path, entry]) => ({
    path,
    content: entry === null ? null : binaryToBytes(entry.content),
    ...(entry === null ? {} : { mode: modeFor(entry.mode, originals.get(path)?.mode) }),
    original: originals.get(path)?.bytes ?? null,
  }));
  await commitChanges(checkout.dir, changes as Parameters<typeof commitChanges>[1]);
  const touched = [...plan.changes.keys()];
  if (touched.length > 0) await checkout.stage(touched);
  return { ok: true, paths: touched, fuzzy: plan.outcome === 'fuzz' };
}

function conflictError(
  patch: ForwardPatch,
  files: FileReport[],
  extra: { tag?: ReleaseTag; conflicts: string[]; attempts: string[] },
): CpansecError {
  const hunks = files.flatMap((f) =>
    f.status === 'failed'
      ? f.hunks
          .filter((h) => h.status === 'failed')
          .map((h) => ({ file: f.path, hunk: h.hunk, line: h.line, reason: h.reason ?? f.reason }))
      : [],
  );
  const missing = files.filter((f) => f.status === 'failed' && f.hunks.every((h) => h.status !== 'failed'));
  const lines = [
    ...hunks.map((h) => `${h.file}: hunk #${h.hunk} (expected near line ${h.line}) does not apply`),
    ...missing.map((f) => `${f.path}: ${f.message ?? f.reason ?? 'does not apply'}`),
  ];
  return new CpansecError(
    'PATCH_CONFLICT',
    `${patch.patchId} does not apply to the upstream default branch:\n  ${lines.join('\n  ')}`,
    {
      hint: extra.tag
        ? `the code changed since ${extra.tag.tag}; port the fix by hand, or send the patch as it is with "cpansec-patch upstream mail ${patch.patchId}"`
        : `no release tag was found to merge from; port the fix by hand, or send it with "cpansec-patch upstream mail ${patch.patchId}"`,
      details: {
        hunks,
        files: missing.map((f) => ({ file: f.path, reason: f.reason })),
        mergeConflicts: extra.conflicts,
        ...(extra.tag ? { tag: extra.tag.tag } : {}),
        attempts: extra.attempts,
      },
    },
  );
}

/**
 * Applies the patch on `branch`, started from the default branch, and commits it (message and
 * author as given; signed per the user's git configuration unless `noSign`).
 * @throws CpansecError PATCH_CONFLICT (with the hunks), TOOL_FAILED, NETWORK
 */
export async function applyUpstream(
  checkout: UpstreamCheckout,
  patch: ForwardPatch,
  options: {
    branch: string;
    defaultBranch: string;
    releases: readonly string[];
    message: string;
    author: Person;
    scratch: string;
    noSign: boolean;
    onProgress?: (m: string) => void;
  },
): Promise<ApplyOutcome> {
  const head = `refs/remotes/origin/${options.defaultBranch}`;
  const headCommit = await checkout.commitOf(head);
  if (headCommit === undefined) {
    throw new CpansecError('TOOL_FAILED', `the clone has no ${options.defaultBranch} branch`, {
      details: { branch: options.defaultBranch },
    });
  }
  const base = (method: ForwardBase['method'], tag?: ReleaseTag): ForwardBase => ({
    branch: options.defaultBranch,
    commit: headCommit,
    method,
    ...(tag ? { tag: tag.tag, releaseVersion: tag.version } : {}),
  });
  const headTree = (await checkout.treeAndParent(headCommit)).tree;
  // A commit that leaves the tree as main has it means main already holds the fix.
  const done = async (commitId: string, b: ForwardBase): Promise<ApplyOutcome> =>
    (await checkout.treeAndParent(commitId)).tree === headTree
      ? { kind: 'already-upstream', base: base('head') }
      : { kind: 'applied', commit: commitId, base: b, attempts };
  const patchFile = join(options.scratch, `${patch.patchId}.patch`);
  await writeFile(patchFile, patch.bytes);
  const attempts: string[] = [];
  const commit = (): Promise<string> => checkout.commit(options.message, options.author, { noSign: options.noSign });

  options.onProgress?.(`applying ${patch.patchId} to ${options.defaultBranch}`);
  await checkout.startBranch(options.branch, head);
  const direct = await checkout.apply(patchFile, false);
  if (direct.ok) return done(await commit(), base('head'));
  attempts.push(`git apply on ${options.defaultBranch}: ${direct.output.split('\n')[0] ?? 'failed'}`);

  const tag = findReleaseTag(await checkout.tags(), patch.distribution, options.releases);
  let conflicts: string[] = [];
  if (tag === undefined) {
    attempts.push(`no tag for release ${options.releases.join(', ') || '(none verified)'}`);
  } else {
    options.onProgress?.(`merging from ${tag.tag}`);
    await checkout.startBranch(options.branch, `refs/tags/${tag.tag}`);
    let onTag = await checkout.apply(patchFile, false);
    if (!onTag.ok) onTag = await checkout.apply(patchFile, true);
    if (!onTag.ok) {
      attempts.push(`git apply on ${tag.tag}: ${onTag.output.split('\n')[0] ?? 'failed'}`);
    } else {
      const tagCommit = await checkout.commit(options.message, options.author, { noSign: true });
      await checkout.startBranch(options.branch, head);
      const picked = await checkout.cherryPick(tagCommit, { noSign: options.noSign });
      if (picked.ok) return done(picked.commit, base('three-way', tag));
      conflicts = picked.conflicts;
      attempts.push(`three-way merge from ${tag.tag}: conflicts in ${conflicts.join(', ') || 'the merge'}`);
    }
  }

  options.onProgress?.(`placing ${patch.patchId} with fuzz ${ENGINE_FUZZ}`);
  await checkout.startBranch(options.branch, head);
  const engine = await engineApply(checkout, patch);
  if (!engine.ok) {
    if (engine.alreadyApplied) return { kind: 'already-upstream', base: base('head') };
    throw conflictError(patch, engine.files, { ...(tag ? { tag } : {}), conflicts, attempts });
  }
  if (engine.paths.length === 0) return { kind: 'already-upstream', base: base('head') };
  return done(await commit(), base(engine.fuzzy ? 'fuzz' : 'head'));
}
