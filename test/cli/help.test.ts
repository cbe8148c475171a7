import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

// Every leaf command; groups (key, repo) are listed by their first word.
const COMMANDS = ['show', 'check', 'apply', 'key generate', 'key show', 'sign', 'verify'];
const TOP = [...new Set(COMMANDS.map((c) => c.split(' ')[0] as string))];

describe('cpansec-patch --help', () => {
  it('lists every command and the exit codes', () => {
    const run = runCli(['--help']);
    expect(run.code).toBe(0);
    for (const c of TOP) expect(run.stdout).toMatch(new RegExp(`^\\s+${c}\\b`, 'm'));
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
