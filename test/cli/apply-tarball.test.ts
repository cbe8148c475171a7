/**
 * `cpansec-patch apply <tarball>` as a real process: the JSON and human
 * outputs, exit codes, and what is (not) written.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { expectReadableByTarTools } from '../helpers/tar-readers.js';
import { PROJECT_ROOT } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';

const EXAMPLE = join(PROJECT_ROOT, 'test', 'fixtures', 'example');
const PATCH = join(EXAMPLE, 'Acme-Demo-CVE-2099-0001.patch');

function tarball(): { dir: string; tarball: string; env: Record<string, string> } {
  const dir = tempDir();
  const tarball = join(dir, 'Acme-Demo-1.00.tar.gz');
  expect(spawnSync('tar', ['czf', tarball, '-C', EXAMPLE, 'Acme-Demo-1.00']).status).toBe(0);
  return { dir, tarball, env: { CPANSEC_PATCH_CACHE: join(dir, 'cache') } };
}

describe('cpansec-patch apply <tarball>', () => {
  it('applies an explicit patch and prints the per-hunk report; --json has the same result', () => {
    const t = tarball();
    const human = runCli(['apply', t.tarball, '--patch', PATCH, '--allow-unsigned', '--out', join(t.dir, 'h.tar.gz')], {
      env: t.env,
    });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('Acme-Demo 1.00 from Acme-Demo-1.00.tar.gz');
    expect(human.stdout).toMatch(/Acme-Demo-CVE-2099-0001: applied \(clean\), UNSIGNED/);
    expect(human.stdout).toContain('lib/Acme/Demo.pm: modified');
    expect(human.stdout).toContain(`wrote ${join(t.dir, 'h.tar.gz')}`);
    expect(human.stderr).toMatch(/warning: .*NOT SIGNED/);
    const json = runCli(
      ['apply', t.tarball, '--patch', PATCH, '--allow-unsigned', '--out', join(t.dir, 'j.tar.gz'), '--json'],
      { env: t.env },
    );
    expect(json.code).toBe(0);
    expect(json.json).toMatchObject({
      ok: true,
      command: 'apply',
      result: { outcome: 'patched', written: true, patches: [{ id: 'Acme-Demo-CVE-2099-0001', signer: null }] },
    });
    expectReadableByTarTools(join(t.dir, 'h.tar.gz'));
    expectReadableByTarTools(join(t.dir, 'j.tar.gz'));
  });

  it('exits 0 and says why when no patch applies (the embedded repository has none for this dist)', () => {
    const t = tarball();
    const run = runCli(['apply', t.tarball, '--json'], { env: t.env });
    expect(run.code).toBe(0);
    expect(run.json.result).toMatchObject({ outcome: 'nothing-to-do', written: false, output: null });
    expect((run.json.result as { reason: string }).reason).toMatch(/no patch for Acme-Demo/);
    expect(readdirSync(t.dir).filter((n) => n.endsWith('.tar.gz'))).toEqual(['Acme-Demo-1.00.tar.gz']);
  });

  it('refuses an unsigned patch without --allow-unsigned: exit 4', () => {
    const t = tarball();
    const run = runCli(['apply', t.tarball, '--patch', PATCH, '--key', join(EXAMPLE, 'nope.pub'), '--json'], {
      env: t.env,
    });
    expect(run.code).toBe(4);
    expect(run.json.error?.code).toBe('UNSIGNED');
  });

  it('keeps --dir mode, and refuses tarball options there (usage, exit 2)', () => {
    const t = tarball();
    const tree = join(t.dir, 'tree');
    cpSync(join(EXAMPLE, 'Acme-Demo-1.00'), tree, { recursive: true });
    const run = runCli(['apply', PATCH, '--dir', tree, '--out', 'x', '--json']);
    expect(run.code).toBe(2);
    expect(run.json.error?.message).toContain('--out');
    expect(runCli(['apply', PATCH, '--dir', tree]).code).toBe(0);
  });

  it('refuses --reverse for tarballs, and a missing input with a hint (exit 2, exit 6)', () => {
    const t = tarball();
    expect(runCli(['apply', t.tarball, '--reverse', '--json']).json.error?.code).toBe('USAGE');
    const missing = runCli(['apply', join(t.dir, 'nope.tar.gz'), '--json'], { env: t.env });
    expect(missing.code).toBe(6);
    expect(missing.json.error?.code).toBe('FILE_NOT_FOUND');
  });

  it('names an output folder that does not exist, with the command to make it (exit 6)', () => {
    const t = tarball();
    for (const out of [join(t.dir, 'nowhere') + '/', join(t.dir, 'nowhere', 'x.tar.gz')]) {
      const run = runCli(['apply', t.tarball, '--patch', PATCH, '--allow-unsigned', '--out', out, '--json'], {
        env: t.env,
      });
      expect(run.code).toBe(6);
      expect(run.json.error).toMatchObject({
        code: 'FILE_NOT_FOUND',
        message: `the output folder ${join(t.dir, 'nowhere')} does not exist`,
      });
      expect(run.json.error?.hint).toContain(`mkdir -p ${join(t.dir, 'nowhere')}`);
    }
    expect(existsSync(join(t.dir, 'nowhere'))).toBe(false);
  });

  it('writes nothing when the output directory is not writable (READ_ONLY, exit 8)', () => {
    const t = tarball();
    const outDir = join(t.dir, 'ro');
    mkdirSync(outDir);
    chmodSync(outDir, 0o555);
    chmodSync(t.dir, 0o755);
    const run = runCli(['apply', t.tarball, '--patch', PATCH, '--allow-unsigned', '--out', `${outDir}/`, '--json'], {
      env: { ...t.env, CPANSEC_PATCH_CACHE: join(outDir, 'cache') },
      asNobody: true,
    });
    expect(run.json.error?.code).toBe('READ_ONLY');
    expect(run.code).toBe(8);
    expect(readdirSync(outDir)).toEqual([]);
    expect(existsSync(join(outDir, 'Acme-Demo-1.00.tar.gz'))).toBe(false);
  });

  it('shows its examples and every tarball option in --help', () => {
    const run = runCli(['apply', '--help']);
    for (const flag of [
      '--out',
      '--in-place',
      '--patch',
      '--key',
      '--allow-unsigned',
      '--repo',
      '--mirror',
      '--cache',
      '--offline',
      '--version-suffix',
      '--limit',
      '--dir',
    ]) {
      expect(run.stdout).toContain(flag);
    }
  });
});
