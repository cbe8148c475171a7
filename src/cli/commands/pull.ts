import { examples, wholeNumber, withCommon } from './common.js';
import type { Command } from 'commander';
import type { PullResult } from '../../api/pull.js';
import type { CommonOptions, Runner } from '../main.js';
import type { Ui } from '../output.js';

interface PullFlags extends CommonOptions {
  from?: string;
  cache?: string;
  trustRoot?: string;
  ref?: string;
  timeout?: number;
}

export function renderPull(r: PullResult, ui: Ui): string {
  const s = ui.style;
  const lines = [
    r.changed ? s.green(`pulled ${r.source}`) : s.green(`${r.source} is up to date`),
    `  ${s.dim('patches'.padEnd(10))} ${r.patches} (${r.downloaded} downloaded, ${r.reused} unchanged)`,
    `  ${s.dim('versions'.padEnd(10))} root ${r.versions.root}, targets ${r.versions.targets}, snapshot ${r.versions.snapshot}, timestamp ${r.versions.timestamp}`,
    `  ${s.dim('valid to'.padEnd(10))} ${r.expires.timestamp} (timestamp)`,
    `  ${s.dim('cache'.padEnd(10))} ${r.cacheDir}`,
  ];
  if (r.git) lines.push(`  ${s.dim('git'.padEnd(10))} ${r.git.commit}`);
  for (const rev of r.revoked) lines.push(s.yellow(`  revoked ${rev.patchId} (${rev.date}): ${rev.reason}`));
  return `${lines.join('\n')}\n`;
}

export function definePull(program: Command, run: Runner): void {
  withCommon(
    program
      .command('pull')
      .description('update the local copy of a patch repository, verified (TUF metadata, hashes, minisign signatures)')
      .option(
        '--from <source>',
        'repository: https URL, git remote (git+https://…, ssh://…, file:///….git) or folder (default: the embedded one)',
      )
      .option(
        '--cache <dir>',
        'cache folder for this source (default: ${XDG_CACHE_HOME:-~/.cache}/cpansec-patch/repos/<name>)',
      )
      .option('--trust-root <file>', "root.json to trust for a new cache (default: the embedded repository's)")
      .option('--ref <ref>', 'git branch or tag')
      .option('--timeout <seconds>', 'give up on a source silent for this long (default 30)', wholeNumber),
  )
    .addHelpText(
      'after',
      examples(
        'cpansec-patch pull',
        'cpansec-patch pull --from https://example.org/cpansec-patches/',
        'cpansec-patch pull --from git+https://github.com/example/cpansec-patches.git --json',
        'cpansec-patch pull --from ./my-repo --trust-root ./my-repo/metadata/1.root.json',
      ),
    )
    .action(async (flags: PullFlags) => {
      await run(
        'pull',
        flags,
        async (ui) => {
          const { pullPatches } = await import('../../api/pull.js');
          return pullPatches({
            ...(flags.from === undefined ? {} : { from: flags.from }),
            ...(flags.cache === undefined ? {} : { cache: flags.cache }),
            ...(flags.trustRoot === undefined ? {} : { trustRoot: flags.trustRoot }),
            ...(flags.ref === undefined ? {} : { ref: flags.ref }),
            ...(flags.timeout === undefined ? {} : { timeout: flags.timeout }),
            onProgress: (m) => ui.progress(m),
          });
        },
        renderPull,
      );
    });
}
