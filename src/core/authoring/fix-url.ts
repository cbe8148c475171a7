/**
 * `new --from <URL>`: from the address of an upstream fix (a GitHub or
 * GitLab commit or pull/merge request) to the address of its plain-text
 * patch, and the Origin a backport records. Pure: strings in, strings out.
 */
import { CpansecError } from '../../errors.js';

export interface FixSource {
  /** The address the user gave, normalised (no query or fragment): what Origin records. */
  origin: string;
  /** Where the patch text is fetched from. */
  fetch: string;
  kind: 'github-commit' | 'github-pull' | 'gitlab-commit' | 'gitlab-merge-request' | 'patch-url';
  /** The commit id, when the address names one. */
  commit?: string;
}

const GITHUB_COMMIT = /^\/([\w.-]+)\/([\w.-]+)\/commit\/([0-9a-f]{7,40})(?:\.patch|\.diff)?\/?$/;
const GITHUB_PULL = /^\/([\w.-]+)\/([\w.-]+)\/pull\/(\d+)(?:\/(?:files|commits))?(?:\.patch|\.diff)?\/?$/;
const GITHUB_PULL_COMMIT = /^\/([\w.-]+)\/([\w.-]+)\/pull\/\d+\/commits\/([0-9a-f]{7,40})\/?$/;
const GITLAB_COMMIT = /^(\/.+?)\/-\/commit\/([0-9a-f]{7,40})(?:\.patch|\.diff)?\/?$/;
const GITLAB_MR = /^(\/.+?)\/-\/merge_requests\/(\d+)(?:\.patch|\.diff)?\/?$/;

function usage(message: string, url: string): CpansecError {
  return new CpansecError('USAGE', message, {
    hint: 'give the https address of an upstream commit or pull request, or a patch file',
    details: { url },
  });
}

/**
 * @param baseOverride replaces the scheme and host of github.com / gitlab.com
 *   addresses for fetching (a mirror, or a local server in tests); Origin keeps the real address.
 * @throws CpansecError USAGE for anything but an https URL without credentials
 */
export function resolveFixUrl(raw: string, baseOverride?: string): FixSource {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usage(`not a URL: ${JSON.stringify(raw.slice(0, 200))}`, raw.slice(0, 200));
  }
  if (url.protocol !== 'https:') throw usage(`only https:// addresses are fetched, not ${url.protocol}`, raw);
  if (url.username !== '' || url.password !== '') throw usage('URLs with credentials are not accepted', url.host);
  const path = url.pathname;
  const origin = `${url.origin}${path.replace(/\.(patch|diff)$/, '')}`;
  const base = (baseOverride ?? url.origin).replace(/\/+$/, '');
  if (url.hostname === 'github.com') {
    const pc = GITHUB_PULL_COMMIT.exec(path);
    if (pc) {
      return {
        origin,
        fetch: `${base}/${pc[1]}/${pc[2]}/commit/${pc[3]}.patch`,
        kind: 'github-commit',
        commit: pc[3] as string,
      };
    }
    const c = GITHUB_COMMIT.exec(path);
    if (c) {
      return {
        origin,
        fetch: `${base}/${c[1]}/${c[2]}/commit/${c[3]}.patch`,
        kind: 'github-commit',
        commit: c[3] as string,
      };
    }
    const p = GITHUB_PULL.exec(path);
    if (p) {
      return {
        origin: `${url.origin}/${p[1]}/${p[2]}/pull/${p[3]}`,
        fetch: `${base}/${p[1]}/${p[2]}/pull/${p[3]}.patch`,
        kind: 'github-pull',
      };
    }
  }
  const gc = GITLAB_COMMIT.exec(path);
  if (gc)
    return { origin, fetch: `${base}${gc[1]}/-/commit/${gc[2]}.patch`, kind: 'gitlab-commit', commit: gc[2] as string };
  const gm = GITLAB_MR.exec(path);
  if (gm) return { origin, fetch: `${base}${gm[1]}/-/merge_requests/${gm[2]}.patch`, kind: 'gitlab-merge-request' };
  // Any other https address is taken to serve the patch itself.
  return { origin: `${url.origin}${path}`, fetch: `${base}${path}`, kind: 'patch-url' };
}
