/**
 * TUF's attack list (spec "Goals to protect against specific attacks";
 * research note §4.7), each against the real client: tuf-js's Updater with
 * our fetcher, talking to a real HTTP server on 127.0.0.1 that the attacker
 * controls. Each test checks the error code and that nothing entered the
 * cache's trusted state (every file byte-identical before and after).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pullRepository, repoSigner, rotateKey } from '../../src/repo/index.js';
import { parseSource } from '../../src/repo/source.js';
import { signEnvelope } from '../../src/repo/keys.js';
import { formatMetadata } from '../../src/repo/tuf-model.js';
import { tempDir } from '../helpers/tmp.js';
import { NOW, cacheState, endless, forge, makeRepo, publish, serve, signer, testKey } from './helpers.js';
import type { ErrorCode } from '../../src/errors.js';
import type { PullOptions } from '../../src/repo/index.js';
import type { TestRepo, TestServer } from './helpers.js';

interface Setup {
  repo: TestRepo;
  server: TestServer;
  cache: string;
  pull: (extra?: Partial<PullOptions>) => ReturnType<typeof pullRepository>;
}

/** A published repository, served, and a cache that has pulled it once. */
async function setup(options: Parameters<typeof makeRepo>[0] = {}): Promise<Setup> {
  const repo = await makeRepo(options);
  const server = await serve(repo.dir);
  const cache = join(tempDir('cpansec-cache-'), 'cache');
  const trustRoot = readFileSync(join(repo.dir, 'metadata', '1.root.json'));
  const pull = (extra: Partial<PullOptions> = {}) =>
    pullRepository({
      source: parseSource(server.url, '/', '/'),
      cacheDir: cache,
      trustRoot,
      limits: { fetchTimeoutMs: 2000, fetchDeadlineMs: 5000 },
      ...extra,
    });
  await pull();
  return { repo, server, cache, pull };
}

/** The attack must fail with `code` and leave the cache's trusted state byte-identical. */
async function expectRefused(s: Setup, code: ErrorCode, extra?: Partial<PullOptions>): Promise<void> {
  const before = cacheState(s.cache);
  expect(Object.keys(before).length).toBeGreaterThan(4);
  await expect(s.pull(extra)).rejects.toMatchObject({ code });
  expect(cacheState(s.cache)).toEqual(before);
}

const metadata = (s: Setup, name: string): Buffer => readFileSync(join(s.repo.dir, 'metadata', name));

describe('pull, under attack', () => {
  describe('arbitrary installation and wrong software', () => {
    it('refuses a tampered patch (same length, one byte changed): CHECKSUM_MISMATCH', async () => {
      const s = await setup();
      await publish(s.repo); // a fresh version, so the client has something to download
      const path = join(s.repo.dir, 'patches', 'Foo-Bar', 'Foo-Bar-CVE-2099-1001.patch');
      const good = readFileSync(path);
      const bad = Buffer.from(good);
      bad[bad.length - 3] = (bad[bad.length - 3] as number) ^ 0x20;
      s.server.override = (p, _req, res) => {
        if (!p.endsWith('Foo-Bar-CVE-2099-1001.patch')) return false;
        res.writeHead(200).end(bad);
        return true;
      };
      // The cache already holds the good file: a new cache must download it.
      const fresh = { cacheDir: join(tempDir(), 'c') };
      await expect(s.pull(fresh)).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' });
      expect(cacheState(fresh.cacheDir)).toEqual({});
    });
  });

  describe('mix-and-match', () => {
    it("refuses one patch's validly signed bytes served as another's: CHECKSUM_MISMATCH", async () => {
      const s = await setup();
      const other = readFileSync(join(s.repo.dir, 'patches', 'Baz-Qux', 'Baz-Qux-CVE-2099-1002.patch'));
      s.server.override = (p, _req, res) => {
        if (!p.endsWith('Foo-Bar-CVE-2099-1001.patch')) return false;
        res.writeHead(200).end(other);
        return true;
      };
      const fresh = join(tempDir(), 'c');
      await expect(s.pull({ cacheDir: fresh })).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' });
      expect(cacheState(fresh)).toEqual({});
    });

    it("refuses another patch's .minisig: CHECKSUM_MISMATCH", async () => {
      const s = await setup();
      const other = readFileSync(join(s.repo.dir, 'patches', 'Baz-Qux', 'Baz-Qux-CVE-2099-1002.patch.minisig'));
      s.server.override = (p, _req, res) => {
        if (!p.endsWith('Foo-Bar-CVE-2099-1001.patch.minisig')) return false;
        res.writeHead(200).end(other);
        return true;
      };
      const fresh = join(tempDir(), 'c');
      await expect(s.pull({ cacheDir: fresh })).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' });
      expect(cacheState(fresh)).toEqual({});
    });

    it('refuses a swapped .minisig even from a stolen targets key (minisign binding): SIGNATURE_MISMATCH', async () => {
      const s = await setup();
      const stolen = readFileSync(join(s.repo.dir, 'patches', 'Baz-Qux', 'Baz-Qux-CVE-2099-1002.patch.minisig'));
      writeFileSync(join(s.repo.dir, 'patches', 'Foo-Bar', 'Foo-Bar-CVE-2099-1001.patch.minisig'), stolen);
      const { sha256Hex } = await import('../../src/repo/tuf-model.js');
      forge(s.repo.dir, {
        targets: {
          signers: [s.repo.publisher],
          edit: (t) => {
            const targets = t['targets'] as Record<string, { length: number; hashes: { sha256: string } }>;
            targets['Foo-Bar/Foo-Bar-CVE-2099-1001.patch.minisig'] = {
              ...targets['Foo-Bar/Foo-Bar-CVE-2099-1001.patch.minisig'],
              length: stolen.length,
              hashes: { sha256: sha256Hex(stolen) },
            };
          },
        },
        snapshot: { signers: [s.repo.publisher] },
        timestamp: { signers: [s.repo.publisher] },
      });
      await expectRefused(s, 'SIGNATURE_MISMATCH');
    });

    it('refuses a snapshot that is not the one the timestamp lists: REPO_TRUST', async () => {
      const s = await setup();
      const old = metadata(s, 'snapshot.json');
      await publish(s.repo);
      s.server.override = (p, _req, res) => {
        if (p !== 'metadata/snapshot.json') return false;
        res.writeHead(200).end(old);
        return true;
      };
      await expectRefused(s, 'REPO_TRUST');
    });
  });

  describe('rollback', () => {
    it('refuses an older timestamp: REPO_ROLLBACK', async () => {
      const s = await setup();
      const old = metadata(s, 'timestamp.json');
      await publish(s.repo);
      await s.pull();
      writeFileSync(join(s.repo.dir, 'metadata', 'timestamp.json'), old);
      await expectRefused(s, 'REPO_ROLLBACK');
    });

    it('refuses an older snapshot, even signed by a stolen timestamp key: REPO_ROLLBACK', async () => {
      const s = await setup();
      const oldSnapshot = metadata(s, 'snapshot.json');
      await publish(s.repo);
      await s.pull();
      forge(s.repo.dir, { snapshot: { bytes: oldSnapshot, version: 2 }, timestamp: { signers: [s.repo.publisher] } });
      await expectRefused(s, 'REPO_ROLLBACK');
    });

    it('refuses older targets, even listed by stolen snapshot and timestamp keys: REPO_ROLLBACK', async () => {
      const s = await setup();
      const oldTargets = metadata(s, 'targets.json');
      await publish(s.repo);
      await s.pull();
      forge(s.repo.dir, {
        targets: { bytes: oldTargets, version: 2 },
        snapshot: { signers: [s.repo.publisher] },
        timestamp: { signers: [s.repo.publisher] },
      });
      await expectRefused(s, 'REPO_ROLLBACK');
    });
  });

  describe('indefinite freeze', () => {
    it('refuses an expired timestamp: REPO_EXPIRED', async () => {
      const s = await setup();
      forge(s.repo.dir, {
        timestamp: {
          signers: [s.repo.publisher],
          edit: (t) => {
            t['expires'] = '2020-01-01T00:00:00Z';
          },
        },
      });
      await expectRefused(s, 'REPO_EXPIRED');
    });

    it('refuses a timestamp that was valid when signed and has expired since (clock moved on): REPO_EXPIRED', async () => {
      const s = await setup();
      await expectRefused(s, 'REPO_EXPIRED', { now: NOW + 3 * 86_400_000 });
    });

    it('refuses an expired timestamp whose expires is malformed (tuf-js 5 reads it as never expiring): METADATA_INVALID', async () => {
      const s = await setup();
      forge(s.repo.dir, {
        timestamp: {
          signers: [s.repo.publisher],
          edit: (t) => {
            t['expires'] = '2020-01-01';
          },
        },
      });
      await expectRefused(s, 'METADATA_INVALID');
    });
  });

  describe('keys', () => {
    it('refuses metadata signed by a key root does not trust: REPO_TRUST', async () => {
      const s = await setup();
      forge(s.repo.dir, { timestamp: { signers: [await signer('attacker')] } });
      await expectRefused(s, 'REPO_TRUST');
    });

    it('refuses a timestamp signed by a key rotated out of the timestamp role: REPO_TRUST', async () => {
      const s = await setup();
      const fresh = await testKey('timestamp-2');
      await rotateKey({
        dir: s.repo.dir,
        role: 'timestamp',
        newKey: repoSigner(fresh),
        signers: [s.repo.root, s.repo.publisher],
        now: NOW,
      });
      await s.pull();
      forge(s.repo.dir, { timestamp: { signers: [s.repo.publisher] } });
      await expectRefused(s, 'REPO_TRUST');
    });

    it('refuses a new root signed only by a revoked (rotated-out) root key: REPO_TRUST', async () => {
      const s = await setup();
      const newRoot = await signer('root-2');
      await rotateKey({
        dir: s.repo.dir,
        role: 'root',
        newKey: newRoot,
        signers: [s.repo.root, s.repo.publisher],
        now: NOW,
      });
      await s.pull();
      // The holder of the old root key makes root 3 giving every role to the attacker.
      const attacker = await signer('attacker');
      const root2 = JSON.parse(metadata(s, '2.root.json').toString('utf8')) as { signed: Record<string, never> };
      const signed = JSON.parse(JSON.stringify(root2.signed)) as {
        version: number;
        keys: Record<string, unknown>;
        roles: Record<string, { keyids: string[]; threshold: number }>;
      };
      signed.version = 3;
      signed.keys[attacker.keyid] = attacker.key;
      for (const role of Object.values(signed.roles)) role.keyids = [attacker.keyid];
      writeFileSync(
        join(s.repo.dir, 'metadata', '3.root.json'),
        formatMetadata(signEnvelope(signed, [s.repo.root, attacker])),
      );
      await expectRefused(s, 'REPO_TRUST');
    });

    it('refuses a timestamp with fewer signatures than the threshold (2 required, 1 given): REPO_TRUST', async () => {
      const s = await setup({ publishers: ['publisher-2'], publisherThreshold: 2 });
      forge(s.repo.dir, { timestamp: { signers: [s.repo.publisher] } });
      await expectRefused(s, 'REPO_TRUST');
    });
  });

  describe('endless data', () => {
    it('stops reading a timestamp.json that never ends: LIMIT_EXCEEDED', async () => {
      const s = await setup();
      s.server.override = (p, _req, res) => p === 'metadata/timestamp.json' && endless(res);
      await expectRefused(s, 'LIMIT_EXCEEDED');
    });

    it('stops reading a patch longer than its signed length: LIMIT_EXCEEDED', async () => {
      const s = await setup();
      s.server.override = (p, _req, res) => p.endsWith('Foo-Bar-CVE-2099-1001.patch') && endless(res);
      const fresh = join(tempDir(), 'c');
      await expect(s.pull({ cacheDir: fresh })).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
      expect(cacheState(fresh)).toEqual({});
    });
  });

  describe('slow retrieval', () => {
    it('gives up on a server that never answers, within the timeout: NETWORK', async () => {
      const s = await setup();
      s.server.override = (p) => p === 'metadata/timestamp.json'; // accepts, never answers
      const started = Date.now();
      await expectRefused(s, 'NETWORK', { limits: { fetchTimeoutMs: 300, fetchDeadlineMs: 1000 } });
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it('gives up on a server that trickles a byte at a time, at the deadline: NETWORK', async () => {
      const s = await setup();
      s.server.override = (p, _req, res) => {
        if (p !== 'metadata/timestamp.json') return false;
        res.writeHead(200);
        const timer = setInterval(() => res.write(' '), 50);
        res.on('close', () => clearInterval(timer));
        return true;
      };
      const started = Date.now();
      await expectRefused(s, 'NETWORK', { limits: { fetchTimeoutMs: 300, fetchDeadlineMs: 800 } });
      expect(Date.now() - started).toBeLessThan(5000);
    });
  });

  describe('malicious mirrors', () => {
    it("refuses a mirror serving another repository's valid metadata: REPO_TRUST", async () => {
      const s = await setup();
      const { initRepository } = await import('../../src/repo/index.js');
      const otherDir = join(tempDir(), 'other');
      await initRepository({
        dir: otherDir,
        rootKeys: [await signer('other-root')],
        publisherKeys: [await signer('other-pub')],
        now: NOW,
      });
      const mirror = await serve(otherDir);
      await expectRefused(s, 'REPO_TRUST', { source: parseSource(mirror.url, '/', '/') });
    });
  });

  describe('redirects', () => {
    it('refuses a redirect (it could leave the mirror or drop to plain http): NETWORK', async () => {
      const s = await setup();
      s.server.override = (p, _req, res) => {
        if (p !== 'metadata/timestamp.json') return false;
        res.writeHead(302, { location: 'http://127.0.0.1:9/timestamp.json' }).end();
        return true;
      };
      await expectRefused(s, 'NETWORK');
    });
  });

  describe('root rotation', () => {
    it('accepts a new root signed by the old and the new root keys', async () => {
      const s = await setup();
      await rotateKey({
        dir: s.repo.dir,
        role: 'root',
        newKey: await signer('root-2'),
        signers: [s.repo.root, s.repo.publisher],
        now: NOW,
      });
      const result = await s.pull();
      expect(result.versions.root).toBe(2);
      expect(result.changed).toBe(true);
    });

    it('refuses a new root signed only by the new key: REPO_TRUST', async () => {
      const s = await setup();
      const newRoot = await signer('root-2');
      const root1 = JSON.parse(metadata(s, '1.root.json').toString('utf8')) as { signed: Record<string, unknown> };
      const signed = JSON.parse(JSON.stringify(root1.signed)) as {
        version: number;
        keys: Record<string, unknown>;
        roles: Record<string, { keyids: string[] }>;
      };
      signed.version = 2;
      signed.keys[newRoot.keyid] = newRoot.key;
      (signed.roles['root'] as { keyids: string[] }).keyids = [newRoot.keyid];
      writeFileSync(join(s.repo.dir, 'metadata', '2.root.json'), formatMetadata(signEnvelope(signed, [newRoot])));
      await expectRefused(s, 'REPO_TRUST');
    });
  });

  describe('a pull with nothing new', () => {
    it('asks only for timestamp.json (and the N+1.root.json probe the spec requires)', async () => {
      const s = await setup();
      s.server.log.length = 0;
      const before = cacheState(s.cache);
      const result = await s.pull();
      expect(result.changed).toBe(false);
      expect(s.server.log).toEqual(['metadata/2.root.json', 'metadata/timestamp.json']);
      expect(cacheState(s.cache)).toEqual(before);
    });
  });
});
