/** Where the GitHub token comes from (environment, then the GitHub CLI's hosts.yml), and the ETag memory on disk. */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileEtagStore } from '../../src/upstream/etag-cache.js';
import { findGitHubToken, ghHostsFile } from '../../src/upstream/token.js';
import { tempDir } from '../helpers/tmp.js';
import type { PullInfo } from '../../src/upstream/github.js';

function ghConfig(text: string): string {
  const home = tempDir();
  mkdirSync(join(home, '.config', 'gh'), { recursive: true });
  writeFileSync(join(home, '.config', 'gh', 'hosts.yml'), text);
  return home;
}

describe('findGitHubToken', () => {
  it('takes GH_TOKEN, then GITHUB_TOKEN, then the gh hosts file (never saying the token itself)', async () => {
    const home = ghConfig('github.com:\n    oauth_token: gho_fromthehostsfile1\n');
    expect(
      await findGitHubToken('github.com', { HOME: home, GH_TOKEN: 'a1234567890', GITHUB_TOKEN: 'b1234567890' }),
    ).toEqual({
      token: 'a1234567890',
      source: 'GH_TOKEN',
    });
    expect(await findGitHubToken('github.com', { HOME: home, GITHUB_TOKEN: 'b1234567890' })).toEqual({
      token: 'b1234567890',
      source: 'GITHUB_TOKEN',
    });
    const fromFile = await findGitHubToken('github.com', { HOME: home });
    expect(fromFile?.token).toBe('gho_fromthehostsfile1');
    expect(fromFile?.source).toBe(`gh hosts.yml (${join(home, '.config', 'gh', 'hosts.yml')})`);
    expect(await findGitHubToken('github.com', { HOME: tempDir() })).toBeUndefined();
  });

  it('prefers the Enterprise variables for other hosts, and honours GH_CONFIG_DIR and XDG_CONFIG_HOME', async () => {
    expect(
      await findGitHubToken('ghe.example', { GH_ENTERPRISE_TOKEN: 'e1234567890', GITHUB_TOKEN: 'b1234567890' }),
    ).toMatchObject({
      source: 'GH_ENTERPRISE_TOKEN',
    });
    expect(ghHostsFile({ GH_CONFIG_DIR: '/x' })).toBe('/x/hosts.yml');
    expect(ghHostsFile({ XDG_CONFIG_HOME: '/y', HOME: '/h' })).toBe('/y/gh/hosts.yml');
  });

  it('follows a hosts file linked by a dotfiles manager', async () => {
    const home = tempDir();
    mkdirSync(join(home, '.config', 'gh'), { recursive: true });
    const real = join(home, 'elsewhere.yml');
    writeFileSync(real, 'github.com:\n    oauth_token: gho_fromthehostsfile1\n');
    symlinkSync(real, join(home, '.config', 'gh', 'hosts.yml'));
    expect((await findGitHubToken('github.com', { HOME: home }))?.token).toBe('gho_fromthehostsfile1');
  });
});

describe('FileEtagStore', () => {
  const pull: PullInfo = {
    number: 1,
    htmlUrl: 'https://github.com/o/r/pull/1',
    state: 'open',
    merged: false,
    createdAt: '2026-11-20T00:00:00Z',
    mergedAt: undefined,
    closedAt: undefined,
    title: 't',
    body: '',
    headRef: 'cpansec/x',
    headOwner: 'o',
    headSha: '0'.repeat(40),
    baseRef: 'main',
  };

  it('keeps ETags across runs, and shrugs off a damaged file', async () => {
    const path = join(tempDir(), 'cache', 'github-etags.json');
    const store = await FileEtagStore.open(path);
    store.set('k', { etag: 'W/"1"', data: pull });
    await store.save();
    expect((await FileEtagStore.open(path)).get('k')?.etag).toBe('W/"1"');
    writeFileSync(path, '{ not json');
    expect((await FileEtagStore.open(path)).get('k')).toBeUndefined();
  });
});
