/**
 * From a failed GitHub request to the one error a user can act on: no or a
 * rejected token (GITHUB_AUTH), a missing scope (GITHUB_SCOPE), the rate
 * limit with its reset time (GITHUB_RATE_LIMIT), an archived repository
 * (UPSTREAM_ARCHIVED), a repository that is not there or not visible
 * (UPSTREAM_NOT_FOUND), a dropped connection (NETWORK), anything else
 * (GITHUB). Every text passes the redactor.
 */
import { CpansecError } from '../errors.js';
import type { Redactor } from '../core/upstream/redact.js';
import type { ErrorCode } from '../errors.js';

export type Headers = Record<string, string | number | undefined>;

/** A failed request as github.ts saw it, without octokit's classes. */
export type Failure =
  | { kind: 'http'; status: number; headers: Headers | undefined; message: unknown; answered: boolean }
  | { kind: 'transport'; name: string | undefined; message: string };

/** What the caller was doing, for messages and for reading a 404 right. */
export interface FailureContext {
  what: string;
  repo?: string;
}

export function headerOf(headers: Headers | undefined, name: string): string | undefined {
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

export function githubError(
  failure: Failure,
  ctx: FailureContext,
  client: { apiUrl: string; authenticated: boolean; redact: Redactor },
): CpansecError {
  const redact = client.redact;
  if (failure.kind === 'transport') {
    const timedOut = failure.name === 'TimeoutError' || failure.name === 'AbortError';
    return new CpansecError(
      'NETWORK',
      redact(`${ctx.what}: ${timedOut ? 'no answer from GitHub in time' : failure.message}`),
      { hint: 'check the connection (and --github-api / CPANSEC_GITHUB_API)', details: { api: client.apiUrl } },
    );
  }
  const { status, headers } = failure;
  const message = redact(String(failure.message));
  const details: Record<string, unknown> = {
    status,
    api: client.apiUrl,
    ...(ctx.repo ? { repository: ctx.repo } : {}),
  };
  const make = (code: ErrorCode, text: string, hint?: string, extra: Record<string, unknown> = {}): CpansecError =>
    new CpansecError(code, redact(text), {
      ...(hint ? { hint: redact(hint) } : {}),
      details: { ...details, ...extra },
    });
  if (!failure.answered || (status === 500 && headers === undefined)) {
    return make('NETWORK', `${ctx.what}: cannot reach ${client.apiUrl}: ${message}`, 'check the connection and retry');
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
      `wait until the reset, or allow a longer wait with --max-wait SECONDS${!client.authenticated ? '; with a token (GITHUB_TOKEN) the limit is much higher' : ''}`,
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
      `${ctx.what}: ${ctx.repo} was not found on ${client.apiUrl} (it does not exist, or it is private and the token cannot see it)`,
      !client.authenticated
        ? 'a private repository needs a token: set GITHUB_TOKEN'
        : "check the repository name (Upstream-Repository, --upstream) and the token's access",
    );
  }
  return make('GITHUB', `${ctx.what}: GitHub answered ${status}: ${message}`);
}
