/**
 * Requests through the HTTPS proxy that the environment names (see
 * proxy.ts), with undici's ProxyAgent: Node's fetch is built on undici, but
 * on Node 20 it has no way to name a proxy, so we use the library itself.
 * It is imported only when a proxy applies: direct requests pay nothing.
 */
import { CpansecError } from '../errors.js';
import { proxyFor } from './proxy.js';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Proxy, ProxyEnv } from './proxy.js';

/** One ProxyAgent per proxy URL for the process: its tunnels are reused across requests. */
const agents = new Map<string, Promise<Dispatcher>>();

function agentFor(proxy: Proxy): Promise<Dispatcher> {
  let agent = agents.get(proxy.url.href);
  if (agent === undefined) {
    agent = import('undici').then(({ ProxyAgent }) => new ProxyAgent({ uri: proxy.url.href }));
    agents.set(proxy.url.href, agent);
  }
  return agent;
}

/** The error for a request the proxy did not carry; the message names the proxy, never its credentials. */
export function proxyFailure(target: URL, proxy: Proxy, err: unknown): CpansecError {
  const reason = describe(err);
  const auth = /\b407\b/.test(reason);
  return new CpansecError('NETWORK', `cannot fetch ${target.href} through the proxy ${proxy.display}: ${reason}`, {
    hint: auth
      ? `the proxy asks for credentials: put them in ${proxy.variable} (http://USER:PASSWORD@HOST:PORT)`
      : `check the proxy in ${proxy.variable}, or list the host in NO_PROXY to connect directly`,
    details: { url: target.href, proxy: proxy.display, variable: proxy.variable },
    cause: err,
  });
}

function describe(err: unknown): string {
  // fetch wraps what happened ("Proxy response (407) …") two causes deep under "fetch failed".
  const messages: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    messages.push(e instanceof Error ? e.message : String(e));
    e = e instanceof Error ? (e as Error & { cause?: unknown }).cause : undefined;
  }
  return messages.join(': ').replaceAll(/\/\/[^/@\s]*@/g, '//');
}

export interface ProxiedAnswer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
}

/** A GET through `proxy`, answered like node:http's request (status, lower-case headers, a body stream). */
export async function getThroughProxy(
  target: URL,
  proxy: Proxy,
  options: { headers: Record<string, string>; idleTimeoutMs: number },
): Promise<ProxiedAnswer> {
  const [{ request }, dispatcher] = await Promise.all([import('undici'), agentFor(proxy)]);
  try {
    const res = await request(target, {
      method: 'GET',
      headers: options.headers,
      dispatcher,
      headersTimeout: options.idleTimeoutMs,
      bodyTimeout: options.idleTimeoutMs,
    });
    return { statusCode: res.statusCode, headers: res.headers, body: res.body };
  } catch (err) {
    throw proxyFailure(target, proxy, err);
  }
}

/**
 * fetch() that honours the proxy environment: Node's own fetch for a direct
 * connection, undici's through the proxy otherwise.
 * @throws CpansecError CONFIG_INVALID (a malformed proxy variable), NETWORK (the proxy failed)
 */
export async function fetchWithProxy(
  input: string | URL,
  init: RequestInit = {},
  env: ProxyEnv = process.env,
): Promise<Response> {
  const target = new URL(input);
  const proxy = proxyFor(target, env);
  if (proxy === undefined) return fetch(input, init);
  const [{ fetch: undiciFetch }, dispatcher] = await Promise.all([import('undici'), agentFor(proxy)]);
  try {
    // undici's Request/Response are the classes Node's fetch exposes; only the typings differ.
    const res = await undiciFetch(input, { ...(init as object), dispatcher } as Parameters<typeof undiciFetch>[1]);
    return res as unknown as Response;
  } catch (err) {
    // An abort is the caller's own timeout: leave it as it is, for the caller to report.
    if (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError')) throw err;
    throw proxyFailure(target, proxy, err);
  }
}
