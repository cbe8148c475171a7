/**
 * Authoring: publish's crash safety (journal, consistent snapshots), add's
 * checks, revocation, key rotation, and what a client sees of each.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  addPatch,
  loadRepoState,
  openRepository,
  publishRepository,
  pullRepository,
  recoverPublish,
  revokePatch,
  rotateKey,
  verifyRepository,
} from '../../src/repo/index.js';
import { parseSource } from '../../src/repo/source.js';
import { tempDir } from '../helpers/tmp.js';
import { NOW, cacheState, makeRepo, serve, signer, testKey, writePatch } from './helpers.js';
import type { TestRepo } from './helpers.js';

const dirSource = (dir: string) => ({ kind: 'dir' as const, dir, display: dir });
const rootOf = (repo: TestRepo): Uint8Array => readFileSync(join(repo.dir, 'metadata', '1.root.json'));

/** Adds a third patch, then publishes with a crash after `renames` metadata renames (IO). */
async function addThirdPatchAndCrash(repo: TestRepo, renames: number): Promise<void> {
  await addPatch({
    dir: repo.dir,
    patch: writePatch('Foo-Bar', 'Foo-Bar-CVE-2099-1003', 3),
    key: repo.publisherKey,
    now: NOW,
  });
  await expect(
    publishRepository(await loadRepoState(repo.dir), {
      signers: [repo.publisher],
      now: NOW,
      crashAfterRenames: renames,
    }),
  ).rejects.toMatchObject({ code: 'IO' });
}

describe('publishRepository', () => {
  describe('when it crashes half-way (non-consistent repository)', () => {
    it('leaves a journal that repo verify reports and the next command rolls forward', async () => {
      const repo = await makeRepo();
      await addThirdPatchAndCrash(repo, 1);
      const report = await verifyRepository({ source: dirSource(repo.dir) });
      expect(report.ok).toBe(false);
      expect(await recoverPublish(repo.dir)).toBe(true);
      const after = await verifyRepository({ source: dirSource(repo.dir) });
      expect(after.problems).toEqual([]);
      expect(after.patches).toBe(3);
    });
  });

  describe('when it crashes half-way (consistent snapshots)', () => {
    it('leaves the old repository for clients: a pull sees the previous version, whole', async () => {
      const repo = await makeRepo({ consistent: true });
      const cache = join(tempDir(), 'c');
      const first = await pullRepository({ source: dirSource(repo.dir), cacheDir: cache, trustRoot: rootOf(repo) });
      await addThirdPatchAndCrash(repo, 2);
      const again = await pullRepository({ source: dirSource(repo.dir), cacheDir: cache, trustRoot: rootOf(repo) });
      expect(again.changed).toBe(false);
      expect(again.versions).toEqual(first.versions);
    });
  });

  it('serves consistent snapshots under version and hash names over HTTP', async () => {
    const repo = await makeRepo({ consistent: true });
    const server = await serve(repo.dir);
    const result = await pullRepository({
      source: parseSource(server.url, '/', '/'),
      cacheDir: join(tempDir(), 'c'),
      trustRoot: rootOf(repo),
    });
    expect(result.patches).toBe(2);
    expect(server.log).toContain('metadata/2.snapshot.json');
    expect(server.log).toContain('metadata/2.targets.json');
    expect(server.log.some((p) => /^patches\/Foo-Bar\/[0-9a-f]{64}\.Foo-Bar-CVE-2099-1001\.patch$/.test(p))).toBe(true);
  });

  it('refuses a patch in patches/ that is not signed: UNSIGNED', async () => {
    const repo = await makeRepo();
    writeFileSync(
      join(repo.dir, 'patches', 'Foo-Bar', 'Foo-Bar-CVE-2099-1009.patch'),
      readFileSync(writePatch('Foo-Bar', 'Foo-Bar-CVE-2099-1009', 9)),
    );
    await expect(
      publishRepository(await loadRepoState(repo.dir), { signers: [repo.publisher], now: NOW }),
    ).rejects.toMatchObject({
      code: 'UNSIGNED',
    });
  });

  it('refuses to publish without the keys of a role: KEY_UNTRUSTED', async () => {
    const repo = await makeRepo();
    await expect(
      publishRepository(await loadRepoState(repo.dir), { signers: [await signer('attacker')], now: NOW }),
    ).rejects.toMatchObject({ code: 'KEY_UNTRUSTED' });
  });
});

describe('addPatch', () => {
  it('refuses an incomplete header, listing the problems: HEADER_INVALID', async () => {
    const repo = await makeRepo();
    const path = writePatch('Foo-Bar', 'Foo-Bar-CVE-2099-1004', 4);
    writeFileSync(
      path,
      readFileSync(path, 'utf8')
        .replace(/^Severity: .*\n/m, '')
        .replace(/^Forwarded: .*\n/m, ''),
    );
    await expect(addPatch({ dir: repo.dir, patch: path, key: repo.publisherKey, now: NOW })).rejects.toMatchObject({
      code: 'HEADER_INVALID',
      details: {
        issues: [expect.objectContaining({ field: 'Severity' }), expect.objectContaining({ field: 'Forwarded' })],
      },
    });
  });

  it('refuses a file not named after its Patch-Id: HEADER_INVALID', async () => {
    const repo = await makeRepo();
    const path = join(tempDir(), 'fix.patch');
    writeFileSync(path, readFileSync(writePatch('Foo-Bar', 'Foo-Bar-CVE-2099-1005', 5)));
    await expect(addPatch({ dir: repo.dir, patch: path, key: repo.publisherKey, now: NOW })).rejects.toMatchObject({
      code: 'HEADER_INVALID',
    });
  });

  it('refuses a Patch-Id that is already there (FILE_EXISTS), unless replacing', async () => {
    const repo = await makeRepo();
    const path = writePatch('Foo-Bar', 'Foo-Bar-CVE-2099-1001', 1, '< 1.9');
    await expect(addPatch({ dir: repo.dir, patch: path, key: repo.publisherKey, now: NOW })).rejects.toMatchObject({
      code: 'FILE_EXISTS',
    });
    const r = await addPatch({ dir: repo.dir, patch: path, key: repo.publisherKey, now: NOW, replace: true });
    expect(r.replaced).toBe(true);
  });

  it('refuses a key that is not a publisher key of the repository: KEY_UNTRUSTED', async () => {
    const repo = await makeRepo();
    await expect(
      addPatch({
        dir: repo.dir,
        patch: writePatch('Foo-Bar', 'Foo-Bar-CVE-2099-1006', 6),
        key: await testKey('attacker'),
        now: NOW,
      }),
    ).rejects.toMatchObject({ code: 'KEY_UNTRUSTED' });
  });

  it('refuses a patch that does not parse: PATCH_PARSE', async () => {
    const repo = await makeRepo();
    const path = writePatch('Foo-Bar', 'Foo-Bar-CVE-2099-1007', 7);
    writeFileSync(path, readFileSync(path, 'utf8').replace('@@ -1,3 +1,3 @@', '@@ -1,9 +1,9 @@'));
    await expect(addPatch({ dir: repo.dir, patch: path, key: repo.publisherKey, now: NOW })).rejects.toMatchObject({
      code: 'PATCH_PARSE',
    });
  });
});

describe('revokePatch', () => {
  it('withdraws a patch: a client that had it learns it is revoked, and the id cannot come back', async () => {
    const repo = await makeRepo();
    const cache = join(tempDir(), 'c');
    const open = () => openRepository({ repo: repo.dir, cache, trustRoot: rootOf(repo) });
    expect((await open()).get('Foo-Bar-CVE-2099-1001')).toBeDefined();
    await revokePatch({ dir: repo.dir, patchId: 'Foo-Bar-CVE-2099-1001', reason: 'breaks the tests', now: NOW });
    expect(existsSync(join(repo.dir, 'patches', 'Foo-Bar', 'Foo-Bar-CVE-2099-1001.patch'))).toBe(false);
    await publishRepository(await loadRepoState(repo.dir), { signers: [repo.publisher], now: NOW });
    const r = await open();
    expect(r.isRevoked('Foo-Bar-CVE-2099-1001')).toBe(true);
    expect(r.revocation('Foo-Bar-CVE-2099-1001')).toMatchObject({
      reason: 'breaks the tests',
      distribution: 'Foo-Bar',
    });
    expect(r.forDistribution('Foo-Bar', '1.5')).toEqual([]);
    await expect(r.readPatch('Foo-Bar-CVE-2099-1001')).rejects.toMatchObject({ code: 'PATCH_REVOKED' });
    await expect(
      addPatch({
        dir: repo.dir,
        patch: writePatch('Foo-Bar', 'Foo-Bar-CVE-2099-1001', 1),
        key: repo.publisherKey,
        now: NOW,
      }),
    ).rejects.toMatchObject({ code: 'FILE_EXISTS' });
  });
});

describe('rotateKey', () => {
  it('re-signs every patch when the targets key changes; clients follow', async () => {
    const repo = await makeRepo();
    const cache = join(tempDir(), 'c');
    await openRepository({ repo: repo.dir, cache, trustRoot: rootOf(repo) });
    const fresh = await testKey('publisher-new');
    const { repoSigner } = await import('../../src/repo/index.js');
    await rotateKey({
      dir: repo.dir,
      role: 'targets',
      newKey: repoSigner(fresh),
      newSecret: fresh,
      signers: [repo.root, repo.publisher],
      now: NOW,
    });
    const r = await openRepository({ repo: repo.dir, cache, trustRoot: rootOf(repo) });
    expect(r.versions.root).toBe(2);
    expect(r.publisherKeys().map((k) => k.keyIdHex)).toEqual([fresh.keyIdHex]);
    const p = await r.readPatch('Foo-Bar-CVE-2099-1001');
    expect(p.signer).toBe(fresh.keyIdHex);
    expect(readdirSync(join(repo.dir, 'keys')).some((n) => n.includes(fresh.keyIdHex))).toBe(true);
  });

  it('refuses to rotate without the current root key: KEY_UNTRUSTED', async () => {
    const repo = await makeRepo();
    await expect(
      rotateKey({ dir: repo.dir, role: 'root', newKey: await signer('root-2'), signers: [repo.publisher], now: NOW }),
    ).rejects.toMatchObject({ code: 'KEY_UNTRUSTED' });
  });
});

describe('Repository', () => {
  it('chooses patches by distribution and version, from signed metadata only', async () => {
    const repo = await makeRepo();
    const r = await openRepository({ repo: repo.dir, cache: join(tempDir(), 'c'), trustRoot: rootOf(repo) });
    expect(r.patches().map((e) => e.patchId)).toEqual(['Baz-Qux-CVE-2099-1002', 'Foo-Bar-CVE-2099-1001']);
    expect(r.forDistribution('Foo-Bar', '1.5').map((e) => e.patchId)).toEqual(['Foo-Bar-CVE-2099-1001']);
    expect(r.forDistribution('Foo-Bar', '2.0')).toEqual([]); // fixed
    expect(r.forDistribution('Foo-Bar', '2.1')).toEqual([]); // not affected
    const entry = r.get('Foo-Bar-CVE-2099-1001');
    expect(entry).toMatchObject({
      distribution: 'Foo-Bar',
      severity: 'medium',
      cve: ['CVE-2099-1001'],
      fixedVersions: ['2.0'],
      revision: 1,
    });
    const verified = await r.readPatch(entry as NonNullable<typeof entry>);
    expect(verified.file.header.fields.length).toBeGreaterThan(5);
  });

  it('notices a cached patch changed on disk after the pull: CHECKSUM_MISMATCH', async () => {
    const repo = await makeRepo();
    const cache = join(tempDir(), 'c');
    const r = await openRepository({ repo: repo.dir, cache, trustRoot: rootOf(repo) });
    const state = cacheState(cache);
    const file = Object.keys(state).find((k) => k.endsWith('Foo-Bar-CVE-2099-1001.patch')) as string;
    writeFileSync(join(cache, file), readFileSync(join(cache, file), 'utf8').replace('1.5_01', '1.5_99'));
    await expect(r.readPatch('Foo-Bar-CVE-2099-1001')).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' });
  });

  it('offline with an empty cache says to pull first: FILE_NOT_FOUND', async () => {
    const repo = await makeRepo();
    await expect(
      openRepository({ repo: repo.dir, offline: true, cache: join(tempDir(), 'c'), trustRoot: rootOf(repo) }),
    ).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
    });
  });
});

describe('verifyRepository', () => {
  it('reports every problem at once: each tampered patch, an unlisted file, a foreign key, an unpublished revocation', async () => {
    const repo = await makeRepo();
    for (const p of ['Foo-Bar/Foo-Bar-CVE-2099-1001.patch', 'Baz-Qux/Baz-Qux-CVE-2099-1002.patch']) {
      const file = join(repo.dir, 'patches', p);
      writeFileSync(file, readFileSync(file, 'utf8').replace('package X', 'package Y'));
    }
    writeFileSync(join(repo.dir, 'patches', 'Foo-Bar', 'stray.txt'), 'x');
    const { formatPublicKey } = await import('../../src/sign/key-format.js');
    writeFileSync(join(repo.dir, 'keys', 'extra.pub'), formatPublicKey(await testKey('attacker')));
    writeFileSync(join(repo.dir, 'revocations.json'), JSON.stringify([{ patchId: 'Foo-Bar-CVE-2099-1001' }]));
    const report = await verifyRepository({ source: dirSource(repo.dir) });
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => [p.target, p.code])).toEqual([
      ['Baz-Qux/Baz-Qux-CVE-2099-1002.patch', 'CHECKSUM_MISMATCH'],
      ['Foo-Bar/Foo-Bar-CVE-2099-1001.patch', 'CHECKSUM_MISMATCH'],
      ['patches/Foo-Bar/stray.txt', 'REPO_TRUST'],
      ['keys/extra.pub', 'KEY_UNTRUSTED'],
      ['revocations.json', 'REPO_TRUST'],
    ]);
  });

  it('verifies a consistent-snapshot repository over HTTP', async () => {
    const repo = await makeRepo({ consistent: true });
    const server = await serve(repo.dir);
    const report = await verifyRepository({ source: parseSource(server.url, '/', '/') });
    expect(report).toMatchObject({ ok: true, patches: 2, problems: [] });
    expect(server.log).toContain('metadata/2.targets.json');
  });

  it('stops at a broken chain with its code (an expired timestamp): REPO_EXPIRED', async () => {
    const repo = await makeRepo();
    const report = await verifyRepository({ source: dirSource(repo.dir), now: NOW + 2 * 86_400_000 });
    expect(report.problems).toEqual([expect.objectContaining({ target: 'metadata', code: 'REPO_EXPIRED' })]);
  });
});
