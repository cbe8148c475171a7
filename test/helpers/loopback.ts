/**
 * Starting a test's HTTP server on 127.0.0.1: a free port, every socket
 * tracked so close() does not wait for keep-alive clients, and (by default)
 * closed when the current test finishes.
 */
import { onTestFinished } from 'vitest';
import type { AddressInfo, Server, Socket } from 'node:net';

export interface Listening {
  /** `http://127.0.0.1:<port>` without a trailing slash. */
  origin: string;
  close(): Promise<void>;
}

export async function listenOnLoopback(server: Server, options: { autoClose?: boolean } = {}): Promise<Listening> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = (): Promise<void> =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  if (options.autoClose !== false) onTestFinished(close);
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close };
}
