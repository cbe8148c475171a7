/** Flag helpers shared by command definitions. */
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';

export function withCommon(command: Command): Command {
  return command
    .option('--json', 'print one JSON document on stdout (for scripts)')
    .option('-q, --quiet', 'print no notes on stderr');
}

export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => (l.startsWith('#') ? `  ${l}` : `  $ ${l}`)).join('\n')}\n`;
}

export function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number.');
  return Number(value);
}
