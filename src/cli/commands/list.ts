import { examples, withCommon } from './common.js';
import { repoReadOptions, withRepoRead } from './repo-read-flags.js';
import type { Command } from 'commander';
import type { ListResult } from '../../api/list.js';
import type { PatchSummary } from '../../api/repo-read.js';
import type { CommonOptions, Runner } from '../main.js';
import type { Ui } from '../output.js';
import type { RepoReadFlags } from './repo-read-flags.js';

export function patchLine(p: PatchSummary, ui: Ui): string {
  const s = ui.style;
  const ids = [...p.cve, ...p.cpansa].join(' ');
  return `${s.bold(p.patchId)}  ${s.dim(p.severity)}  ${p.distribution} ${s.dim(p.affectedVersions)}  ${ids}${p.summary ? `\n    ${p.summary}` : ''}`;
}

export function renderList(r: ListResult, ui: Ui): string {
  const lines = r.patches.map((p) => patchLine(p, ui));
  for (const v of r.revoked) lines.push(ui.style.yellow(`revoked ${v.patchId} (${v.date}): ${v.reason}`));
  lines.push(ui.style.dim(`${r.patches.length} patch(es) in ${r.repository}`));
  return `${lines.join('\n')}\n`;
}

export function defineList(program: Command, run: Runner): void {
  withCommon(
    withRepoRead(
      program
        .command('list')
        .description('list the patches of a repository (the embedded one by default), from its signed metadata')
        .option('--dist <name>', 'only this distribution (HTTP-Daemon or HTTP::Daemon)')
        .option('--cve <id>', 'only patches for this CVE or CPANSA id'),
    ),
  )
    .addHelpText(
      'after',
      examples('cpansec-patch list', 'cpansec-patch list --dist DBI', 'cpansec-patch list --cve CVE-2026-8450 --json'),
    )
    .action(async (flags: CommonOptions & RepoReadFlags & { dist?: string; cve?: string }) => {
      await run(
        'list',
        flags,
        async (ui) => {
          const { listPatches } = await import('../../api/list.js');
          return listPatches({
            ...repoReadOptions(flags),
            ...(flags.dist === undefined ? {} : { dist: flags.dist }),
            ...(flags.cve === undefined ? {} : { cve: flags.cve }),
            onProgress: (m) => ui.progress(m),
          });
        },
        renderList,
      );
    });
}
