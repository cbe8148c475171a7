/**
 * A real git server for the tests: `git http-backend` (smart HTTP) behind a
 * small CGI bridge on 127.0.0.1, serving the bare repositories under one
 * folder. Fetches are open; pushes (receive-pack) are refused unless the
 * request carries HTTP Basic credentials whose password is one of the
 * accepted tokens, as GitHub does, and every request is logged (with whether
 * it was authenticated, never the credentials).
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { listenOnLoopback } from './loopback.js';

export interface GitHttpServer {
  /** Base URL, ending in "/": repositories are `${url}<path below the root>`. */
  url: string;
  root: string;
  log: { method: string; path: string; service: string; authenticated: boolean; status: number }[];
  /** Tokens accepted for pushes; empty: pushes need no credentials. */
  tokens: Set<string>;
}

function credentials(header: string | undefined): { user: string; password: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1] as string, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? undefined : { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** Serves the bare repositories under `projectRoot`; closed when the test ends. */
export async function serveGitHttp(
  projectRoot: string,
  options: { tokens?: Iterable<string> } = {},
): Promise<GitHttpServer> {
  const state: GitHttpServer = { url: '', root: projectRoot, log: [], tokens: new Set(options.tokens ?? []) };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const service = url.searchParams.get('service') ?? url.pathname.split('/').pop() ?? '';
    const pushing = service === 'git-receive-pack';
    const creds = credentials(req.headers.authorization);
    const authenticated = creds !== undefined && state.tokens.has(creds.password);
    const entry = { method: req.method ?? 'GET', path: url.pathname, service, authenticated, status: 200 };
    state.log.push(entry);
    if (pushing && state.tokens.size > 0 && !authenticated) {
      entry.status = 401;
      res.writeHead(401, { 'www-authenticate': 'Basic realm="test git"', 'content-type': 'text/plain' });
      res.end('authentication required\n');
      req.resume();
      return;
    }
    const child = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        GIT_PROJECT_ROOT: projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        GIT_CONFIG_NOSYSTEM: '1',
        HOME: projectRoot,
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        REMOTE_ADDR: '127.0.0.1',
        // http-backend allows receive-pack for an authenticated user.
        ...(authenticated || (pushing && state.tokens.size === 0) ? { REMOTE_USER: creds?.user ?? 'tester' } : {}),
      },
    });
    req.pipe(child.stdin);
    let head = Buffer.alloc(0);
    let started = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (started) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = parseInt(value, 10);
        else headers[name] = value;
      }
      entry.status = status;
      res.writeHead(status, headers);
      started = true;
      res.write(head.subarray(end + 4));
    });
    child.stdout.on('end', () => res.end());
  });
  state.url = `${(await listenOnLoopback(server)).origin}/`;
  return state;
}
