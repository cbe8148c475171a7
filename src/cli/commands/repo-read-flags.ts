/** Flags shared by list, search and info: which repository to read. */
import type { Command } from 'commander';
import type { RepoReadOptions } from '../../api/repo-read.js';

export interface RepoReadFlags {
  repo?: string;
  cache?: string;
  offline?: boolean;
  trustRoot?: string;
}

export function withRepoRead(command: Command): Command {
  return command
    .option(
      '--repo <source>',
      "repository: folder, https URL or git remote (default: the configuration file's, else the embedded one)",
    )
    .option('--cache <dir>', 'cache folder for this source (as for pull)')
    .option('--offline', 'read the cached copy of a remote repository without contacting it')
    .option('--trust-root <file>', 'root.json to trust for a new cache');
}

export function repoReadOptions(flags: RepoReadFlags): RepoReadOptions {
  return {
    ...(flags.repo === undefined ? {} : { repo: flags.repo }),
    ...(flags.cache === undefined ? {} : { cache: flags.cache }),
    ...(flags.offline === undefined ? {} : { offline: flags.offline }),
    ...(flags.trustRoot === undefined ? {} : { trustRoot: flags.trustRoot }),
  };
}
