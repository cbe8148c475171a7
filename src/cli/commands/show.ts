import { examples, withCommon } from './common.js';
import type { Command } from 'commander';
import type { ShowResult } from '../../api/show.js';
import type { CommonOptions, Runner } from '../main.js';
import type { Ui } from '../output.js';

export function renderShow(r: ShowResult, ui: Ui): string {
  const s = ui.style;
  const m = r.metadata;
  const lines: string[] = [];
  lines.push(s.bold(m.patchId ?? r.path) + (m.summary ? ` — ${m.summary}` : ''));
  const row = (k: string, v: string | undefined): void => {
    if (v !== undefined && v !== '') lines.push(`  ${s.dim(k.padEnd(18))} ${v}`);
  };
  row('distribution', m.distribution);
  row('affected versions', m.affectedVersions);
  row('fixed versions', m.fixedVersions.join(', '));
  row('verified on', m.verifiedVersions.join(', '));
  row('advisories', [...m.cve, ...m.cpansa].join(', '));
  row('severity', m.severity);
  row('author', m.authors.join('; '));
  row('origin', m.origin);
  row('forwarded', m.forwarded);
  row('applied upstream', m.appliedUpstream);
  row('last update', m.lastUpdate);
  row('format', r.format);
  row('sha256', r.sha256);
  lines.push('');
  const width = Math.max(4, ...r.files.map((f) => f.path.length));
  for (const f of r.files) {
    const change = f.change === 'modified' ? '' : s.dim(` (${f.change})`);
    lines.push(`  ${f.path.padEnd(width)}  ${s.green(`+${f.insertions}`)} ${s.red(`-${f.deletions}`)}${change}`);
  }
  lines.push(`  ${r.files.length} file(s) changed, ${r.insertions} insertion(s), ${r.deletions} deletion(s)`);
  if (r.issues.length > 0) {
    lines.push('', s.yellow(`${r.issues.length} header issue(s):`));
    for (const i of r.issues) lines.push(`  line ${i.line || '-'}: ${i.message}`);
  }
  return `${lines.join('\n')}\n`;
}

export function defineShow(program: Command, run: Runner): void {
  withCommon(
    program
      .command('show')
      .description('show a patch: header, affected versions, advisories and the files it changes')
      .argument('<patch>', 'the patch file'),
  )
    .addHelpText(
      'after',
      examples(
        'cpansec-patch show patches/patches/HTTP-Daemon/HTTP-Daemon-CVE-2026-8450.patch',
        'cpansec-patch show fix.patch --json | jq .result.metadata.affectedVersions',
      ),
    )
    .action(async (patch: string, options: CommonOptions) => {
      await run(
        'show',
        options,
        async () => {
          const { showPatch } = await import('../../api/show.js');
          return showPatch({ patch });
        },
        renderShow,
      );
    });
}
