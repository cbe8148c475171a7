/**
 * Where the GitHub token comes from, in the order the GitHub CLI uses:
 * GH_TOKEN, then GITHUB_TOKEN (for github.com; GH_ENTERPRISE_TOKEN and
 * GITHUB_ENTERPRISE_TOKEN first for other hosts), then the token `gh auth
 * login` stored in `${GH_CONFIG_DIR:-${XDG_CONFIG_HOME:-~/.config}/gh}/hosts.yml`.
 * The file is read bounded, without following a symlink, and parsed with
 * the tiny reader in core/upstream/gh-hosts.ts. The token itself is never
 * printed: callers hand it to the redactor first thing.
 */
import { realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { tokenFromGhHosts } from '../core/upstream/gh-hosts.js';
import { CpansecError } from '../errors.js';
import { readFileLimited } from '../files/read.js';

export interface FoundToken {
  token: string;
  /** Where it came from ("GITHUB_TOKEN", "gh hosts.yml (~/.config/gh/hosts.yml)"), never the token. */
  source: string;
}

const MAX_HOSTS_FILE = 256 * 1024;

export function ghHostsFile(env: Record<string, string | undefined>): string {
  if (env['GH_CONFIG_DIR']) return join(env['GH_CONFIG_DIR'], 'hosts.yml');
  const config = env['XDG_CONFIG_HOME'] || join(env['HOME'] || homedir(), '.config');
  return join(config, 'gh', 'hosts.yml');
}

/** The token for `host` (a web host: github.com or an Enterprise host), or undefined. */
export async function findGitHubToken(
  host: string,
  env: Record<string, string | undefined> = process.env,
): Promise<FoundToken | undefined> {
  const names =
    host === 'github.com'
      ? ['GH_TOKEN', 'GITHUB_TOKEN']
      : ['GH_ENTERPRISE_TOKEN', 'GITHUB_ENTERPRISE_TOKEN', 'GH_TOKEN', 'GITHUB_TOKEN'];
  for (const name of names) {
    const v = env[name]?.trim();
    if (v) return { token: v, source: name };
  }
  const file = ghHostsFile(env);
  let bytes: Uint8Array;
  try {
    // The user's own configuration: a dotfiles manager may have linked it, so the link is followed.
    bytes = await readFileLimited(await realpath(file), MAX_HOSTS_FILE, 'GitHub CLI hosts file');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (err instanceof CpansecError && err.code === 'FILE_NOT_FOUND') return undefined;
    throw err;
  }
  const token = tokenFromGhHosts(new TextDecoder().decode(bytes), host);
  return token === undefined ? undefined : { token, source: `gh hosts.yml (${file})` };
}
