/**
 * `cpansec-patch upstream open|status|mail`: flags in, one api call, the
 * result rendered by upstream-report.ts (docs/upstream.md, docs/cli.md).
 */
import { examples, wholeNumber, withCommon } from './common.js';
import { passwordSource } from './password.js';
import type { Command } from 'commander';
import { renderMail, renderOpen, renderStatus } from './upstream-report.js';
import type { CommonOptions, Runner } from '../main.js';
import type { Ui } from '../output.js';
import type { PasswordFlags } from './password.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

interface SharedFlags extends CommonOptions, PasswordFlags {
  repo: string;
  githubApi?: string;
  mirror?: string;
  cache?: string;
  offline?: boolean;
  maxWait?: number;
  key: string[];
  expires: string[];
}

function withShared(command: Command): Command {
  return withCommon(command)
    .option('--repo <dir>', 'the repository working copy holding the patches', '.')
    .option(
      '--github-api <url>',
      'GitHub API base URL (GitHub Enterprise: https://HOST/api/v3; default $CPANSEC_GITHUB_API or https://api.github.com)',
    )
    .option('--mirror <url>', 'CPAN mirror for release tarballs and the index (default https://www.cpan.org/)')
    .option('--cache <dir>', 'download cache (default ${XDG_CACHE_HOME:-~/.cache}/cpansec-patch/downloads)')
    .option('--offline', 'use only the download cache for CPAN files')
    .option('--max-wait <seconds>', 'longest wait for a GitHub rate limit to reset (default 60)', wholeNumber)
    .option(
      '--key <file>',
      'publisher secret key: record the outcome in the patch, re-signed and published (repeatable)',
      collect,
      [],
    )
    .option('--password-file <file>', 'password of an encrypted key (first line)')
    .option('--expires <spec>', 'metadata validity when publishing, as for repo publish', collect, []);
}

function common(flags: SharedFlags, ui: Ui): Record<string, unknown> {
  return {
    repo: flags.repo,
    ...(flags.githubApi === undefined ? {} : { githubApi: flags.githubApi }),
    ...(flags.mirror === undefined ? {} : { mirror: flags.mirror }),
    ...(flags.cache === undefined ? {} : { cache: flags.cache }),
    ...(flags.offline === undefined ? {} : { offline: flags.offline }),
    ...(flags.maxWait === undefined ? {} : { maxWait: flags.maxWait }),
    ...(flags.key.length === 0 ? {} : { key: flags.key }),
    expires: flags.expires,
    password: passwordSource(flags),
    onNote: (m: string) => ui.note(m),
    onWarning: (m: string) => ui.warn(m),
    onProgress: (m: string) => ui.progress(m),
  };
}

export function defineUpstream(program: Command, run: Runner): void {
  const upstream = program
    .command('upstream')
    .description('forward fixes upstream: GitHub pull requests, patch mails, and where they stand')
    .addHelpText(
      'after',
      examples(
        'cpansec-patch upstream open HTTP-Daemon-CVE-2026-8450 --dry-run',
        'cpansec-patch upstream open HTTP-Daemon-CVE-2026-8450 --key publisher.key',
        'cpansec-patch upstream status --all --json',
        'cpansec-patch upstream mail Foo-Bar-CVE-2026-1234 --to maintainer@example.org',
      ),
    );

  withShared(
    upstream
      .command('open')
      .description('push the fix to a cpansec/<Patch-Id> branch and open (or update) a GitHub pull request')
      .argument('<patch>', 'Patch-Id in the repository working copy (--repo), or a .patch file')
      .option('--upstream <url>', 'the upstream repository (default: the Upstream-Repository field, else META)')
      .option('--tarball <file>', 'read META from this release tarball instead of fetching one')
      .option(
        '--label <name>',
        'label the pull request (repeatable; default "security"; only with the right to)',
        collect,
        [],
      )
      .option('--no-label', 'add no label')
      .option('--signoff', 'add a Signed-off-by trailer for you (projects with a DCO)')
      .option('--patch-url <url>', 'where the signed patch can be read, for the pull request body')
      .option('-n, --dry-run', 'clone, apply and compose locally; push and open nothing, change nothing'),
  )
    .addHelpText(
      'after',
      `
The token comes from GH_TOKEN, GITHUB_TOKEN or the GitHub CLI (gh auth login); it is never printed.
${examples(
  'cpansec-patch upstream open HTTP-Daemon-CVE-2026-8450 --dry-run',
  'cpansec-patch upstream open HTTP-Daemon-CVE-2026-8450 --key publisher.key --password-file pw',
  'cpansec-patch upstream open ./fix.patch --upstream https://github.com/owner/repo --json',
)}`,
    )
    .action(
      async (
        patch: string,
        flags: SharedFlags & {
          upstream?: string;
          tarball?: string;
          label: string[] | false;
          signoff?: boolean;
          patchUrl?: string;
          dryRun?: boolean;
        },
      ) => {
        await run(
          'upstream open',
          flags,
          async (ui) => {
            const { upstreamOpen } = await import('../../api/upstream-open.js');
            return upstreamOpen({
              ...common(flags, ui),
              patch,
              ...(flags.upstream === undefined ? {} : { upstream: flags.upstream }),
              ...(flags.tarball === undefined ? {} : { tarball: flags.tarball }),
              ...(flags.label === false ? { labels: [] } : flags.label.length > 0 ? { labels: flags.label } : {}),
              signoff: flags.signoff === true,
              ...(flags.patchUrl === undefined ? {} : { patchUrl: flags.patchUrl }),
              dryRun: flags.dryRun === true,
            });
          },
          renderOpen,
        );
      },
    );

  withShared(
    upstream
      .command('status')
      .description('where each forwarded fix stands, and whether a fixed release is on CPAN')
      .argument('[patches...]', 'Patch-Ids or .patch files')
      .option('--all', 'every patch of the repository working copy')
      .option('--write', 'make the proposed header changes (needs --key): the patch is re-signed and published'),
  )
    .addHelpText(
      'after',
      examples(
        'cpansec-patch upstream status HTTP-Daemon-CVE-2026-8450',
        'cpansec-patch upstream status --all --json',
        'cpansec-patch upstream status --all --write --key publisher.key',
      ),
    )
    .action(async (patches: string[], flags: SharedFlags & { all?: boolean; write?: boolean }) => {
      await run(
        'upstream status',
        flags,
        async (ui) => {
          const { upstreamStatus } = await import('../../api/upstream-status.js');
          return upstreamStatus({
            ...common(flags, ui),
            patches,
            all: flags.all === true,
            write: flags.write === true,
          });
        },
        renderStatus,
      );
    });

  withShared(
    upstream
      .command('mail')
      .description('write the fix as a format-patch mbox with a cover letter (sent only with --sendmail)')
      .argument('<patch>', 'Patch-Id in the repository working copy (--repo), or a .patch file')
      .option(
        '--to <address>',
        'recipient (repeatable; default: META bugtracker mailto, else the authors)',
        collect,
        [],
      )
      .option('--cc <address>', 'copy to (repeatable)', collect, [])
      .option('--from <mailbox>', 'sender, "Name <email>" (default: your git identity)')
      .option('-o, --out <file>', 'the mbox file (default ./<Patch-Id>.mbox)')
      .option('--tarball <file>', 'read META from this release tarball instead of fetching one')
      .option(
        '--sendmail <command>',
        'send with this command, run without a shell (default $CPANSEC_SENDMAIL; else nothing is sent)',
      )
      .option('--patch-url <url>', 'where the signed patch can be read, for the cover letter'),
  )
    .addHelpText(
      'after',
      examples(
        'cpansec-patch upstream mail Foo-Bar-CVE-2026-1234',
        'cpansec-patch upstream mail Foo-Bar-CVE-2026-1234 --to maintainer@example.org -o fix.mbox',
        'cpansec-patch upstream mail Foo-Bar-CVE-2026-1234 --sendmail "/usr/sbin/sendmail -oi" --key publisher.key',
      ),
    )
    .action(
      async (
        patch: string,
        flags: SharedFlags & {
          to: string[];
          cc: string[];
          from?: string;
          out?: string;
          tarball?: string;
          sendmail?: string;
          patchUrl?: string;
        },
      ) => {
        await run(
          'upstream mail',
          flags,
          async (ui) => {
            const { upstreamMail } = await import('../../api/upstream-mail.js');
            return upstreamMail({
              ...common(flags, ui),
              patch,
              to: flags.to,
              cc: flags.cc,
              ...(flags.from === undefined ? {} : { from: flags.from }),
              ...(flags.out === undefined ? {} : { out: flags.out }),
              ...(flags.tarball === undefined ? {} : { tarball: flags.tarball }),
              ...(flags.sendmail === undefined ? {} : { sendmail: flags.sendmail }),
              ...(flags.patchUrl === undefined ? {} : { patchUrl: flags.patchUrl }),
            });
          },
          renderMail,
        );
      },
    );
}
