/**
 * Human rendering of the installed-tree commands (apply --tree, scan, status,
 * revert, recover). --json prints the api results as they are; these are the
 * terminal view of the same values.
 */
import type { TreeApplyResult, TreeInstallResult } from '../../api/apply-tree.js';
import type { RecoverResult } from '../../api/recover.js';
import type { RevertResult } from '../../api/revert.js';
import type { ScanResult } from '../../api/scan.js';
import type { StatusResult } from '../../api/status.js';
import type { Style, Ui } from '../output.js';

const OUTCOME_TEXT: Record<TreeInstallResult['outcome'], string> = {
  applied: 'applied',
  'would-apply': 'would apply',
  'already-applied': 'already applied',
  'not-affected': 'not affected (installed version outside Affected-Versions)',
  'nothing-to-apply': 'nothing to apply (no file of the patch is installed)',
  'needs-rebuild': 'needs a rebuild (compiled code): patch the tarball and reinstall',
  conflict: 'does not apply',
  'missing-files': 'files not found',
  drifted: 'applied earlier, but files changed since',
};

function colourOutcome(o: TreeInstallResult['outcome'], s: Style): string {
  const text = OUTCOME_TEXT[o];
  if (o === 'applied' || o === 'would-apply') return s.green(text);
  if (o === 'already-applied' || o === 'not-affected' || o === 'nothing-to-apply') return s.yellow(text);
  return s.red(text);
}

/** The result of `apply --tree`: one block per patch and install, the files with what happened to them. */
export function renderTreeApply(r: TreeApplyResult, ui: Ui): string {
  const s = ui.style;
  const lines: string[] = [];
  for (const p of r.patches) {
    const trust = p.signedBy ? `signed by ${p.signedBy}` : s.red('UNSIGNED');
    lines.push(`${s.bold(p.patchId)} (${p.dist}) ${s.dim(`${trust}, ${p.origin}`)}`);
    for (const i of p.installs) {
      const how = i.planOutcome && i.planOutcome !== 'clean' ? ` (${i.planOutcome})` : '';
      const recorded =
        i.outcome === 'already-applied' && i.recorded === false ? ' (by someone else: not revertible here)' : '';
      lines.push(`  ${i.location}${i.version ? ` ${i.version}` : ''}: ${colourOutcome(i.outcome, s)}${how}${recorded}`);
      for (const f of i.files) {
        const target = f.installed ? ` → ${f.installed}` : '';
        if (f.action === 'skip' || f.action === 'refuse') {
          lines.push(
            `    ${s.dim(f.distPath)}: ${f.action === 'refuse' ? s.red('refused') : 'skipped'} — ${f.reason ?? ''}`,
          );
          continue;
        }
        const moved = (f.hunks ?? []).filter((h) => h.offset !== 0 || h.fuzz > 0 || h.status !== 'applied');
        const extra = [
          f.shebangRebased ? 'shebang rebased' : '',
          moved.length > 0
            ? moved
                .map(
                  (h) =>
                    `hunk #${h.hunk} ${h.status === 'applied' ? `offset ${h.offset}${h.fuzz ? ` fuzz ${h.fuzz}` : ''}` : 'FAILED'}`,
                )
                .join(', ')
            : '',
        ].filter((x) => x !== '');
        lines.push(
          `    ${f.distPath}${target}${f.status === 'failed' ? s.red(' FAILED') : ''}${extra.length ? s.dim(` (${extra.join('; ')})`) : ''}`,
        );
      }
    }
  }
  const changed = r.patches
    .flatMap((p) => p.installs)
    .filter((i) => i.outcome === 'applied' || i.outcome === 'would-apply').length;
  if (r.dryRun) lines.push(s.cyan(`dry run: ${changed} install(s) would change; nothing written`));
  else if (r.written)
    lines.push(s.green(`applied to ${changed} install(s) in ${r.tree} (transaction ${r.transaction ?? '-'})`));
  else lines.push(s.yellow('nothing changed'));
  return `${lines.join('\n')}\n`;
}

export function renderScan(r: ScanResult, ui: Ui): string {
  const s = ui.style;
  const lines: string[] = [];
  for (const t of r.trees) {
    lines.push(s.bold(`${t.tree} (${t.kind}${t.debian ? ', Debian' : ''}): ${t.dists.length} distribution(s)`));
    const width = Math.min(40, Math.max(4, ...t.dists.map((d) => d.dist.length)));
    for (const d of t.dists) {
      const version = d.version ?? s.yellow('unknown');
      const from = [d.source, d.xs ? 'XS' : '', d.debianPackage ?? ''].filter((x) => x !== '').join(', ');
      lines.push(`  ${d.dist.padEnd(width)}  ${version.padEnd(12)}  ${s.dim(`${d.location}  ${from}`)}`);
    }
  }
  if (r.trees.length === 0) lines.push(s.yellow('no trees found (perl reported no existing site or vendor directory)'));
  return `${lines.join('\n')}\n`;
}

export function renderStatus(r: StatusResult, ui: Ui): string {
  const s = ui.style;
  const lines: string[] = [];
  if (r.repositoryError)
    lines.push(s.yellow(`repository not available (${r.repositoryError.code}): ${r.repositoryError.message}`));
  for (const t of r.trees) {
    const sum = t.summary;
    lines.push(
      s.bold(
        `${t.tree}: ${t.installed} installed, ${sum.applied} patch(es) applied, ${sum.drifted} drifted, ${sum.available} available${sum.revoked ? `, ${sum.revoked} revoked` : ''}`,
      ),
    );
    if (t.interrupted) {
      lines.push(
        s.red(
          `  an interrupted ${t.interrupted.op} (${t.interrupted.transaction}, ${t.interrupted.phase}) needs "cpansec-patch recover --tree ${t.tree}"`,
        ),
      );
    }
    if (t.lock)
      lines.push(s.yellow(`  locked: ${t.lock.reason}${t.lock.stale ? ' (stale: the next run breaks it)' : ''}`));
    for (const a of t.applied) {
      const cond =
        a.condition === 'applied'
          ? s.green('applied')
          : a.condition === 'drifted'
            ? s.red('DRIFTED')
            : s.yellow('originals back');
      const upgraded = a.installedVersion ? s.yellow(` (now ${a.installedVersion} installed)`) : '';
      const revoked = a.revoked ? s.red(` REVOKED${a.revocationReason ? `: ${a.revocationReason}` : ''}`) : '';
      lines.push(`  ${cond}  ${a.patchId}  ${a.dist} ${a.version ?? ''} at ${a.location}${upgraded}${revoked}`);
      for (const f of a.files) if (f.condition !== 'applied') lines.push(`      ${f.path}: ${f.condition}`);
    }
    for (const v of t.available)
      lines.push(
        `  ${s.cyan('available')}  ${v.patchId}  ${v.dist} ${v.version} at ${v.location}${v.needsRebuild ? s.dim(' (compiled code: patch the tarball and reinstall)') : ''}`,
      );
  }
  return `${lines.join('\n')}\n`;
}

export function renderRevert(r: RevertResult, ui: Ui): string {
  const s = ui.style;
  const lines: string[] = [];
  for (const p of r.reverted) {
    lines.push(`${s.bold(p.patchId)} (${p.dist}${p.version ? ` ${p.version}` : ''}) at ${p.location}`);
    for (const f of p.files) {
      const what =
        f.action === 'restore'
          ? 'original restored'
          : f.action === 'delete'
            ? 'removed (the patch created it)'
            : 'already original';
      lines.push(`  ${f.path}: ${what}${f.savedAs ? s.yellow(` (its drifted content saved as ${f.savedAs})`) : ''}`);
    }
  }
  lines.push(r.dryRun ? s.cyan('dry run: nothing written') : s.green(`reverted ${r.reverted.length} patch(es)`));
  return `${lines.join('\n')}\n`;
}

export function renderRecover(r: RecoverResult, ui: Ui): string {
  const s = ui.style;
  if (!r.recovered || r.report === undefined) return `${s.green(`nothing to recover in ${r.tree}`)}\n`;
  const rep = r.report;
  const verb =
    rep.outcome === 'finish' ? 'finished' : rep.outcome === 'rollback' ? 'rolled back' : 'had already finished';
  const lines = [s.green(`the interrupted ${rep.op} ${rep.transaction} (started ${rep.startedAt}) was ${verb}`)];
  for (const f of rep.changed) lines.push(`  ${f}: ${rep.outcome === 'finish' ? 'patched' : 'original'}`);
  for (const f of rep.foreign) lines.push(s.yellow(`  ${f}: changed by someone else since; left as it is`));
  return `${lines.join('\n')}\n`;
}
