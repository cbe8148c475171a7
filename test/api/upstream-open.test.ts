/**
 * upstreamOpen against real protocols on 127.0.0.1: git http-backend for the
 * repositories (pushes need the token) and the fake GitHub API, with the
 * upstream repository built from the HTTP-Daemon 6.16 corpus tarball.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { upstreamOpen } from '../../src/api/upstream-open.js';
import { hasShared } from '../helpers/shared.js';
import { OWNER, PATCH_ID, REPO, TARBALL, TOKEN, makeUpstreamWorld } from '../helpers/upstream-world.js';
import type { UpstreamWorld } from '../helpers/upstream-world.js';

function showFile(world: UpstreamWorld, repo: string, ref: string, path: string): string {
  return execFileSync('git', ['show', `${ref}:${path}`], { cwd: `${world.git.root}/${repo}.git`, encoding: 'utf8' });
}

function branchLog(world: UpstreamWorld, repo: string, ref: string): string {
  return execFileSync('git', ['log', '--format=%an <%ae>|%cn|%s', ref], {
    cwd: `${world.git.root}/${repo}.git`,
    encoding: 'utf8',
  });
}

describe.skipIf(!hasShared('corpus', 'HTTP-Daemon-6.16'))('upstreamOpen', () => {
  it('opens a pull request: branch pushed with the token, PR body, label, Forwarded recorded and re-signed', async () => {
    const world = await makeUpstreamWorld();
    const notes: string[] = [];
    const r = await upstreamOpen({
      ...world.api,
      patch: PATCH_ID,
      onNote: (m) => notes.push(m),
      onProgress: (m) => notes.push(m),
    });
    expect(r).toMatchObject({
      outcome: 'opened',
      branch: `cpansec/${PATCH_ID}`,
      upstream: { repository: `${OWNER}/${REPO}`, source: 'Upstream-Repository', defaultBranch: 'main' },
      push: { repository: `${OWNER}/${REPO}`, fork: false, pushed: true },
      commit: {
        author: 'Olaf Alders <olaf@wundersolutions.com>',
        base: { method: 'head', branch: 'main' },
        signed: false,
      },
      pullRequest: { number: 1, state: 'open', labels: ['security'] },
      tracking: { recorded: true, changed: ['Forwarded', 'Upstream-Status'] },
    });
    // The branch on the server: the fix on top of main, authored by the patch's Author.
    expect(showFile(world, `${OWNER}/${REPO}`, `cpansec/${PATCH_ID}`, 'lib/HTTP/Daemon.pm')).toContain(
      "open(my $fh, '<', $file)",
    );
    expect(branchLog(world, `${OWNER}/${REPO}`, `cpansec/${PATCH_ID}`).split('\n')[0]).toBe(
      'Olaf Alders <olaf@wundersolutions.com>|CPANSec Tester|send_file() no longer runs commands hidden in file names (CVE-2026-8450)',
    );
    // Pushes carried the token; nothing else did more than read.
    expect(world.git.log.filter((l) => l.service === 'git-receive-pack').every((l) => l.authenticated)).toBe(true);
    const pull = world.gh.pulls[0];
    expect(pull).toMatchObject({
      headOwner: OWNER,
      headRef: `cpansec/${PATCH_ID}`,
      baseRef: 'main',
      labels: ['security'],
    });
    expect(pull?.body).toContain('prove -lv t/send-file-magic-open.t');
    expect(pull?.body).toContain('[CVE-2026-8450](https://www.cve.org/CVERecord?id=CVE-2026-8450)');
    expect(pull?.body).toContain('will be retired');
    const header = readFileSync(world.patchFile, 'utf8');
    expect(header).toContain(`Forwarded: ${world.gh.url}/${OWNER}/${REPO}/pull/1\n`);
    expect(header).toMatch(/\nUpstream-Status: submitted \d{4}-\d{2}-\d{2}\n/);
    expect(JSON.stringify(r) + notes.join('\n')).not.toContain(TOKEN);

    // Again: finds the branch and the pull request, changes nothing, opens nothing.
    const again = await upstreamOpen({ ...world.api, patch: PATCH_ID });
    expect(again).toMatchObject({
      outcome: 'up-to-date',
      push: { pushed: false },
      pullRequest: { number: 1 },
      tracking: { changed: [] },
    });
    expect(world.gh.pulls).toHaveLength(1);
    expect(world.gh.log.filter((l) => l.method === 'POST' && l.path.endsWith('/pulls'))).toHaveLength(1);
  });
});

describe.skipIf(!hasShared('corpus', 'HTTP-Daemon-6.16'))('upstreamOpen finds the repository in META', () => {
  it('reads META.json of the release tarball when the header names no repository', async () => {
    const world = await makeUpstreamWorld({ upstreamField: false });
    const r = await upstreamOpen({
      ...world.api,
      patch: PATCH_ID,
      tarball: TARBALL,
      githubHosts: ['github.com'],
      dryRun: true,
    });
    expect(r).toMatchObject({
      outcome: 'dry-run',
      upstream: { repository: `${OWNER}/${REPO}`, source: 'META.json resources.repository.url' },
    });
  });
});

describe.skipIf(!hasShared('corpus', 'HTTP-Daemon-6.16'))('upstreamOpen when the code moved on', () => {
  it('merges from the release tag when main changed next to the fix (three-way)', async () => {
    const world = await makeUpstreamWorld({ drift: 'near-the-fix' });
    const r = await upstreamOpen({ ...world.api, patch: PATCH_ID });
    expect(r).toMatchObject({
      outcome: 'opened',
      commit: { base: { method: 'three-way', tag: 'v6.16', releaseVersion: '6.16' } },
    });
    expect(r.commit?.attempts[0]).toMatch(/^git apply on main/);
    const merged = showFile(world, `${OWNER}/${REPO}`, `cpansec/${PATCH_ID}`, 'lib/HTTP/Daemon.pm');
    expect(merged).toContain('sub send_file {    # the file, or a handle, to the client');
    expect(merged).toContain("open(my $fh, '<', $file)");
    expect(world.gh.pulls[0]?.body).toContain('(tag `v6.16`)');
  });

  it('stops with PATCH_CONFLICT naming the hunk when main rewrote the lines the fix changes', async () => {
    const world = await makeUpstreamWorld({ drift: 'over-the-fix' });
    const err = await upstreamOpen({ ...world.api, patch: PATCH_ID }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'PATCH_CONFLICT',
      details: {
        hunks: [{ file: 'lib/HTTP/Daemon.pm', hunk: 1 }],
        mergeConflicts: ['lib/HTTP/Daemon.pm'],
        tag: 'v6.16',
      },
    });
    expect((err as Error).message).toContain('lib/HTTP/Daemon.pm: hunk #1');
    expect(world.gh.pulls).toHaveLength(0);
    expect(world.git.log.some((l) => l.service === 'git-receive-pack')).toBe(false);
  });

  it('says so when main already has the fix', async () => {
    const world = await makeUpstreamWorld({ drift: 'fixed' });
    const r = await upstreamOpen({ ...world.api, patch: PATCH_ID });
    expect(r).toMatchObject({ outcome: 'already-upstream', pullRequest: null });
    expect(world.gh.pulls).toHaveLength(0);
  });
});

describe.skipIf(!hasShared('corpus', 'HTTP-Daemon-6.16'))('upstreamOpen without push access', () => {
  it('forks, pushes to the fork, opens the PR from it, adds no label; a rerun finds it', async () => {
    const world = await makeUpstreamWorld({ pushAccess: false });
    const r = await upstreamOpen({ ...world.api, patch: PATCH_ID });
    expect(r).toMatchObject({
      outcome: 'opened',
      push: { repository: `cpansec-tester/${REPO}`, fork: true, forkCreated: true, pushed: true },
      pullRequest: { labels: [] },
    });
    expect(world.gh.pulls[0]).toMatchObject({
      headOwner: 'cpansec-tester',
      headRepo: `cpansec-tester/${REPO}`,
      base: `${OWNER}/${REPO}`,
    });
    expect(showFile(world, `cpansec-tester/${REPO}`, `cpansec/${PATCH_ID}`, 'lib/HTTP/Daemon.pm')).toContain(
      "open(my $fh, '<', $file)",
    );
    expect(() => showFile(world, `${OWNER}/${REPO}`, `cpansec/${PATCH_ID}`, 'lib/HTTP/Daemon.pm')).toThrow();
    const again = await upstreamOpen({ ...world.api, patch: PATCH_ID });
    expect(again).toMatchObject({ outcome: 'up-to-date', pullRequest: { number: 1 } });
    expect(world.gh.pulls).toHaveLength(1);
  });
});

describe.skipIf(!hasShared('corpus', 'HTTP-Daemon-6.16'))('upstreamOpen and closed pull requests', () => {
  it('never reopens or recreates a declined pull request, and records it as declined', async () => {
    const world = await makeUpstreamWorld();
    await upstreamOpen({ ...world.api, patch: PATCH_ID });
    world.gh.setPullState(1, 'closed');
    const r = await upstreamOpen({ ...world.api, patch: PATCH_ID });
    expect(r).toMatchObject({ outcome: 'declined', push: null, pullRequest: { number: 1, state: 'declined' } });
    expect(r.reason).toContain('never reopens or recreates');
    expect(world.gh.pulls).toHaveLength(1);
    expect(world.gh.pulls[0]?.state).toBe('closed');
    expect(readFileSync(world.patchFile, 'utf8')).toMatch(
      /\nUpstream-Status: declined \d{4}-\d{2}-\d{2} \(closed without merging/,
    );
    // Even with the Forwarded field gone, the branch's closed pull request is found.
    expect(world.gh.log.filter((l) => l.method === 'POST' && l.path.endsWith('/pulls'))).toHaveLength(1);
  });
});

describe.skipIf(!hasShared('corpus', 'HTTP-Daemon-6.16'))('upstreamOpen refusals', () => {
  it('an archived repository: UPSTREAM_ARCHIVED, pointing at upstream mail', async () => {
    const world = await makeUpstreamWorld({ archived: true });
    await expect(upstreamOpen({ ...world.api, patch: PATCH_ID })).rejects.toMatchObject({
      code: 'UPSTREAM_ARCHIVED',
      hint: expect.stringContaining('upstream mail'),
    });
  });

  it('no token: GITHUB_AUTH (and --dry-run still works)', async () => {
    const world = await makeUpstreamWorld();
    const env = { ...world.env, GITHUB_TOKEN: '', HOME: world.env.HOME };
    await expect(upstreamOpen({ ...world.api, env, patch: PATCH_ID })).rejects.toMatchObject({ code: 'GITHUB_AUTH' });
    const dry = await upstreamOpen({ ...world.api, env, patch: PATCH_ID, dryRun: true });
    expect(dry).toMatchObject({ outcome: 'dry-run', push: { fork: true } });
  });

  it('a token without the scope: GITHUB_SCOPE before anything is written', async () => {
    const world = await makeUpstreamWorld({ scopes: 'read:org, gist' });
    await expect(upstreamOpen({ ...world.api, patch: PATCH_ID })).rejects.toMatchObject({
      code: 'GITHUB_SCOPE',
      hint: expect.stringContaining('public_repo'),
    });
    expect(world.gh.log.filter((l) => l.method !== 'GET')).toEqual([]);
  });

  it('a token GitHub rejects: GITHUB_AUTH, and the token is in no message', async () => {
    const world = await makeUpstreamWorld();
    const bad = 'ghp_WrongTokenWrongTokenWrongToken012345';
    const err = (await upstreamOpen({ ...world.api, env: { ...world.env, GITHUB_TOKEN: bad }, patch: PATCH_ID }).catch(
      (e: unknown) => e,
    )) as Error & { code: string };
    expect(err.code).toBe('GITHUB_AUTH');
    expect(JSON.stringify({ message: err.message, ...(err as unknown as Record<string, unknown>) })).not.toContain(bad);
  });

  it('a repository that is not there (or private): UPSTREAM_NOT_FOUND', async () => {
    const world = await makeUpstreamWorld();
    await expect(
      upstreamOpen({ ...world.api, patch: PATCH_ID, upstream: `${world.gh.url}/nobody/Nothing` }),
    ).rejects.toMatchObject({
      code: 'UPSTREAM_NOT_FOUND',
    });
  });

  it('an unreachable API: NETWORK after the retries', async () => {
    const world = await makeUpstreamWorld();
    await expect(
      upstreamOpen({
        ...world.api,
        githubApi: 'http://127.0.0.1:9',
        retries: 1,
        patch: PATCH_ID,
        upstream: 'https://127.0.0.1/o/r',
      }),
    ).rejects.toMatchObject({ code: 'NETWORK' });
  });
});

describe.skipIf(!hasShared('corpus', 'HTTP-Daemon-6.16'))('upstreamOpen and the git server', () => {
  it('a push the git server refuses (the token is not accepted there): GITHUB_AUTH, no pull request', async () => {
    const world = await makeUpstreamWorld();
    world.git.tokens.clear();
    world.git.tokens.add('ghp_SomeOtherTokenSomeOtherToken0123456');
    const err = await upstreamOpen({ ...world.api, patch: PATCH_ID }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'GITHUB_AUTH', details: { step: `push cpansec/${PATCH_ID}` } });
    expect(JSON.stringify(err) + String((err as Error).message)).not.toContain(TOKEN);
    expect(world.gh.pulls).toHaveLength(0);
  });
});
