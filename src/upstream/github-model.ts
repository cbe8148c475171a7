/**
 * What we keep of GitHub's answers: the few fields of a repository and a
 * pull request the upstream commands use, read from octokit's typed data.
 */

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

export function toRepo(data: {
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

export function toPull(data: {
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
