/** A static file server on 127.0.0.1 for the pull benchmark, with a request log. */
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
export { patchText } from '../repo/patch-text.js';

export interface BenchServer {
  url: string;
  log: string[];
  /** The log of the last batch, kept when `log` is cleared. */
  lastLog: string[];
  close(): Promise<void>;
}

export async function serveForBench(dir: string): Promise<BenchServer> {
  const state = { log: [] as string[] };
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '');
    state.log.push(path);
    const full = join(dir, path);
    if (relative(dir, full).startsWith('..')) return void res.writeHead(404).end();
    stat(full)
      .then((s) => (s.isFile() ? readFile(full) : Promise.reject(new Error('not a file'))))
      .then(
        (body) => res.writeHead(200).end(body),
        () => res.writeHead(404).end(),
      );
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}/`,
    get log() {
      return state.log;
    },
    get lastLog() {
      return [...state.log];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
