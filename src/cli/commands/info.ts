import { examples, withCommon } from './common.js';
import { repoReadOptions, withRepoRead } from './repo-read-flags.js';
import type { Command } from 'commander';
import type { InfoResult } from '../../api/info.js';
import type { CommonOptions, Runner } from '../main.js';
import type { Ui } from '../output.js';
import type { RepoReadFlags } from './repo-read-flags.js';

export function renderInfo(r: InfoResult, ui: Ui): string {
  const s = ui.style;
  const lines: string[] = [s.bold(r.patchId) + (r.entry?.summary ? ` — ${r.entry.summary}` : '')];
  const row = (k: string, v: string | undefined): void => {
    if (v !== undefined && v !== '') lines.push(`  ${s.dim(k.padEnd(18))} ${v}`);
  };
  if (r.revoked) lines.push(s.red(`  REVOKED ${r.revoked.date}: ${r.revoked.reason}`));
  row('distribution', r.entry?.distribution);
  row('affected versions', r.versions.affected);
  row('fixed versions', r.versions.fixed.join(', '));
  row('verified on', r.versions.verified.join(', '));
  row('advisories', r.entry ? [...r.entry.cve, ...r.entry.cpansa].join(', ') : undefined);
  row('severity', r.entry?.severity);
  row('author', r.authors.join('; '));
  row('origin', r.upstream.origin);
  row('forwarded', r.upstream.forwarded);
  row('applied upstream', r.upstream.appliedUpstream);
  const sig = r.signature;
  row(
    'signature',
    sig.status === 'verified'
      ? s.green(`verified (key ${sig.signer})`)
      : s.red(`INVALID: ${sig.error?.code} ${sig.error?.message ?? ''}`),
  );
  row('repository', r.repository);
  if (r.description) lines.push('', ...r.description.split('\n').map((l) => `  ${l}`));
  if (r.files.length > 0) {
    lines.push('');
    for (const f of r.files)
      lines.push(
        `  ${f.path}  ${s.green(`+${f.insertions}`)} ${s.red(`-${f.deletions}`)}${f.change === 'modified' ? '' : s.dim(` (${f.change})`)}`,
      );
  }
  return `${lines.join('\n')}\n`;
}

export function defineInfo(program: Command, run: Runner): void {
  withCommon(
    withRepoRead(
      program
        .command('info')
        .description('one patch: header, affected versions, signature status, upstream status')
        .argument('<patch-id>', 'the Patch-Id (see list)'),
    ),
  )
    .addHelpText(
      'after',
      examples('cpansec-patch info HTTP-Daemon-CVE-2026-8450', 'cpansec-patch info DBI-CVE-2026-14380 --json'),
    )
    .action(async (patchId: string, flags: CommonOptions & RepoReadFlags) => {
      await run(
        'info',
        flags,
        async (ui) => {
          const { patchInfo } = await import('../../api/info.js');
          return patchInfo({ ...repoReadOptions(flags), patchId, onProgress: (m) => ui.progress(m) });
        },
        renderInfo,
      );
    });
}
