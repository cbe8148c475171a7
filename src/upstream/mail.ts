/**
 * Sending the patch mails, only when the user configured a sendmail command
 * (`--sendmail CMD` or CPANSEC_SENDMAIL): the command is split into words (no
 * shell ever sees it), the recipients are appended as arguments after "-i"
 * (as git send-email calls sendmail), and each message goes to the command's
 * stdin, one run per message, like any MTA expects. Recipients were checked
 * as addresses (never starting with "-"), so none can read as an option.
 */
import { execFile } from 'node:child_process';
import { CpansecError } from '../errors.js';
import type { MailMessage } from '../core/upstream/mbox.js';

export interface SentMessage {
  subject: string;
  messageId: string;
}

/** "/usr/sbin/sendmail -oi" → ["/usr/sbin/sendmail", "-oi"]; quotes group words, no other shell syntax. */
export function splitCommand(command: string): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const m of command.matchAll(re)) words.push((m[1] ?? m[2] ?? m[3]) as string);
  if (words.length === 0) throw new CpansecError('USAGE', '--sendmail is empty');
  if (/[|;&$`<>]/.test(command.replace(/"[^"]*"|'[^']*'/g, ''))) {
    throw new CpansecError(
      'USAGE',
      `--sendmail ${JSON.stringify(command)} holds shell syntax; give a command and its arguments only`,
      {
        hint: 'the command runs without a shell, e.g. --sendmail "/usr/sbin/sendmail -oi"',
      },
    );
  }
  return words;
}

function run(argv: readonly string[], input: Uint8Array, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      argv[0] as string,
      argv.slice(1),
      {
        timeout: timeoutMs,
        maxBuffer: 1024 * 1024,
        env: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/bin', HOME: process.env['HOME'] ?? '/' },
      },
      (err, _stdout, stderr) => {
        if (err) {
          reject(
            new CpansecError('TOOL_FAILED', `${argv[0]} failed: ${String(stderr).trim() || err.message}`, {
              hint: 'check the --sendmail command; the mbox file is written either way and can be sent by hand',
              details: { command: argv[0], exitCode: (err as { code?: unknown }).code },
            }),
          );
        } else resolve();
      },
    );
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(Buffer.from(input));
  });
}

/** Pipes each message to `command … -i <recipients>`. */
export async function sendWithSendmail(
  command: string,
  messages: readonly MailMessage[],
  recipients: readonly string[],
  options: { timeoutMs?: number } = {},
): Promise<SentMessage[]> {
  const argv = [...splitCommand(command), '-i', ...recipients];
  for (const r of recipients) {
    if (r.startsWith('-')) throw new CpansecError('INTERNAL', `recipient ${r} would read as an option`);
  }
  const sent: SentMessage[] = [];
  for (const m of messages) {
    await run(argv, m.bytes, options.timeoutMs ?? 60_000);
    sent.push({ subject: m.subject, messageId: m.messageId });
  }
  return sent;
}
