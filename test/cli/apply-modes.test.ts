/** How `apply` picks its mode (tarball, --dir, --tree) and refuses flags of another mode. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

describe('cpansec-patch apply modes', () => {
  const cases: [string, string[]][] = [
    ['no input and no --tree', ['apply']],
    ['--tree with an input', ['apply', 'Foo-1.0.tar.gz', '--tree', '/nonexistent']],
    ['--tree with --out', ['apply', '--tree', '/nonexistent', '--out', 'x.tar.gz']],
    ['--tree with --reverse', ['apply', '--tree', '/nonexistent', '--reverse']],
    ['--dist without --tree', ['apply', 'Foo-1.0.tar.gz', '--dist', 'Foo']],
    ['--wait without --tree', ['apply', 'Foo-1.0.tar.gz', '--wait', '3']],
    ['--dir with --out', ['apply', 'fix.patch', '--dir', '.', '--out', 'x']],
  ];
  for (const [name, args] of cases) {
    it(`refuses ${name} with USAGE (exit 2)`, () => {
      const run = runCli([...args, '--json']);
      expect(run.code).toBe(2);
      expect(run.json).toMatchObject({ ok: false, command: 'apply', error: { code: 'USAGE' } });
    });
  }

  it('--tree on an empty directory reports nothing to do (exit 0)', () => {
    const run = runCli(['apply', '--tree', tempDir(), '--json']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.json.ok).toBe(true);
  });
});
