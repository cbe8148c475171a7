/**
 * Which HTTPS proxy, if any, a request goes through: the conventions curl,
 * git, apt and cpanm's downloaders share, read from the environment we are
 * given (pure: no I/O).
 *
 * - `https_proxy`, then `HTTPS_PROXY`, then `all_proxy` / `ALL_PROXY`: the
 *   proxy for https:// URLs; a value without a scheme means http://.
 *   Only http:// and https:// proxies (CONNECT tunnels) are supported.
 * - `no_proxy` / `NO_PROXY`: comma- or space-separated host names, domain
 *   suffixes (`example.org` and `.example.org` both match its subdomains),
 *   IP literals, each with an optional `:port`; `*` turns proxies off.
 * - Loopback hosts are never proxied: they are this machine's own mirrors.
 *
 * The tunnel carries TLS end to end, so the proxy sees the host name and
 * the byte counts, never the content, and cannot pass for the server: the
 * certificate is still checked against the host we asked for.
 */
import { CpansecError } from '../errors.js';

export interface Proxy {
  /** The proxy URL, with any credentials in it (for the connection only). */
  url: URL;
  /** The same without credentials: what messages show. */
  display: string;
  /** The environment variable it came from. */
  variable: string;
}

export type ProxyEnv = Readonly<Record<string, string | undefined>>;

const PROXY_VARIABLES = ['https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY'] as const;

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function defaultPort(url: URL): string {
  return url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
}

/** True when a `no_proxy` list exempts `target`. */
export function bypassesProxy(target: URL, noProxy: string): boolean {
  // www.cpan.org. (fully qualified, trailing dot) is www.cpan.org.
  const host = target.hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  const port = defaultPort(target);
  for (const raw of noProxy.split(/[\s,]+/)) {
    let entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    let entryPort: string | undefined;
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    if (bracketed) {
      entry = bracketed[1] as string;
      entryPort = bracketed[2];
    } else {
      const withPort = /^([^:]+):(\d+)$/.exec(entry);
      if (withPort) {
        entry = withPort[1] as string;
        entryPort = withPort[2];
      }
    }
    if (entryPort !== undefined && entryPort !== port) continue;
    entry = entry.replace(/^\*?\./, '');
    if (entry !== '' && (host === entry || host.endsWith(`.${entry}`))) return true;
  }
  return false;
}

function parseProxy(variable: string, value: string): Proxy {
  const invalid = (why: string): CpansecError =>
    new CpansecError('CONFIG_INVALID', `${variable} is not a usable proxy: ${why}`, {
      hint: `set ${variable} to http://HOST:PORT (or http://USER:PASSWORD@HOST:PORT), or unset it`,
      details: { variable },
    });
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw invalid('not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(`${url.protocol}// proxies are not supported (only http:// and https:// ones)`);
  }
  if (url.hostname === '') throw invalid('no host name');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw invalid('a proxy URL has no path, query or fragment');
  }
  return { url, display: `${url.protocol}//${url.host}`, variable };
}

/**
 * The proxy for a request to `target`, or undefined for a direct connection.
 * @throws CpansecError CONFIG_INVALID when the variable that applies is not a proxy URL
 */
export function proxyFor(target: URL, env: ProxyEnv): Proxy | undefined {
  if (target.protocol !== 'https:') return undefined;
  if (isLoopbackHost(target.hostname.replace(/^\[|\]$/g, '').toLowerCase())) return undefined;
  const noProxy = env['no_proxy'] ?? env['NO_PROXY'];
  if (noProxy !== undefined && bypassesProxy(target, noProxy)) return undefined;
  for (const variable of PROXY_VARIABLES) {
    const value = env[variable]?.trim();
    if (value !== undefined && value !== '') return parseProxy(variable, value);
  }
  return undefined;
}
