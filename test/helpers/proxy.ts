/**
 * HTTPS through a proxy, all on 127.0.0.1: a test certificate authority and
 * server certificates made with the real openssl, a TLS front that decrypts
 * and hands the bytes to one of the tests' plain HTTP servers, and a CONNECT
 * proxy (what squid or a corporate proxy does for https:// URLs) that sends
 * each tunnel to the front registered for the host name asked for. Host
 * names under .test never resolve (RFC 6761), so a request that skips the
 * proxy fails instead of reaching anything.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect, createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { listenOnLoopback } from './loopback.js';
import { tempDir } from './tmp.js';
import type { Socket } from 'node:net';

export interface TestPki {
  /** PEM file of the test CA: give it to the client as NODE_EXTRA_CA_CERTS. */
  caFile: string;
  /** A key and certificate for `names`, signed by the CA. */
  server(names: string[]): { key: Buffer; cert: Buffer };
}

export function makeTestPki(): TestPki {
  const dir = tempDir('cpansec-pki-');
  const openssl = (args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=cpansec test CA']);
  let serial = 0;
  return {
    caFile: join(dir, 'ca.pem'),
    server(names) {
      const n = ++serial;
      writeFileSync(join(dir, `${n}.ext`), `subjectAltName=${names.map((h) => `DNS:${h}`).join(',')}\n`);
      openssl(['req', ...ec, '-keyout', `${n}.key`, '-out', `${n}.csr`, '-subj', `/CN=${names[0] ?? 'x'}`]);
      openssl([
        'x509',
        '-req',
        '-in',
        `${n}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '2',
        '-extfile',
        `${n}.ext`,
        '-out',
        `${n}.pem`,
      ]);
      return { key: readFileSync(join(dir, `${n}.key`)), cert: readFileSync(join(dir, `${n}.pem`)) };
    },
  };
}

/** Two sockets piped into each other; either one failing closes both. */
function splice(a: Socket, b: Socket): void {
  a.pipe(b).pipe(a);
  const drop = (): void => {
    a.destroy();
    b.destroy();
  };
  a.on('error', drop);
  b.on('error', drop);
}

/** Terminates TLS with `tls` and pipes the plain bytes to the HTTP server at `backend` (an origin). */
export async function startTlsFront(backend: string, tls: { key: Buffer; cert: Buffer }): Promise<number> {
  const port = Number(new URL(backend).port);
  const server = createTlsServer(tls, (socket) => splice(socket, connect(port, '127.0.0.1')));
  return Number(new URL((await listenOnLoopback(server)).origin).port);
}

export interface TestProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The authority of every CONNECT received (host:port), in order. */
  connects: string[];
  /** Host name → local port of the TLS front that answers for it. */
  routes: Map<string, number>;
}

/** A CONNECT proxy; with `credentials` ("user:password") it answers 407 to anyone without them. */
export async function startConnectProxy(options: { credentials?: string } = {}): Promise<TestProxy> {
  const state: TestProxy = { url: '', connects: [], routes: new Map() };
  const server = createServer((_req, res) => {
    res.writeHead(405).end(); // only tunnels: a plain request through us is a client bug
  });
  server.on('connect', (req, socket: Socket, head: Buffer) => {
    const authority = req.url ?? '';
    state.connects.push(authority);
    const expected = options.credentials && `Basic ${Buffer.from(options.credentials).toString('base64')}`;
    if (expected && req.headers['proxy-authorization'] !== expected) {
      socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n');
      return;
    }
    const host = authority.replace(/:\d+$/, '');
    const port = state.routes.get(host);
    if (port === undefined) {
      socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
      return;
    }
    const upstream = connect(port, '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      splice(socket, upstream);
    });
    upstream.on('error', () => socket.destroy());
  });
  state.url = (await listenOnLoopback(server)).origin;
  return state;
}

/** A port where nothing listens: a proxy that is down. */
export async function deadPort(): Promise<number> {
  const server = createNetServer();
  const { origin, close } = await listenOnLoopback(server, { autoClose: false });
  await close();
  return Number(new URL(origin).port);
}
