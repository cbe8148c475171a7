/**
 * upstreamStatus: a pull request opened, then merged upstream; a later
 * release on a loopback CPAN mirror (02packages + CHECKSUMS served by the
 * test); the retirement proposed, then written (re-signed, published), after
 * which the repository no longer offers the patch for the fixed release; a
 * second run costs a 304.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyPatchesToTarball } from '../../src/api/apply-tarball.js';
import { upstreamOpen } from '../../src/api/upstream-open.js';
import { upstreamStatus } from '../../src/api/upstream-status.js';
import { openRepository } from '../../src/repo/index.js';
import { buildMirror, serveMirror } from '../helpers/mirror.js';
import { hasShared } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';
import { NOW, PATCH_ID, TARBALL, makeUpstreamWorld } from '../helpers/upstream-world.js';

async function mirrorWith617(): Promise<string> {
  const root = tempDir('cpansec-mirror-');
  buildMirror(root, [
    { path: 'O/OA/OALDERS/HTTP-Daemon-6.16.tar.gz', source: TARBALL, packages: [] },
    { path: 'O/OA/OALDERS/HTTP-Daemon-6.17.tar.gz', source: TARBALL, packages: [['HTTP::Daemon', '6.17']] },
  ]);
  return (await serveMirror(root)).url;
}

describe.skipIf(!hasShared('corpus', 'HTTP-Daemon-6.16'))('upstreamStatus', () => {
  it('follows a merged pull request to the fixed release on CPAN and retires the patch with --write', async () => {
    const world = await makeUpstreamWorld();
    await upstreamOpen({ ...world.api, patch: PATCH_ID });
    const mirror = await mirrorWith617();
    const cache = join(tempDir(), 'cache');

    const open = await upstreamStatus({ ...world.api, patches: [PATCH_ID], mirror, cache, key: undefined });
    expect(open.patches[0]).toMatchObject({ state: 'open', pullRequest: { number: 1, state: 'open' }, proposed: [] });

    world.gh.setPullState(1, 'merged');
    (world.gh.pulls[0] as { mergedAt: string | null }).mergedAt = '2026-11-20T10:00:00Z';
    const before = readFileSync(world.patchFile, 'utf8');
    const proposal = await upstreamStatus({ ...world.api, patches: [PATCH_ID], mirror, cache, key: undefined });
    expect(proposal.patches[0]).toMatchObject({
      state: 'fixed-upstream',
      pullRequest: { state: 'merged', mergedAt: '2026-11-20T10:00:00Z' },
      fixedRelease: { version: '6.17', path: 'O/OA/OALDERS/HTTP-Daemon-6.17.tar.gz', uploaded: '2026-11-25' },
      indexed: '6.17',
      proposed: [
        { name: 'Upstream-Status', value: 'merged 2026-11-20' },
        { name: 'Applied-Upstream', value: '6.17' },
        { name: 'Fixed-Versions', value: '6.17' },
        { name: 'Affected-Versions', value: '>= 6.00, < 6.17' },
      ],
      written: false,
    });
    expect(proposal.patches[0]?.note).toContain('upgrade to 6.17');
    expect(readFileSync(world.patchFile, 'utf8')).toBe(before);

    const written = await upstreamStatus({ ...world.api, patches: [PATCH_ID], mirror, cache, write: true });
    expect(written.patches[0]).toMatchObject({ state: 'retired', written: true });
    const header = readFileSync(world.patchFile, 'utf8');
    expect(header).toContain('Applied-Upstream: 6.17\n');
    expect(header).toContain('Fixed-Versions: 6.17\n');
    expect(header).toContain('Affected-Versions: >= 6.00, < 6.17\n');
    expect(header).toContain('Upstream-Status: merged 2026-11-20\n');
    const trustRoot = readFileSync(join(world.repoDir, 'metadata', '1.root.json'));
    const repo = await openRepository({ repo: world.repoDir, cache: join(tempDir(), 'c'), trustRoot, now: NOW });
    expect(repo.forDistribution('HTTP-Daemon', '6.17')).toEqual([]);
    expect(repo.forDistribution('HTTP-Daemon', '6.16').map((e) => e.appliedUpstream)).toEqual(['6.17']);
    // apply still patches 6.16 (for those who cannot upgrade yet), and says to upgrade to 6.17.
    const repository = { repo: world.repoDir, cache: join(tempDir(), 'c2'), trustRoot, now: NOW };
    const applied = await applyPatchesToTarball({
      input: TARBALL,
      out: join(tempDir(), 'out.tar.gz'),
      repository,
      dryRun: true,
    });
    expect(applied.outcome).toBe('patched');
    expect(applied.warnings).toContainEqual(expect.stringContaining('upgrade to 6.17'));

    // Once more: the pull request is unchanged (a free 304) and nothing is left to do.
    const again = await upstreamStatus({ ...world.api, all: true, mirror, cache, write: true });
    expect(again.patches[0]).toMatchObject({ state: 'retired', proposed: [], written: false });
    expect(again.requests.notModified).toBe(1);
    expect(again.summary.retired).toBe(1);
  });

  it('reports a declined pull request and a patch never forwarded', async () => {
    const world = await makeUpstreamWorld();
    const r0 = await upstreamStatus({ ...world.api, all: true, mirror: 'http://127.0.0.1:9/', key: undefined });
    expect(r0.patches[0]).toMatchObject({ state: 'not-forwarded', proposed: [] });
    expect(r0.requests.github).toBe(0);
    await upstreamOpen({ ...world.api, patch: PATCH_ID });
    world.gh.setPullState(1, 'closed');
    const r = await upstreamStatus({ ...world.api, all: true, mirror: 'http://127.0.0.1:9/', key: undefined });
    expect(r.patches[0]).toMatchObject({ state: 'declined', proposed: [{ name: 'Upstream-Status' }] });
    expect(r.patches[0]?.proposed[0]?.value).toMatch(/^declined /);
  });

  it('--write without --key: USAGE', async () => {
    const world = await makeUpstreamWorld();
    await expect(upstreamStatus({ ...world.api, all: true, write: true, key: undefined })).rejects.toMatchObject({
      code: 'USAGE',
    });
  });
});
