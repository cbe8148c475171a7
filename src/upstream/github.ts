/**
 * The GitHub REST API, through octokit (the only module that imports it).
 * Octokit's throttling plugin meets rate limits: our callback waits out a
 * reset (or a secondary limit's retry-after) with a visible countdown when it
 * comes within `maxWaitSeconds`, and otherwise gives up so the caller can say
 * when to come back; its retry plugin retries server errors and dropped
 * connections. Every failure becomes a CpansecError with a specific code,
 * and every message passes through the redactor: a token never leaves here.
 *
 * Pull requests are read with conditional requests (If-None-Match with the
 * ETag of the last answer, kept in an EtagStore): a 304 costs nothing
 * against the hourly rate limit, so `upstream status --all` can run often.
 */
import { Octokit, RequestError } from 'octokit';
import { CpansecError } from '../errors.js';
import type { Redactor } from '../core/upstream/redact.js';
import type { ErrorCode } from '../errors.js';

export const DEFAULT_GITHUB_API = 'https://api.github.com';

export interface RepoInfo {
  owner: string;
  repo: string;
  fullName: string;
  htmlUrl: string;
  cloneUrl: string;
  defaultBranch: string;
  archived: boolean;
  private: boolean;
  fork: boolean;
  /** The caller's rights (present when authenticated). */
  permissions: { admin: boolean; push: boolean; triage: boolean; pull: boolean } | undefined;
  /** "owner/repo" of the repository this one was forked from. */
  parent: string | undefined;
}

export interface PullInfo {
  number: number;
  htmlUrl: string;
  state: 'open' | 'closed';
  merged: boolean;
  createdAt: string;
  mergedAt: string | undefined;
  closedAt: string | undefined;
  title: string;
  body: string;
  /** The head branch and the owner of the repository it lives in. */
  headRef: string;
  headOwner: string | undefined;
  headSha: string;
  baseRef: string;
}

export interface RateLimit {
  limit: number;
  remaining: number;
  reset: Date;
}

/** Conditional-request memory: URL → ETag and the answer it stands for. */
export interface EtagStore {
  get(key: string): { etag: string; data: PullInfo } | undefined;
  set(key: string, value: { etag: string; data: PullInfo }): void;
}

export interface GitHubClientOptions {
  /** API base URL (default https://api.github.com; GitHub Enterprise: https://HOST/api/v3). */
  apiUrl?: string;
  token: string | undefined;
  redact: Redactor;
  /** Longest rate-limit wait we sit through, in seconds (default 60). */
  maxWaitSeconds?: number;
  /** Called every second while we wait for a rate limit to reset. */
  onWait?: (secondsLeft: number, until: Date, why: string) => void;
  onWarning?: (message: string) => void;
  /** Retries of server errors and dropped connections (default 3), and the base of their backoff (default 1000 ms). */
  retries?: number;
  retryBaseMs?: number;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  etags?: EtagStore;
  sleep?: (ms: number) => Promise<void>;
}

export interface RequestCounts {
  /** HTTP requests sent (retries included). */
  sent: number;
  /** Of those, conditional requests answered 304 (free against the rate limit). */
  notModified: number;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
let clientSerial = 0;

type Headers = Record<string, string | number | undefined>;

function headerOf(headers: Headers | undefined, name: string): string | undefined {
  const v = headers?.[name];
  return v === undefined ? undefined : String(v);
}

function resetTime(headers: Headers | undefined): Date | undefined {
  const reset = Number(headerOf(headers, 'x-ratelimit-reset'));
  if (Number.isFinite(reset) && reset > 0) return new Date(reset * 1000);
  const after = Number(headerOf(headers, 'retry-after'));
  if (Number.isFinite(after) && after >= 0) return new Date(Date.now() + after * 1000);
  return undefined;
}

function toRepo(data: {
  name: string;
  full_name: string;
  owner: { login: string };
  html_url: string;
  clone_url: string;
  default_branch: string;
  archived: boolean;
  private: boolean;
  fork: boolean;
  permissions?: { admin: boolean; push: boolean; triage?: boolean; pull: boolean };
  parent?: { full_name: string };
}): RepoInfo {
  return {
    owner: data.owner.login,
    repo: data.name,
    fullName: data.full_name,
    htmlUrl: data.html_url,
    cloneUrl: data.clone_url,
    defaultBranch: data.default_branch,
    archived: data.archived,
    private: data.private,
    fork: data.fork,
    permissions:
      data.permissions === undefined
        ? undefined
        : {
            admin: data.permissions.admin,
            push: data.permissions.push,
            triage: data.permissions.triage ?? data.permissions.push,
            pull: data.permissions.pull,
          },
    parent: data.parent?.full_name,
  };
}

function toPull(data: {
  number: number;
  html_url: string;
  state: string;
  created_at: string;
  merged_at: string | null;
  closed_at: string | null;
  title: string;
  body: string | null;
  head: { ref: string; sha: string; repo: { owner: { login: string } } | null };
  base: { ref: string };
  merged?: boolean;
}): PullInfo {
  return {
    number: data.number,
    htmlUrl: data.html_url,
    state: data.state === 'open' ? 'open' : 'closed',
    merged: data.merged === true || data.merged_at !== null,
    createdAt: data.created_at,
    mergedAt: data.merged_at ?? undefined,
    closedAt: data.closed_at ?? undefined,
    title: data.title,
    body: data.body ?? '',
    headRef: data.head.ref,
    headOwner: data.head.repo?.owner.login,
    headSha: data.head.sha,
    baseRef: data.base.ref,
  };
}

/** What the caller was doing, for messages and for reading a 404 right. */
interface Context {
  what: string;
  repo?: string;
}

export class GitHubClient {
  readonly apiUrl: string;
  readonly counts: RequestCounts = { sent: 0, notModified: 0 };
  private readonly octokit: InstanceType<typeof Octokit>;
  private readonly options: GitHubClientOptions;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: GitHubClientOptions) {
    this.options = options;
    this.apiUrl = (options.apiUrl ?? DEFAULT_GITHUB_API).replace(/\/+$/, '');
    this.sleep = options.sleep ?? realSleep;
    const maxWait = options.maxWaitSeconds ?? 60;
    const timeoutMs = options.timeoutMs ?? 30_000;
    const counts = this.counts;
    const redact = options.redact;
    const warn = (m: string): void => options.onWarning?.(redact(m));
    const onLimit =
      (why: string) =>
      async (retryAfter: number, _req: unknown, _o: unknown, retryCount: number): Promise<boolean> => {
        if (retryCount >= 2 || retryAfter > maxWait) return false;
        await this.countdown(retryAfter, why);
        return true;
      };
    this.octokit = new Octokit({
      baseUrl: this.apiUrl,
      ...(options.token === undefined ? {} : { auth: options.token }),
      userAgent: 'cpansec-patch',
      log: { debug: () => undefined, info: () => undefined, warn, error: warn },
      request: {
        fetch: (url: string | URL, init: RequestInit = {}): Promise<Response> => {
          counts.sent++;
          const timeout = AbortSignal.timeout(timeoutMs);
          const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
          return fetch(url, { ...init, signal });
        },
      },
      throttle: {
        // Our own limiter ids: the plugin's limiters are shared per id across a process.
        id: `cpansec-patch-${process.pid}-${++clientSerial}`,
        // We do the waiting (with a countdown) in the callbacks; the plugin retries at once after.
        retryAfterBaseValue: 0,
        onRateLimit: onLimit('the hourly rate limit is used up'),
        onSecondaryRateLimit: onLimit('GitHub asked us to slow down (secondary rate limit)'),
      },
      retry: {
        retries: options.retries ?? 3,
        retryAfterBaseValue: options.retryBaseMs ?? 1000,
        // Rate limits (403, 429) are the throttling plugin's; client errors are final.
        doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
      },
    });
  }

  private async countdown(seconds: number, why: string): Promise<void> {
    const until = new Date(Date.now() + seconds * 1000);
    for (let left = Math.ceil(seconds); left > 0; left--) {
      this.options.onWait?.(left, until, why);
      await this.sleep(Math.min(1000, Math.max(0, until.getTime() - Date.now())));
    }
    this.options.onWait?.(0, until, why);
  }

  /** Maps an octokit failure to our codes; messages redacted. */
  private fail(err: unknown, ctx: Context): CpansecError {
    const redact = this.options.redact;
    if (err instanceof CpansecError) return err;
    if (!(err instanceof RequestError)) {
      const e = err as Error;
      const timedOut = e?.name === 'TimeoutError' || e?.name === 'AbortError';
      return new CpansecError(
        'NETWORK',
        redact(`${ctx.what}: ${timedOut ? 'no answer from GitHub in time' : (e?.message ?? String(err))}`),
        { hint: 'check the connection (and --github-api / CPANSEC_GITHUB_API)', details: { api: this.apiUrl } },
      );
    }
    const status = err.status;
    const headers = err.response?.headers as Headers | undefined;
    const data = err.response?.data as { message?: string } | undefined;
    const message = redact(typeof data?.message === 'string' ? data.message : err.message);
    const details: Record<string, unknown> = {
      status,
      api: this.apiUrl,
      ...(ctx.repo ? { repository: ctx.repo } : {}),
    };
    const make = (code: ErrorCode, text: string, hint?: string, extra: Record<string, unknown> = {}): CpansecError =>
      new CpansecError(code, redact(text), {
        ...(hint ? { hint: redact(hint) } : {}),
        details: { ...details, ...extra },
      });
    if (err.response === undefined || (status === 500 && headers === undefined)) {
      return make('NETWORK', `${ctx.what}: cannot reach ${this.apiUrl}: ${message}`, 'check the connection and retry');
    }
    const limited =
      headerOf(headers, 'x-ratelimit-remaining') === '0' ||
      /rate limit/i.test(message) ||
      (status === 429 && headerOf(headers, 'retry-after') !== undefined);
    if ((status === 403 || status === 429) && limited) {
      const reset = resetTime(headers);
      const at = reset === undefined ? 'later' : `after ${reset.toISOString()}`;
      return make(
        'GITHUB_RATE_LIMIT',
        `${ctx.what}: GitHub's rate limit is reached (${message}); try again ${at}`,
        `wait until the reset, or allow a longer wait with --max-wait SECONDS${this.options.token === undefined ? '; with a token (GITHUB_TOKEN) the limit is much higher' : ''}`,
        {
          ...(reset === undefined ? {} : { resetAt: reset.toISOString() }),
          remaining: headerOf(headers, 'x-ratelimit-remaining'),
        },
      );
    }
    if (status === 401) {
      return make(
        'GITHUB_AUTH',
        `${ctx.what}: GitHub refused the token (${message})`,
        'the token is wrong, expired or revoked: set GITHUB_TOKEN (or GH_TOKEN) to a valid one, or run "gh auth login"',
      );
    }
    if (status === 403 && /archived/i.test(message)) {
      return make(
        'UPSTREAM_ARCHIVED',
        `${ctx.what}: ${ctx.repo ?? 'the repository'} is archived (read-only)`,
        'send the fix by mail instead: cpansec-patch upstream mail <patch-id>',
      );
    }
    if (status === 403) {
      const accepted = headerOf(headers, 'x-accepted-oauth-scopes');
      return make(
        'GITHUB_SCOPE',
        `${ctx.what}: the token may not do this (${message})`,
        `give the token the "public_repo" scope (or "repo"${accepted ? `; GitHub accepts: ${accepted}` : ''}); a fine-grained token needs "Pull requests" and "Contents" read and write`,
        accepted ? { acceptedScopes: accepted } : {},
      );
    }
    if (status === 404 && ctx.repo !== undefined) {
      return make(
        'UPSTREAM_NOT_FOUND',
        `${ctx.what}: ${ctx.repo} was not found on ${this.apiUrl} (it does not exist, or it is private and the token cannot see it)`,
        this.options.token === undefined
          ? 'a private repository needs a token: set GITHUB_TOKEN'
          : "check the repository name (Upstream-Repository, --upstream) and the token's access",
      );
    }
    return make('GITHUB', `${ctx.what}: GitHub answered ${status}: ${message}`);
  }

  private async call<T>(ctx: Context, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw this.fail(err, ctx);
    }
  }

  /** GET /repos/{owner}/{repo} */
  getRepo(owner: string, repo: string): Promise<RepoInfo> {
    return this.call({ what: `reading ${owner}/${repo}`, repo: `${owner}/${repo}` }, async () =>
      toRepo((await this.octokit.rest.repos.get({ owner, repo })).data),
    );
  }

  /** GET /user: the login, and the classic token's scopes (undefined when GitHub does not say: fine-grained tokens). */
  getUser(): Promise<{
    login: string;
    name: string | undefined;
    email: string | undefined;
    scopes: string[] | undefined;
  }> {
    return this.call({ what: "reading the token's user" }, async () => {
      const res = await this.octokit.rest.users.getAuthenticated();
      const header = headerOf(res.headers as Headers, 'x-oauth-scopes');
      return {
        login: res.data.login,
        name: res.data.name ?? undefined,
        email: res.data.email ?? undefined,
        scopes:
          header === undefined
            ? undefined
            : header
                .split(',')
                .map((s) => s.trim())
                .filter((s) => s !== ''),
      };
    });
  }

  /** GET /rate_limit (free: it does not count against the limit). */
  rateLimit(): Promise<RateLimit> {
    return this.call({ what: 'reading the rate limit' }, async () => {
      const core = (await this.octokit.rest.rateLimit.get()).data.resources.core;
      return { limit: core.limit, remaining: core.remaining, reset: new Date(core.reset * 1000) };
    });
  }

  /** POST /repos/{owner}/{repo}/forks (GitHub answers with the existing fork when there is one). */
  createFork(owner: string, repo: string): Promise<RepoInfo> {
    return this.call({ what: `forking ${owner}/${repo}`, repo: `${owner}/${repo}` }, async () => {
      const fork = toRepo((await this.octokit.rest.repos.createFork({ owner, repo })).data);
      // Forks are made asynchronously; wait (briefly) until the fork answers.
      for (let i = 0; i < 10; i++) {
        try {
          return toRepo((await this.octokit.rest.repos.get({ owner: fork.owner, repo: fork.repo })).data);
        } catch (err) {
          if (!(err instanceof RequestError) || err.status !== 404) throw err;
          await this.sleep(1000 * (i + 1));
        }
      }
      return fork;
    });
  }

  /** Every pull request (any state) whose head is `headOwner:branch`. */
  findPulls(owner: string, repo: string, headOwner: string, branch: string): Promise<PullInfo[]> {
    return this.call({ what: `listing pull requests of ${owner}/${repo}`, repo: `${owner}/${repo}` }, async () => {
      const res = await this.octokit.rest.pulls.list({
        owner,
        repo,
        head: `${headOwner}:${branch}`,
        state: 'all',
        per_page: 100,
      });
      return res.data.map((p) => toPull(p));
    });
  }

  /** GET /repos/{owner}/{repo}/pulls/{number}, conditionally when an ETag is known. */
  getPull(owner: string, repo: string, number: number): Promise<PullInfo> {
    const key = `${this.apiUrl}/repos/${owner}/${repo}/pulls/${number}`;
    const known = this.options.etags?.get(key);
    return this.call(
      { what: `reading pull request ${owner}/${repo}#${number}`, repo: `${owner}/${repo}` },
      async () => {
        try {
          const res = await this.octokit.rest.pulls.get({
            owner,
            repo,
            pull_number: number,
            ...(known ? { headers: { 'if-none-match': known.etag } } : {}),
          });
          const pull = toPull(res.data);
          const etag = headerOf(res.headers as Headers, 'etag');
          if (etag !== undefined) this.options.etags?.set(key, { etag, data: pull });
          return pull;
        } catch (err) {
          if (err instanceof RequestError && err.status === 304 && known) {
            this.counts.notModified++;
            return known.data;
          }
          throw err;
        }
      },
    );
  }

  /** POST /repos/{owner}/{repo}/pulls */
  createPull(
    owner: string,
    repo: string,
    pull: { title: string; body: string; head: string; base: string },
  ): Promise<PullInfo> {
    return this.call({ what: `opening a pull request on ${owner}/${repo}`, repo: `${owner}/${repo}` }, async () =>
      toPull((await this.octokit.rest.pulls.create({ owner, repo, ...pull, maintainer_can_modify: true })).data),
    );
  }

  /** PATCH /repos/{owner}/{repo}/pulls/{number}: title and body only (never the state). */
  updatePull(owner: string, repo: string, number: number, pull: { title: string; body: string }): Promise<PullInfo> {
    return this.call({ what: `updating pull request ${owner}/${repo}#${number}`, repo: `${owner}/${repo}` }, async () =>
      toPull((await this.octokit.rest.pulls.update({ owner, repo, pull_number: number, ...pull })).data),
    );
  }

  /** POST /repos/{owner}/{repo}/issues/{number}/labels */
  addLabels(owner: string, repo: string, number: number, labels: string[]): Promise<string[]> {
    return this.call({ what: `labelling ${owner}/${repo}#${number}`, repo: `${owner}/${repo}` }, async () =>
      (await this.octokit.rest.issues.addLabels({ owner, repo, issue_number: number, labels })).data.map((l) => l.name),
    );
  }
}
