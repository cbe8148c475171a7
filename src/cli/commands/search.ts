import { examples, withCommon } from './common.js';
import { patchLine } from './list.js';
import { repoReadOptions, withRepoRead } from './repo-read-flags.js';
import type { Command } from 'commander';
import type { SearchResult } from '../../api/search.js';
import type { CommonOptions, Runner } from '../main.js';
import type { Ui } from '../output.js';
import type { RepoReadFlags } from './repo-read-flags.js';

export function renderSearch(r: SearchResult, ui: Ui): string {
  const lines = r.hits.map((h) => `${patchLine(h, ui)}\n    ${ui.style.dim(`matched: ${h.matched.join(', ')}`)}`);
  lines.push(ui.style.dim(`${r.hits.length} match(es) for "${r.query}" in ${r.repository}`));
  return `${lines.join('\n')}\n`;
}

export function defineSearch(program: Command, run: Runner): void {
  withCommon(
    withRepoRead(
      program
        .command('search')
        .description('find patches by distribution, module name, CVE or CPANSA id')
        .argument('<text>', 'what to look for (case-insensitive; part of a name is enough)'),
    ),
  )
    .addHelpText(
      'after',
      examples(
        'cpansec-patch search HTTP::Daemon',
        'cpansec-patch search CVE-2014-10402',
        'cpansec-patch search entities --json',
      ),
    )
    .action(async (text: string, flags: CommonOptions & RepoReadFlags) => {
      await run(
        'search',
        flags,
        async (ui) => {
          const { searchPatches } = await import('../../api/search.js');
          return searchPatches({ ...repoReadOptions(flags), text, onProgress: (m) => ui.progress(m) });
        },
        renderSearch,
      );
    });
}
