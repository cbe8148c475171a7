/**
 * Git as the workspace uses it: a local repository that records the
 * pristine tree, and a diff against it. A workspace holds third-party code
 * and may have been touched by anyone, so git runs hardened: no system or
 * global configuration (nothing of the user's can turn a diff into a
 * command), the settings that run programs switched off explicitly, no
 * hooks, a minimal environment; and the repository's own .git/config is
 * checked against the settings we write before anything runs in it
 * (assertOwnConfig). simple-git runs the commands; reads that must be
 * byte-exact (a diff of files in any encoding, blobs) go through execFile
 * with the same settings, because simple-git decodes output as UTF-8.
 */
import { execFile } from 'node:child_process';
import { simpleGit } from 'simple-git';
import { CpansecError, wrapError } from '../errors.js';
import type { SimpleGit } from 'simple-git';

/** `-c` settings of every git command run in a workspace. */
export const WORKSPACE_GIT_CONFIG = [
  'core.hooksPath=/dev/null',
  'core.fsmonitor=false',
  'core.symlinks=true',
  'core.autocrlf=false',
  'core.safecrlf=false',
  'core.quotePath=true',
  'commit.gpgSign=false',
  'tag.gpgSign=false',
  'diff.noprefix=false',
  'diff.mnemonicPrefix=false',
  'diff.renames=false',
  'color.ui=false',
  'gc.auto=0',
  'maintenance.auto=false',
];

const PASS_ENV = ['PATH', 'LANG', 'LC_ALL', 'TMPDIR'];
const TIMEOUT_MS = 120_000;

/** The environment of workspace git: no HOME config, no system config, nothing that names a program. */
export function workspaceGitEnv(source: Record<string, string | undefined> = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of PASS_ENV) {
    const v = source[k];
    if (v !== undefined) env[k] = v;
  }
  return {
    ...env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_ATTR_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_OPTIONAL_LOCKS: '0',
    // Paths come from patches and tarballs: never pathspec magic such as ":(glob)".
    GIT_LITERAL_PATHSPECS: '1',
    HOME: '/nonexistent',
  };
}

export function workspaceGit(dir: string): SimpleGit {
  return simpleGit({
    baseDir: dir,
    config: WORKSPACE_GIT_CONFIG,
    timeout: { block: TIMEOUT_MS },
    // These settings only switch things off; nothing else on our command lines comes from outside.
    unsafe: {
      allowUnsafeHooksPath: true,
      allowUnsafeFsMonitor: true,
      allowUnsafeConfigPaths: true,
    },
  }).env(workspaceGitEnv());
}

/** Runs git with the workspace settings and returns stdout as bytes (diffs, blobs). */
export function gitBytes(
  dir: string,
  args: readonly string[],
  maxBytes = 512 * 1024 * 1024,
  extraEnv: Record<string, string> = {},
): Promise<Buffer> {
  const argv = [...WORKSPACE_GIT_CONFIG.flatMap((c) => ['-c', c]), ...args];
  return new Promise((resolveBytes, reject) => {
    execFile(
      'git',
      argv,
      {
        cwd: dir,
        env: { ...workspaceGitEnv(), ...extraEnv },
        encoding: 'buffer',
        maxBuffer: maxBytes,
        timeout: TIMEOUT_MS,
      },
      (err, stdout, stderr) => {
        if (err) {
          const detail = Buffer.from(stderr).toString('utf8').trim().slice(0, 2000);
          reject(
            new CpansecError('TOOL_FAILED', `git ${args[0] ?? ''} failed in ${dir}: ${detail || err.message}`, {
              details: { dir, args: [...args] },
              cause: err,
            }),
          );
        } else resolveBytes(stdout);
      },
    );
  });
}

/** Settings a workspace's .git/config may hold: those `git init` writes, and nothing that names a program. */
const OWN_CONFIG_KEYS = new Set([
  'core.repositoryformatversion',
  'core.filemode',
  'core.bare',
  'core.logallrefupdates',
  'core.ignorecase',
  'core.precomposeunicode',
  'extensions.objectformat',
  'init.defaultbranch',
]);

/**
 * Refuses a workspace whose own configuration was changed: a filter, diff
 * driver, fsmonitor or alias there would run a program inside our git commands.
 * @throws CpansecError UNSAFE_ENTRY naming the keys
 */
export async function assertOwnConfig(dir: string): Promise<void> {
  let listed: Buffer;
  try {
    listed = await gitBytes(dir, ['config', '--local', '--list', '--name-only', '-z']);
  } catch (err) {
    throw wrapError(err, 'TOOL_FAILED', `cannot read the git configuration of ${dir}`);
  }
  const keys = listed
    .toString('utf8')
    .split('\0')
    .filter((k) => k !== '');
  const foreign = keys.filter((k) => !OWN_CONFIG_KEYS.has(k.toLowerCase()));
  if (foreign.length > 0) {
    throw new CpansecError('UNSAFE_ENTRY', `${dir}/.git/config holds settings cpansec-patch did not write`, {
      hint: 'git settings such as filters, diff drivers or fsmonitor run programs; remove them (git config --local --unset …) or start a new workspace',
      details: { dir, keys: foreign.slice(0, 50) },
    });
  }
}

/**
 * "Name <email>" of the user, from GIT_AUTHOR_NAME/EMAIL or the global git
 * configuration (read only; no repository is involved).
 */
export async function readGitIdentity(
  env: Record<string, string | undefined> = process.env,
): Promise<string | undefined> {
  const fromEnv = (name?: string, email?: string): string | undefined =>
    name && email ? `${name} <${email}>` : undefined;
  const direct = fromEnv(env['GIT_AUTHOR_NAME'], env['GIT_AUTHOR_EMAIL']);
  if (direct) return direct;
  const pass: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'XDG_CONFIG_HOME', 'GIT_CONFIG_GLOBAL']) {
    const v = env[k];
    if (v !== undefined) pass[k] = v;
  }
  const get = (key: string): Promise<string | undefined> =>
    new Promise((resolveValue) => {
      execFile(
        'git',
        ['config', '--global', '--get', key],
        { env: { ...pass, GIT_CONFIG_NOSYSTEM: '1' }, cwd: '/', timeout: 10_000 },
        (err, stdout) => resolveValue(err ? undefined : String(stdout).trim() || undefined),
      );
    });
  const [name, email] = [await get('user.name'), await get('user.email')];
  return fromEnv(name, email);
}
