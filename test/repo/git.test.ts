/**
 * Git remotes as sources, with real git through simple-git: a bare
 * repository served as a file:// remote, updated by pushes; and the sources
 * and checkouts we refuse (transports that run commands or lack
 * authentication, symlinks in a checkout or a folder).
 */
import { readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { simpleGit } from 'simple-git';
import { describe, expect, it } from 'vitest';
import { loadRepoState, publishRepository, pullRepository, revokePatch } from '../../src/repo/index.js';
import { parseSource } from '../../src/repo/source.js';
import { serveGitHttp } from '../helpers/git-http.js';
import { tempDir } from '../helpers/tmp.js';
import { NOW, makeRepo } from './helpers.js';

async function commitAll(dir: string, message: string): Promise<void> {
  const git = simpleGit(dir);
  await git.add(['-A']);
  await git.raw(['-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-q', '-m', message]);
}

describe('pull from a git remote', () => {
  it('clones a bare repository over file://, verifies it, and follows later pushes (revocation included)', async () => {
    const repo = await makeRepo();
    await simpleGit(repo.dir).init(['-q', '-b', 'main']);
    await commitAll(repo.dir, 'initial');
    const bare = join(tempDir(), 'remote.git');
    await simpleGit().clone(repo.dir, bare, ['--bare', '-q']);
    await simpleGit(repo.dir).addRemote('origin', bare);
    const cache = join(tempDir(), 'cache');
    const trustRoot = readFileSync(join(repo.dir, 'metadata', '1.root.json'));
    const source = parseSource(pathToFileURL(bare).href, '/', '/');
    expect(source.kind).toBe('git');
    const first = await pullRepository({ source, cacheDir: cache, trustRoot });
    expect(first).toMatchObject({ patches: 2, changed: true });
    expect(first.git?.commit).toMatch(/^[0-9a-f]{40}$/);

    await revokePatch({ dir: repo.dir, patchId: 'Baz-Qux-CVE-2099-1002', reason: 'withdrawn', now: NOW });
    await publishRepository(await loadRepoState(repo.dir), { signers: [repo.publisher], now: NOW });
    await commitAll(repo.dir, 'revoke');
    await simpleGit(repo.dir).push('origin', 'main');
    const second = await pullRepository({ source, cacheDir: cache, trustRoot });
    expect(second).toMatchObject({ patches: 1, changed: true });
    expect(second.revoked.map((r) => r.patchId)).toEqual(['Baz-Qux-CVE-2099-1002']);
    expect(second.git?.commit).not.toBe(first.git?.commit);
  });

  it('checks out symlinks as plain files, so a linked metadata file is just bad data: METADATA_INVALID', async () => {
    const repo = await makeRepo();
    const ts = join(repo.dir, 'metadata', 'timestamp.json');
    rmSync(ts);
    symlinkSync('snapshot.json', ts);
    await simpleGit(repo.dir).init(['-q', '-b', 'main']);
    await commitAll(repo.dir, 'with a symlink');
    const bare = join(tempDir(), 'remote.git');
    await simpleGit().clone(repo.dir, bare, ['--bare', '-q']);
    await expect(
      pullRepository({
        source: parseSource(pathToFileURL(bare).href, '/', '/'),
        cacheDir: join(tempDir(), 'c'),
        trustRoot: readFileSync(join(repo.dir, 'metadata', '1.root.json')),
      }),
    ).rejects.toMatchObject({ code: 'METADATA_INVALID' });
  });
});

describe('sources we refuse', () => {
  it.each([
    ['ext::sh -c touch% /tmp/pwned'],
    ['git://example.org/patches.git'],
    ['http://example.org/patches/'],
    ['https://user:secret@example.org/patches/'],
    ['git+ftp://example.org/x.git'],
  ])('%s: USAGE', (raw) => {
    expect(() => parseSource(raw, '/', '/')).toThrowCode('USAGE');
  });

  it('a folder whose metadata is a symlink: SYMLINK_ESCAPE', async () => {
    const repo = await makeRepo();
    const ts = join(repo.dir, 'metadata', 'timestamp.json');
    rmSync(ts);
    symlinkSync(join(repo.dir, 'metadata', 'snapshot.json'), ts);
    await expect(
      pullRepository({
        source: parseSource(repo.dir, '/', '/'),
        cacheDir: join(tempDir(), 'c'),
        trustRoot: readFileSync(join(repo.dir, 'metadata', '1.root.json')),
      }),
    ).rejects.toMatchObject({ code: 'SYMLINK_ESCAPE' });
  });
});

describe('pull from git over smart HTTP (git http-backend on 127.0.0.1)', () => {
  it('clones and verifies the repository', async () => {
    const repo = await makeRepo();
    await simpleGit(repo.dir).init(['-q', '-b', 'main']);
    await commitAll(repo.dir, 'initial');
    const root = tempDir();
    await simpleGit().clone(repo.dir, join(root, 'remote.git'), ['--bare', '-q']);
    const base = (await serveGitHttp(root)).url;
    const source = parseSource(`${base}remote.git`, '/', '/');
    expect(source.kind).toBe('git');
    const result = await pullRepository({
      source,
      cacheDir: join(tempDir(), 'c'),
      trustRoot: readFileSync(join(repo.dir, 'metadata', '1.root.json')),
    });
    expect(result).toMatchObject({ patches: 2, changed: true });
  });
});
