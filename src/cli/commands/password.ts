/**
 * Where a secret key's password comes from on the command line, in this
 * order: --password-file FILE, the CPANSEC_KEY_PASSWORD environment
 * variable, or a hidden prompt when stdin is a terminal. There is no
 * --password flag on purpose: command lines are visible to other users
 * (ps, /proc) and end up in shell history.
 */
import { CpansecError } from '../../errors.js';

export const PASSWORD_ENV = 'CPANSEC_KEY_PASSWORD';

export interface PasswordFlags {
  passwordFile?: string;
}

interface PromptInput {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  setEncoding(encoding: BufferEncoding): unknown;
  on(event: 'data', listener: (chunk: string) => void): unknown;
  removeListener(event: 'data', listener: (chunk: string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

interface PromptOutput {
  write(text: string): unknown;
}

/**
 * Reads one line from a terminal without echoing it. Backspace edits; Ctrl-C and Ctrl-D on an
 * empty line cancel (KEY_PASSWORD).
 */
export function promptHidden(question: string, input: PromptInput, output: PromptOutput): Promise<string> {
  return new Promise((resolve, reject) => {
    let typed = '';
    // Terminal key sequences (arrows send ESC [ A) are not part of a password: skip them whole.
    let escape: 'none' | 'esc' | 'csi' = 'none';
    const finish = (error?: CpansecError): void => {
      input.removeListener('data', onData);
      input.setRawMode?.(false);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (escape === 'esc') {
          escape = ch === '[' ? 'csi' : 'none';
          continue;
        }
        if (escape === 'csi') {
          if (ch >= '@' && ch <= '~') escape = 'none';
          continue;
        }
        if (ch === '\u001b') {
          escape = 'esc';
          continue;
        }
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003' || (ch === '\u0004' && typed === '')) {
          return finish(new CpansecError('KEY_PASSWORD', 'password entry cancelled'));
        }
        if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
        else if (ch >= ' ') typed += ch;
      }
    };
    output.write(question);
    input.setRawMode?.(true);
    input.setEncoding('utf8');
    input.on('data', onData);
    input.resume();
  });
}

async function ask(question: string): Promise<string> {
  return promptHidden(question, process.stdin, process.stderr);
}

/**
 * A password source for the api: called only when a key is encrypted (or a new one is made).
 * `confirm` asks twice on a terminal (for a new key).
 */
export function passwordSource(flags: PasswordFlags, options: { confirm?: boolean } = {}): () => Promise<string> {
  return async () => {
    if (flags.passwordFile !== undefined) {
      const { readPasswordFile } = await import('../../api/key-files.js');
      return readPasswordFile(flags.passwordFile);
    }
    const fromEnv = process.env[PASSWORD_ENV];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    if (process.stdin.isTTY !== true) {
      throw new CpansecError('KEY_PASSWORD', 'the key needs a password and there is no terminal to ask on', {
        hint: `pass --password-file FILE or set ${PASSWORD_ENV}`,
      });
    }
    const first = await ask('Password: ');
    if (options.confirm === true) {
      const again = await ask('Password (again): ');
      if (again !== first) throw new CpansecError('KEY_PASSWORD', 'the two passwords differ');
    }
    return first;
  };
}

/** True when some password source is configured or can be asked for. */
export function hasPasswordSource(flags: PasswordFlags): boolean {
  const env = process.env[PASSWORD_ENV];
  return flags.passwordFile !== undefined || (env !== undefined && env !== '') || process.stdin.isTTY === true;
}
