import { examples, withCommon } from './common.js';
import { passwordSource } from './password.js';
import type { Command } from 'commander';
import type { SignPatchResult } from '../../api/sign.js';
import type { CommonOptions, Runner } from '../main.js';
import type { Ui } from '../output.js';
import type { PasswordFlags } from './password.js';

interface SignFlags extends CommonOptions, PasswordFlags {
  key: string;
  output?: string;
  comment?: string;
}

export function renderSign(r: SignPatchResult, ui: Ui): string {
  const s = ui.style;
  const lines = [
    s.green(`signed ${r.patch}`) + ` → ${r.signature}${r.replaced ? s.dim(' (replaced)') : ''}`,
    `  ${s.dim('key'.padEnd(16))} ${r.keyId}`,
    `  ${s.dim('trusted comment'.padEnd(16))} ${r.trustedComment.replace(/\t/g, '  ')}`,
    ...r.warnings.map((w) => `  ${s.yellow('warning:')} ${w}`),
  ];
  return `${lines.join('\n')}\n`;
}

export function defineSign(program: Command, run: Runner): void {
  withCommon(
    program
      .command('sign')
      .description('sign a patch: writes <patch>.minisig (minisign format, bound to the patch id and dist)')
      .argument('<patch>', 'the patch file (needs Patch-Id and Distribution headers)')
      .requiredOption('-k, --key <file>', 'secret key file (from "key generate" or minisign -G)')
      .option('--password-file <file>', 'read the key password from a file (first line)')
      .option('-o, --output <file>', 'signature file to write (default <patch>.minisig)')
      .option('-c, --comment <text>', 'untrusted comment (line 1; not signed)'),
  )
    .addHelpText(
      'after',
      examples(
        'cpansec-patch sign patches/patches/HTTP-Daemon/HTTP-Daemon-CVE-2026-8450.patch --key ~/.cpansec/publisher.key',
        'cpansec-patch sign fix.patch --key ci.key --password-file ci.pw --json',
        '# check it with minisign too:',
        'minisign -V -p publisher.pub -m fix.patch',
      ),
    )
    .action(async (patch: string, flags: SignFlags) => {
      await run(
        'sign',
        flags,
        async (ui) => {
          const { signPatch } = await import('../../api/sign.js');
          return signPatch({
            patch,
            key: flags.key,
            password: passwordSource(flags),
            ...(flags.output === undefined ? {} : { output: flags.output }),
            ...(flags.comment === undefined ? {} : { untrustedComment: flags.comment }),
            onNote: (m) => ui.note(m),
          });
        },
        renderSign,
      );
    });
}
