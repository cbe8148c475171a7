/**
 * The repository life cycle through the built CLI, as a maintainer and a
 * user would run it: repo init → add (two patches, two distributions) →
 * publish → repo verify → pull from http (a real 127.0.0.1 server), a folder
 * and a git remote → revoke → publish → pull: the revoked patch is reported,
 * and `verify --repo` refuses it. Commands run as real processes (async, so
 * the server in this process keeps answering).
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { simpleGit } from 'simple-git';
import { describe, expect, it } from 'vitest';
import { runCli, runCliAsync } from '../helpers/cli.js';
import { PROJECT_ROOT } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';
import { patchText, serve } from '../repo/helpers.js';
import type { CliRun } from '../helpers/cli.js';

const ENV = { CPANSEC_KEY_PASSWORD: '' };
const EXAMPLE = join(PROJECT_ROOT, 'test', 'fixtures', 'example', 'Acme-Demo-CVE-2099-0001.patch');

function cli(args: string[], cwd?: string): Promise<CliRun> {
  return runCliAsync(args, { env: { ...process.env, ...ENV }, ...(cwd === undefined ? {} : { cwd }) });
}

function key(dir: string, name: string): string {
  const run = runCli(['key', 'generate', '--out', join(dir, name), '--no-password', '--json'], { env: ENV });
  expect(run.code, run.stderr).toBe(0);
  return join(dir, `${name}.key`);
}

describe('cpansec-patch repo and pull', () => {
  it('runs the whole life cycle of a repository', async () => {
    const work = tempDir();
    const rootKey = key(work, 'root');
    const pubKey = key(work, 'publisher');
    const repo = join(work, 'repo');

    const init = await cli(['repo', 'init', repo, '--root-key', rootKey, '--publisher-key', pubKey, '--json']);
    expect(init.code, init.stderr).toBe(0);
    expect(init.json.result).toMatchObject({ versions: { root: 1, targets: 1 }, patches: 0 });

    const p1 = join(work, 'Acme-Demo-CVE-2099-0001.patch');
    copyFileSync(EXAMPLE, p1);
    const p2 = join(work, 'Foo-Bar-CVE-2099-1001.patch');
    writeFileSync(p2, patchText('Foo-Bar', 'Foo-Bar-CVE-2099-1001', 1));
    for (const p of [p1, p2]) {
      const add = await cli(['repo', 'add', p, '--repo', repo, '--key', pubKey, '--json']);
      expect(add.code, add.stderr).toBe(0);
    }
    const publish = await cli(['repo', 'publish', '--repo', repo, '--key', pubKey]);
    expect(publish.code, publish.stderr).toBe(0);
    expect(publish.stdout).toContain('2 patch(es)');

    const verify = await cli(['repo', 'verify', repo, '--json']);
    expect(verify.code, verify.stdout).toBe(0);
    expect(verify.json.result).toMatchObject({ ok: true, patches: 2, problems: [] });

    const trust = ['--trust-root', join(repo, 'metadata', '1.root.json')];
    const server = await serve(repo);
    const httpCache = join(work, 'cache-http');
    const pulled = await cli(['pull', '--from', server.url, '--cache', httpCache, ...trust, '--json']);
    expect(pulled.code, pulled.stdout).toBe(0);
    expect(pulled.json.result).toMatchObject({ patches: 2, changed: true, downloaded: 4 });

    const fromDir = await cli(['pull', '--from', repo, '--cache', join(work, 'cache-dir'), ...trust, '--json']);
    expect(fromDir.json.result).toMatchObject({ patches: 2, changed: true });

    await simpleGit(repo).init(['-q', '-b', 'main']);
    const commit = async (m: string) => {
      await simpleGit(repo).add(['-A']);
      await simpleGit(repo).raw(['-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-q', '-m', m]);
    };
    await commit('published');
    const bare = join(work, 'remote.git');
    await simpleGit().clone(repo, bare, ['--bare', '-q']);
    const gitCache = join(work, 'cache-git');
    const fromGit = await cli(['pull', '--from', pathToFileURL(bare).href, '--cache', gitCache, ...trust, '--json']);
    expect(fromGit.code, fromGit.stdout).toBe(0);
    expect(fromGit.json.result).toMatchObject({ patches: 2, git: { commit: expect.stringMatching(/^[0-9a-f]{40}$/) } });

    // Keep the patch a user already has, then withdraw it.
    const kept = join(work, 'kept');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(kept);
    for (const suffix of ['', '.minisig']) {
      copyFileSync(
        join(repo, 'patches', 'Foo-Bar', `Foo-Bar-CVE-2099-1001.patch${suffix}`),
        join(kept, `Foo-Bar-CVE-2099-1001.patch${suffix}`),
      );
    }
    // The same kept copy is verified against the repository before and after the revocation.
    const verifyKeptCopy = (): Promise<CliRun> =>
      cli([
        'verify',
        join(kept, 'Foo-Bar-CVE-2099-1001.patch'),
        '--repo',
        repo,
        '--cache',
        join(work, 'cache-v'),
        ...trust,
        '--json',
      ]);
    const verifyKept = await verifyKeptCopy();
    expect(verifyKept.code, verifyKept.stdout).toBe(0);
    expect(verifyKept.json.result).toMatchObject({ repository: { listed: true } });

    const revoke = await cli([
      'repo',
      'revoke',
      'Foo-Bar-CVE-2099-1001',
      '--repo',
      repo,
      '--reason',
      'breaks t/basic.t',
    ]);
    expect(revoke.code, revoke.stderr).toBe(0);
    expect((await cli(['repo', 'publish', '--repo', repo, '--key', pubKey])).code).toBe(0);

    const again = await cli(['pull', '--from', server.url, '--cache', httpCache, ...trust]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/revoked Foo-Bar-CVE-2099-1001 \(\d{4}-\d{2}-\d{2}\): breaks t\/basic\.t/);

    const revoked = await verifyKeptCopy();
    expect(revoked.code).toBe(4);
    expect(revoked.json.error).toMatchObject({ code: 'PATCH_REVOKED' });

    await commit('revoked');
    await simpleGit(repo).push(bare, 'main');
    const gitAgain = await cli(['pull', '--from', pathToFileURL(bare).href, '--cache', gitCache, ...trust, '--json']);
    expect(gitAgain.json.result).toMatchObject({
      patches: 1,
      revoked: [expect.objectContaining({ patchId: 'Foo-Bar-CVE-2099-1001' })],
    });

    // A tampered folder: repo verify lists the problem and exits 4.
    const target = join(repo, 'patches', 'Acme-Demo', 'Acme-Demo-CVE-2099-0001.patch');
    writeFileSync(target, readFileSync(target, 'utf8').replace('three-argument', 'two-argument!!'));
    const bad = await cli(['repo', 'verify', repo, '--json']);
    expect(bad.code).toBe(4);
    expect(bad.json.error?.details?.['problems']).toEqual([
      expect.objectContaining({ target: 'Acme-Demo/Acme-Demo-CVE-2099-0001.patch', code: 'CHECKSUM_MISMATCH' }),
    ]);
  });

  it('rotate-key: a new root signed by the old and new root keys, a new targets key that re-signs the patches; pull follows', async () => {
    const work = tempDir();
    const rootKey = key(work, 'root');
    const pubKey = key(work, 'publisher');
    const repo = join(work, 'repo');
    expect((await cli(['repo', 'init', repo, '--root-key', rootKey, '--publisher-key', pubKey])).code).toBe(0);
    const p = join(work, 'Foo-Bar-CVE-2099-1001.patch');
    writeFileSync(p, patchText('Foo-Bar', 'Foo-Bar-CVE-2099-1001', 1));
    expect((await cli(['repo', 'add', p, '--repo', repo, '--key', pubKey])).code).toBe(0);
    expect((await cli(['repo', 'publish', '--repo', repo, '--key', pubKey])).code).toBe(0);
    const trust = ['--trust-root', join(repo, 'metadata', '1.root.json')];
    const cache = join(work, 'cache');
    expect((await cli(['pull', '--from', repo, '--cache', cache, ...trust])).code).toBe(0);

    const newRoot = key(work, 'root2');
    const rotRoot = await cli([
      'repo',
      'rotate-key',
      '--repo',
      repo,
      '--role',
      'root',
      '--new-key',
      newRoot,
      '--root-key',
      rootKey,
      '--key',
      pubKey,
      '--json',
    ]);
    expect(rotRoot.code, rotRoot.stdout).toBe(0);
    expect(rotRoot.json.result).toMatchObject({ versions: { root: 2 } });
    const newPub = key(work, 'publisher2');
    const rotPub = await cli([
      'repo',
      'rotate-key',
      '--repo',
      repo,
      '--role',
      'targets',
      '--new-key',
      newPub,
      '--root-key',
      newRoot,
      '--key',
      pubKey,
      '--json',
    ]);
    expect(rotPub.code, rotPub.stdout).toBe(0);
    expect(rotPub.json.result).toMatchObject({ versions: { root: 3 } });

    const pulled = await cli(['pull', '--from', repo, '--cache', cache, ...trust, '--json']);
    expect(pulled.code, pulled.stdout).toBe(0);
    expect(pulled.json.result).toMatchObject({ versions: { root: 3 }, patches: 1, changed: true });
    expect((await cli(['repo', 'verify', repo])).code).toBe(0);
    // The old publisher key no longer signs anything clients accept.
    const sig = await cli([
      'verify',
      p,
      '--repo',
      repo,
      '--cache',
      join(work, 'c2'),
      ...trust,
      '--signature',
      join(repo, 'patches', 'Foo-Bar', 'Foo-Bar-CVE-2099-1001.patch.minisig'),
      '--json',
    ]);
    expect(sig.code, sig.stdout).toBe(0);
  });

  it('pull --from a source we refuse is a usage error (exit 2)', async () => {
    const run = await cli(['pull', '--from', 'ext::sh -c id', '--json']);
    expect(run.code).toBe(2);
    expect(run.json.error).toMatchObject({ code: 'USAGE' });
  });

  it('repo verify of the embedded repository passes', async () => {
    const run = await cli(['repo', 'verify']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('verified');
  });
});
