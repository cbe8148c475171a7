/**
 * repoEditPatch: a published patch's header edited in the repository working
 * copy, re-signed and published, every other byte kept; nothing re-signed
 * when the header already says it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoEditPatch } from '../../src/api/repo-author.js';
import { openRepository, resolveSource, verifyRepository } from '../../src/repo/index.js';
import { formatSecretKeyFile } from '../../src/sign/key-format.js';
import { tempDir } from '../helpers/tmp.js';
import { NOW, makeRepo } from '../repo/helpers.js';

async function keyFile(key: Parameters<typeof formatSecretKeyFile>[0]): Promise<string> {
  const path = join(tempDir(), 'publisher.key');
  writeFileSync(path, await formatSecretKeyFile(key));
  return path;
}

describe('repoEditPatch', () => {
  it('sets fields losslessly, re-signs and publishes', async () => {
    const repo = await makeRepo();
    const key = await keyFile(repo.publisherKey);
    const path = join(repo.dir, 'patches', 'Foo-Bar', 'Foo-Bar-CVE-2099-1001.patch');
    const before = readFileSync(path, 'utf8');
    const result = await repoEditPatch({
      repo: repo.dir,
      patchId: 'Foo-Bar-CVE-2099-1001',
      fields: [
        { name: 'Forwarded', value: 'https://github.com/o/r/pull/7' },
        { name: 'Upstream-Status', value: 'submitted 2026-12-01' },
      ],
      key,
      now: NOW + 86_400_000,
    });
    expect(result).toMatchObject({
      changed: ['Forwarded', 'Upstream-Status'],
      add: { replaced: true },
      publish: { patches: 2 },
    });
    const after = readFileSync(path, 'utf8');
    expect(after).toContain('Forwarded: https://github.com/o/r/pull/7\n');
    expect(after).toContain('Upstream-Status: submitted 2026-12-01\n');
    // Only the edited lines (and Last-Update) differ.
    const changedLines = after.split('\n').filter((l) => !before.split('\n').includes(l));
    expect(changedLines.map((l) => l.split(':')[0])).toEqual(['Forwarded', 'Last-Update', 'Upstream-Status']);
    const trustRoot = readFileSync(join(repo.dir, 'metadata', '1.root.json'));
    const verified = await verifyRepository({ source: resolveSource(repo.dir), trustRoot, now: NOW + 86_400_000 });
    expect(verified.problems).toEqual([]);
    const opened = await openRepository({
      repo: repo.dir,
      cache: join(tempDir(), 'c'),
      trustRoot,
      now: NOW + 86_400_000,
    });
    const read = await opened.readPatch('Foo-Bar-CVE-2099-1001');
    expect(new TextDecoder().decode(read.bytes)).toBe(after);
  });

  it('changes nothing when every field already has its value', async () => {
    const repo = await makeRepo();
    const key = await keyFile(repo.publisherKey);
    const path = join(repo.dir, 'patches', 'Foo-Bar', 'Foo-Bar-CVE-2099-1001.patch');
    const before = readFileSync(path);
    const ts = readFileSync(join(repo.dir, 'metadata', 'timestamp.json'));
    const result = await repoEditPatch({
      repo: repo.dir,
      patchId: 'Foo-Bar-CVE-2099-1001',
      fields: [{ name: 'Forwarded', value: 'no' }],
      key,
    });
    expect(result).toEqual({
      repo: repo.dir,
      patchId: 'Foo-Bar-CVE-2099-1001',
      path: 'patches/Foo-Bar/Foo-Bar-CVE-2099-1001.patch',
      changed: [],
    });
    expect(readFileSync(path)).toEqual(before);
    expect(readFileSync(join(repo.dir, 'metadata', 'timestamp.json'))).toEqual(ts);
  });

  it('refuses an unknown Patch-Id: PATCH_NOT_FOUND', async () => {
    const repo = await makeRepo();
    const key = await keyFile(repo.publisherKey);
    await expect(repoEditPatch({ repo: repo.dir, patchId: 'Nope-CVE-2099-1', fields: [], key })).rejects.toMatchObject({
      code: 'PATCH_NOT_FOUND',
    });
  });
});
