import { examples, withCommon } from './common.js';
import type { Command } from 'commander';
import type { VerifyPatchResult } from '../../api/verify.js';
import type { CommonOptions, Runner } from '../main.js';
import type { Ui } from '../output.js';

interface VerifyFlags extends CommonOptions {
  key: string[];
  signature?: string;
  repo?: string;
  trustRoot?: string;
  cache?: string;
}

export function renderVerify(r: VerifyPatchResult, ui: Ui): string {
  const s = ui.style;
  const row = (k: string, v: string | undefined): string => `  ${s.dim(k.padEnd(12))} ${v ?? '-'}`;
  const when = r.signed.timestamp === undefined ? undefined : new Date(r.signed.timestamp * 1000).toISOString();
  // Only authenticated data is shown; the untrusted comment is left out on purpose.
  const lines = [
    s.green(`verified ${r.patch}`),
    row('signed by', `${r.keyId}${r.keyFile === undefined ? '' : ` (${r.keyFile})`}`),
    row('patch id', r.signed.patchId),
    row('dist', r.signed.dist),
    row('file', r.signed.file),
    row('signed at', when),
  ];
  return `${lines.join('\n')}\n`;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function defineVerify(program: Command, run: Runner): void {
  withCommon(
    program
      .command('verify')
      .description('verify a patch signature (<patch>.minisig) against trusted public keys')
      .argument('<patch>', 'the patch file')
      .option('-k, --key <file>', 'trusted public key file (repeat for several)', collect, [])
      .option('-x, --signature <file>', 'signature file (default <patch>.minisig)')
      .option('--repo <dir|url>', 'trust the publisher keys of this patch repository (verified with TUF)')
      .option('--trust-root <file>', 'with --repo: the root.json to trust (default the embedded repository)')
      .option('--cache <dir>', "with --repo: the repository's cache folder"),
  )
    .addHelpText(
      'after',
      examples(
        'cpansec-patch verify fix.patch --key publisher.pub',
        'cpansec-patch verify fix.patch --key old.pub --key new.pub --json',
        'cpansec-patch verify fix.patch --repo https://example.org/cpansec-patches/',
        '# exit 0 verified; 4 bad, tampered, untrusted, revoked or missing signature',
      ),
    )
    .action(async (patch: string, flags: VerifyFlags) => {
      await run(
        'verify',
        flags,
        async () => {
          const { verifyPatch } = await import('../../api/verify.js');
          return verifyPatch({
            patch,
            key: flags.key,
            ...(flags.signature === undefined ? {} : { signature: flags.signature }),
            ...(flags.repo === undefined
              ? {}
              : {
                  repo: flags.repo,
                  repoOptions: {
                    ...(flags.trustRoot === undefined ? {} : { trustRoot: flags.trustRoot }),
                    ...(flags.cache === undefined ? {} : { cache: flags.cache }),
                  },
                }),
          });
        },
        renderVerify,
      );
    });
}
