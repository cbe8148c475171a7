/**
 * Turning the per-install outcomes of `apply --tree` into the one error that
 * stops the run (nothing is written then). Every failing install is listed,
 * not only the first, and the full result rides along in `details.result`.
 */
import { CpansecError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import type { TreePatchResult } from './apply-tree.js';

interface Failure {
  patch: TreePatchResult;
  location: string;
  version?: string;
  lines: string[];
}

function failures(patches: readonly TreePatchResult[], outcome: string): Failure[] {
  const out: Failure[] = [];
  for (const patch of patches) {
    for (const i of patch.installs) {
      if (i.outcome !== outcome) continue;
      const lines = i.files
        .filter(
          (f) => f.action === 'refuse' || f.status === 'failed' || (outcome !== 'conflict' && f.action === 'skip'),
        )
        .map((f) => {
          const where = f.installed ? ` (${f.installed})` : '';
          const hunks = (f.hunks ?? [])
            .filter((h) => h.status === 'failed')
            .map((h) => `hunk #${h.hunk} failed at line ${h.line}`);
          return `${f.distPath}${where}: ${hunks.length > 0 ? hunks.join(', ') : (f.reason ?? 'failed')}`;
        });
      out.push({ patch, location: i.location, ...(i.version ? { version: i.version } : {}), lines });
    }
  }
  return out;
}

function describe(list: Failure[]): string {
  return list
    .map(
      (f) =>
        `${f.patch.patchId} at ${f.location}${f.version ? ` (${f.patch.dist} ${f.version})` : ''}:\n    ${f.lines.join('\n    ')}`,
    )
    .join('\n  ');
}

/**
 * The error for a run with failed installs, or undefined. From a repository
 * (no --patch), patches that need a rebuild and drifted installs are reported
 * but do not stop the others; named patches must all apply.
 */
export function treeRefusal(patches: readonly TreePatchResult[], fromRepository: boolean): CpansecError | undefined {
  const result = { patches };
  const rebuild = failures(patches, 'needs-rebuild');
  if (rebuild.length > 0 && !fromRepository) {
    const first = rebuild[0] as Failure;
    const tarball = `${first.patch.dist}-${first.version ?? '<version>'}.tar.gz`;
    return new CpansecError(
      'PATCH_UNSUPPORTED',
      `the patch changes compiled or generated code, which an installed tree cannot take:\n  ${describe(rebuild)}`,
      {
        hint: `patch the distribution's tarball and reinstall it: "cpansec-patch apply ${tarball} --patch ${first.patch.origin}", then install the patched tarball (cpanm ./<patched tarball>)`,
        details: { reason: 'needs-rebuild', result },
      },
    );
  }
  const missing = failures(patches, 'missing-files');
  if (missing.length > 0) {
    return new CpansecError(
      'FILE_NOT_FOUND',
      `files the patch changes are not where the install should have them:\n  ${describe(missing)}`,
      {
        hint: 'the tree does not look like a normal install of this distribution; "scan --tree DIR --json" shows what was found',
        details: { result },
      },
    );
  }
  const drift = failures(patches, 'drifted');
  if (drift.length > 0 && !fromRepository) {
    return new CpansecError('DRIFT', `files of an applied patch changed since it was applied:\n  ${describe(drift)}`, {
      hint: '"status --tree DIR" shows them; "revert --force" restores the originals, after which the patch can be applied again',
      details: { result },
    });
  }
  const conflict = failures(patches, 'conflict');
  if (conflict.length > 0) {
    const reversed = patches.some((p) =>
      p.installs.some(
        (i) => i.outcome === 'conflict' && i.files.some((f) => f.reason === 'reversed-or-already-applied'),
      ),
    );
    const code: ErrorCode = reversed ? 'PATCH_REVERSED' : 'PATCH_CONFLICT';
    return new CpansecError(code, `the patch does not apply to the installed files:\n  ${describe(conflict)}`, {
      hint: reversed
        ? 'some files already have the change (applied by hand or by a newer release?); nothing was changed'
        : 'the installed files differ from what the patch expects (a different version, or local changes); "--fuzz 2 --dry-run" shows whether a looser match is possible',
      details: { result },
    });
  }
  return undefined;
}
