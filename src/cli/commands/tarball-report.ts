/** Human rendering of `apply <tarball>`: what was read, which patches applied where, what was written. */
import type { ApplyTarballResult } from '../../api/apply-tarball.js';
import type { Ui } from '../output.js';

type Run = ApplyTarballResult['patches'][number];

function short(sha: string | undefined): string {
  return sha === undefined ? '' : sha.slice(0, 12);
}

function describeRun(run: Run, ui: Ui): string[] {
  const s = ui.style;
  const signer = run.signer === null ? s.red('UNSIGNED') : `signed by ${run.signer}`;
  const outcome = run.outcome === 'already-applied' ? s.yellow('already applied') : s.green(`applied (${run.outcome})`);
  const lines = [`${s.bold(run.id)}: ${outcome}, ${signer}`];
  if (run.outcome === 'already-applied') return lines;
  for (const f of run.files) {
    const from = f.oldPath !== undefined && f.oldPath !== f.path ? ` (from ${f.oldPath})` : '';
    lines.push(`  ${f.path}${from}: ${f.change}`);
    const exact = f.hunks.filter((h) => h.status === 'applied' && h.offset === 0 && h.fuzz === 0);
    if (exact.length > 0) lines.push(`    ${exact.length} hunk(s) ${s.green('ok')} at their stated line`);
    for (const h of f.hunks) {
      if (exact.includes(h)) continue;
      const extra = [
        h.offset !== 0 ? `offset ${h.offset > 0 ? '+' : ''}${h.offset}` : '',
        h.fuzz > 0 ? `fuzz ${h.fuzz}` : '',
      ]
        .filter((x) => x !== '')
        .join(', ');
      lines.push(
        `    hunk #${h.hunk} ${h.status === 'applied' ? s.green('ok') : s.yellow(h.status)} at line ${h.line}${extra ? ` (${extra})` : ''}`,
      );
    }
  }
  return lines;
}

export function renderTarballResult(r: ApplyTarballResult, ui: Ui): string {
  const s = ui.style;
  const lines = [
    `${s.bold(`${r.dist.name} ${r.dist.version}`)} from ${r.input.file} (sha256 ${short(r.input.sha256)}…, ${r.input.entries} entries${
      r.input.checksums === 'verified' ? ', CHECKSUMS verified' : ''
    })`,
    `patches: ${r.source}`,
  ];
  for (const run of r.patches) lines.push(...describeRun(run, ui).map((l) => `  ${l}`));
  if (r.outcome !== 'patched') {
    lines.push(s.yellow(`${r.outcome === 'already-patched' ? 'already patched' : 'nothing to do'}: ${r.reason ?? ''}`));
    lines.push('no tarball written');
    return `${lines.join('\n')}\n`;
  }
  const p = r.provenance;
  if (p !== null) {
    const meta = [p.metaJson === 'updated' ? 'META.json' : '', p.metaYml === 'updated' ? 'META.yml' : ''].filter(
      (x) => x !== '',
    );
    lines.push(
      `provenance: ${meta.length > 0 ? `x_cpansec in ${meta.join(' and ')}` : s.yellow('no META to record it in')}${p.signature === 'removed' ? '; SIGNATURE removed (it no longer matches)' : ''}`,
    );
  }
  if (r.version !== undefined) lines.push(`version: ${r.version.from} → ${r.version.to}`);
  if (r.written && r.output !== null) {
    lines.push(
      s.green(`wrote ${r.output.path}`) + ` (sha256 ${short(r.output.sha256)}…, ${r.output.entries ?? 0} entries)`,
    );
  } else if (r.output !== null) {
    lines.push(s.cyan(`would write ${r.output.path}; nothing written (--dry-run)`));
  }
  return `${lines.join('\n')}\n`;
}
