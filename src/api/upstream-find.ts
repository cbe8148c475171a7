/**
 * The two look-ups of `upstream open` before anything is cloned: which
 * upstream repository (the patch's Upstream-Repository or --upstream, else
 * META of a release tarball; GitHub only), and which earlier pull request
 * for this patch there is (the one Forwarded names, else one from our
 * branch, in any state: a closed one is never reopened or recreated).
 */
import { findUpstream, parsePullRequestUrl } from '../core/upstream/repo-url.js';
import { CpansecError } from '../errors.js';
import { readDistMeta, releasesOf } from './upstream-source.js';
import type { UpstreamCandidate } from '../core/upstream/repo-url.js';
import type { GitHubClient, PullInfo, RepoInfo } from '../upstream/github.js';
import type { ForwardPatch, GitHubSetup, MetaSourceOptions, UpstreamCommonOptions } from './upstream-source.js';

export async function locate(
  patch: ForwardPatch,
  options: UpstreamCommonOptions & MetaSourceOptions & { upstream?: string; allowFileRemotes?: boolean },
  gh: GitHubSetup,
): Promise<UpstreamCandidate> {
  const policy = { githubHosts: gh.hosts, allowFile: options.allowFileRemotes === true };
  const fromHeader = findUpstream(
    {
      ...(options.upstream === undefined ? {} : { override: options.upstream }),
      ...(patch.metadata.upstreamRepository === undefined ? {} : { header: patch.metadata.upstreamRepository }),
    },
    policy,
  );
  const found =
    fromHeader ??
    findUpstream(
      { meta: (await readDistMeta(patch.distribution, releasesOf(patch.metadata), options))?.pointers },
      policy,
    );
  if (found === undefined) {
    throw new CpansecError('NO_UPSTREAM', `no upstream repository is known for ${patch.distribution}`, {
      hint: `neither the patch (Upstream-Repository) nor META names one; pass --upstream URL, or send the fix by mail: cpansec-patch upstream mail ${patch.patchId}`,
      details: { distribution: patch.distribution },
    });
  }
  if (found.location.kind !== 'github') {
    throw new CpansecError('UPSTREAM_UNSUPPORTED', `${found.location.url} (from ${found.source}) is not on GitHub`, {
      hint: `pull requests are opened on GitHub only; send the fix by mail: cpansec-patch upstream mail ${patch.patchId}`,
      details: { url: found.location.url, source: found.source },
    });
  }
  return found;
}

/** An earlier pull request for this patch: the one Forwarded names, else one from our branch. */
export async function findExisting(
  client: GitHubClient,
  patch: ForwardPatch,
  upstream: RepoInfo,
  headOwners: readonly string[],
  branch: string,
  hosts: readonly string[],
): Promise<PullInfo | undefined> {
  const forwarded = parsePullRequestUrl(patch.metadata.forwarded ?? '', hosts);
  if (
    forwarded &&
    forwarded.owner.toLowerCase() === upstream.owner.toLowerCase() &&
    forwarded.repo.toLowerCase() === upstream.repo.toLowerCase()
  ) {
    return client.getPull(upstream.owner, upstream.repo, forwarded.number);
  }
  for (const owner of headOwners) {
    const pulls = await client.findPulls(upstream.owner, upstream.repo, owner, branch);
    const newest = pulls.sort((a, b) => b.number - a.number)[0];
    if (newest) return newest;
  }
  return undefined;
}
