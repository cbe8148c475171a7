/**
 * The fetchers tuf-js's Updater downloads through (its `Fetcher` interface,
 * implemented here rather than through BaseFetcher so that every byte is
 * bounded and timed by us):
 *  - HTTP(S) with node's fetch: no redirects (a redirect could downgrade to
 *    http or leave the mirror), a timeout on each wait for data, a deadline
 *    per file, and the length cap counted while streaming;
 *  - directories (and git checkouts): files read with no symlink on the way;
 *    a missing file is DownloadHTTPError 404, which is what tuf-js needs to
 *    end its N+1.root.json probe (research note §2.7).
 * A hook sees every metadata file before tuf-js does (our own checks,
 * tuf-trust.ts). The last error we raised is kept: tuf-js wraps errors from
 * snapshot and targets loads into a RuntimeError string, and we want ours.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DownloadHTTPError } from 'tuf-js/dist/error.js';
import { CpansecError, wrapError } from '../errors.js';
import { inspectInside } from '../files/safe-path.js';
import { fetchWithProxy } from '../net/via-proxy.js';
import type { Fetcher } from 'tuf-js';
import type { RepoLimits } from './limits.js';

/** Where a fetcher reads bytes from: a readable of chunks, or "not there". */
export type Source = (url: string, signal: AbortSignal) => Promise<AsyncIterable<Uint8Array> | 'missing'>;

export interface FetcherHooks {
  /** Called with every complete metadata file (URL under the metadata base) before tuf-js parses it. */
  onMetadata?: (name: string, bytes: Uint8Array) => void;
  /** Called once per request, for counting and progress. */
  onRequest?: (url: string) => void;
}

export class CpansecFetcher implements Fetcher {
  /** The last CpansecError this fetcher raised (tuf-js may hide it inside its own error). */
  lastError: CpansecError | undefined;
  requests = 0;

  constructor(
    private readonly source: Source,
    private readonly metadataBase: string,
    private readonly limits: Pick<RepoLimits, 'fetchTimeoutMs' | 'fetchDeadlineMs'>,
    private readonly tempDir: string,
    private readonly hooks: FetcherHooks = {},
  ) {}

  private fail(err: unknown): never {
    if (err instanceof DownloadHTTPError) throw err;
    const wrapped = err instanceof CpansecError ? err : wrapError(err, 'NETWORK', 'download failed');
    this.lastError = wrapped;
    throw wrapped;
  }

  /** Reads at most maxLength bytes of `url`, feeding chunks to `sink`. */
  private async stream(url: string, maxLength: number, sink: (chunk: Uint8Array) => Promise<void>): Promise<number> {
    this.requests++;
    this.hooks.onRequest?.(url);
    const controller = new AbortController();
    let timedOut: 'timeout' | 'deadline' | undefined;
    const arm = (): NodeJS.Timeout =>
      setTimeout(() => {
        timedOut = 'timeout';
        controller.abort();
      }, this.limits.fetchTimeoutMs);
    let idle = arm();
    const deadline = setTimeout(() => {
      timedOut = 'deadline';
      controller.abort();
    }, this.limits.fetchDeadlineMs);
    let received = 0;
    try {
      const body = await this.source(url, controller.signal);
      if (body === 'missing') throw new DownloadHTTPError(`not found: ${url}`, 404);
      for await (const chunk of body) {
        clearTimeout(idle);
        idle = arm();
        received += chunk.length;
        if (received > maxLength) {
          // Endless data: stop reading at the cap, never after.
          throw new CpansecError('LIMIT_EXCEEDED', `${url} is longer than the ${maxLength} bytes allowed`, {
            hint: 'the source sends more data than the signed metadata allows (an endless-data attack, or a broken mirror)',
            details: { url, limit: maxLength },
          });
        }
        await sink(chunk);
      }
      return received;
    } catch (err) {
      if (timedOut !== undefined && !(err instanceof CpansecError)) {
        const ms = timedOut === 'timeout' ? this.limits.fetchTimeoutMs : this.limits.fetchDeadlineMs;
        throw new CpansecError(
          'NETWORK',
          `${url}: ${timedOut === 'timeout' ? 'no data' : 'not complete'} after ${ms} ms`,
          {
            hint: 'the source is too slow or does not answer (slow retrieval); try again later or another source',
            details: { url, timeoutMs: ms },
          },
        );
      }
      throw err;
    } finally {
      clearTimeout(idle);
      clearTimeout(deadline);
      controller.abort();
    }
  }

  async downloadBytes(url: string, maxLength: number): Promise<Buffer> {
    try {
      const chunks: Uint8Array[] = [];
      await this.stream(url, maxLength, async (c) => {
        chunks.push(c);
      });
      const bytes = Buffer.concat(chunks);
      if (url.startsWith(this.metadataBase)) this.hooks.onMetadata?.(url.slice(this.metadataBase.length), bytes);
      return bytes;
    } catch (err) {
      return this.fail(err);
    }
  }

  async downloadFile<T>(url: string, maxLength: number, handler: (file: string) => Promise<T>): Promise<T> {
    const temp = join(this.tempDir, `dl-${randomBytes(8).toString('hex')}`);
    try {
      const handle = await open(
        temp,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
        0o600,
      );
      try {
        await this.stream(url, maxLength, async (c) => {
          await handle.write(c);
        });
      } catch (err) {
        return this.fail(err);
      } finally {
        await handle.close();
      }
      // The handler is tuf-js's hash check: its errors are its own, not download failures.
      return await handler(temp);
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }
}

/** True for http URLs that stay on this machine (tests, local mirrors). */
export function isLoopbackUrl(url: URL): boolean {
  return ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
}

/** HTTP(S) through fetch (and the environment's HTTPS proxy). http is accepted only for loopback hosts. */
export function httpSource(userAgent: string): Source {
  return async (url, signal) => {
    const res = await fetchWithProxy(url, { signal, redirect: 'error', headers: { 'user-agent': userAgent } });
    if (res.status === 404 || res.status === 403) {
      await res.body?.cancel();
      throw new DownloadHTTPError(`HTTP ${res.status} for ${url}`, res.status);
    }
    if (!res.ok || res.body === null) {
      await res.body?.cancel();
      throw new CpansecError('NETWORK', `HTTP ${res.status} for ${url}`, { details: { url, status: res.status } });
    }
    return res.body as unknown as AsyncIterable<Uint8Array>;
  };
}

/** Files under `root`, addressed by file: URLs; no symlinks on the way, regular files only. */
export function directorySource(root: string): Source {
  return async (url) => {
    const path = fileURLToPath(url);
    const rel = path.slice(root.length + 1);
    if (!path.startsWith(`${root}/`) || rel === '') {
      throw new CpansecError('UNSAFE_PATH', `${url} is outside the repository ${root}`);
    }
    const { absolute, state } = await inspectInside(root, rel);
    if (state.kind === 'missing') return 'missing';
    const handle = await open(absolute, constants.O_RDONLY | constants.O_NOFOLLOW);
    return (async function* () {
      try {
        const buf = new Uint8Array(64 * 1024);
        for (;;) {
          const { bytesRead } = await handle.read(buf, 0, buf.length, null);
          if (bytesRead === 0) return;
          yield buf.slice(0, bytesRead);
        }
      } finally {
        await handle.close();
      }
    })();
  };
}
