/** Human rendering of a per-hunk report (check, apply --dir). */
import type { DirPatchReport } from '../../api/dir-plan.js';
import type { Ui } from '../output.js';

type FileReport = DirPatchReport['files'][number];
type HunkReport = FileReport['hunks'][number];

function describeHunk(h: HunkReport, ui: Ui): string {
  const s = ui.style;
  const extra = [
    h.offset !== 0 ? `offset ${h.offset > 0 ? '+' : ''}${h.offset}` : '',
    h.fuzz > 0 ? `fuzz ${h.fuzz}` : '',
  ]
    .filter((x) => x !== '')
    .join(', ');
  const status = h.status === 'applied' ? s.green('ok') : h.status === 'failed' ? s.red('FAILED') : s.yellow(h.status);
  const where = h.status === 'applied' ? `at line ${h.line}` : `at line ${h.line}${h.reason ? `: ${h.reason}` : ''}`;
  return `  hunk #${h.hunk} ${status} ${where}${extra ? ` (${extra})` : ''}`;
}

/**
 * One line per file, then only the hunks worth a look (moved, fuzzed, failed);
 * hunks that landed exactly where stated are counted, so a 10,000-hunk patch
 * stays readable. --json has every hunk.
 */
export function renderDirReport(r: DirPatchReport, ui: Ui, verdict: string): string {
  const s = ui.style;
  const lines: string[] = [];
  if (r.outcome === 'already-applied') {
    for (const f of r.files) lines.push(`${s.bold(f.path)}: ${s.yellow('already applied')}`);
    return `${[...lines, verdict].join('\n')}\n`;
  }
  for (const f of r.files) {
    const from = f.oldPath !== undefined && f.oldPath !== f.path ? ` (from ${f.oldPath})` : '';
    const exact = f.hunks.filter((h) => h.status === 'applied' && h.offset === 0 && h.fuzz === 0);
    const failed = f.status === 'failed' ? ` ${s.red(`— ${f.message ?? f.reason ?? 'failed'}`)}` : '';
    lines.push(`${s.bold(f.path)}${from}: ${f.change}${failed}`);
    if (exact.length > 0) lines.push(`  ${exact.length} hunk(s) ${s.green('ok')} at their stated line`);
    for (const h of f.hunks) if (!exact.includes(h)) lines.push(describeHunk(h, ui));
  }
  lines.push(verdict);
  return `${lines.join('\n')}\n`;
}
