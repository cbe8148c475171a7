/**
 * The output contract (docs/cli.md): results on stdout, everything else on
 * stderr; with --json exactly one JSON document on stdout for success and
 * failure alike; colour only when the stream is a terminal and NO_COLOR is
 * unset.
 */
import type { Writable } from 'node:stream';
import type { CpansecError } from '../errors.js';

export interface Streams {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: Record<string, string | undefined>;
}

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

const plain: Style = {
  bold: (s) => s,
  dim: (s) => s,
  red: (s) => s,
  green: (s) => s,
  yellow: (s) => s,
  cyan: (s) => s,
};

function ansi(open: number, close: number): (s: string) => string {
  return (s) => `\u001b[${open}m${s}\u001b[${close}m`;
}

const coloured: Style = {
  bold: ansi(1, 22),
  dim: ansi(2, 22),
  red: ansi(31, 39),
  green: ansi(32, 39),
  yellow: ansi(33, 39),
  cyan: ansi(36, 39),
};

export function useColour(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (env['FORCE_COLOR'] !== undefined && env['FORCE_COLOR'] !== '0') return true;
  return stream.isTTY === true && env['TERM'] !== 'dumb';
}

/** What a command body gets to talk to the user; never stdout directly. */
export interface Ui {
  readonly json: boolean;
  /** Styling for stdout text. */
  readonly style: Style;
  /** Styling for stderr text. */
  readonly errStyle: Style;
  /** True when stderr is an interactive terminal (progress may be drawn). */
  readonly interactive: boolean;
  /** A note for humans on stderr (suppressed by --quiet and in --json mode). */
  note(message: string): void;
  /** A warning on stderr (kept in --json mode: stderr is not parsed). */
  warn(message: string): void;
  /** Draws transient progress on a terminal; a no-op elsewhere. */
  progress(message: string): void;
}

export function createUi(streams: Streams, options: { json: boolean; quiet: boolean }): Ui {
  const interactive = streams.stderr.isTTY === true;
  const errStyle = useColour(streams.stderr, streams.env) ? coloured : plain;
  let progressShown = false;
  const clearProgress = (): void => {
    if (progressShown) {
      streams.stderr.write('\r\u001b[2K');
      progressShown = false;
    }
  };
  return {
    json: options.json,
    style: !options.json && useColour(streams.stdout, streams.env) ? coloured : plain,
    errStyle,
    interactive,
    note(message) {
      if (options.quiet || options.json) return;
      clearProgress();
      streams.stderr.write(`${message}\n`);
    },
    warn(message) {
      clearProgress();
      streams.stderr.write(`${errStyle.yellow('warning:')} ${message}\n`);
    },
    progress(message) {
      if (!interactive || options.quiet) return;
      streams.stderr.write(`\r\u001b[2K${errStyle.dim(message.slice(0, 200))}`);
      progressShown = true;
    },
  };
}

export function jsonSuccess(command: string, result: unknown): string {
  return `${JSON.stringify({ ok: true, command, result }, jsonReplacer, 2)}\n`;
}

export function jsonFailure(command: string, error: CpansecError): string {
  return `${JSON.stringify({ ok: false, command, error: error.toJSON() }, jsonReplacer, 2)}\n`;
}

/** Maps, Sets, bigints and byte arrays have no JSON form; give them one instead of "{}". */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  return value;
}

export function formatErrorForHuman(error: CpansecError, style: Style): string {
  const lines = [`${style.red('error:')} ${error.message}`];
  if (error.hint) lines.push(`${style.dim('hint:')} ${error.hint}`);
  if (error.code === 'INTERNAL') {
    lines.push('This is a bug in cpansec-patch. Please report it with the command you ran and this output.');
  }
  lines.push(style.dim(`(${error.code}, exit code ${error.exitCode})`));
  return `${lines.join('\n')}\n`;
}
