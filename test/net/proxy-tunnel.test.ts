/**
 * The CLI behind an HTTPS proxy, for real: `pull` (tuf-js over fetch) and
 * `apply Dist::Name` (the mirror download) run as processes with
 * HTTPS_PROXY pointing at a CONNECT proxy on 127.0.0.1, which tunnels to TLS
 * fronts of the tests' repository and mirror servers. The host names are
 * under .test (they never resolve), the certificates come from a test CA
 * given to the child as NODE_EXTRA_CA_CERTS: so a run that ignores the proxy
 * fails, and a proxy that answers with the wrong certificate is refused.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createRedactor } from '../../src/core/upstream/redact.js';
import { GitHubClient } from '../../src/upstream/github.js';
import { runCliAsync } from '../helpers/cli.js';
import { buildMirror, serveMirror } from '../helpers/mirror.js';
import { deadPort, makeTestPki, startConnectProxy, startTlsFront } from '../helpers/proxy.js';
import { PROJECT_ROOT } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';
import { makeRepo, serve } from '../repo/helpers.js';
import type { TestPki, TestProxy } from '../helpers/proxy.js';

const EXAMPLE = join(PROJECT_ROOT, 'test', 'fixtures', 'example');
const REPO_HOST = 'patches.example.test';
const MIRROR_HOST = 'cpan.example.test';

// A test's files go when it ends: each test makes its own CA (four openssl runs).
let pki: TestPki;
beforeEach(() => {
  pki = makeTestPki();
});

/** The child's environment: only our proxy settings, whatever the machine running the tests has. */
function proxyEnv(settings: Record<string, string>): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, NODE_EXTRA_CA_CERTS: pki.caFile };
  for (const k of ['https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY', 'no_proxy', 'NO_PROXY']) delete env[k];
  return { ...env, ...settings };
}

/** A published test repository, reachable as https://patches.example.test/ through `proxy`. */
async function repoBehind(proxy: TestProxy, names = [REPO_HOST]): Promise<{ trustRoot: string }> {
  const repo = await makeRepo();
  const server = await serve(repo.dir);
  proxy.routes.set(REPO_HOST, await startTlsFront(server.url, pki.server(names)));
  return { trustRoot: join(repo.dir, 'metadata', '1.root.json') };
}

function pull(trustRoot: string, env: Record<string, string | undefined>) {
  const cache = join(tempDir('cpansec-proxy-cache-'), 'cache');
  const run = runCliAsync(
    [
      'pull',
      '--from',
      `https://${REPO_HOST}/`,
      '--cache',
      cache,
      '--trust-root',
      trustRoot,
      '--timeout',
      '5',
      '--json',
    ],
    { env },
  );
  return { cache, run };
}

describe('HTTPS_PROXY', () => {
  it('pull fetches the repository through the proxy, TLS checked end to end', async () => {
    const proxy = await startConnectProxy();
    const { trustRoot } = await repoBehind(proxy);
    const { cache, run } = pull(trustRoot, proxyEnv({ HTTPS_PROXY: proxy.url }));
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.ok).toBe(true);
    expect(proxy.connects.length).toBeGreaterThan(0);
    expect(new Set(proxy.connects)).toEqual(new Set([`${REPO_HOST}:443`]));
    expect(r.json.result).toMatchObject({ changed: true, patches: 2, versions: { targets: 2 } });
    expect(readdirSync(cache)).toContain('current');
  });

  it('a Dist::Name is fetched from the mirror through the proxy (index, CHECKSUMS, tarball)', async () => {
    const proxy = await startConnectProxy();
    const dir = tempDir('cpansec-proxy-mirror-');
    const tarball = join(dir, 'Acme-Demo-1.00.tar.gz');
    execFileSync('tar', ['czf', tarball, '-C', EXAMPLE, 'Acme-Demo-1.00']);
    const root = join(dir, 'mirror');
    buildMirror(root, [
      { path: 'D/DE/DEMO/Acme-Demo-1.00.tar.gz', source: tarball, packages: [['Acme::Demo', '1.00']] },
    ]);
    const mirror = await serveMirror(root);
    proxy.routes.set(MIRROR_HOST, await startTlsFront(mirror.url, pki.server([MIRROR_HOST])));
    const out = join(dir, 'out');
    mkdirSync(out);
    const r = await runCliAsync(
      [
        'apply',
        'Acme::Demo',
        '--mirror',
        `https://${MIRROR_HOST}/`,
        '--patch',
        join(EXAMPLE, 'Acme-Demo-CVE-2099-0001.patch'),
        '--allow-unsigned',
        '--out',
        `${out}/`,
        '--cache',
        join(dir, 'cache'),
        '--json',
      ],
      { env: proxyEnv({ https_proxy: proxy.url }) },
    );
    expect(r.code, r.stdout).toBe(0);
    expect(existsSync(join(out, 'Acme-Demo-1.00.tar.gz'))).toBe(true);
    expect(mirror.log.map((l) => l.path)).toEqual([
      '/modules/02packages.details.txt.gz',
      '/authors/id/D/DE/DEMO/Acme-Demo-1.00.tar.gz',
      '/authors/id/D/DE/DEMO/CHECKSUMS',
    ]);
    expect(new Set(proxy.connects)).toEqual(new Set([`${MIRROR_HOST}:443`]));
  });

  it('NO_PROXY sends the host direct (here: nowhere, .test never resolves), and the proxy sees nothing', async () => {
    const proxy = await startConnectProxy();
    const { trustRoot } = await repoBehind(proxy);
    const { run } = pull(trustRoot, proxyEnv({ HTTPS_PROXY: proxy.url, NO_PROXY: '.example.test' }));
    const r = await run;
    expect(r.code).toBe(8);
    expect(r.json.error?.code).toBe('NETWORK');
    expect(proxy.connects).toEqual([]);
  });

  it('a proxy that answers for the host with another certificate is refused: it cannot read or change the tunnel', async () => {
    const proxy = await startConnectProxy();
    const { trustRoot } = await repoBehind(proxy, ['mitm.example.test']);
    const { cache, run } = pull(trustRoot, proxyEnv({ HTTPS_PROXY: proxy.url }));
    const r = await run;
    expect(r.code).toBe(8);
    expect(r.json.error?.code).toBe('NETWORK');
    expect(JSON.stringify(r.json.error)).toMatch(/altnames|certificate|ERR_TLS_CERT/i);
    expect(existsSync(join(cache, 'patches'))).toBe(false);
  });

  describe('when the proxy wants credentials', () => {
    it('without them: NETWORK (exit 8), the hint says where they go', async () => {
      const proxy = await startConnectProxy({ credentials: 'alice:s3cret' });
      const { trustRoot } = await repoBehind(proxy);
      const r = await pull(trustRoot, proxyEnv({ HTTPS_PROXY: proxy.url })).run;
      expect(r.code).toBe(8);
      expect(r.json.error).toMatchObject({ code: 'NETWORK' });
      expect(r.json.error?.message).toContain(`through the proxy ${proxy.url}`);
      expect(r.json.error?.hint, JSON.stringify(r.json.error)).toMatch(/credentials.*HTTPS_PROXY/);
    });

    it('with them in the proxy URL: the pull succeeds and the password is never printed', async () => {
      const proxy = await startConnectProxy({ credentials: 'alice:s3cret' });
      const { trustRoot } = await repoBehind(proxy);
      const withAuth = proxy.url.replace('http://', 'http://alice:s3cret@');
      const ok = await pull(trustRoot, proxyEnv({ HTTPS_PROXY: withAuth })).run;
      expect(ok.code, ok.stderr).toBe(0);
      const wrong = await pull(trustRoot, proxyEnv({ HTTPS_PROXY: withAuth.replace('s3cret', 'wr0ng') })).run;
      expect(wrong.code).toBe(8);
      for (const out of [ok.stdout, ok.stderr, wrong.stdout, wrong.stderr]) {
        expect(out).not.toContain('s3cret');
        expect(out).not.toContain('wr0ng');
      }
    });
  });

  it('a proxy that is down: NETWORK (exit 8) naming the proxy', async () => {
    const port = await deadPort();
    const proxy = await startConnectProxy();
    const { trustRoot } = await repoBehind(proxy);
    const down = await pull(trustRoot, proxyEnv({ HTTPS_PROXY: `127.0.0.1:${port}` })).run;
    expect(down.code).toBe(8);
    expect(down.json.error?.message).toContain(`through the proxy http://127.0.0.1:${port}`);
  });

  it('a malformed proxy variable: CONFIG_INVALID (exit 3) naming the variable', async () => {
    const proxy = await startConnectProxy();
    const { trustRoot } = await repoBehind(proxy);
    const r = await pull(trustRoot, proxyEnv({ HTTPS_PROXY: 'socks5://127.0.0.1:1080' })).run;
    expect(r.code).toBe(3);
    expect(r.json.error).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(r.json.error?.message).toMatch(/^HTTPS_PROXY is not a usable proxy/);
  });

  it('the GitHub API client goes through the proxy too (in process: the tunnel is asked for api.example.test)', async () => {
    const proxy = await startConnectProxy();
    const saved = { https_proxy: process.env['https_proxy'], HTTPS_PROXY: process.env['HTTPS_PROXY'] };
    process.env['https_proxy'] = proxy.url;
    try {
      const client = new GitHubClient({
        apiUrl: 'https://api.example.test',
        token: 'ghp_NotARealTokenForTheProxyTest00000001',
        redact: createRedactor(['ghp_NotARealTokenForTheProxyTest00000001']),
        retries: 0,
        timeoutMs: 5000,
      });
      // No route for the host: the proxy answers 502, which is the client's NETWORK error.
      await expect(client.getRepo('libwww-perl', 'HTTP-Daemon')).rejects.toMatchObject({ code: 'NETWORK' });
      expect(proxy.connects).toEqual(['api.example.test:443']);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
