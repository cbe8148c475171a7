import { examples, wholeNumber, withCommon } from './common.js';
import { renderRecover } from './tree-report.js';
import type { Command } from 'commander';
import type { CommonOptions, Runner } from '../main.js';

interface RecoverFlags extends CommonOptions {
  tree?: string;
  rollback?: boolean;
  wait?: number;
}

export function defineRecover(program: Command, run: Runner): void {
  withCommon(
    program
      .command('recover')
      .description('finish (or roll back) a run on a tree that was interrupted')
      .option('-t, --tree <dir>', 'the tree')
      .option('--rollback', 'undo the interrupted run instead of finishing it')
      .option('--wait <seconds>', 'wait this long for a run still holding the lock (default 10)', wholeNumber),
  )
    .addHelpText(
      'after',
      examples('cpansec-patch recover --tree ./local', 'cpansec-patch recover --tree ./local --rollback --json'),
    )
    .action(async (flags: RecoverFlags) => {
      await run(
        'recover',
        flags,
        async () => {
          if (flags.tree === undefined) {
            const { CpansecError } = await import('../../errors.js');
            throw new CpansecError('USAGE', 'recover needs --tree DIR', { hint: 'run "cpansec-patch recover --help"' });
          }
          const { recoverTree } = await import('../../api/recover.js');
          return recoverTree({
            tree: flags.tree,
            rollback: flags.rollback === true,
            ...(flags.wait === undefined ? {} : { waitMs: flags.wait * 1000 }),
          });
        },
        renderRecover,
      );
    });
}
