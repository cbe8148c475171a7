import { examples, wholeNumber, withCommon } from './common.js';
import { passwordSource } from './password.js';
import type { Command } from 'commander';
import type { PublishResult, RepoInitResult } from '../../api/repo-author.js';
import type { VerifyRepositoryResult } from '../../api/repo-verify.js';
import type { CommonOptions, Runner } from '../main.js';
import type { Ui } from '../output.js';
import type { PasswordFlags } from './password.js';

interface KeyFlags extends CommonOptions, PasswordFlags {
  expires: string[];
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];
const DEFAULT_REPO = '.';

export function renderPublish(r: PublishResult & { repo?: string; dir?: string }, ui: Ui): string {
  const s = ui.style;
  const lines = [s.green(`published ${r.repo ?? r.dir ?? ''}`)];
  for (const role of ['root', 'targets', 'snapshot', 'timestamp'] as const) {
    lines.push(`  ${s.dim(role.padEnd(10))} version ${String(r.versions[role]).padEnd(4)} expires ${r.expires[role]}`);
  }
  lines.push(
    `  ${r.patches} patch(es), ${r.revoked} revoked, consistent snapshots ${r.consistentSnapshot ? 'on' : 'off'}`,
  );
  return `${lines.join('\n')}\n`;
}

export function renderVerifyRepo(r: VerifyRepositoryResult, ui: Ui): string {
  const s = ui.style;
  const lines = [s.green(`verified ${r.source}: ${r.patches} patch(es), ${r.revoked} revoked`)];
  for (const role of ['root', 'targets', 'snapshot', 'timestamp'] as const) {
    if (r.versions && r.expires)
      lines.push(
        `  ${s.dim(role.padEnd(10))} version ${String(r.versions[role]).padEnd(4)} expires ${r.expires[role]}`,
      );
  }
  return `${lines.join('\n')}\n`;
}

function withKeys(command: Command): Command {
  return command
    .option('--password-file <file>', 'password of encrypted secret keys (first line)')
    .option(
      '--expires <spec>',
      'validity: "30d" for every role, or "timestamp=1d,snapshot=7d" (h, d, w, y)',
      collect,
      [],
    );
}

export function defineRepo(program: Command, run: Runner): void {
  const repo = program
    .command('repo')
    .description('make and maintain a signed patch repository (TUF metadata + minisign signatures)')
    .addHelpText(
      'after',
      examples(
        'cpansec-patch repo init ./repo --root-key root.key --publisher-key publisher.key',
        'cpansec-patch repo add Foo-Bar-CVE-2026-1234.patch --repo ./repo --key publisher.key',
        'cpansec-patch repo publish --repo ./repo --key publisher.key',
        'cpansec-patch repo verify ./repo',
      ),
    );

  withCommon(
    withKeys(
      repo
        .command('init')
        .description('create an empty repository signed by a root key and a publisher key')
        .argument('<dir>', 'the new repository folder (empty or missing)')
        .requiredOption('--root-key <file>', 'root secret key (repeat for several)', collect, [])
        .requiredOption(
          '--publisher-key <file>',
          'publisher secret key: targets, snapshot, timestamp, patches (repeat for several)',
          collect,
          [],
        )
        .option('--threshold <n>', 'root signatures required', wholeNumber)
        .option('--publisher-threshold <n>', 'signatures required for the other roles', wholeNumber)
        .option('--consistent-snapshot', 'version- and hash-named files, for repositories served while being updated'),
    ),
  )
    .addHelpText(
      'after',
      examples(
        'cpansec-patch repo init ./repo --root-key root.key --publisher-key publisher.key',
        'cpansec-patch repo init ./site --root-key r1.key --root-key r2.key --threshold 2 --publisher-key p.key --consistent-snapshot',
        'cpansec-patch repo init ./patches --root-key root.key --publisher-key publisher.key --expires 730d',
      ),
    )
    .action(
      async (
        dir: string,
        flags: KeyFlags & {
          rootKey: string[];
          publisherKey: string[];
          threshold?: number;
          publisherThreshold?: number;
          consistentSnapshot?: boolean;
        },
      ) => {
        await run(
          'repo init',
          flags,
          async (ui) => {
            const { repoInit } = await import('../../api/repo-author.js');
            return repoInit({
              dir,
              rootKey: flags.rootKey,
              publisherKey: flags.publisherKey,
              ...(flags.threshold === undefined ? {} : { threshold: flags.threshold }),
              ...(flags.publisherThreshold === undefined ? {} : { publisherThreshold: flags.publisherThreshold }),
              consistentSnapshot: flags.consistentSnapshot === true,
              expires: flags.expires,
              password: passwordSource(flags),
              onNote: (m) => ui.note(m),
            });
          },
          (r: RepoInitResult, ui) => renderPublish(r, ui),
        );
      },
    );

  withCommon(
    repo
      .command('add')
      .description('check, sign and copy a patch into patches/<Distribution>/<Patch-Id>.patch (then run publish)')
      .argument('<patch>', 'the patch file, named <Patch-Id>.patch')
      .option('--repo <dir>', 'the repository folder', DEFAULT_REPO)
      .requiredOption('--key <file>', 'the publisher secret key')
      .option('--password-file <file>', 'password of an encrypted key (first line)')
      .option('--replace', 'replace a patch with the same Patch-Id (a new revision)'),
  )
    .addHelpText(
      'after',
      examples('cpansec-patch repo add HTTP-Daemon-CVE-2026-8450.patch --repo ./repo --key publisher.key'),
    )
    .action(
      async (
        patch: string,
        flags: CommonOptions & PasswordFlags & { repo: string; key: string; replace?: boolean },
      ) => {
        await run(
          'repo add',
          flags,
          async (ui) => {
            const { repoAdd } = await import('../../api/repo-author.js');
            return repoAdd({
              repo: flags.repo,
              patch,
              key: flags.key,
              replace: flags.replace === true,
              password: passwordSource(flags),
              onNote: (m) => ui.note(m),
            });
          },
          (r, ui) =>
            `${ui.style.green(`added ${r.patchId}`)} → ${r.path} (signed by ${r.keyId}${r.replaced ? ', replaced' : ''})\nrun "cpansec-patch repo publish" to make it visible\n`,
        );
      },
    );

  withCommon(
    withKeys(
      repo
        .command('publish')
        .description('sign new targets, snapshot and timestamp metadata (fresh versions and expiry)')
        .option('--repo <dir>', 'the repository folder', DEFAULT_REPO)
        .requiredOption(
          '--key <file>',
          'secret key(s) of the targets, snapshot and timestamp roles (repeat)',
          collect,
          [],
        ),
    ),
  )
    .addHelpText(
      'after',
      examples(
        'cpansec-patch repo publish --repo ./repo --key publisher.key',
        'cpansec-patch repo publish --key publisher.key --expires timestamp=1d',
      ),
    )
    .action(async (flags: KeyFlags & { repo: string; key: string[] }) => {
      await run(
        'repo publish',
        flags,
        async (ui) => {
          const { repoPublish } = await import('../../api/repo-author.js');
          return repoPublish({
            repo: flags.repo,
            key: flags.key,
            expires: flags.expires,
            password: passwordSource(flags),
            onNote: (m) => ui.note(m),
          });
        },
        renderPublish,
      );
    });

  withCommon(
    withKeys(
      repo
        .command('rotate-key')
        .description("replace a role's key: writes root N+1 signed by the old and the new root keys, then publishes")
        .option('--repo <dir>', 'the repository folder', DEFAULT_REPO)
        .requiredOption('--role <role>', 'root, targets, snapshot or timestamp')
        .requiredOption('--new-key <file>', 'the new secret key')
        .option('--old-key <file>', 'public key to take out (default: every current key of the role)')
        .requiredOption('--root-key <file>', 'current root secret key(s) (repeat)', collect, [])
        .option('--key <file>', 'secret keys of the other roles, to publish with (repeat)', collect, []),
    ),
  )
    .addHelpText(
      'after',
      examples(
        'cpansec-patch repo rotate-key --role targets --new-key new-publisher.key --root-key root.key --key publisher.key',
        'cpansec-patch repo rotate-key --role root --new-key new-root.key --old-key old-root.pub --root-key old-root.key --key publisher.key',
      ),
    )
    .action(
      async (
        flags: KeyFlags & {
          repo: string;
          role: string;
          newKey: string;
          oldKey?: string;
          rootKey: string[];
          key: string[];
        },
      ) => {
        await run(
          'repo rotate-key',
          flags,
          async (ui) => {
            const { repoRotateKey } = await import('../../api/repo-author.js');
            return repoRotateKey({
              repo: flags.repo,
              role: flags.role as 'root',
              newKey: flags.newKey,
              ...(flags.oldKey === undefined ? {} : { oldKey: flags.oldKey }),
              rootKey: flags.rootKey,
              key: flags.key,
              expires: flags.expires,
              password: passwordSource(flags),
              onNote: (m) => ui.note(m),
            });
          },
          (r, ui) =>
            `${ui.style.green(`rotated the ${r.role} key`)}: added ${r.added.slice(0, 16)}…, removed ${r.removed.map((k) => `${k.slice(0, 16)}…`).join(', ') || 'none'}\n${renderPublish(r, ui)}`,
        );
      },
    );

  withCommon(
    repo
      .command('revoke')
      .description('withdraw a patch: removed from patches/, recorded as revoked at the next publish')
      .argument('<patch-id>', 'the Patch-Id')
      .option('--repo <dir>', 'the repository folder', DEFAULT_REPO)
      .requiredOption('--reason <text>', 'why (shown to users who have it)'),
  )
    .addHelpText(
      'after',
      examples(
        'cpansec-patch repo revoke Foo-Bar-CVE-2026-1234 --reason "breaks t/basic.t; replaced by Foo-Bar-CVE-2026-1234-r2"',
      ),
    )
    .action(async (patchId: string, flags: CommonOptions & { repo: string; reason: string }) => {
      await run(
        'repo revoke',
        flags,
        async () => {
          const { repoRevoke } = await import('../../api/repo-author.js');
          return repoRevoke({ repo: flags.repo, patchId, reason: flags.reason });
        },
        (r, ui) =>
          `${ui.style.yellow(r.alreadyRevoked ? `${r.patchId} was already revoked` : `revoked ${r.patchId}`)} (${r.reason})\nrun "cpansec-patch repo publish" to sign the revocation\n`,
      );
    });

  withCommon(
    repo
      .command('verify')
      .description('check a repository with public keys only: TUF chain, every target, every signature and header')
      .argument('[dir-or-url]', 'repository folder, https URL or git remote (default: the embedded one)')
      .option('--trust-root <file>', "root.json to start from (default: the repository's own 1.root.json)"),
  )
    .addHelpText(
      'after',
      examples(
        'cpansec-patch repo verify ./repo',
        'cpansec-patch repo verify https://example.org/patches/ --trust-root root.json --json',
      ),
    )
    .action(async (target: string | undefined, flags: CommonOptions & { trustRoot?: string }) => {
      await run(
        'repo verify',
        flags,
        async (ui) => {
          const { repoVerify } = await import('../../api/repo-verify.js');
          return repoVerify({
            ...(target === undefined ? {} : { repo: target }),
            ...(flags.trustRoot === undefined ? {} : { trustRoot: flags.trustRoot }),
            onProgress: (m) => ui.progress(m),
          });
        },
        renderVerifyRepo,
      );
    });
}
