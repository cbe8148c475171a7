/**
 * A GitHub REST API for the tests, on 127.0.0.1: the endpoints cpansec-patch
 * calls (get repository, create fork, list/get/create/update pulls, add
 * labels, rate limit, authenticated user), answering with GitHub's shapes —
 * the bodies are typed with @octokit/openapi-types, so the compiler checks
 * them against GitHub's own OpenAPI description — and GitHub's headers:
 * x-ratelimit-limit/-remaining/-used/-reset/-resource on every answer, ETag
 * and If-None-Match → 304 (not charged), 403 "API rate limit exceeded" at
 * zero, 403/429 with retry-after for a secondary limit, 401 "Bad
 * credentials", 403 for an archived repository or a missing scope,
 * x-oauth-scopes for classic tokens.
 *
 * Repositories are bare git repositories served by test/helpers/git-http.ts;
 * a repository's clone_url points there, a fork is a real `git clone --bare`,
 * and a pull request's head is read from the head repository's branch.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { components } from '@octokit/openapi-types';
import type { GitHttpServer } from './git-http.js';
import { listenOnLoopback } from './loopback.js';

type Schemas = components['schemas'];
type FullRepository = Schemas['full-repository'];
type Repository = Schemas['repository'];
type SimpleUser = Schemas['simple-user'];
type PullRequest = Schemas['pull-request'];
type PullRequestSimple = Schemas['pull-request-simple'];
type PrivateUser = Schemas['private-user'];
type RateLimitOverview = Schemas['rate-limit-overview'];
type Label = PullRequest['labels'][number];
type BasicError = Schemas['basic-error'];
type ValidationError = Schemas['validation-error'];

export interface FakeUser {
  login: string;
  token: string;
  /** The x-oauth-scopes header (classic tokens); undefined: not sent (fine-grained tokens). */
  scopes?: string;
}

export interface FakeRepo {
  owner: string;
  name: string;
  defaultBranch: string;
  archived: boolean;
  private: boolean;
  /** Logins that may push (and label). */
  pushers: Set<string>;
  /** "owner/name" of the parent, for forks. */
  parent?: string;
  id: number;
}

export interface FakePull {
  number: number;
  base: string; // "owner/name"
  baseRef: string;
  headOwner: string;
  headRepo: string; // "owner/name"
  headRef: string;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  merged: boolean;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  mergedAt: string | null;
  labels: string[];
  author: string;
  /** Bumped on every change: the ETag follows it. */
  version: number;
}

export interface RequestRecord {
  method: string;
  path: string;
  status: number;
  /** Sent with If-None-Match. */
  conditional: boolean;
  /** Counted against the rate limit. */
  charged: boolean;
  user: string | undefined;
}

export interface FakeGitHub {
  url: string;
  git: Pick<GitHttpServer, 'url' | 'root'>;
  close(): Promise<void>;
  users: Map<string, FakeUser>;
  repos: Map<string, FakeRepo>;
  pulls: FakePull[];
  log: RequestRecord[];
  rate: { limit: number; remaining: number; reset: number };
  /** When set, the next charged request finds the hourly limit used up, resetting `seconds` later. */
  exhaust: { seconds: number } | undefined;
  /** The next `count` requests get a secondary rate limit answer with this retry-after (seconds). */
  secondary: { count: number; retryAfter: number; status: 403 | 429 };
  /** Adds a repository whose bare git repository is `<git root>/<owner>/<name>.git`. */
  addRepo(owner: string, name: string, options?: Partial<Omit<FakeRepo, 'owner' | 'name' | 'id'>>): FakeRepo;
  addUser(user: FakeUser): void;
  /** Merges or closes a pull request, as a maintainer would on the web. */
  setPullState(number: number, state: 'merged' | 'closed'): void;
}

const DAY0 = '2026-11-01T00:00:00Z';
const REPO_URL_KEYS = [
  'archive_url',
  'assignees_url',
  'blobs_url',
  'branches_url',
  'collaborators_url',
  'comments_url',
  'commits_url',
  'compare_url',
  'contents_url',
  'contributors_url',
  'deployments_url',
  'downloads_url',
  'events_url',
  'forks_url',
  'git_commits_url',
  'git_refs_url',
  'git_tags_url',
  'issue_comment_url',
  'issue_events_url',
  'issues_url',
  'keys_url',
  'labels_url',
  'languages_url',
  'merges_url',
  'milestones_url',
  'notifications_url',
  'pulls_url',
  'releases_url',
  'stargazers_url',
  'statuses_url',
  'subscribers_url',
  'subscription_url',
  'tags_url',
  'teams_url',
  'trees_url',
  'hooks_url',
] as const;
const USER_URL_KEYS = [
  'avatar_url',
  'followers_url',
  'following_url',
  'gists_url',
  'starred_url',
  'subscriptions_url',
  'organizations_url',
  'repos_url',
  'events_url',
  'received_events_url',
] as const;
const PULL_URL_KEYS = [
  'diff_url',
  'patch_url',
  'issue_url',
  'commits_url',
  'review_comments_url',
  'review_comment_url',
  'comments_url',
  'statuses_url',
] as const;

function urls<K extends string>(keys: readonly K[], base: string): Record<K, string> {
  return Object.fromEntries(keys.map((k) => [k, `${base}/${k.replace(/_url$/, '')}`])) as Record<K, string>;
}

function idOf(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

/**
 * Starts the server; it stops when the current test ends, or (`autoClose: false`, outside
 * vitest: the benchmarks) when `close()` is called.
 */
export async function startFakeGitHub(
  git: Pick<GitHttpServer, 'url' | 'root'>,
  options: { autoClose?: boolean } = {},
): Promise<FakeGitHub> {
  let pullSerial = 0;
  const state: FakeGitHub = {
    url: '',
    git,
    users: new Map(),
    repos: new Map(),
    pulls: [],
    log: [],
    rate: { limit: 5000, remaining: 5000, reset: Math.floor(Date.now() / 1000) + 3600 },
    secondary: { count: 0, retryAfter: 1, status: 403 },
    exhaust: undefined,
    close: () => Promise.resolve(),
    addRepo(owner, name, options = {}) {
      const repo: FakeRepo = {
        owner,
        name,
        defaultBranch: options.defaultBranch ?? 'main',
        archived: options.archived ?? false,
        private: options.private ?? false,
        pushers: options.pushers ?? new Set([owner]),
        ...(options.parent ? { parent: options.parent } : {}),
        id: idOf(`${owner}/${name}`),
      };
      state.repos.set(`${owner}/${name}`.toLowerCase(), repo);
      return repo;
    },
    addUser(user) {
      state.users.set(user.token, user);
    },
    setPullState(number, to) {
      const pull = state.pulls.find((p) => p.number === number);
      if (!pull) throw new Error(`no pull #${number}`);
      const now = new Date().toISOString();
      pull.state = 'closed';
      pull.closedAt = now;
      if (to === 'merged') {
        pull.merged = true;
        pull.mergedAt = now;
      }
      pull.updatedAt = now;
      pull.version++;
    },
  };

  const web = (): string => state.url.replace(/\/$/, '');
  const gitDir = (full: string): string => join(git.root, `${full}.git`);
  const userJson = (login: string): SimpleUser => ({
    login,
    id: idOf(login),
    node_id: `U_${idOf(login)}`,
    gravatar_id: '',
    url: `${web()}/users/${login}`,
    html_url: `${web()}/${login}`,
    type: 'User',
    site_admin: false,
    ...urls(USER_URL_KEYS, `${web()}/users/${login}`),
  });
  const repoJson = (r: FakeRepo, viewer: string | undefined): Repository => {
    const full = `${r.owner}/${r.name}`;
    const api = `${web()}/repos/${full}`;
    return {
      id: r.id,
      node_id: `R_${r.id}`,
      name: r.name,
      full_name: full,
      license: null,
      forks: 0,
      ...(viewer === undefined
        ? {}
        : {
            permissions: {
              admin: r.owner === viewer,
              maintain: r.pushers.has(viewer),
              push: r.pushers.has(viewer),
              triage: r.pushers.has(viewer),
              pull: true,
            },
          }),
      owner: userJson(r.owner),
      private: r.private,
      html_url: `${web()}/${full}`,
      description: null,
      fork: r.parent !== undefined,
      url: api,
      ...urls(REPO_URL_KEYS, api),
      git_url: `git://127.0.0.1/${full}.git`,
      ssh_url: `git@127.0.0.1:${full}.git`,
      clone_url: `${git.url}${full}.git`,
      svn_url: `${web()}/${full}`,
      mirror_url: null,
      homepage: null,
      language: 'Perl',
      forks_count: 0,
      stargazers_count: 0,
      watchers_count: 0,
      size: 100,
      default_branch: r.defaultBranch,
      open_issues_count: 0,
      has_issues: true,
      has_projects: false,
      has_wiki: false,
      has_pages: false,
      has_downloads: true,
      archived: r.archived,
      disabled: false,
      visibility: r.private ? 'private' : 'public',
      pushed_at: DAY0,
      created_at: DAY0,
      updated_at: DAY0,
      open_issues: 0,
      watchers: 0,
    };
  };
  const fullRepoJson = (r: FakeRepo, viewer: string | undefined): FullRepository => {
    const parent = r.parent ? state.repos.get(r.parent.toLowerCase()) : undefined;
    const { has_downloads: _d, ...rest } = repoJson(r, viewer);
    return {
      ...rest,
      pushed_at: DAY0,
      created_at: DAY0,
      updated_at: DAY0,
      has_discussions: false,
      subscribers_count: 0,
      network_count: 0,
      ...(parent ? { parent: repoJson(parent, viewer), source: repoJson(parent, viewer) } : {}),
    };
  };
  const headSha = (p: FakePull): string => {
    if (!existsSync(gitDir(p.headRepo))) return '0'.repeat(40);
    try {
      return execFileSync('git', ['rev-parse', `refs/heads/${p.headRef}`], {
        cwd: gitDir(p.headRepo),
        encoding: 'utf8',
      }).trim();
    } catch {
      return '0'.repeat(40);
    }
  };
  const sides = (p: FakePull, viewer: string | undefined): Pick<PullRequest, 'head' | 'base'> => {
    const base = state.repos.get(p.base.toLowerCase()) as FakeRepo;
    const head = state.repos.get(p.headRepo.toLowerCase()) as FakeRepo;
    return {
      head: {
        label: `${p.headOwner}:${p.headRef}`,
        ref: p.headRef,
        repo: repoJson(head, viewer),
        sha: headSha(p),
        user: userJson(p.headOwner),
      },
      base: {
        label: `${base.owner}:${p.baseRef}`,
        ref: p.baseRef,
        repo: repoJson(base, viewer),
        sha: '0'.repeat(40),
        user: userJson(base.owner),
      },
    };
  };
  const pullSimpleJson = (p: FakePull, viewer: string | undefined): PullRequestSimple => {
    const api = `${web()}/repos/${p.base}/pulls/${p.number}`;
    const link = (href: string): { href: string } => ({ href });
    return {
      url: api,
      id: idOf(`${p.base}#${p.number}`),
      node_id: `PR_${p.number}`,
      html_url: `${web()}/${p.base}/pull/${p.number}`,
      ...urls(PULL_URL_KEYS, api),
      number: p.number,
      state: p.state,
      locked: false,
      title: p.title,
      user: userJson(p.author),
      body: p.body,
      labels: p.labels.map((name) => ({ ...labelJson(name), description: '' })),
      milestone: null,
      created_at: p.createdAt,
      updated_at: p.updatedAt,
      closed_at: p.closedAt,
      merged_at: p.mergedAt,
      merge_commit_sha: null,
      assignee: null,
      ...sides(p, viewer),
      _links: {
        comments: link(`${api}/comments`),
        commits: link(`${api}/commits`),
        statuses: link(`${api}/statuses`),
        html: link(`${web()}/${p.base}/pull/${p.number}`),
        issue: link(`${web()}/repos/${p.base}/issues/${p.number}`),
        review_comments: link(`${api}/comments`),
        review_comment: link(`${api}/comments{/number}`),
        self: link(api),
      },
      author_association: 'CONTRIBUTOR',
      auto_merge: null,
    };
  };
  const labelJson = (name: string): Label => ({
    id: idOf(name),
    node_id: `L_${name}`,
    url: `${web()}/labels/${name}`,
    name,
    description: null,
    color: 'ee0701',
    default: false,
  });
  const pullJson = (p: FakePull, viewer: string | undefined): PullRequest => ({
    ...pullSimpleJson(p, viewer),
    state: p.state,
    user: userJson(p.author),
    ...sides(p, viewer),
    labels: p.labels.map(labelJson),
    merged: p.merged,
    mergeable: true,
    mergeable_state: 'clean',
    merged_by: p.merged ? userJson((state.repos.get(p.base.toLowerCase()) as FakeRepo).owner) : null,
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: true,
    commits: 1,
    additions: 0,
    deletions: 0,
    changed_files: 0,
  });

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: String(err) }));
    });
  });

  async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    const text = Buffer.concat(chunks).toString('utf8');
    return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    const auth = /^(?:token|bearer)\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const user = auth ? state.users.get(auth[1] as string) : undefined;
    const conditional = req.headers['if-none-match'] !== undefined;
    const record: RequestRecord = {
      method,
      path: url.pathname + url.search,
      status: 0,
      conditional,
      charged: false,
      user: user?.login,
    };
    state.log.push(record);
    const nowSec = Math.floor(Date.now() / 1000);
    if (nowSec >= state.rate.reset)
      state.rate = { limit: state.rate.limit, remaining: state.rate.limit, reset: nowSec + 3600 };
    const rateHeaders = (): Record<string, string> => ({
      'x-ratelimit-limit': String(state.rate.limit),
      'x-ratelimit-remaining': String(state.rate.remaining),
      'x-ratelimit-used': String(state.rate.limit - state.rate.remaining),
      'x-ratelimit-reset': String(state.rate.reset),
      'x-ratelimit-resource': 'core',
      'x-github-api-version-selected': '2022-11-28',
    });
    const send = (status: number, json: unknown, headers: Record<string, string> = {}): void => {
      record.status = status;
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        ...rateHeaders(),
        ...(user?.scopes !== undefined ? { 'x-oauth-scopes': user.scopes, 'x-accepted-oauth-scopes': 'repo' } : {}),
        ...headers,
      });
      res.end(json === undefined ? undefined : JSON.stringify(json));
    };
    const error = (status: number, message: string, headers: Record<string, string> = {}): void => {
      const e: BasicError = { message, documentation_url: 'https://docs.github.com/rest' };
      send(status, e, headers);
    };
    if (auth && !user) return error(401, 'Bad credentials');
    if (state.secondary.count > 0) {
      state.secondary.count--;
      return error(
        state.secondary.status,
        'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        { 'retry-after': String(state.secondary.retryAfter) },
      );
    }
    const free = url.pathname === '/rate_limit';
    if (!free && state.exhaust !== undefined) {
      state.rate = { limit: state.rate.limit, remaining: 0, reset: nowSec + state.exhaust.seconds };
      state.exhaust = undefined;
    }
    if (!free && state.rate.remaining <= 0) {
      return error(403, `API rate limit exceeded for user ID ${idOf(user?.login ?? 'anonymous')}.`);
    }
    const charge = (): void => {
      if (free) return;
      record.charged = true;
      state.rate.remaining--;
    };
    const viewer = user?.login;
    const needAuth = (): boolean => {
      if (user) return true;
      error(401, 'Requires authentication');
      return false;
    };
    const writeScope = (): boolean => {
      if (user?.scopes === undefined || /\b(repo|public_repo)\b/.test(user.scopes)) return true;
      error(403, 'Resource not accessible by personal access token');
      return false;
    };
    const repoFor = (owner: string, name: string): FakeRepo | undefined => {
      const r = state.repos.get(`${owner}/${name}`.toLowerCase());
      if (r === undefined || (r.private && (viewer === undefined || !r.pushers.has(viewer)))) return undefined;
      return r;
    };

    let m: RegExpExecArray | null;
    if (method === 'GET' && url.pathname === '/rate_limit') {
      const core = {
        limit: state.rate.limit,
        remaining: state.rate.remaining,
        reset: state.rate.reset,
        used: state.rate.limit - state.rate.remaining,
      };
      const overview: RateLimitOverview = {
        resources: { core, search: { limit: 30, remaining: 30, reset: state.rate.reset, used: 0 } },
        rate: core,
      };
      return send(200, overview);
    }
    charge();
    if (method === 'GET' && url.pathname === '/user') {
      if (!needAuth() || !user) return;
      const me: PrivateUser = {
        ...userJson(user.login),
        name: 'CPANSec Tester',
        company: null,
        blog: null,
        location: null,
        email: null,
        hireable: null,
        bio: null,
        public_repos: 1,
        public_gists: 0,
        followers: 0,
        following: 0,
        created_at: DAY0,
        updated_at: DAY0,
        private_gists: 0,
        total_private_repos: 0,
        owned_private_repos: 0,
        disk_usage: 0,
        collaborators: 0,
        two_factor_authentication: true,
      };
      return send(200, me);
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)$/.exec(url.pathname)) && method === 'GET') {
      const r = repoFor(m[1] as string, m[2] as string);
      return r ? send(200, fullRepoJson(r, viewer)) : error(404, 'Not Found');
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/forks$/.exec(url.pathname)) && method === 'POST') {
      if (!needAuth() || !user || !writeScope()) return;
      const r = repoFor(m[1] as string, m[2] as string);
      if (!r) return error(404, 'Not Found');
      const full = `${user.login}/${r.name}`;
      let fork = state.repos.get(full.toLowerCase());
      if (!fork) {
        if (!existsSync(gitDir(full))) {
          execFileSync('git', ['clone', '--quiet', '--bare', gitDir(`${r.owner}/${r.name}`), gitDir(full)]);
        }
        fork = state.addRepo(user.login, r.name, {
          defaultBranch: r.defaultBranch,
          parent: `${r.owner}/${r.name}`,
          pushers: new Set([user.login]),
        });
      }
      return send(202, fullRepoJson(fork, viewer));
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/pulls$/.exec(url.pathname))) {
      const r = repoFor(m[1] as string, m[2] as string);
      if (!r) return error(404, 'Not Found');
      const full = `${r.owner}/${r.name}`;
      if (method === 'GET') {
        const want = url.searchParams.get('state') ?? 'open';
        const head = url.searchParams.get('head');
        const list = state.pulls
          .filter((p) => p.base.toLowerCase() === full.toLowerCase())
          .filter((p) => want === 'all' || p.state === want)
          .filter((p) => head === null || `${p.headOwner}:${p.headRef}`.toLowerCase() === head.toLowerCase())
          .sort((a, b) => b.number - a.number)
          .map((p) => pullSimpleJson(p, viewer));
        return send(200, list);
      }
      if (method === 'POST') {
        if (!needAuth() || !user || !writeScope()) return;
        if (r.archived) return error(403, 'Repository was archived so is read-only.');
        const input = await body(req);
        const [headOwner, headRef] = String(input['head']).includes(':')
          ? String(input['head']).split(':')
          : [r.owner, String(input['head'])];
        const headRepo = headOwner === r.owner ? full : `${headOwner}/${r.name}`;
        const invalid = (message: string): void => {
          const v: ValidationError = {
            message: 'Validation Failed',
            documentation_url: 'https://docs.github.com/rest',
            errors: [{ resource: 'PullRequest', code: 'custom', message }],
          };
          send(422, v);
        };
        const exists = (() => {
          try {
            execFileSync('git', ['rev-parse', '--verify', '--quiet', `refs/heads/${headRef}`], {
              cwd: gitDir(headRepo),
              stdio: 'ignore',
            });
            return true;
          } catch {
            return false;
          }
        })();
        if (!exists) return invalid(`No commits between ${r.defaultBranch} and ${input['head']}`);
        if (
          state.pulls.some(
            (p) => p.base === full && p.state === 'open' && p.headOwner === headOwner && p.headRef === headRef,
          )
        ) {
          return invalid(`A pull request already exists for ${headOwner}:${headRef}.`);
        }
        const now = new Date().toISOString();
        const pull: FakePull = {
          number: ++pullSerial,
          base: full,
          baseRef: String(input['base']),
          headOwner: headOwner as string,
          headRepo,
          headRef: headRef as string,
          title: String(input['title']),
          body: typeof input['body'] === 'string' ? input['body'] : null,
          state: 'open',
          merged: false,
          createdAt: now,
          updatedAt: now,
          closedAt: null,
          mergedAt: null,
          labels: [],
          author: user.login,
          version: 1,
        };
        state.pulls.push(pull);
        return send(201, pullJson(pull, viewer), { location: `${web()}/repos/${full}/pulls/${pull.number}` });
      }
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/.exec(url.pathname))) {
      const r = repoFor(m[1] as string, m[2] as string);
      const pull = r
        ? state.pulls.find(
            (p) => p.base.toLowerCase() === `${r.owner}/${r.name}`.toLowerCase() && p.number === Number(m?.[3]),
          )
        : undefined;
      if (!r || !pull) return error(404, 'Not Found');
      if (method === 'GET') {
        const etag = `W/"${createHash('sha256').update(`${pull.number}:${pull.version}`).digest('hex')}"`;
        if (req.headers['if-none-match'] === etag) {
          // GitHub: a 304 answer to a conditional request does not count against the rate limit.
          record.charged = false;
          state.rate.remaining++;
          record.status = 304;
          res.writeHead(304, { etag, ...rateHeaders() });
          return void res.end();
        }
        return send(200, pullJson(pull, viewer), { etag });
      }
      if (method === 'PATCH') {
        if (!needAuth() || !user || !writeScope()) return;
        if (r.archived) return error(403, 'Repository was archived so is read-only.');
        if (pull.author !== user.login && !r.pushers.has(user.login))
          return error(403, 'Must have admin rights to Repository.');
        const input = await body(req);
        if (typeof input['title'] === 'string') pull.title = input['title'];
        if (typeof input['body'] === 'string') pull.body = input['body'];
        pull.updatedAt = new Date().toISOString();
        pull.version++;
        return send(200, pullJson(pull, viewer));
      }
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/labels$/.exec(url.pathname)) && method === 'POST') {
      if (!needAuth() || !user || !writeScope()) return;
      const r = repoFor(m[1] as string, m[2] as string);
      const pull = state.pulls.find((p) => r && p.base === `${r.owner}/${r.name}` && p.number === Number(m?.[3]));
      if (!r || !pull) return error(404, 'Not Found');
      if (!r.pushers.has(user.login)) return error(403, 'Resource not accessible by personal access token');
      const input = await body(req);
      for (const l of (input['labels'] as string[]) ?? []) if (!pull.labels.includes(l)) pull.labels.push(l);
      pull.version++;
      return send(200, pullJson(pull, viewer).labels);
    }
    error(404, 'Not Found');
  }

  const listening = await listenOnLoopback(server, { autoClose: options.autoClose !== false });
  state.close = listening.close;
  state.url = listening.origin;
  return state;
}
