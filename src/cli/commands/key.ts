import { examples, withCommon } from './common.js';
import { hasPasswordSource, passwordSource } from './password.js';
import type { Command } from 'commander';
import type { GenerateKeyResult, ShowKeyResult } from '../../api/key.js';
import type { CommonOptions, Runner } from '../main.js';
import type { Ui } from '../output.js';
import type { PasswordFlags } from './password.js';

interface GenerateFlags extends CommonOptions, PasswordFlags {
  out: string;
  /** commander's --no-password: false when given. */
  password?: boolean;
  comment?: string;
  force?: boolean;
}

export function renderGenerate(r: GenerateKeyResult, ui: Ui): string {
  const s = ui.style;
  const lines = [
    s.green(`generated key ${s.bold(r.keyId)}`),
    `  ${s.dim('public key'.padEnd(12))} ${r.publicKeyFile}   (share it: verifiers need it)`,
    `  ${s.dim('secret key'.padEnd(12))} ${r.secretKeyFile}   (${r.encrypted ? 'encrypted with your password' : s.yellow('NOT encrypted')}; keep it private)`,
    `  ${s.dim('minisign -P'.padEnd(12))} ${r.publicKey}`,
  ];
  return `${lines.join('\n')}\n`;
}

export function renderShowKey(r: ShowKeyResult, ui: Ui): string {
  const s = ui.style;
  const row = (k: string, v: string): string => `  ${s.dim(k.padEnd(12))} ${v}`;
  const lines = [
    s.bold(`${r.kind} key ${r.keyId ?? '(key id is encrypted)'}`),
    row('file', r.path),
    row('algorithm', r.algorithm),
    row('public key', r.publicKey ?? '(inside the encrypted part)'),
  ];
  if (r.kind === 'secret') {
    lines.push(
      row('encrypted', r.encrypted ? `yes (scrypt N=${r.kdf?.N}, r=${r.kdf?.r}, p=${r.kdf?.p})` : s.yellow('no')),
    );
  }
  return `${lines.join('\n')}\n`;
}

export function defineKey(program: Command, run: Runner): void {
  const key = program
    .command('key')
    .description('make and inspect Ed25519 signing keys (minisign-compatible)')
    .addHelpText(
      'after',
      examples('cpansec-patch key generate --out keys/publisher', 'cpansec-patch key show keys/publisher.pub'),
    );

  withCommon(
    key
      .command('generate')
      .description('make a key pair: <out>.key (secret, mode 0600) and <out>.pub (public)')
      .requiredOption('-o, --out <prefix>', 'path prefix of the two files')
      .option('--password-file <file>', 'read the password for the secret key from a file (first line)')
      .option('--no-password', 'store the secret key unencrypted (as minisign -W)')
      .option('-c, --comment <text>', 'comment line of the secret key file')
      .option('-f, --force', 'replace existing key files'),
  )
    .addHelpText(
      'after',
      examples(
        'cpansec-patch key generate --out ~/.cpansec/publisher           # asks for a password',
        'cpansec-patch key generate --out ci/test --no-password --json',
        `CPANSEC_KEY_PASSWORD=… cpansec-patch key generate --out keys/publisher`,
      ),
    )
    .action(async (flags: GenerateFlags) => {
      await run(
        'key generate',
        flags,
        async (ui) => {
          const { CpansecError } = await import('../../errors.js');
          const noPassword = flags.password === false;
          if (noPassword && flags.passwordFile !== undefined) {
            throw new CpansecError('USAGE', 'give either --password-file or --no-password, not both');
          }
          if (!noPassword && !hasPasswordSource(flags)) {
            throw new CpansecError(
              'KEY_PASSWORD',
              'a new secret key needs a password and there is no terminal to ask on',
              {
                hint: 'pass --password-file FILE, set CPANSEC_KEY_PASSWORD, or choose --no-password',
              },
            );
          }
          const { generateKey } = await import('../../api/key.js');
          return generateKey({
            out: flags.out,
            ...(noPassword ? { noPassword: true } : { password: passwordSource(flags, { confirm: true }) }),
            ...(flags.comment === undefined ? {} : { comment: flags.comment }),
            force: flags.force === true,
            onNote: (m) => ui.note(m),
          });
        },
        renderGenerate,
      );
    });

  withCommon(
    key
      .command('show')
      .description('show a key file: key id, public key, encryption')
      .argument('<file>', 'a .pub or .key file'),
  )
    .addHelpText(
      'after',
      examples('cpansec-patch key show keys/publisher.pub', 'cpansec-patch key show keys/publisher.key --json'),
    )
    .action(async (path: string, flags: CommonOptions) => {
      await run(
        'key show',
        flags,
        async () => {
          const { showKey } = await import('../../api/key.js');
          return showKey({ path });
        },
        renderShowKey,
      );
    });
}
