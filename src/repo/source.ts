/**
 * What `--from` names: a directory, an http(s) URL of a static repository, or
 * a git remote; and the cache folder each gets. Pure.
 *
 *   /path/to/repo, ./repo, file:///path/to/repo      directory
 *   https://host/path/                                static HTTP(S) (http only to 127.0.0.1/localhost)
 *   git+https://…, git+ssh://…, git+file://…, ssh://…, user@host:path, …/name.git   git remote
 */
import { createHash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CpansecError } from '../errors.js';

export type RepoSource =
  | { kind: 'embedded'; dir: string; display: string }
  | { kind: 'dir'; dir: string; display: string }
  | { kind: 'http'; url: string; display: string }
  | { kind: 'git'; url: string; display: string };

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

function checkHttp(url: URL, raw: string): void {
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) {
    throw new CpansecError('USAGE', `${raw}: plain http is allowed only to this machine (127.0.0.1); use https`, {
      hint: 'TUF makes tampering detectable, not private; https keeps mirrors and networks from seeing what you pull',
    });
  }
  if (url.username !== '' || url.password !== '') {
    throw new CpansecError('USAGE', `${raw}: credentials in a URL are not accepted`);
  }
}

/** @throws CpansecError USAGE for sources we refuse (git://, ext::, http to other hosts, …) */
export function parseSource(raw: string, cwd: string, embeddedDir: string): RepoSource {
  if (raw === '' || raw === 'embedded') return { kind: 'embedded', dir: embeddedDir, display: 'embedded' };
  let text = raw;
  let git = false;
  if (text.startsWith('git+')) {
    git = true;
    text = text.slice(4);
  }
  // git's "transport::address" remote helpers (ext:: runs a command): never.
  if (/^[A-Za-z][A-Za-z0-9+.-]*::/.test(text)) {
    throw new CpansecError('USAGE', `${raw}: git remote helpers ("…::") are not accepted (https, ssh, file only)`);
  }
  const scp = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:(?!\/\/)/.test(text);
  if (scp) return { kind: 'git', url: text, display: raw };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    if (git || text.endsWith('.git')) {
      throw new CpansecError('USAGE', `${raw}: name a git remote by URL (file:///…/repo.git, https://…, ssh://…)`);
    }
    const dir = isAbsolute(text) ? text : resolve(cwd, text);
    return { kind: 'dir', dir: resolve(dir), display: dir };
  }
  if (!['https', 'http', 'ssh', 'file'].includes(scheme)) {
    throw new CpansecError('USAGE', `${raw}: the ${scheme}:// transport is not accepted (https, ssh, file only)`, {
      hint: 'git:// and ext:: are unauthenticated or run commands; use https or ssh',
    });
  }
  const url = new URL(text);
  if (scheme === 'http' || scheme === 'https') checkHttp(url, raw);
  if (git || scheme === 'ssh' || url.pathname.endsWith('.git') || url.pathname.endsWith('.git/')) {
    return { kind: 'git', url: url.href, display: raw };
  }
  if (scheme === 'file') {
    const dir = fileURLToPath(url).replace(/\/+$/, '');
    return { kind: 'dir', dir, display: dir };
  }
  return { kind: 'http', url: url.href.endsWith('/') ? url.href : `${url.href}/`, display: url.href };
}

/** A stable, readable folder name for a source's cache. */
export function cacheName(source: RepoSource): string {
  if (source.kind === 'embedded') return 'embedded';
  const key = source.kind === 'dir' ? source.dir : source.url;
  const hash = createHash('sha256').update(`${source.kind}\0${key}`).digest('hex').slice(0, 12);
  const hint =
    (source.kind === 'dir'
      ? key.split('/').filter(Boolean).pop()
      : new URL(key.replace(/^[^@]+@([^:]+):/, 'ssh://$1/')).hostname) ?? 'repo';
  return `${source.kind}-${hint.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40)}-${hash}`;
}
