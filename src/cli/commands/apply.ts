import { examples, planOptions, withCommon, withPlanOptions } from './common.js';
import { renderDirReport } from './dir-report.js';
import type { Command } from 'commander';
import type { PlanFlags } from './common.js';
import type { CommonOptions, Runner } from '../main.js';

interface ApplyFlags extends CommonOptions, PlanFlags {
  dir?: string;
  dryRun?: boolean;
}

export function defineApply(program: Command, run: Runner): void {
  withCommon(
    withPlanOptions(
      program
        .command('apply')
        .description('apply a patch to a directory: every file changes, or none')
        .argument('<patch>', 'the patch file')
        .option('-d, --dir <dir>', 'the directory to patch (the distribution root)')
        .option('-n, --dry-run', 'report what would change, write nothing'),
      'undo the patch',
    ),
  )
    .addHelpText(
      'after',
      examples(
        'cpansec-patch apply fix.patch --dir ./HTTP-Daemon-6.16',
        'cpansec-patch apply fix.patch --dir ./HTTP-Daemon-6.16 --reverse   # undo',
        'cpansec-patch apply fix.patch --dir ./HTTP-Daemon-6.16 --dry-run --json',
      ),
    )
    .action(async (patch: string, options: ApplyFlags) => {
      await run(
        'apply',
        options,
        async () => {
          const { CpansecError } = await import('../../errors.js');
          if (options.dir === undefined) {
            throw new CpansecError('USAGE', 'apply needs --dir <dir> (the directory to patch)', {
              hint: 'run "cpansec-patch apply --help" for usage and examples',
            });
          }
          const { applyPatchToDir } = await import('../../api/apply-dir.js');
          return applyPatchToDir({
            patch,
            dir: options.dir,
            ...planOptions(options),
            dryRun: options.dryRun === true,
          });
        },
        (r, ui) =>
          renderDirReport(
            r,
            ui,
            r.outcome === 'already-applied'
              ? ui.style.yellow('already applied: nothing changed')
              : r.dryRun
                ? ui.style.cyan(`would apply (${r.outcome}); nothing written (--dry-run)`)
                : ui.style.green(`applied (${r.outcome}): ${r.files.length} file(s) changed`),
          ),
      );
    });
}
