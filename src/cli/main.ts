/**
 * The command-line entry point: builds the commander program, runs one
 * command, and is the only place that turns errors into exit codes and
 * messages. Command modules are light (flags, help, rendering); the library
 * code behind each command is imported when the command runs, so
 * `cpansec-patch --help` starts fast.
 */
import { Command, CommanderError } from 'commander';
import { CpansecError } from '../errors.js';
import { createUi, formatErrorForHuman, jsonFailure, jsonSuccess } from './output.js';
import { COMMANDS } from './commands/index.js';
import { TOOL_VERSION } from '../version.js';
import type { Streams, Ui } from './output.js';

export interface CommonOptions {
  json?: boolean;
  quiet?: boolean;
}

/** Runs a command body and prints its result; records the exit code. */
export type Runner = <T>(
  command: string,
  options: CommonOptions,
  body: (ui: Ui) => Promise<T>,
  render: (result: T, ui: Ui) => string,
) => Promise<void>;

function toCpansecError(err: unknown): CpansecError {
  if (err instanceof CpansecError) return err;
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return new CpansecError('INTERNAL', `unexpected failure: ${message}`, { cause: err });
}

function defaultStreams(): Streams {
  for (const stream of [process.stdout, process.stderr]) {
    // A reader that went away (`cpansec-patch list | head`) is no reason to die with a stack
    // trace, nor to stop half-way through a run that writes files: the output is dropped and the
    // command finishes. Other stream errors stay fatal.
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
    });
  }
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

export async function main(argv: readonly string[], streams: Streams = defaultStreams()): Promise<number> {
  let exitCode = 0;
  let commandName = 'cpansec-patch';
  const wantsJson = argv.includes('--json');
  const usageErr: string[] = [];

  const reportError = (error: CpansecError, json: boolean): void => {
    exitCode = error.exitCode;
    if (json) streams.stdout.write(jsonFailure(commandName, error));
    else streams.stderr.write(formatErrorForHuman(error, createUi(streams, { json: false, quiet: false }).errStyle));
  };

  const run: Runner = async (command, options, body, render) => {
    commandName = command;
    const json = options.json === true;
    const ui = createUi(streams, { json, quiet: options.quiet === true });
    try {
      const result = await body(ui);
      streams.stdout.write(json ? jsonSuccess(command, result) : render(result, ui));
    } catch (err) {
      reportError(toCpansecError(err), json);
    }
  };

  const program = new Command('cpansec-patch')
    .description('Signed security patches for abandoned CPAN distributions.')
    .version(TOOL_VERSION, '-V, --version')
    .showHelpAfterError(false)
    .configureOutput({
      writeOut: (s) => streams.stdout.write(s),
      writeErr: (s) => usageErr.push(s),
      outputError: (s) => usageErr.push(s),
    })
    .exitOverride()
    .configureHelp({ showGlobalOptions: false, sortSubcommands: false })
    .addHelpText(
      'after',
      `
Every command accepts --json (one JSON document on stdout) and --help.
Exit codes: 0 ok, 1 internal error, 2 usage, 3 invalid input, 4 signature or trust failure,
5 patch does not apply, 6 not found, 7 unsafe input refused, 8 environment (I/O, network).
Network: https_proxy/HTTPS_PROXY and NO_PROXY are honoured, as curl and git honour them.

Examples:
  $ cpansec-patch show patches/patches/HTTP-Daemon/HTTP-Daemon-CVE-2026-8450.patch
  $ cpansec-patch check fix.patch --dir ./HTTP-Daemon-6.16
  $ cpansec-patch apply fix.patch --dir ./HTTP-Daemon-6.16 --json
`,
    );

  for (const define of COMMANDS) define(program, run);

  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 0;
    }
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return 0;
      const message = (usageErr.join('').trim() || err.message).replace(/^error:\s*/i, '');
      const sub = argv.find((a) => !a.startsWith('-'));
      if (sub !== undefined && program.commands.some((c) => c.name() === sub)) commandName = sub;
      const help = commandName === 'cpansec-patch' ? 'cpansec-patch --help' : `cpansec-patch ${commandName} --help`;
      reportError(new CpansecError('USAGE', message, { hint: `run "${help}" for usage and examples` }), wantsJson);
      return exitCode;
    }
    reportError(toCpansecError(err), wantsJson);
  }
  return exitCode;
}
