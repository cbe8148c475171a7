/**
 * The new commands through the built CLI: one JSON document on stdout,
 * the exit codes of docs/cli.md, --help with examples.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { hasShared, sharedPath } from '../helpers/shared.js';
import { demoEntries, gzipOf, tarOf } from '../helpers/tar-builder.js';
import { tempDir } from '../helpers/tmp.js';
import { makeRepo } from '../repo/helpers.js';

function env(extra: Record<string, string> = {}): Record<string, string> {
  const home = tempDir('cpansec-home-');
  return {
    HOME: home,
    XDG_CACHE_HOME: join(home, 'cache'),
    XDG_CONFIG_HOME: join(home, 'config'),
    GIT_AUTHOR_NAME: 'Jane Doe',
    GIT_AUTHOR_EMAIL: 'jane@example.org',
    ...extra,
  };
}

describe('authoring and reading commands (CLI)', () => {
  for (const command of ['new', 'diff', 'lint', 'test', 'import', 'list', 'search', 'info']) {
    it(`${command} --help shows examples and --json`, () => {
      const run = runCli([command, '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('Examples:');
      expect(run.stdout).toContain('--json');
    });
  }

  it('list, search and info read the embedded repository', () => {
    const e = env();
    const list = runCli(['list', '--json'], { env: e });
    expect(list.code).toBe(0);
    expect(list.json).toMatchObject({ ok: true, command: 'list', result: { chosenBy: 'embedded' } });
    expect((list.json.result as { patches: unknown[] }).patches.length).toBeGreaterThanOrEqual(6);
    const human = runCli(['list', '--dist', 'DBI'], { env: e });
    expect(human.stdout).toContain('DBI-CVE-2014-10402');
    const search = runCli(['search', 'DBD::File', '--json'], { env: e });
    expect(search.json.result).toMatchObject({ hits: [{ patchId: 'DBI-CVE-2014-10402' }] });
    const info = runCli(['info', 'HTTP-Daemon-CVE-2026-8450'], { env: e });
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(/signature\s+verified \(key 1C21C587120F54B3\)/);
    const missing = runCli(['info', 'Nope-CVE-2099-1', '--json'], { env: e });
    expect(missing.code).toBe(6);
    expect(missing.json.error?.code).toBe('PATCH_NOT_FOUND');
  });

  it('refuses a malformed configuration file: CONFIG_INVALID, exit 3', () => {
    const e = env();
    mkdirSync(join(e['XDG_CONFIG_HOME'] as string, 'cpansec-patch'), { recursive: true });
    writeFileSync(join(e['XDG_CONFIG_HOME'] as string, 'cpansec-patch', 'config.json'), '{ "repo": [] }');
    const run = runCli(['list', '--json'], { env: e });
    expect(run.code).toBe(3);
    expect(run.json.error?.code).toBe('CONFIG_INVALID');
  });

  it('new refuses a hostile tarball (exit 7), diff refuses an incomplete header (exit 3)', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'Acme-Demo-1.00.tar.gz'),
      gzipOf(tarOf([...demoEntries(), { name: 'Acme-Demo-1.00/../x', data: 'x' }])),
    );
    const bad = runCli(['new', 'Acme-Demo-1.00.tar.gz', '--json'], { cwd: dir, env: env() });
    expect(bad.code).toBe(7);
    expect(bad.json.error?.code).toBe('UNSAFE_PATH');

    writeFileSync(join(dir, 'Acme-Demo-1.00.tar.gz'), gzipOf(tarOf(demoEntries())));
    const made = runCli(['new', 'Acme-Demo-1.00.tar.gz', '--json'], { cwd: dir, env: env() });
    expect(made.code, made.stderr).toBe(0);
    writeFileSync(join(dir, 'Acme-Demo-1.00', 'Makefile.PL'), '# changed\n');
    const diff = runCli(['diff', '--workspace', 'Acme-Demo-1.00', '--json'], { cwd: dir, env: env() });
    expect(diff.code).toBe(3);
    expect(diff.json.error).toMatchObject({
      code: 'HEADER_INVALID',
      details: { todo: expect.arrayContaining(['CVE']) },
    });
    const draft = runCli(['diff', '--workspace', 'Acme-Demo-1.00', '--draft', '--set', 'CVE=CVE-2099-0001', '--json'], {
      cwd: dir,
      env: env(),
    });
    expect(draft.code, draft.stderr).toBe(0);
    expect(draft.json.result).toMatchObject({ patchId: 'Acme-Demo-CVE-2099-0001', written: true, draft: true });
  });

  it('test exits 5 (TEST_FAILED) when the patch does not apply, with the result in the error', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'Acme-Demo-1.00.tar.gz'), gzipOf(tarOf(demoEntries())));
    writeFileSync(
      join(dir, 'x.patch'),
      'diff --git a/lib/Acme/Demo.pm b/lib/Acme/Demo.pm\n--- a/lib/Acme/Demo.pm\n+++ b/lib/Acme/Demo.pm\n@@ -1 +1 @@\n-package Other;\n+package Other; 1;\n',
    );
    const run = runCli(['test', 'x.patch', '--tarball', 'Acme-Demo-1.00.tar.gz', '--log', join(dir, 'log'), '--json'], {
      cwd: dir,
      env: env(),
    });
    expect(run.code).toBe(5);
    expect(run.json.error).toMatchObject({
      code: 'TEST_FAILED',
      details: { result: { verdict: 'fail', apply: { outcome: 'fail' } } },
    });
  });

  it.skipIf(!hasShared('cpansec-published'))('import converts into a repository and reports each file', async () => {
    const repo = await makeRepo();
    const run = runCli(['import', sharedPath('cpansec-published'), '--into', repo.dir, '--recount', '--json'], {
      env: env(),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.json.result).toMatchObject({ converted: 39, recounted: 1, refused: 0 });
    const lint = runCli(['lint', join(repo.dir, 'drafts'), '--draft', '--json'], { env: env() });
    expect(lint.code, lint.stdout.slice(0, 2000)).toBe(0);
  });
});
