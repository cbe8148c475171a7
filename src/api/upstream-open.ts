/**
 * `cpansec-patch upstream open <patch-id>`: forward a fix as a GitHub pull
 * request (docs/upstream.md). Find the upstream repository (the patch's
 * Upstream-Repository, else META of a release), refuse an archived one, find
 * an earlier pull request for the same branch (never reopening or recreating
 * one the maintainers closed), put the patch on a `cpansec/<Patch-Id>`
 * branch of the default branch (upstream-apply.ts), push it (to a fork when
 * the token may not push upstream), open or update the pull request, label
 * it when allowed, and record its URL in the patch's Forwarded field through
 * the repository workflow (re-signed and published with --key).
 *
 * --dry-run does everything that only reads — the clone and the commit stay
 * in a scratch folder — and reports exactly what would be pushed and opened.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  branchName,
  composeCommitMessage,
  composePullRequest,
  factsFromMetadata,
  parsePerson,
} from '../core/upstream/compose.js';
import { CpansecError } from '../errors.js';
import { UpstreamCheckout } from '../upstream/git.js';
import { findExisting, locate } from './upstream-find.js';
import { recordTracking, trackingFields } from './upstream-track.js';
import { applyUpstream } from './upstream-apply.js';
import { loadForwardPatch, redacting, releasesOf, setUpGitHub, waitReporter } from './upstream-source.js';
import type { UpstreamCandidate } from '../core/upstream/repo-url.js';
import type { Redactor } from '../core/upstream/redact.js';
import type { PullInfo, RepoInfo } from '../upstream/github.js';
import type { TrackingOptions, TrackingResult } from './upstream-track.js';
export type { TrackingOptions, TrackingResult } from './upstream-track.js';
import type { ForwardPatch, GitHubSetup, MetaSourceOptions, UpstreamCommonOptions } from './upstream-source.js';

export interface UpstreamOpenOptions extends UpstreamCommonOptions, MetaSourceOptions, TrackingOptions {
  /** Patch-Id (in the repository working copy) or a .patch file. */
  patch: string;
  /** The upstream repository, overriding the header and META. */
  upstream?: string;
  /** Labels to add when the token may (default ["security"]). */
  labels?: readonly string[];
  /** Add a Signed-off-by trailer for the committer (projects that require a DCO). */
  signoff?: boolean;
  /** Where the signed patch can be read, for the pull request body. */
  patchUrl?: string;
  /** Accept file:// upstream URLs (given on the command line). */
  allowFileRemotes?: boolean;
  dryRun?: boolean;
}

export type OpenOutcome = 'opened' | 'updated' | 'up-to-date' | 'merged' | 'declined' | 'already-upstream' | 'dry-run';

export interface UpstreamOpenResult {
  patchId: string;
  distribution: string;
  outcome: OpenOutcome;
  reason: string;
  upstream: { repository: string; url: string; source: string; defaultBranch: string };
  branch: string;
  push: { repository: string; fork: boolean; pushed: boolean; forkCreated: boolean } | null;
  commit: {
    id?: string;
    message: string;
    author: string;
    signed: boolean;
    base: { branch: string; commit: string; method: string; tag?: string };
    diffstat: string;
    attempts: string[];
  } | null;
  pullRequest: { number?: number; url?: string; state?: string; title: string; body: string; labels: string[] } | null;
  tracking: TrackingResult | null;
  dryRun: boolean;
  requests: number;
  /** Where the token came from (GITHUB_TOKEN, gh hosts.yml …), never the token; null without one. */
  tokenSource: string | null;
}

/**
 * @throws CpansecError NO_UPSTREAM, UPSTREAM_UNSUPPORTED, UPSTREAM_NOT_FOUND, UPSTREAM_ARCHIVED, GITHUB_AUTH,
 *   GITHUB_SCOPE, GITHUB_RATE_LIMIT, GITHUB, NETWORK, PATCH_CONFLICT, PATCH_NOT_FOUND, HEADER_INVALID, TOOL_FAILED
 */
export async function upstreamOpen(options: UpstreamOpenOptions): Promise<UpstreamOpenResult> {
  let redact: Redactor = (s) => s;
  return redacting(
    () => redact,
    async () => {
      const gh = await setUpGitHub({
        ...options,
        onWait: waitReporter(options),
      });
      redact = gh.redact;
      return openWith(options, gh);
    },
  );
}

async function openWith(options: UpstreamOpenOptions, gh: GitHubSetup): Promise<UpstreamOpenResult> {
  const dryRun = options.dryRun === true;
  const note = (m: string): void => options.onNote?.(gh.redact(m));
  const patch = await loadForwardPatch(options.patch, options);
  const found = await locate(patch, options, gh);
  const loc = found.location as Extract<typeof found.location, { kind: 'github' }>;
  if (gh.token === undefined && !dryRun) {
    throw new CpansecError('GITHUB_AUTH', 'no GitHub token: opening a pull request needs one', {
      hint: 'set GITHUB_TOKEN (or GH_TOKEN) to a token with the public_repo scope, or log in with "gh auth login"; --dry-run works without one',
    });
  }
  const client = gh.client;
  const upstream = await client.getRepo(loc.owner, loc.repo);
  if (upstream.archived) {
    throw new CpansecError('UPSTREAM_ARCHIVED', `${upstream.fullName} is archived: it takes no pull requests`, {
      hint: `send the fix by mail instead: cpansec-patch upstream mail ${patch.patchId}`,
      details: { repository: upstream.fullName },
    });
  }
  const user = gh.token === undefined ? undefined : await client.getUser();
  if (
    user?.scopes !== undefined &&
    !user.scopes.some((s) => s === 'repo' || (s === 'public_repo' && !upstream.private))
  ) {
    const scopeError = new CpansecError(
      'GITHUB_SCOPE',
      `the token (${gh.tokenSource}) lacks the scope to push and open pull requests`,
      {
        hint: `give it the "${upstream.private ? 'repo' : 'public_repo'}" scope (it has: ${user.scopes.join(', ') || 'none'})`,
        details: { scopes: user.scopes },
      },
    );
    if (!dryRun) throw scopeError;
    options.onWarning?.(scopeError.message);
  }
  const branch = branchName(patch.patchId);
  const canPush = upstream.permissions?.push === true;
  const headOwners = [...new Set([...(canPush ? [upstream.owner] : []), ...(user ? [user.login] : [])])];
  const existing = await findExisting(client, patch, upstream, headOwners, branch, gh.hosts);
  const base = {
    patchId: patch.patchId,
    distribution: patch.distribution,
    upstream: {
      repository: upstream.fullName,
      url: upstream.htmlUrl,
      source: found.source,
      defaultBranch: upstream.defaultBranch,
    },
    branch,
    dryRun,
    tokenSource: gh.tokenSource ?? null,
  };
  const requests = (): number => client.counts.sent;

  if (existing !== undefined && existing.state === 'closed') {
    const state = existing.merged ? 'merged' : 'declined';
    const tracking = await recordTracking(patch, trackingFields(existing), { ...options, dryRun });
    note(
      state === 'merged'
        ? `${existing.htmlUrl} was merged; "cpansec-patch upstream status ${patch.patchId}" tells when a fixed release is on CPAN`
        : `${existing.htmlUrl} was closed without merging: it is not reopened or opened again`,
    );
    return {
      ...base,
      outcome: state,
      reason:
        state === 'merged'
          ? `pull request #${existing.number} was merged`
          : `pull request #${existing.number} was closed without merging (declined); cpansec-patch never reopens or recreates it`,
      push: null,
      commit: null,
      pullRequest: {
        number: existing.number,
        url: existing.htmlUrl,
        state,
        title: existing.title,
        body: existing.body,
        labels: [],
      },
      tracking,
      requests: requests(),
    };
  }

  const scratch = await mkdtemp(join(tmpdir(), 'cpansec-upstream-'));
  try {
    return await pushAndOpen({ options, gh, patch, upstream, user, existing, branch, scratch, base, found });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

interface Ctx {
  options: UpstreamOpenOptions;
  gh: GitHubSetup;
  patch: ForwardPatch;
  upstream: RepoInfo;
  user: { login: string } | undefined;
  existing: PullInfo | undefined;
  branch: string;
  scratch: string;
  base: Omit<UpstreamOpenResult, 'outcome' | 'reason' | 'push' | 'commit' | 'pullRequest' | 'tracking' | 'requests'>;
  found: UpstreamCandidate;
}

async function pushAndOpen(ctx: Ctx): Promise<UpstreamOpenResult> {
  const { options, gh, patch, upstream, user, existing, branch, scratch } = ctx;
  const dryRun = options.dryRun === true;
  const client = gh.client;
  const progress = (m: string): void => options.onProgress?.(gh.redact(m));
  const cloneOrigin = new URL(upstream.cloneUrl);
  // The token goes only to the git host of the API we asked (never to a host META named).
  const auth =
    gh.token !== undefined && cloneOrigin.hostname.toLowerCase() === gh.host
      ? { origin: `${cloneOrigin.protocol}//${cloneOrigin.host}/`, token: gh.token }
      : undefined;
  const gitOptions = {
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(auth ? { auth } : {}),
    allowFile: options.allowFileRemotes === true,
    redact: gh.redact,
  };
  progress(`cloning ${upstream.cloneUrl}`);
  const checkout = await UpstreamCheckout.clone(upstream.cloneUrl, join(scratch, 'clone'), gitOptions);
  const committer = await checkout.committer();
  const facts = factsFromMetadata(
    patch.patchId,
    patch.metadata,
    patch.stat.files,
    options.patchUrl ??
      (patch.repoPath === undefined
        ? undefined
        : `\`${patch.repoPath}\` of the CPANSec patch repository (signed: \`${patch.repoPath}.minisig\`)`),
  );
  const message = composeCommitMessage(facts, {
    signoff: options.signoff === true,
    ...(committer === undefined ? {} : { committer }),
  });
  const author = parsePerson(patch.metadata.authors[0] ?? committer ?? 'cpansec-patch');
  const applied = await applyUpstream(checkout, patch, {
    branch,
    defaultBranch: upstream.defaultBranch,
    releases: releasesOf(patch.metadata),
    message,
    author,
    scratch,
    noSign: dryRun,
    onProgress: progress,
  });
  if (applied.kind === 'already-upstream') {
    return {
      ...ctx.base,
      outcome: 'already-upstream',
      reason: `${upstream.defaultBranch} of ${upstream.fullName} already holds the fix; no pull request is needed`,
      push: null,
      commit: null,
      pullRequest: null,
      tracking: null,
      requests: client.counts.sent,
    };
  }
  const pr = composePullRequest(facts, applied.base);
  const diffstat = await checkout.diffStat(applied.base.commit, applied.commit);
  const commitReport = {
    message,
    author: `${author.name}${author.email ? ` <${author.email}>` : ''}`,
    signed: await checkout.isSigned(applied.commit),
    base: applied.base,
    diffstat,
    attempts: applied.attempts,
  };
  const canPush = upstream.permissions?.push === true;
  const labels = [...(options.labels ?? ['security'])];

  if (dryRun) {
    const target = canPush ? upstream.fullName : `${user?.login ?? '<your login>'}/${upstream.repo} (a fork)`;
    return {
      ...ctx.base,
      outcome: 'dry-run',
      reason: existing
        ? `would update branch ${branch} of ${target} and pull request #${existing.number}`
        : `would push branch ${branch} to ${target} and open a pull request on ${upstream.fullName}`,
      push: { repository: target, fork: !canPush, pushed: false, forkCreated: false },
      commit: commitReport,
      pullRequest: {
        ...(existing ? { number: existing.number, url: existing.htmlUrl, state: 'open' } : {}),
        title: pr.title,
        body: pr.body,
        labels: upstream.permissions?.triage ? labels : [],
      },
      tracking: null,
      requests: client.counts.sent,
    };
  }

  let pushRepo = upstream;
  let forkCreated = false;
  if (!canPush) {
    progress(`forking ${upstream.fullName}`);
    pushRepo = await client.createFork(upstream.owner, upstream.repo);
    forkCreated = true;
  }
  const remote = await checkout.remoteBranch(pushRepo.cloneUrl, branch);
  let pushed = false;
  let commitId = applied.commit;
  if (remote !== undefined) {
    await checkout.fetchBranch(pushRepo.cloneUrl, branch);
    const [theirs, ours] = [await checkout.treeAndParent(remote), await checkout.treeAndParent(applied.commit)];
    if (theirs.tree === ours.tree && theirs.parent === ours.parent) commitId = remote;
  }
  if (commitId !== remote) {
    progress(`pushing ${branch} to ${pushRepo.fullName}`);
    await checkout.push(pushRepo.cloneUrl, branch, applied.commit, remote);
    pushed = true;
  }
  const head = `${pushRepo.owner}:${branch}`;
  let pull: PullInfo;
  let outcome: OpenOutcome;
  let added: string[] = [];
  if (existing) {
    const changed = existing.title !== pr.title || existing.body !== pr.body;
    pull = changed ? await client.updatePull(upstream.owner, upstream.repo, existing.number, pr) : existing;
    outcome = changed || pushed ? 'updated' : 'up-to-date';
  } else {
    progress(`opening a pull request on ${upstream.fullName}`);
    pull = await client.createPull(upstream.owner, upstream.repo, { ...pr, head, base: upstream.defaultBranch });
    outcome = 'opened';
    if (labels.length > 0 && !upstream.permissions?.triage) {
      options.onNote?.(
        gh.redact(`labels not added (${labels.join(', ')}): the token may not label on ${upstream.fullName}`),
      );
    }
    if (labels.length > 0 && upstream.permissions?.triage) {
      added = await client.addLabels(upstream.owner, upstream.repo, pull.number, labels).catch((err: unknown) => {
        options.onWarning?.(gh.redact(`labels not added: ${(err as Error).message}`));
        return [];
      });
    }
  }
  const tracking = await recordTracking(patch, trackingFields(pull), options);
  return {
    ...ctx.base,
    outcome,
    reason:
      outcome === 'opened'
        ? `opened pull request #${pull.number} on ${upstream.fullName}`
        : outcome === 'updated'
          ? `updated pull request #${pull.number}${pushed ? ' (new commit pushed)' : ''}`
          : `pull request #${pull.number} is up to date`,
    push: { repository: pushRepo.fullName, fork: !canPush, pushed, forkCreated },
    commit: { id: commitId, ...commitReport },
    pullRequest: {
      number: pull.number,
      url: pull.htmlUrl,
      state: pull.state,
      title: pull.title,
      body: pull.body,
      labels: added,
    },
    tracking,
    requests: client.counts.sent,
  };
}
