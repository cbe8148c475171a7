import { examples, wholeNumber, withCommon } from './common.js';
import { renderRevert } from './tree-report.js';
import type { Command } from 'commander';
import type { CommonOptions, Runner } from '../main.js';

interface RevertFlags extends CommonOptions {
  tree?: string;
  all?: boolean;
  location?: string;
  force?: boolean;
  dryRun?: boolean;
  wait?: number;
}

export function defineRevert(program: Command, run: Runner): void {
  withCommon(
    program
      .command('revert')
      .description('restore the original files of applied patches, byte for byte')
      .argument('[patch-id...]', 'the patches to revert (as status lists them)')
      .option('-t, --tree <dir>', 'the tree')
      .option('-a, --all', 'revert every applied patch')
      .option('--location <lib>', 'only the install in this library directory (as status shows it)')
      .option('--force', 'restore even files changed since (their content is saved under .cpansec/saved/)')
      .option('-n, --dry-run', 'report what would be restored, write nothing')
      .option('--wait <seconds>', 'wait this long for another run on the tree (default 10)', wholeNumber),
  )
    .addHelpText(
      'after',
      examples(
        'cpansec-patch revert HTTP-Daemon-CVE-2026-8450 --tree ./local',
        'cpansec-patch revert --all --tree ./local --json',
      ),
    )
    .action(async (ids: string[], flags: RevertFlags) => {
      await run(
        'revert',
        flags,
        async () => {
          const { CpansecError } = await import('../../errors.js');
          if (flags.tree === undefined) {
            throw new CpansecError('USAGE', 'revert needs --tree DIR', { hint: 'run "cpansec-patch revert --help"' });
          }
          if (ids.length > 0 && flags.all === true)
            throw new CpansecError('USAGE', 'name patches or pass --all, not both');
          const { revertTree } = await import('../../api/revert.js');
          return revertTree({
            tree: flags.tree,
            patchIds: ids,
            all: flags.all === true,
            ...(flags.location === undefined ? {} : { location: flags.location }),
            force: flags.force === true,
            dryRun: flags.dryRun === true,
            ...(flags.wait === undefined ? {} : { waitMs: flags.wait * 1000 }),
          });
        },
        renderRevert,
      );
    });
}
