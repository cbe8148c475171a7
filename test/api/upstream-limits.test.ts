/**
 * upstreamOpen and GitHub's rate limits (primary: 403 at zero with
 * x-ratelimit-reset; secondary: 403/429 with retry-after), commit signing
 * with an SSH key checked by `git verify-commit`, and updating an open pull
 * request when the default branch moved on.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { upstreamOpen } from '../../src/api/upstream-open.js';
import { hasShared } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';
import { OWNER, PATCH_ID, REPO, makeUpstreamWorld } from '../helpers/upstream-world.js';

const HAVE = hasShared('corpus', 'HTTP-Daemon-6.16');

describe.skipIf(!HAVE)('upstreamOpen under rate limits', () => {
  it('waits out a reset within --max-wait, with a countdown, then goes on', async () => {
    const world = await makeUpstreamWorld();
    world.gh.exhaust = { seconds: 1 };
    const progress: string[] = [];
    const r = await upstreamOpen({
      ...world.api,
      patch: PATCH_ID,
      maxWait: 10,
      dryRun: true,
      onProgress: (m) => progress.push(m),
    });
    expect(r.outcome).toBe('dry-run');
    const countdown = progress.filter((p) => p.startsWith('the hourly rate limit is used up'));
    expect(countdown[0]).toMatch(/waiting [1-3] s \(until \d\d:\d\d:\d\d UTC\)/);
    expect(countdown.at(-1)).toMatch(/retrying now/);
    expect(world.gh.log.filter((l) => l.status === 403)).toHaveLength(1);
  });

  it('gives up when the reset is beyond --max-wait: GITHUB_RATE_LIMIT with the reset time', async () => {
    const world = await makeUpstreamWorld();
    world.gh.rate.remaining = 0;
    world.gh.rate.reset = Math.floor(Date.now() / 1000) + 3600;
    const started = Date.now();
    const err = await upstreamOpen({ ...world.api, patch: PATCH_ID, maxWait: 5 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(err).toMatchObject({
      code: 'GITHUB_RATE_LIMIT',
      details: { resetAt: new Date(world.gh.rate.reset * 1000).toISOString(), remaining: '0' },
    });
    expect((err as Error).message).toContain(new Date(world.gh.rate.reset * 1000).toISOString());
  });

  it('waits out a secondary limit (429 with retry-after)', async () => {
    const world = await makeUpstreamWorld();
    world.gh.secondary = { count: 1, retryAfter: 1, status: 429 };
    const progress: string[] = [];
    const r = await upstreamOpen({ ...world.api, patch: PATCH_ID, dryRun: true, onProgress: (m) => progress.push(m) });
    expect(r.outcome).toBe('dry-run');
    expect(progress.some((p) => p.startsWith('GitHub asked us to slow down'))).toBe(true);
    expect(world.gh.log.filter((l) => l.status === 429)).toHaveLength(1);
  });
});

const HAVE_SSH_KEYGEN = spawnSync('ssh-keygen', ['-?']).error === undefined;
if (!HAVE_SSH_KEYGEN)
  console.warn('skipping the SSH commit signing test: ssh-keygen (openssh-client) is not installed');

describe.skipIf(!HAVE || !HAVE_SSH_KEYGEN)('upstreamOpen and commit signing', () => {
  it('signs the commit when git is configured to sign with an SSH key; git verify-commit accepts it', async () => {
    const world = await makeUpstreamWorld();
    const keys = tempDir('cpansec-ssh-');
    const key = join(keys, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'tester@example.org', '-f', key]);
    const signers = join(keys, 'allowed_signers');
    writeFileSync(signers, `tester@example.org ${execFileSync('cat', [`${key}.pub`], { encoding: 'utf8' })}`);
    writeFileSync(
      world.gitConfig,
      [
        '[user]',
        '\tname = CPANSec Tester',
        '\temail = tester@example.org',
        `\tsigningkey = ${key}`,
        '[gpg]',
        '\tformat = ssh',
        '[gpg "ssh"]',
        `\tallowedSignersFile = ${signers}`,
        '[commit]',
        '\tgpgsign = true',
        '',
      ].join('\n'),
    );
    const r = await upstreamOpen({ ...world.api, patch: PATCH_ID });
    expect(r).toMatchObject({ outcome: 'opened', commit: { signed: true } });
    const verify = execFileSync('git', ['verify-commit', '-v', `refs/heads/cpansec/${PATCH_ID}`], {
      cwd: world.bare,
      env: { ...process.env, GIT_CONFIG_GLOBAL: world.gitConfig },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(verify).toContain('Olaf Alders');
    // And a dry run never asks for a signature.
    const dry = await upstreamOpen({ ...world.api, patch: PATCH_ID, dryRun: true });
    expect(dry.commit?.signed).toBe(false);
  });
});

describe.skipIf(!HAVE)('upstreamOpen when main moves after the pull request', () => {
  it('rebuilds the branch on the new head, force-pushes it with a lease, and updates the PR body', async () => {
    const world = await makeUpstreamWorld();
    const first = await upstreamOpen({ ...world.api, patch: PATCH_ID });
    // The maintainer commits to main.
    const work = join(tempDir(), 'w');
    const gitEnv = { ...process.env, GIT_CONFIG_GLOBAL: world.gitConfig };
    execFileSync('git', ['clone', '-q', world.bare, work], { env: gitEnv });
    writeFileSync(join(work, 'README'), 'moved on\n');
    execFileSync('git', ['commit', '-q', '-am', 'readme'], { cwd: work, env: gitEnv });
    execFileSync('git', ['push', '-q', 'origin', 'main'], { cwd: work, env: gitEnv });
    const second = await upstreamOpen({ ...world.api, patch: PATCH_ID });
    expect(second).toMatchObject({ outcome: 'updated', push: { pushed: true }, pullRequest: { number: 1 } });
    expect(second.commit?.id).not.toBe(first.commit?.id);
    expect(world.gh.pulls).toHaveLength(1);
    expect(world.gh.pulls[0]?.body).toContain(second.commit?.base.commit.slice(0, 12));
    const parent = execFileSync('git', ['rev-parse', `cpansec/${PATCH_ID}^`], {
      cwd: world.bare,
      encoding: 'utf8',
    }).trim();
    expect(parent).toBe(execFileSync('git', ['rev-parse', 'main'], { cwd: world.bare, encoding: 'utf8' }).trim());
    expect(`${OWNER}/${REPO}`).toBe(second.upstream.repository);
  });
});
