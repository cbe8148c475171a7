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

/** Flags of every command that plans a patch against files (check, apply). */
export interface PlanFlags {
  strip?: number;
  fuzz?: number;
  reverse?: boolean;
}

export function withPlanOptions(command: Command, reverseHelp: string): Command {
  return command
    .option('-p, --strip <n>', 'strip n leading path components from names in the patch', wholeNumber, 1)
    .option('-F, --fuzz <n>', 'ignore up to n context lines at each end of a hunk', wholeNumber, 0)
    .option('-R, --reverse', reverseHelp);
}

/** The plan options as the api functions take them. */
export function planOptions(flags: PlanFlags): { strip?: number; fuzz?: number; reverse: boolean } {
  return { strip: flags.strip, fuzz: flags.fuzz, reverse: flags.reverse === true };
}
