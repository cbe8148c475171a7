/**
 * Upstream repository URLs: which one to use (the patch's own
 * Upstream-Repository field, then META's repository url and web, then a
 * GitHub bugtracker or homepage), what it is (a GitHub repository, another
 * git host), and whether git may be pointed at it at all.
 *
 * The URL comes from a tarball's META or a patch header, so it is hostile
 * input handed to git: only https://, ssh:// (and scp-like user@host:path),
 * file:// when the caller allows it (tests), and http:// to the loopback
 * interface (tests) pass. "ext::" runs commands, git:// and plain http:// are
 * unauthenticated and can be altered in transit, and a URL starting with "-"
 * would be an option (simple-git CVE-2022-24433 and friends,
 * security.md §4.3). Pure.
 */
import { CpansecError } from '../../errors.js';
import type { UpstreamPointers } from './meta-resources.js';

export interface GitHubRepo {
  /** The web host ("github.com", or a GitHub Enterprise host). */
  host: string;
  owner: string;
  repo: string;
}

export type UpstreamLocation =
  ({ kind: 'github' } & GitHubRepo & { url: string }) | { kind: 'git'; url: string; host: string };

export interface UpstreamCandidate {
  location: UpstreamLocation;
  /** What named it: "Upstream-Repository", "META.json resources.repository.url", … */
  source: string;
  /** The URL as written there. */
  given: string;
}

export interface UrlPolicy {
  /** Web hosts that are GitHub (default github.com). */
  githubHosts?: readonly string[];
  /** Accept file:// URLs (tests, local mirrors named by the user). */
  allowFile?: boolean;
}

// GitHub: owners are 1-39 letters, digits and single hyphens; repository names letters, digits, ".", "_", "-".
const OWNER_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const REPO_RE = /^[A-Za-z0-9._-]{1,100}$/;
const SCP_RE = /^([A-Za-z0-9._-]{1,64})@([A-Za-z0-9.-]{1,253}):(?!\/\/)(.{1,1000})$/;
// eslint-disable-next-line no-control-regex
const BAD_CHARS = /[\u0000-\u0020\u007f\\]/;

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

function refused(url: string, reason: string): CpansecError {
  return new CpansecError(
    'UPSTREAM_UNSUPPORTED',
    `refusing the repository URL ${JSON.stringify(url.slice(0, 200))}: ${reason}`,
    {
      hint: 'name an https:// or ssh:// repository with --upstream URL, or the Upstream-Repository header field',
      details: { url: url.slice(0, 200), reason },
    },
  );
}

/**
 * Checks a URL git is about to be given. Returns it unchanged.
 * @throws CpansecError UPSTREAM_UNSUPPORTED naming why
 */
export function checkGitUrl(raw: string, policy: UrlPolicy = {}): string {
  if (raw.startsWith('-')) throw refused(raw, 'it would be read as an option');
  if (raw.length > 2000 || BAD_CHARS.test(raw))
    throw refused(raw, 'it holds spaces, control characters or backslashes');
  if (raw.includes('::')) throw refused(raw, 'git transports such as ext:: run commands');
  if (SCP_RE.test(raw)) return raw;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refused(raw, 'it is not a URL');
  }
  if (url.username !== '' && url.protocol !== 'ssh:') throw refused(raw, 'credentials do not belong in a URL');
  if (url.password !== '') throw refused(raw, 'credentials do not belong in a URL');
  switch (url.protocol) {
    case 'https:':
    case 'ssh:':
      return raw;
    case 'http:':
      if (isLoopback(url.hostname)) return raw;
      throw refused(raw, 'plain http:// can be altered in transit (only 127.0.0.1 is accepted)');
    case 'file:':
      if (policy.allowFile === true) return raw;
      throw refused(raw, 'file:// URLs are accepted only from the command line');
    default:
      throw refused(raw, `${url.protocol}// is not accepted (https:// and ssh:// are)`);
  }
}

function githubFromPath(host: string, path: string, hosts: readonly string[]): GitHubRepo | undefined {
  if (!hosts.includes(host)) return undefined;
  const [owner, rawRepo] = path.replace(/^\/+/, '').split('/');
  const repo = rawRepo?.replace(/\.git$/, '');
  if (owner === undefined || repo === undefined || !OWNER_RE.test(owner) || !REPO_RE.test(repo)) return undefined;
  if (repo === '.' || repo === '..') return undefined;
  return { host, owner, repo };
}

/**
 * What a repository URL names. GitHub URLs in any of the forms META uses
 * (https, http, git://, git@host:, ssh://, a web page below the repository)
 * become the repository; other URLs must pass checkGitUrl.
 * @throws CpansecError UPSTREAM_UNSUPPORTED
 */
export function classifyRepositoryUrl(raw: string, policy: UrlPolicy = {}): UpstreamLocation {
  const hosts = (policy.githubHosts ?? ['github.com']).map((h) => h.toLowerCase());
  const text = raw.trim();
  const scp = SCP_RE.exec(text);
  if (scp) {
    const gh = githubFromPath((scp[2] as string).toLowerCase(), scp[3] as string, hosts);
    if (gh) return { kind: 'github', ...gh, url: `https://${gh.host}/${gh.owner}/${gh.repo}` };
    return { kind: 'git', url: checkGitUrl(text, policy), host: (scp[2] as string).toLowerCase() };
  }
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url && ['https:', 'http:', 'git:', 'ssh:', 'git+ssh:'].includes(url.protocol)) {
    const host = url.hostname.toLowerCase().replace(/^www\./, '');
    const gh = githubFromPath(host, url.pathname, hosts);
    // A GitHub repository is reached over https whatever META wrote (git:// is gone from GitHub, http:// redirects).
    if (gh) return { kind: 'github', ...gh, url: `https://${gh.host}/${gh.owner}/${gh.repo}` };
  }
  const checked = checkGitUrl(text, policy);
  return { kind: 'git', url: checked, host: url?.hostname.toLowerCase() ?? '' };
}

/** A bug tracker or homepage on GitHub points at the repository too (".../owner/repo/issues"). */
function githubOnly(raw: string, policy: UrlPolicy): UpstreamLocation | undefined {
  try {
    const loc = classifyRepositoryUrl(raw, policy);
    return loc.kind === 'github' ? loc : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The upstream repository: the patch header's Upstream-Repository (the patch
 * author's word, newer than any release's META) first, then META
 * resources.repository.url, .web, then a GitHub bugtracker or homepage.
 * Returns undefined when nothing names one.
 * @throws CpansecError UPSTREAM_UNSUPPORTED when the first URL found is refused
 */
export function findUpstream(
  from: { header?: string; override?: string; meta?: UpstreamPointers },
  policy: UrlPolicy = {},
): UpstreamCandidate | undefined {
  if (from.override !== undefined) {
    return { location: classifyRepositoryUrl(from.override, policy), source: '--upstream', given: from.override };
  }
  if (from.header !== undefined && from.header.trim() !== '') {
    return { location: classifyRepositoryUrl(from.header, policy), source: 'Upstream-Repository', given: from.header };
  }
  const meta = from.meta;
  if (meta === undefined) return undefined;
  const file = meta.source;
  const { url, web } = meta.repository;
  if (url !== undefined) {
    return { location: classifyRepositoryUrl(url, policy), source: `${file} resources.repository.url`, given: url };
  }
  if (web !== undefined) {
    return { location: classifyRepositoryUrl(web, policy), source: `${file} resources.repository.web`, given: web };
  }
  for (const [key, value] of [
    ['resources.bugtracker.web', meta.bugtracker.web],
    ['resources.homepage', meta.homepage],
  ] as const) {
    const loc = value === undefined ? undefined : githubOnly(value, policy);
    if (loc && value !== undefined) return { location: loc, source: `${file} ${key}`, given: value };
  }
  return undefined;
}

/** "owner/repo" */
export function fullName(repo: GitHubRepo): string {
  return `${repo.owner}/${repo.repo}`;
}

/**
 * The web host of a GitHub API base URL: api.github.com → github.com; a
 * GitHub Enterprise "https://ghe.example/api/v3" → ghe.example; anything else
 * (a test server) → its host name.
 */
export function githubWebHost(apiUrl: string): string {
  const host = new URL(apiUrl).hostname.toLowerCase();
  return host === 'api.github.com' ? 'github.com' : host;
}

/** A pull request URL (https://github.com/o/r/pull/12) → its repository and number. */
export function parsePullRequestUrl(
  raw: string,
  hosts: readonly string[] = ['github.com'],
): (GitHubRepo & { number: number }) | undefined {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) return undefined;
  const m = /^\/([^/]+)\/([^/]+)\/pull\/(\d{1,9})\/?$/.exec(url.pathname);
  if (!m) return undefined;
  const gh = githubFromPath(
    url.hostname.toLowerCase(),
    `/${m[1]}/${m[2]}`,
    hosts.map((h) => h.toLowerCase()),
  );
  return gh ? { ...gh, number: Number(m[3]) } : undefined;
}
