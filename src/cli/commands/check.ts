import { examples, planOptions, withCommon, withPlanOptions } from './common.js';
import { renderDirReport } from './dir-report.js';
import type { Command } from 'commander';
import type { PlanFlags } from './common.js';
import type { CommonOptions, Runner } from '../main.js';

interface CheckFlags extends CommonOptions, PlanFlags {
  dir: string;
}

export function defineCheck(program: Command, run: Runner): void {
  withCommon(
    withPlanOptions(
      program
        .command('check')
        .description('dry-run a patch against a directory and report every hunk (writes nothing)')
        .argument('<patch>', 'the patch file')
        .requiredOption('-d, --dir <dir>', 'the directory to check against (the distribution root)'),
      'check the patch in reverse (would it undo cleanly?)',
    ),
  )
    .addHelpText(
      'after',
      examples(
        'cpansec-patch check fix.patch --dir ./HTTP-Daemon-6.16',
        'cpansec-patch check fix.patch --dir ./HTTP-Daemon-6.17 --fuzz 2 --json',
        '# exit code 0: applies (or is already applied); 5: does not apply; 6: a file is missing',
      ),
    )
    .action(async (patch: string, options: CheckFlags) => {
      await run(
        'check',
        options,
        async () => {
          const { checkPatch } = await import('../../api/check.js');
          return checkPatch({
            patch,
            dir: options.dir,
            ...planOptions(options),
          });
        },
        (r, ui) =>
          renderDirReport(
            r,
            ui,
            r.outcome === 'already-applied'
              ? ui.style.yellow('already applied: nothing to do')
              : ui.style.green(`applies (${r.outcome})`),
          ),
      );
    });
}
