import { examples, planOptions, withCommon, withPlanOptions } from './common.js';
import { renderDirReport } from './dir-report.js';
import { renderTarballResult } from './tarball-report.js';
import { renderTreeApply } from './tree-report.js';
import type { Command } from 'commander';
import type { PlanFlags } from './common.js';
import type { CommonOptions, Runner } from '../main.js';

interface ApplyFlags extends CommonOptions, PlanFlags {
  dir?: string;
  dryRun?: boolean;
  out?: string;
  inPlace?: boolean;
  patch?: string[];
  key?: string[];
  allowUnsigned?: boolean;
  repo?: string;
  trustRoot?: string;
  mirror?: string;
  cache?: string;
  offline?: boolean;
  versionSuffix?: string;
  limit?: string[];
  tree?: string;
  dist?: string;
  wait?: number;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Options that only mean something for a tarball; with --dir they are a usage error, not silently ignored. */
const TARBALL_ONLY: (keyof ApplyFlags)[] = [
  'out',
  'inPlace',
  'patch',
  'key',
  'allowUnsigned',
  'repo',
  'trustRoot',
  'mirror',
  'cache',
  'offline',
  'versionSuffix',
  'limit',
];

/** With --tree: flags of the other modes, refused rather than ignored. */
const NOT_FOR_TREE: (keyof ApplyFlags)[] = ['dir', 'out', 'inPlace', 'mirror', 'versionSuffix', 'limit', 'reverse'];
/** Flags that only mean something with --tree. */
const TREE_ONLY: (keyof ApplyFlags)[] = ['dist', 'wait'];

function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

export function defineApply(program: Command, run: Runner): void {
  withCommon(
    withPlanOptions(
      program
        .command('apply')
        .description(
          'patch a distribution tarball (file, URL or Dist::Name) with verified patches; an installed tree with --tree; a directory with --dir',
        )
        .argument(
          '[input]',
          'a tarball, an https:// URL, Dist::Name[@version] or Dist-Name-1.23; with --dir: the patch file; none with --tree',
        )
        .option('-d, --dir <dir>', 'apply the patch <input> to this directory (the distribution root) instead')
        .option('-t, --tree <dir>', 'patch an installed Perl tree (local::lib, Carton local/, a perl root) instead')
        .option('--dist <name>', '--tree: the distribution of --patch files whose header names none')
        .option('--wait <seconds>', "--tree: how long to wait for another run's lock (default 10)", Number)
        .option('-o, --out <file|dir>', 'where to write the patched tarball (a directory keeps the input file name)')
        .option('--in-place', 'replace the input tarball itself')
        .option('--patch <file>', 'apply this patch file (repeatable, in order) instead of the repository', collect)
        .option(
          '--key <pub>',
          'public key that may sign --patch files (repeatable; default: the repository keys)',
          collect,
        )
        .option('--allow-unsigned', 'apply --patch files that have no signature (local work only: loud warning)')
        .option('--repo <dir|url>', 'the patch repository (default: the embedded one)')
        .option(
          '--trust-root <file>',
          "root.json to trust for a repository not pulled before (default: the embedded repository's)",
        )
        .option('--mirror <url>', 'CPAN mirror for names (default https://www.cpan.org/)')
        .option(
          '--cache <dir>',
          'download cache (default ${XDG_CACHE_HOME:-~/.cache}/cpansec-patch/downloads); with --tree: the repository cache',
        )
        .option('--offline', 'no network: local files and caches only')
        .option('--version-suffix <suffix>', 'append to the version in META and the output name (1.23 + 01 = 1.2301)')
        .option('--limit <name=value>', 'raise or lower a bound, e.g. maxTarballExpandedBytes=4G (repeatable)', collect)
        .option('-n, --dry-run', 'report what would change, write nothing'),
      'undo the patch (--dir only)',
    ),
  )
    .addHelpText(
      'after',
      examples(
        'cpansec-patch apply HTTP-Daemon-6.16.tar.gz                  # patches from the repository',
        'cpansec-patch apply HTTP::Daemon --out patched/              # the indexed release, from the mirror',
        'cpansec-patch apply HTTP-Daemon-6.16 --dry-run --json',
        'cpansec-patch apply Foo-1.0.tar.gz --patch fix.patch --key publisher.pub',
        'cpansec-patch apply fix.patch --dir ./HTTP-Daemon-6.16        # a plain directory',
        'cpansec-patch apply --tree ~/perl5                            # an installed tree, from the repository',
        'cpansec-patch apply --tree local --patch fix.patch --dry-run   # Carton local/, one patch file',
        '# output: Dist-1.0+cpansec.tar.gz beside a local input, in the current directory otherwise',
        '# exit 0 also when nothing applies (the result says why); 4: signature or checksum; 5: does not apply',
      ),
    )
    .action(async (input: string | undefined, options: ApplyFlags) => {
      const { CpansecError } = await import('../../errors.js');
      const usage = (message: string): InstanceType<typeof CpansecError> =>
        new CpansecError('USAGE', message, { hint: 'run "cpansec-patch apply --help" for usage and examples' });
      if (options.tree !== undefined) {
        await run(
          'apply',
          options,
          async (ui) => {
            const misplaced = NOT_FOR_TREE.filter((k) => options[k] !== undefined);
            if (misplaced.length > 0) throw usage(`${misplaced.map(flagName).join(', ')} cannot be used with --tree`);
            if (input !== undefined) {
              throw usage(`--tree takes no <input> (got ${input}); name patch files with --patch`);
            }
            if (options.wait !== undefined && !(Number.isFinite(options.wait) && options.wait >= 0)) {
              throw usage('--wait takes a number of seconds');
            }
            const { applyPatchesToTree } = await import('../../api/apply-tree.js');
            return applyPatchesToTree({
              tree: options.tree as string,
              ...(options.patch === undefined ? {} : { patches: options.patch }),
              ...(options.key === undefined ? {} : { keys: options.key }),
              allowUnsigned: options.allowUnsigned === true,
              ...(options.dist === undefined ? {} : { dist: options.dist }),
              fuzz: options.fuzz ?? 0,
              dryRun: options.dryRun === true,
              ...(options.wait === undefined ? {} : { waitMs: options.wait * 1000 }),
              repo: {
                ...(options.repo === undefined ? {} : { repo: options.repo }),
                ...(options.cache === undefined ? {} : { cache: options.cache }),
                ...(options.trustRoot === undefined ? {} : { trustRoot: options.trustRoot }),
                offline: options.offline === true,
                onProgress: (m) => ui.progress(m),
              },
              onWarning: (m) => ui.warn(m),
            });
          },
          (r, ui) => renderTreeApply(r, ui),
        );
        return;
      }
      const treeOnly = TREE_ONLY.filter((k) => options[k] !== undefined);
      if (input === undefined || treeOnly.length > 0) {
        await run(
          'apply',
          options,
          async () => {
            throw treeOnly.length > 0
              ? usage(`${treeOnly.map(flagName).join(', ')} go with --tree`)
              : usage('apply needs an <input> (a tarball, URL or Dist::Name; with --dir: a patch file), or --tree DIR');
          },
          () => '',
        );
        return;
      }
      if (options.dir !== undefined) {
        const misplaced = TARBALL_ONLY.filter((k) => options[k] !== undefined);
        await run(
          'apply',
          options,
          async () => {
            if (misplaced.length > 0) {
              throw new CpansecError('USAGE', `${misplaced.map(flagName).join(', ')} apply to tarballs, not to --dir`, {
                hint: 'run "cpansec-patch apply --help" for usage and examples',
              });
            }
            const { applyPatchToDir } = await import('../../api/apply-dir.js');
            return applyPatchToDir({
              patch: input,
              dir: options.dir as string,
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
        return;
      }
      await run(
        'apply',
        options,
        async (ui) => {
          if (/\.(patch|diff)$/i.test(input)) {
            throw new CpansecError(
              'USAGE',
              `${input} looks like a patch: apply needs --dir <dir> to patch a directory`,
              {
                hint: 'to patch a tarball: cpansec-patch apply TARBALL --patch fix.patch',
              },
            );
          }
          if (options.reverse === true) throw new CpansecError('USAGE', '--reverse applies to --dir only');
          const { applyPatchesToTarball } = await import('../../api/apply-tarball.js');
          const { parseLimitFlags } = await import('../../api/limit-flags.js');
          return applyPatchesToTarball({
            input,
            ...(options.out === undefined ? {} : { out: options.out }),
            inPlace: options.inPlace === true,
            ...(options.patch === undefined ? {} : { patches: options.patch }),
            ...(options.key === undefined ? {} : { keys: options.key }),
            allowUnsigned: options.allowUnsigned === true,
            ...(options.repo === undefined ? {} : { repo: options.repo }),
            ...(options.trustRoot === undefined ? {} : { repository: { trustRoot: options.trustRoot } }),
            ...(options.mirror === undefined ? {} : { mirror: options.mirror }),
            ...(options.cache === undefined ? {} : { cacheDir: options.cache }),
            offline: options.offline === true,
            ...(options.versionSuffix === undefined ? {} : { versionSuffix: options.versionSuffix }),
            strip: options.strip ?? 1,
            fuzz: options.fuzz ?? 0,
            dryRun: options.dryRun === true,
            limits: parseLimitFlags(options.limit ?? []),
            onProgress: (m) => ui.progress(m),
            onWarning: (m) => ui.warn(m),
          });
        },
        (r, ui) => renderTarballResult(r, ui),
      );
    });
}
