/**
 * The upstream commands through the built CLI, as real processes against the
 * loopback git server and fake GitHub API: --dry-run shows exactly what
 * would be pushed and opened and changes nothing; a missing token exits 8;
 * a token never appears in stdout, stderr or --json output — not from
 * GitHub's answers, not from a URL with credentials; status and mail.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runCliAsync } from '../helpers/cli.js';
import { hasShared } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';
import { PATCH_ID, TOKEN, makeUpstreamWorld } from '../helpers/upstream-world.js';
import type { CliRun } from '../helpers/cli.js';

function cli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return runCliAsync(args, { env });
}

describe('cpansec-patch upstream --help', () => {
  for (const sub of ['open', 'status', 'mail']) {
    it(`upstream ${sub} --help shows examples and --json`, () => {
      const run = runCli(['upstream', sub, '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('Examples:');
      expect(run.stdout).toContain('--json');
    });
  }
});

describe.skipIf(!hasShared('corpus', 'HTTP-Daemon-6.16'))('cpansec-patch upstream', () => {
  it('open --dry-run prints the branch, commit message, diff summary, PR title and body, and target; changes nothing', async () => {
    const world = await makeUpstreamWorld();
    const before = readFileSync(world.patchFile, 'utf8');
    const run = await cli(['upstream', 'open', PATCH_ID, '--repo', world.repoDir, '--dry-run'], world.env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      `would push branch cpansec/${PATCH_ID} to libwww-perl/HTTP-Daemon and open a pull request`,
    );
    expect(run.stdout).toContain(
      'commit message\nsend_file() no longer runs commands hidden in file names (CVE-2026-8450)',
    );
    expect(run.stdout).toMatch(/changes\n lib\/HTTP\/Daemon\.pm +\| +35 /);
    expect(run.stdout).toContain(
      'pull request: send_file() no longer runs commands hidden in file names (CVE-2026-8450)',
    );
    expect(run.stdout).toContain('## How to test');
    expect(run.stdout).toContain('labels: security');
    expect(world.gh.log.filter((l) => l.method !== 'GET')).toEqual([]);
    expect(world.git.log.some((l) => l.service === 'git-receive-pack')).toBe(false);
    expect(readFileSync(world.patchFile, 'utf8')).toBe(before);
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });

  it('open without a token: GITHUB_AUTH, exit 8', async () => {
    const world = await makeUpstreamWorld();
    const run = await cli(['upstream', 'open', PATCH_ID, '--repo', world.repoDir, '--json'], {
      ...world.env,
      GITHUB_TOKEN: '',
    });
    expect(run.code).toBe(8);
    expect(run.json).toMatchObject({
      ok: false,
      command: 'upstream open',
      error: { code: 'GITHUB_AUTH', exitCode: 8 },
    });
  });

  it('never prints a token: rejected tokens, tokens inside URLs, --json or not', async () => {
    const world = await makeUpstreamWorld();
    const bad = 'ghp_ThisIsARejectedTokenDoNotPrintIt0001';
    for (const args of [
      ['upstream', 'open', PATCH_ID, '--repo', world.repoDir, '--json'],
      ['upstream', 'open', PATCH_ID, '--repo', world.repoDir],
    ]) {
      const run = await cli(args, { ...world.env, GITHUB_TOKEN: bad });
      expect(run.code).toBe(8);
      expect(run.stdout + run.stderr).toContain('GITHUB_AUTH');
      expect(run.stdout + run.stderr).not.toContain(bad);
    }
    const url = `https://x-access-token:${TOKEN}@github.com/libwww-perl/HTTP-Daemon.git`;
    const viaUrl = await cli(
      ['upstream', 'open', PATCH_ID, '--repo', world.repoDir, '--upstream', url, '--json'],
      world.env,
    );
    expect(viaUrl.json).toMatchObject({ ok: false, error: { code: 'UPSTREAM_UNSUPPORTED' } });
    expect(viaUrl.stdout + viaUrl.stderr).not.toContain(TOKEN);
    expect(viaUrl.stdout).toContain('https://***@github.com');
  });

  it('open, then status --json and mail', async () => {
    const world = await makeUpstreamWorld();
    const open = await cli(['upstream', 'open', PATCH_ID, '--repo', world.repoDir, '--key', world.keyFile], world.env);
    expect(open.code, open.stderr).toBe(0);
    expect(open.stdout).toContain('opened pull request #1 on libwww-perl/HTTP-Daemon');
    expect(open.stdout).toContain('Forwarded, Upstream-Status (re-signed and published)');
    const status = await cli(['upstream', 'status', '--all', '--repo', world.repoDir, '--json'], world.env);
    expect(status.code, status.stderr).toBe(0);
    expect(status.json.result).toMatchObject({ patches: [{ patchId: PATCH_ID, state: 'open' }], summary: { open: 1 } });
    const out = join(tempDir(), 'fix.mbox');
    const mail = await cli(
      [
        'upstream',
        'mail',
        PATCH_ID,
        '--repo',
        world.repoDir,
        '--to',
        'maint@example.org',
        '--from',
        'T <t@example.org>',
        '-o',
        out,
      ],
      world.env,
    );
    expect(mail.code, mail.stderr).toBe(0);
    expect(mail.stdout).toContain('not sent');
    expect(readFileSync(out, 'utf8')).toContain('Subject: [PATCH 1/1] send_file()');
  });
});
