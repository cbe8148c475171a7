import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/** The command names a --help text lists under "Commands:" (commander's own `help` left out). */
function listedCommands(help: string): string[] {
  const section = help.split(/^Commands:$/m)[1]?.split(/^\S/m)[0] ?? '';
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1] as string).filter((c) => c !== 'help');
}

// Every leaf command, discovered from the CLI itself so a new command cannot ship without examples.
const TOP = listedCommands(runCli(['--help']).stdout);
const COMMANDS = TOP.flatMap((c) => {
  const subs = listedCommands(runCli([c, '--help']).stdout);
  return subs.length > 0 ? subs.map((s) => `${c} ${s}`) : [c];
});

describe('cpansec-patch --help', () => {
  it('lists every command and the exit codes', () => {
    const run = runCli(['--help']);
    expect(run.code).toBe(0);
    for (const c of [
      'show',
      'check',
      'apply',
      'key',
      'sign',
      'verify',
      'repo',
      'pull',
      'scan',
      'status',
      'upstream',
      'new',
    ]) {
      expect(TOP).toContain(c);
    }
    expect(COMMANDS.length).toBeGreaterThan(25);
    expect(run.stdout).toContain('Exit codes');
  });

  for (const command of COMMANDS) {
    it(`${command} --help shows examples`, () => {
      const run = runCli([...command.split(' '), '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('Examples:');
      expect(run.stdout).toContain('--json');
    });
  }

  describe('when the command is unknown', () => {
    it('exits 2, and prints a JSON error with --json', () => {
      const run = runCli(['frobnicate', '--json']);
      expect(run.code).toBe(2);
      expect(run.json).toMatchObject({ ok: false, error: { code: 'USAGE', exitCode: 2 } });
    });
  });

  describe('when an option is unknown', () => {
    it('exits 2 and names the command in the hint', () => {
      const run = runCli(['show', 'x.patch', '--bogus']);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('cpansec-patch show --help');
    });
  });

  it('prints the version', () => {
    const run = runCli(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
