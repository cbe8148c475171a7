import { examples, withCommon } from './common.js';
import { renderScan } from './tree-report.js';
import type { Command } from 'commander';
import type { CommonOptions, Runner } from '../main.js';

interface ScanFlags extends CommonOptions {
  tree: string[];
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function defineScan(program: Command, run: Runner): void {
  withCommon(
    program
      .command('scan')
      .description('list the Perl distributions installed in a tree, with their versions (reads only)')
      .option(
        '-t, --tree <dir>',
        "a tree: local::lib / Carton local/, a system root, a library directory (repeat; default: the running perl's site and vendor trees)",
        collect,
        [],
      ),
  )
    .addHelpText(
      'after',
      examples(
        'cpansec-patch scan --tree ./local',
        'cpansec-patch scan --tree /srv/app/local --tree /   # a Carton tree and the system perl',
        'cpansec-patch scan --json',
      ),
    )
    .action(async (flags: ScanFlags) => {
      await run(
        'scan',
        flags,
        async () => {
          const { scanTrees } = await import('../../api/scan.js');
          return scanTrees({ trees: flags.tree });
        },
        renderScan,
      );
    });
}
