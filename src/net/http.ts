/**
 * HTTP GET with the bounds of core/limits.ts: a byte cap checked against
 * Content-Length and again while reading, an idle timeout and an overall
 * deadline (TUF "endless data" and "slow retrieval"), a redirect cap, and no
 * content encoding (we want the bytes the server stores).
 *
 * TLS is verified, always: we never pass rejectUnauthorized, so Node checks
 * the chain and the host name (CPAN.pm CVE-2023-31484 and HTTP::Tiny
 * CVE-2023-31486 were downloads without it). Plain http:// is refused except
 * to the loopback interface (a local mirror, the tests): cpanminus
 * CVE-2024-45321 was downloads over plain HTTP. Signatures, not transport,
 * are what we trust for patches; TLS and CHECKSUMS guard the tarball.
 * An HTTPS proxy named by the environment (proxy.ts) carries the TLS
 * connection, without seeing into it.
 */
import { createWriteStream } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { createHash } from 'node:crypto';
import { CpansecError } from '../errors.js';
import { TOOL_VERSION } from '../version.js';
import { proxyFor } from './proxy.js';
import { getThroughProxy } from './via-proxy.js';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';

export interface HttpOptions {
  maxBytes: number;
  idleTimeoutMs: number;
  timeoutMs: number;
  maxRedirects: number;
  /** Send If-Modified-Since (a cached copy's Last-Modified). */
  ifModifiedSince?: string;
  onProgress?: (received: number, total: number | undefined) => void;
}

export interface HttpResult {
  status: 'ok' | 'not-modified' | 'not-found';
  /** The URL that answered, after redirects. */
  url: string;
  size: number;
  sha256: string;
  lastModified?: string;
}

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::1';
}

/** @throws CpansecError USAGE for a URL we will not fetch */
export function checkUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CpansecError('USAGE', `not a URL: ${JSON.stringify(raw.slice(0, 200))}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new CpansecError('USAGE', 'URLs with credentials are not accepted (they end up in logs and caches)', {
      details: { url: `${url.protocol}//${url.host}${url.pathname}` },
    });
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return url;
  throw new CpansecError('USAGE', `${url.protocol}// URLs are not fetched: use https:// (got ${url.origin})`, {
    hint: 'plain HTTP can be altered in transit (cpanminus CVE-2024-45321); http:// is accepted only for 127.0.0.1',
    details: { url: url.href },
  });
}

function network(message: string, url: URL, cause?: unknown): CpansecError {
  return new CpansecError('NETWORK', message, {
    hint: 'check the connection and the mirror (--mirror URL), or run with --offline to use the download cache',
    details: { url: url.href },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** What a GET answers, the same shape whether it went direct or through a proxy. */
interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
}

function get(url: URL, options: HttpOptions): Promise<Answer> {
  const headers: Record<string, string> = {
    'user-agent': `cpansec-patch/${TOOL_VERSION}`,
    'accept-encoding': 'identity',
    ...(options.ifModifiedSince === undefined ? {} : { 'if-modified-since': options.ifModifiedSince }),
  };
  const proxy = proxyFor(url, process.env);
  if (proxy !== undefined) return getThroughProxy(url, proxy, { headers, idleTimeoutMs: options.idleTimeoutMs });
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: 'GET', headers });
    req.setTimeout(options.idleTimeoutMs, () =>
      req.destroy(network(`no answer from ${url.host} in ${options.idleTimeoutMs} ms`, url)),
    );
    req.on('response', (res: IncomingMessage) =>
      resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: res }),
    );
    req.on('error', (err) =>
      reject(err instanceof CpansecError ? err : network(`cannot fetch ${url.href}: ${err.message}`, url, err)),
    );
    req.end();
  });
}

/**
 * Fetches `raw` into the file `dest` (created; the caller owns it and removes it on failure).
 * @throws CpansecError USAGE (bad URL), NETWORK, LIMIT_EXCEEDED
 */
export async function fetchToFile(raw: string, dest: string, options: HttpOptions): Promise<HttpResult> {
  let url = checkUrl(raw);
  const deadline = Date.now() + options.timeoutMs;
  for (let redirects = 0; ; redirects++) {
    const res = await get(url, options);
    const status = res.statusCode;
    if ([301, 302, 303, 307, 308].includes(status)) {
      res.body.resume();
      const location = header(res, 'location');
      if (location === undefined || redirects >= options.maxRedirects) {
        throw network(`too many redirects, or a redirect without a location, from ${url.href}`, url);
      }
      const next = new URL(location, url);
      if (url.protocol === 'https:' && next.protocol !== 'https:') {
        throw network(`${url.href} redirects from https to ${next.protocol}, which is refused`, url);
      }
      url = checkUrl(next.href);
      continue;
    }
    if (status === 304) {
      res.body.resume();
      return { status: 'not-modified', url: url.href, size: 0, sha256: '' };
    }
    if (status === 404 || status === 410) {
      res.body.resume();
      return { status: 'not-found', url: url.href, size: 0, sha256: '' };
    }
    if (status !== 200) {
      res.body.resume();
      throw network(`${url.href} answered HTTP ${status}`, url);
    }
    return await receive(res, url, dest, options, deadline);
  }
}

function header(res: Answer, name: string): string | undefined {
  const value = res.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function receive(
  res: Answer,
  url: URL,
  dest: string,
  options: HttpOptions,
  deadline: number,
): Promise<HttpResult> {
  const lengthHeader = header(res, 'content-length');
  const total = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
  const tooBig = (): CpansecError =>
    new CpansecError('LIMIT_EXCEEDED', `${url.href} is larger than ${options.maxBytes} bytes`, {
      details: { url: url.href, limit: options.maxBytes },
    });
  if (total !== undefined && total > options.maxBytes) {
    res.body.destroy();
    throw tooBig();
  }
  const encoding = header(res, 'content-encoding');
  if (encoding !== undefined && encoding !== 'identity') {
    res.body.destroy();
    throw network(`${url.href} was sent with content encoding ${encoding}`, url);
  }
  const hash = createHash('sha256');
  const out = createWriteStream(dest, { flags: 'wx', mode: 0o600 });
  let received = 0;
  const timer = setTimeout(
    () => res.body.destroy(network(`downloading ${url.href} took longer than ${options.timeoutMs} ms`, url)),
    Math.max(0, deadline - Date.now()),
  );
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (received > options.maxBytes) {
        res.body.destroy();
        throw tooBig();
      }
      hash.update(chunk);
      options.onProgress?.(received, total);
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    if (total !== undefined && received !== total)
      throw network(`${url.href}: the download ended after ${received} of ${total} bytes`, url);
    await new Promise<void>((resolve, reject) => {
      out.once('error', reject);
      out.end(() => resolve());
    });
  } catch (err) {
    out.destroy();
    if (err instanceof CpansecError) throw err;
    throw network(`downloading ${url.href} failed: ${(err as Error).message}`, url, err);
  } finally {
    clearTimeout(timer);
  }
  const lastModified = header(res, 'last-modified');
  return {
    status: 'ok',
    url: url.href,
    size: received,
    sha256: hash.digest('hex'),
    ...(lastModified === undefined ? {} : { lastModified }),
  };
}
