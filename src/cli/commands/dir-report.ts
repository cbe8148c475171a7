/** Human rendering of a per-hunk report (check, apply --dir). */
import type { DirPatchReport } from '../../api/dir-plan.js';
import type { Ui } from '../output.js';

export function renderDirReport(r: DirPatchReport, ui: Ui, verdict: string): string {
  const s = ui.style;
  const lines: string[] = [];
  for (const f of r.files) {
    const from = f.oldPath !== undefined && f.oldPath !== f.path ? ` (from ${f.oldPath})` : '';
    lines.push(`${s.bold(f.path)}${from}: ${f.change}`);
    for (const h of f.hunks) {
      const where = h.status === 'applied' ? `at line ${h.line}` : (h.reason ?? '');
      const extra = [
        h.offset !== 0 ? `offset ${h.offset > 0 ? '+' : ''}${h.offset}` : '',
        h.fuzz > 0 ? `fuzz ${h.fuzz}` : '',
      ]
        .filter((x) => x !== '')
        .join(', ');
      const status = h.status === 'applied' ? s.green('ok') : s.red(h.status);
      lines.push(`  hunk #${h.hunk} ${status} ${where}${extra ? ` (${extra})` : ''}`);
    }
  }
  lines.push(verdict);
  return `${lines.join('\n')}\n`;
}
