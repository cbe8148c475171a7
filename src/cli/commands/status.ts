import { examples, withCommon } from './common.js';
import { collect } from './scan.js';
import { renderStatus } from './tree-report.js';
import type { Command } from 'commander';
import type { CommonOptions, Runner } from '../main.js';

interface StatusFlags extends CommonOptions {
  tree: string[];
  repo?: string | false;
  cache?: string;
  offline?: boolean;
  trustRoot?: string;
}

export function defineStatus(program: Command, run: Runner): void {
  withCommon(
    program
      .command('status')
      .description('what is applied to a tree, what drifted, what the repository has for it (reads only)')
      .option('-t, --tree <dir>', "a tree (repeat; default: the running perl's site and vendor trees)", collect, [])
      .option(
        '--repo <source>',
        'repository for "available" and "revoked": folder, https URL or git remote (default: the embedded one)',
      )
      .option('--no-repo', 'do not consult any repository')
      .option('--cache <dir>', "the repository's cache folder")
      .option('--offline', 'use the cached repository without contacting it')
      .option('--trust-root <file>', "root.json to trust for a new cache (default: the embedded repository's)"),
  )
    .addHelpText(
      'after',
      examples(
        'cpansec-patch status --tree ./local',
        'cpansec-patch status --tree ./local --repo https://example.org/cpansec-patches/ --json',
        '# exit 0 whatever the state; --json has "summary": {applied, drifted, available, revoked}',
      ),
    )
    .action(async (flags: StatusFlags) => {
      await run(
        'status',
        flags,
        async () => {
          const { statusOfTrees } = await import('../../api/status.js');
          return statusOfTrees({
            trees: flags.tree,
            repo:
              flags.repo === false
                ? false
                : {
                    ...(typeof flags.repo === 'string' ? { repo: flags.repo } : {}),
                    ...(flags.cache ? { cache: flags.cache } : {}),
                    ...(flags.offline ? { offline: true } : {}),
                    ...(flags.trustRoot ? { trustRoot: flags.trustRoot } : {}),
                  },
          });
        },
        renderStatus,
      );
    });
}
