import { examples, wholeNumber, withCommon } from './common.js';
import type { Command } from 'commander';
import type { NewResult } from '../../api/new.js';
import type { CommonOptions, Runner } from '../main.js';
import type { Ui } from '../output.js';

interface NewFlags extends CommonOptions {
  dir?: string;
  from?: string;
  baseUrl?: string;
  fuzz?: number;
  mirror?: string;
  cache?: string;
  offline?: boolean;
}

export function renderNew(r: NewResult, ui: Ui): string {
  const s = ui.style;
  const lines = [
    s.green(`workspace ${r.workspace}`),
    `  ${s.dim('release'.padEnd(10))} ${r.distribution} ${r.version} (${r.tarball.file}, ${r.files} files)`,
    `  ${s.dim('pristine'.padEnd(10))} commit ${r.pristine.slice(0, 12)}`,
  ];
  if (r.from) {
    const f = r.from;
    lines.push(`  ${s.dim('from'.padEnd(10))} ${f.origin ?? f.source}${f.author ? ` by ${f.author}` : ''}`);
    if (f.applied) lines.push(s.green(`  applied the upstream fix (${f.outcome})`));
    else if (f.outcome === 'already-applied') lines.push(s.yellow('  the upstream fix is already in this release'));
    else lines.push(s.yellow(`  the upstream fix does not apply (${f.reason}); saved as ${f.saved} to apply by hand`));
    if (f.skipped.length > 0) lines.push(s.yellow(`  left out (not in the release): ${f.skipped.join(', ')}`));
  }
  lines.push('', 'next:', ...r.next.map((n) => `  ${n}`));
  return `${lines.join('\n')}\n`;
}

export function defineNew(program: Command, run: Runner): void {
  withCommon(
    program
      .command('new')
      .description('start a fix: unpack a release into a git workspace with the pristine tree committed')
      .argument('<release>', 'a tarball, an https URL, Dist::Name@1.23 or Dist-Name-1.23')
      .option('--dir <dir>', 'the workspace directory (new or empty; default ./<Dist>-<Version>)')
      .option(
        '--from <fix>',
        'start from an upstream fix: the https address of a commit or pull request, or a patch file',
      )
      .option('--base-url <url>', 'fetch github.com/gitlab.com addresses from this base instead (a mirror)')
      .option('-F, --fuzz <n>', 'context lines the --from fix may ignore at each end of a hunk', wholeNumber, 0)
      .option('--mirror <url>', 'CPAN mirror for names (default https://www.cpan.org/)')
      .option('--cache <dir>', 'download cache')
      .option('--offline', 'no network: local files and the download cache only'),
  )
    .addHelpText(
      'after',
      examples(
        'cpansec-patch new HTTP-Daemon-6.16.tar.gz',
        'cpansec-patch new HTTP::Daemon@6.16 --dir work/http-daemon',
        'cpansec-patch new HTTP-Daemon-6.16.tar.gz --from https://github.com/libwww-perl/HTTP-Daemon/commit/945d35141d94490f749640bd4390acd6a2193995',
        'cpansec-patch new Foo-Bar-1.23.tar.gz --from upstream-fix.patch --json',
      ),
    )
    .action(async (release: string, flags: NewFlags) => {
      await run(
        'new',
        flags,
        async (ui) => {
          const { newWorkspace } = await import('../../api/new.js');
          return newWorkspace({
            input: release,
            ...(flags.dir === undefined ? {} : { dir: flags.dir }),
            ...(flags.from === undefined ? {} : { from: flags.from }),
            ...(flags.baseUrl === undefined ? {} : { baseUrl: flags.baseUrl }),
            ...(flags.fuzz === undefined ? {} : { fuzz: flags.fuzz }),
            ...(flags.mirror === undefined ? {} : { mirror: flags.mirror }),
            ...(flags.cache === undefined ? {} : { cache: flags.cache }),
            ...(flags.offline === undefined ? {} : { offline: flags.offline }),
            onProgress: (m) => ui.progress(m),
            onWarning: (m) => ui.warn(m),
          });
        },
        renderNew,
      );
    });
}
