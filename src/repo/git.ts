/**
 * Git remotes as repository sources: the remote is cloned (or fetched) into
 * the cache with simple-git, and the checkout is then verified offline with
 * the same TUF code as a directory. Git itself is not trusted for anything:
 * the checkout is just bytes for TUF to judge.
 *
 * Hardening (simple-git ≥ 3.32.3 refuses unsafe options itself, CVE-2026-28292):
 *   protocol.ext.allow=never     no "ext::" transports (they run commands)
 *   protocol.file.allow=user     file:// only when named by the user
 *   core.symlinks=false          symlinks check out as plain files
 *   core.hooksPath=/dev/null     no hooks
 *   submodules off, shallow, no prompts.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { CpansecError, wrapError } from '../errors.js';

const CONFIG = [
  'protocol.ext.allow=never',
  'protocol.file.allow=user',
  'core.symlinks=false',
  'core.hooksPath=/dev/null',
  'submodule.recurse=false',
  'core.fsmonitor=false',
];

const PASS_ENV = new Set([
  'PATH',
  'HOME',
  'LANG',
  'LC_ALL',
  'TMPDIR',
  'SSH_AUTH_SOCK',
  'HTTPS_PROXY',
  'https_proxy',
  'NO_PROXY',
  'no_proxy',
]);

function git(dir?: string) {
  // simple-git refuses these settings unless told (a caller could widen them); ours only narrow
  // what git does, and no other argument comes from outside but a checked URL and ref.
  return simpleGit({
    ...(dir === undefined ? {} : { baseDir: dir }),
    config: CONFIG,
    timeout: { block: 120_000 },
    unsafe: { allowUnsafeProtocolOverride: true, allowUnsafeHooksPath: true, allowUnsafeFsMonitor: true },
  }).env({
    // A minimal environment: no EDITOR, PAGER, GIT_* or other variables that make git run things.
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => PASS_ENV.has(k))),
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
  });
}

/** Clones or updates `url` into `dir` (a working tree), at the remote's HEAD or `ref`. */
export async function syncGitCheckout(url: string, dir: string, ref?: string): Promise<{ commit: string }> {
  if (ref !== undefined && !/^[A-Za-z0-9._/][A-Za-z0-9._/-]{0,199}$/.test(ref)) {
    throw new CpansecError('USAGE', `--ref ${JSON.stringify(ref)} is not a branch or tag name`);
  }
  try {
    const exists = await stat(join(dir, '.git')).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!exists) {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      await git().clone(url, dir, ['--depth=1', '--no-tags', '--single-branch', ...(ref ? ['--branch', ref] : [])]);
    } else {
      const g = git(dir);
      await g.raw(['remote', 'set-url', 'origin', url]);
      await g.fetch(['--depth=1', '--no-tags', 'origin', ref ?? 'HEAD']);
      await g.raw(['reset', '--hard', 'FETCH_HEAD']);
      await g.raw(['clean', '-ffdx']);
    }
    const commit = (await git(dir).revparse(['HEAD'])).trim();
    return { commit };
  } catch (err) {
    throw wrapError(err, 'NETWORK', `git ${url}`, { hint: 'check the URL and that you can reach it' });
  }
}
