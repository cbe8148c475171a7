import { examples, withCommon } from './common.js';
import type { Command } from 'commander';
import type { ImportResult } from '../../api/import.js';
import type { CommonOptions, Runner } from '../main.js';
import type { Ui } from '../output.js';

interface ImportFlags extends CommonOptions {
  into: string;
  recount?: boolean;
  replace?: boolean;
  originBase?: string;
  dryRun?: boolean;
}

export function renderImport(r: ImportResult, ui: Ui): string {
  const s = ui.style;
  const lines: string[] = [];
  for (const p of r.patches) {
    const how =
      p.diff === 'ok' ? s.green('ok') : p.diff === 'recounted' ? s.yellow('recounted') : s.red('diff refused');
    lines.push(`${how.padEnd(12)} ${p.patchId}  ${s.dim(`(${p.source}, ${p.style})`)}`);
    if (p.refusal) lines.push(s.red(`             ${p.refusal.message}`));
    for (const w of p.warnings) lines.push(s.yellow(`             ${w}`));
  }
  for (const k of r.skipped) lines.push(s.yellow(`skipped      ${k.source}: ${k.reason}`));
  lines.push(
    `${r.found} file(s): ${r.converted} converted into ${r.into}/drafts (${r.recounted} recounted, ${r.refused} with a refused diff), ${r.skipped.length} skipped`,
    'drafts hold [TODO] marks: review each, fill them in, then "cpansec-patch repo add" signs it',
  );
  return `${lines.join('\n')}\n`;
}

export function defineImport(program: Command, run: Runner): void {
  withCommon(
    program
      .command('import')
      .description(
        "convert CPANSec's published patches (patches/<I>/<Dist>/<Version>/<CVE>-r<N>.patch) into drafts of a repository",
      )
      .argument('<dir>', 'the tree holding patches/ (or that patches/ folder)')
      .requiredOption('--into <repo>', 'the repository whose drafts/ folder receives them')
      .option('--recount', 'repair hunks whose line counts are wrong (as git apply --recount), and record it')
      .option('--replace', 'overwrite drafts that exist')
      .option('--origin-base <url>', 'where the files are published (Origin = this + the path)')
      .option('-n, --dry-run', 'convert and report; write nothing'),
  )
    .addHelpText(
      'after',
      examples(
        'cpansec-patch import ../security.metacpan.org --into ./repo',
        'cpansec-patch import ../security.metacpan.org/patches --into ./repo --recount --json',
      ),
    )
    .action(async (dir: string, flags: ImportFlags) => {
      await run(
        'import',
        flags,
        async () => {
          const { importPatches } = await import('../../api/import.js');
          return importPatches({
            source: dir,
            into: flags.into,
            recount: flags.recount === true,
            replace: flags.replace === true,
            ...(flags.originBase === undefined ? {} : { originBase: flags.originBase }),
            dryRun: flags.dryRun === true,
          });
        },
        renderImport,
      );
    });
}
