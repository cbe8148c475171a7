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
import { githubError, headerOf } from './github-errors.js';
import { toPull, toRepo } from './github-model.js';
import { fetchWithProxy } from '../net/via-proxy.js';
import type { Redactor } from '../core/upstream/redact.js';
import type { Failure, FailureContext, Headers } from './github-errors.js';
import type { PullInfo, RepoInfo } from './github-model.js';
export type { PullInfo, RepoInfo, RateLimit } from './github-model.js';
import type { RateLimit } from './github-model.js';

export const DEFAULT_GITHUB_API = 'https://api.github.com';

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
          return fetchWithProxy(url, { ...init, signal });
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

  /** Maps an octokit failure to our codes (github-errors.ts); messages redacted. */
  private fail(err: unknown, ctx: FailureContext): CpansecError {
    if (err instanceof CpansecError) return err;
    const failure: Failure =
      err instanceof RequestError
        ? {
            kind: 'http',
            status: err.status,
            headers: err.response?.headers as Headers | undefined,
            message: (err.response?.data as { message?: unknown } | undefined)?.message ?? err.message,
            answered: err.response !== undefined,
          }
        : { kind: 'transport', name: (err as Error)?.name, message: (err as Error)?.message ?? String(err) };
    return githubError(failure, ctx, {
      apiUrl: this.apiUrl,
      authenticated: this.options.token !== undefined,
      redact: this.options.redact,
    });
  }

  private async call<T>(ctx: FailureContext, run: () => Promise<T>): Promise<T> {
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
