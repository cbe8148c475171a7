/**
 * Everything the upstream tests talk to, on 127.0.0.1, built per test:
 *  - an upstream git repository made from the real HTTP-Daemon 6.16 tarball
 *    of the corpus, tagged v6.16, with a later commit on main (how much it
 *    changed near the fix is the scenario), served by git http-backend that
 *    accepts pushes only with the test token;
 *  - the fake GitHub API (github-fake.ts) that knows it as
 *    libwww-perl/HTTP-Daemon and points its clone_url at that git server;
 *  - a signed repository working copy holding the patch of
 *    test/fixtures/upstream/, with the publisher key in a file;
 *  - a git configuration of its own (GIT_CONFIG_GLOBAL) with an identity.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addPatch, initRepository, loadRepoState, publishRepository, repoSigner } from '../../src/repo/index.js';
import { formatSecretKeyFile } from '../../src/sign/key-format.js';
import { testKey } from '../repo/helpers.js';
import { serveGitHttp } from './git-http.js';
import { startFakeGitHub } from './github-fake.js';
import { PROJECT_ROOT, sharedPath } from './shared.js';
import { tempDir } from './tmp.js';
import type { GitHttpServer } from './git-http.js';
import type { FakeGitHub, FakeUser } from './github-fake.js';

export const PATCH_ID = 'HTTP-Daemon-CVE-2026-8450';
export const FIXTURE = join(PROJECT_ROOT, 'test', 'fixtures', 'upstream', `${PATCH_ID}.patch`);
export const TARBALL = sharedPath('corpus', 'HTTP-Daemon-6.16', 'HTTP-Daemon-6.16.tar.gz');
/** Shaped like a classic GitHub token, so every redaction rule meets it. */
export const TOKEN = 'ghp_T3stT0kenNeverPrintedAnywhere0123456';
export const OWNER = 'libwww-perl';
export const REPO = 'HTTP-Daemon';
export const NOW = Date.parse('2026-12-01T12:00:00Z');

/** How the default branch moved on after the release. */
export type Drift = 'elsewhere' | 'near-the-fix' | 'over-the-fix' | 'fixed';

export interface WorldOptions {
  drift?: Drift;
  /** The test user may push to the upstream repository (else: the fork path). */
  pushAccess?: boolean;
  archived?: boolean;
  /** x-oauth-scopes of the token; undefined: a fine-grained token (no header). */
  scopes?: string;
  /** Put Upstream-Repository (pointing at the fake GitHub) in the patch header. */
  upstreamField?: boolean;
}

export interface UpstreamWorld {
  git: GitHttpServer;
  gh: FakeGitHub;
  user: FakeUser;
  /** The repository working copy with the signed patch. */
  repoDir: string;
  keyFile: string;
  patchFile: string;
  bare: string;
  gitConfig: string;
  env: Record<string, string>;
  /** The API options every upstream call of the tests shares. */
  api: {
    repo: string;
    githubApi: string;
    env: Record<string, string>;
    retryBaseMs: number;
    key: string;
    password: string;
    now: number;
  };
}

function git(cwd: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: cwd,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'Upstream Maintainer',
      GIT_AUTHOR_EMAIL: 'maintainer@example.org',
      GIT_COMMITTER_NAME: 'Upstream Maintainer',
      GIT_COMMITTER_EMAIL: 'maintainer@example.org',
      ...env,
    },
  });
}

function edit(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  if (!text.includes(from)) throw new Error(`${file}: ${from} not found`);
  writeFileSync(file, text.replace(from, to));
}

/** The upstream repository as a bare repository at `<root>/libwww-perl/HTTP-Daemon.git`. */
export function buildUpstream(root: string, drift: Drift): string {
  const work = join(tempDir('cpansec-upstream-src-'), REPO);
  mkdirSync(work, { recursive: true });
  execFileSync('tar', ['xzf', TARBALL, '-C', work, '--strip-components=1']);
  git(work, ['init', '-q', '-b', 'main']);
  git(work, ['add', '-A']);
  const dated = { GIT_AUTHOR_DATE: '2023-02-22T12:00:00Z', GIT_COMMITTER_DATE: '2023-02-22T12:00:00Z' };
  git(work, ['commit', '-q', '-m', 'v6.16'], dated);
  git(work, ['tag', 'v6.16']);
  const daemon = join(work, 'lib', 'HTTP', 'Daemon.pm');
  edit(
    join(work, 'Changes'),
    'Revision history for HTTP-Daemon\n',
    'Revision history for HTTP-Daemon\n\n{{$NEXT}}\n  - tidy the documentation\n',
  );
  if (drift === 'near-the-fix')
    edit(daemon, 'sub send_file {\n', 'sub send_file {    # the file, or a handle, to the client\n');
  if (drift === 'over-the-fix')
    edit(daemon, '        open(FILE, $file) || return undef;', '        open(FILE, $file) or return;');
  if (drift === 'fixed') {
    execFileSync('patch', ['-p1', '-s', '-i', FIXTURE], { cwd: work });
  }
  git(work, ['add', '-A']);
  git(work, ['commit', '-q', '-m', 'later work on main'], {
    GIT_AUTHOR_DATE: '2024-01-10T12:00:00Z',
    GIT_COMMITTER_DATE: '2024-01-10T12:00:00Z',
  });
  const bare = join(root, OWNER, `${REPO}.git`);
  mkdirSync(join(root, OWNER), { recursive: true });
  git(root, ['clone', '-q', '--bare', work, bare]);
  return bare;
}

/** A signed repository working copy holding `patchText`. */
export async function buildPatchRepository(
  patchText: string,
): Promise<{ dir: string; keyFile: string; patchFile: string }> {
  const base = tempDir('cpansec-upstream-repo-');
  const dir = join(base, 'repo');
  const rootKey = await testKey('root');
  const publisherKey = await testKey('publisher');
  await initRepository({ dir, rootKeys: [repoSigner(rootKey)], publisherKeys: [repoSigner(publisherKey)], now: NOW });
  const src = join(base, `${PATCH_ID}.patch`);
  writeFileSync(src, patchText);
  await addPatch({ dir, patch: src, key: publisherKey, now: NOW });
  await publishRepository(await loadRepoState(dir), { signers: [repoSigner(publisherKey)], now: NOW });
  const keyFile = join(base, 'publisher.key');
  writeFileSync(keyFile, await formatSecretKeyFile(publisherKey));
  return { dir, keyFile, patchFile: join(dir, 'patches', 'HTTP-Daemon', `${PATCH_ID}.patch`) };
}

export async function makeUpstreamWorld(options: WorldOptions = {}): Promise<UpstreamWorld> {
  const root = tempDir('cpansec-git-root-');
  const bare = buildUpstream(root, options.drift ?? 'elsewhere');
  const git = await serveGitHttp(root, { tokens: [TOKEN] });
  const gh = await startFakeGitHub(git);
  const user: FakeUser = {
    login: 'cpansec-tester',
    token: TOKEN,
    ...(options.scopes === undefined ? {} : { scopes: options.scopes }),
  };
  gh.addUser(user);
  gh.addRepo(OWNER, REPO, {
    archived: options.archived === true,
    pushers: new Set(options.pushAccess === false ? ['oalders'] : ['oalders', user.login]),
  });
  let text = readFileSync(FIXTURE, 'utf8');
  if (options.upstreamField !== false) {
    text = text.replace('Forwarded: no\n', `Forwarded: no\nUpstream-Repository: ${gh.url}/${OWNER}/${REPO}\n`);
  }
  const repo = await buildPatchRepository(text);
  const home = tempDir('cpansec-home-');
  const gitConfig = join(home, 'gitconfig');
  writeFileSync(gitConfig, '[user]\n\tname = CPANSec Tester\n\temail = tester@example.org\n');
  const env = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    GIT_CONFIG_GLOBAL: gitConfig,
    GITHUB_TOKEN: TOKEN,
    CPANSEC_GITHUB_API: gh.url,
    CPANSEC_PATCH_CACHE: join(home, 'cache'),
    CPANSEC_KEY_PASSWORD: '',
  };
  return {
    git,
    gh,
    user,
    repoDir: repo.dir,
    keyFile: repo.keyFile,
    patchFile: repo.patchFile,
    bare,
    gitConfig,
    env,
    api: { repo: repo.dir, githubApi: gh.url, env, retryBaseMs: 10, key: repo.keyFile, password: 'unused', now: NOW },
  };
}
