import { examples, withCommon } from './common.js';
import type { Command } from 'commander';
import type { LintResult } from '../../api/lint.js';
import type { CommonOptions, Runner } from '../main.js';
import type { Ui } from '../output.js';

interface LintFlags extends CommonOptions {
  tarballs: string[];
  draft?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function renderLint(r: LintResult, ui: Ui): string {
  const s = ui.style;
  const lines: string[] = [];
  for (const p of r.patches) {
    lines.push(`${p.ok ? s.green('ok') : s.red('FAIL')}  ${p.patchId ?? p.path}${p.draft ? s.dim(' (draft)') : ''}`);
    for (const t of p.tarballs)
      lines.push(`      ${t.file.padEnd(36)} ${t.outcome}${t.reason ? ` (${t.reason})` : ''}`);
    for (const q of p.problems) {
      lines.push(
        `      ${q.severity === 'error' ? s.red('error') : s.yellow('warning')}: line ${q.line || '-'}: ${q.message}`,
      );
    }
  }
  lines.push(`${r.patches.length} patch(es), ${r.errors} error(s), ${r.warnings} warning(s)`);
  return `${lines.join('\n')}\n`;
}

export function defineLint(program: Command, run: Runner): void {
  withCommon(
    program
      .command('lint')
      .description(
        'check patches before signing: header fields, the diff, and that it applies to every affected release found',
      )
      .argument('<target>', 'a patch file, a repository (its patches/ and drafts/) or a folder of patches')
      .option(
        '--tarballs <dir>',
        'search this folder (recursively) for <Dist>-<Version>.tar.gz of affected versions (repeatable)',
        collect,
        [],
      )
      .option('--draft', 'allow [TODO] marks'),
  )
    .addHelpText(
      'after',
      examples(
        'cpansec-patch lint HTTP-Daemon-CVE-2026-8450.patch --tarballs ../shared/corpus',
        'cpansec-patch lint patches --tarballs ~/minicpan/authors',
        'cpansec-patch lint repo/drafts --draft --json',
      ),
    )
    .action(async (target: string, flags: LintFlags) => {
      await run(
        'lint',
        flags,
        async (ui) => {
          const { lintPatches } = await import('../../api/lint.js');
          return lintPatches({
            target,
            tarballs: flags.tarballs,
            draft: flags.draft === true,
            onProgress: (m) => ui.progress(m),
          });
        },
        renderLint,
      );
    });
}
