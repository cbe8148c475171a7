/**
 * How the upstream commands run git (simple-git): the -c settings that
 * narrow what git may do, the environment it gets, the token as an HTTP
 * header for one origin, and the checks on names we hand it. See git.ts
 * for the hardening rationale.
 */
import { simpleGit } from 'simple-git';
import { CpansecError } from '../errors.js';
import type { SimpleGit } from 'simple-git';
import type { Redactor } from '../core/upstream/redact.js';

const CONFIG = [
  'protocol.ext.allow=never',
  'protocol.file.allow=user',
  'core.hooksPath=/dev/null',
  'core.fsmonitor=false',
  'core.symlinks=false',
  'core.autocrlf=false',
  'submodule.recurse=false',
  'advice.detachedHead=false',
];

const PASS_ENV = [
  'PATH',
  'HOME',
  'LANG',
  'LC_ALL',
  'TMPDIR',
  'XDG_CONFIG_HOME',
  'SSH_AUTH_SOCK',
  'GNUPGHOME',
  'GPG_TTY',
  'GIT_COMMITTER_NAME',
  'GIT_COMMITTER_EMAIL',
  'HTTPS_PROXY',
  'https_proxy',
  'NO_PROXY',
  'no_proxy',
];

export interface GitOptions {
  /** The user's environment (HOME, GIT_CONFIG_GLOBAL…); default process.env. */
  env?: Record<string, string | undefined>;
  /** Send this token, as HTTP Basic auth, to URLs under `origin` ("https://github.com/"). */
  auth?: { origin: string; token: string };
  /** Accept file:// remotes (named by the user). */
  allowFile?: boolean;
  redact: Redactor;
  /** Per git command (default 10 minutes: a first clone can be large). */
  timeoutMs?: number;
}

export const REF_RE = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)[A-Za-z0-9._/+-]{1,200}(?<!\.lock)(?<![./])$/;

/** A branch or tag name we will hand to git. @throws CpansecError UPSTREAM_UNSUPPORTED */
export function checkRefName(name: string, what: string): string {
  if (!REF_RE.test(name)) {
    throw new CpansecError(
      'UPSTREAM_UNSUPPORTED',
      `${what} ${JSON.stringify(name.slice(0, 200))} is not a name cpansec-patch uses`,
      {
        details: { [what]: name.slice(0, 200) },
      },
    );
  }
  return name;
}

/** A simple-git client for `dir` with our settings and environment (and the token when `withAuth`). */
export function gitClient(dir: string, options: GitOptions, withAuth: boolean): SimpleGit {
  const env = options.env ?? process.env;
  const pass: Record<string, string> = { GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' };
  for (const k of PASS_ENV) {
    const v = env[k];
    if (v !== undefined) pass[k] = v;
  }
  const globalConfig = env['GIT_CONFIG_GLOBAL'];
  if (globalConfig !== undefined) pass['GIT_CONFIG_GLOBAL'] = globalConfig;
  const auth = options.auth;
  if (withAuth && auth !== undefined) {
    const basic = Buffer.from(`x-access-token:${auth.token}`).toString('base64');
    pass['GIT_CONFIG_COUNT'] = '1';
    pass['GIT_CONFIG_KEY_0'] = `http.${auth.origin}.extraHeader`;
    pass['GIT_CONFIG_VALUE_0'] = `Authorization: Basic ${basic}`;
  }
  return simpleGit({
    baseDir: dir,
    config: CONFIG,
    timeout: { block: options.timeoutMs ?? 600_000 },
    // Each of these only lets us narrow git (our -c settings) or pass the user's own settings on.
    unsafe: {
      allowUnsafeProtocolOverride: true,
      allowUnsafeHooksPath: true,
      allowUnsafeFsMonitor: true,
      allowUnsafeConfigEnvCount: true,
      allowUnsafeConfigPaths: globalConfig !== undefined,
    },
  }).env(pass);
}

/** "Name <email>" of the user as git sees it (GIT_COMMITTER_*, then the global user.name/email), or undefined. */
export async function gitIdentity(env: Record<string, string | undefined> = process.env): Promise<string | undefined> {
  const pass: Record<string, string> = { GIT_CONFIG_NOSYSTEM: '1' };
  for (const k of [...PASS_ENV, 'GIT_CONFIG_GLOBAL']) {
    const v = env[k];
    if (v !== undefined) pass[k] = v;
  }
  try {
    const ident = await simpleGit({
      baseDir: '/',
      unsafe: { allowUnsafeConfigPaths: env['GIT_CONFIG_GLOBAL'] !== undefined },
    })
      .env(pass)
      .raw(['var', 'GIT_COMMITTER_IDENT']);
    return /^(.*? <[^>]+@[^>]+>)/.exec(ident.trim())?.[1];
  } catch {
    return undefined;
  }
}
