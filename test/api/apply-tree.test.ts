/**
 * applyPatchesToTree, revertTree, statusOfTrees and recoverTree on inline
 * trees shaped like a cpanm install (lib/perl5, 0444 files, a .packlist),
 * with the bundled example patch and its real minisign signature
 * (test/fixtures/minisign, test-only key A8C9836BB81FD0D5).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyPatchesToTree } from '../../src/api/apply-tree.js';
import { revertTree } from '../../src/api/revert.js';
import { statusOfTrees } from '../../src/api/status.js';
import { PROJECT_ROOT } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';
import { sha256, snapshot, writeTree } from '../helpers/tree.js';
import type { TreePatch, TreePatchSource } from '../../src/api/tree-patches.js';
import { parsePatchFile } from '../../src/core/patch/patch-file.js';

const MINISIGN = join(PROJECT_ROOT, 'test', 'fixtures', 'minisign');
const KEY = join(MINISIGN, 'test-only.pub');
const OTHER_KEY = join(MINISIGN, 'test-only-enc.pub');
const DEMO_PM = readFileSync(
  join(PROJECT_ROOT, 'test', 'fixtures', 'example', 'Acme-Demo-1.00', 'lib', 'Acme', 'Demo.pm'),
  'latin1',
);
const ARCH = 'lib/perl5/x86_64-linux-gnu-thread-multi';

/** A tree as `cpanm -L tree Acme-Demo-1.00.tar.gz` leaves it (no .meta: a local tarball). */
function demoTree(pm = DEMO_PM): string {
  const root = join(tempDir(), 'local');
  writeTree(root, {
    'lib/perl5/Acme/Demo.pm': [pm, 0o444],
    [`${ARCH}/auto/Acme/Demo/.packlist`]: `${root}/lib/perl5/Acme/Demo.pm\n`,
  });
  return root;
}

/** The signed example patch, copied (with its signature) into a fresh folder. */
function signedPatch(): string {
  const dir = tempDir();
  for (const f of ['Acme-Demo-CVE-2099-0001.patch', 'Acme-Demo-CVE-2099-0001.patch.minisig'])
    copyFileSync(join(MINISIGN, f), join(dir, f));
  return join(dir, 'Acme-Demo-CVE-2099-0001.patch');
}

const PM = 'lib/perl5/Acme/Demo.pm';
const quiet = { waitMs: 0, repo: undefined };

describe('applyPatchesToTree', () => {
  it('applies a signed patch, keeps the 0444 mode, skips the test file and records the state', async () => {
    const root = demoTree();
    const r = await applyPatchesToTree({ ...quiet, tree: root, patches: [signedPatch()], keys: [KEY] });
    expect(r.written).toBe(true);
    expect(r.patches[0]).toMatchObject({
      patchId: 'Acme-Demo-CVE-2099-0001',
      dist: 'Acme-Demo',
      signedBy: 'A8C9836BB81FD0D5',
    });
    const install = r.patches[0]?.installs[0];
    expect(install).toMatchObject({ location: 'lib/perl5', version: '1.00', outcome: 'applied', planOutcome: 'clean' });
    expect(install?.files).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ distPath: 't/open-magic.t', action: 'skip' }),
        expect.objectContaining({ distPath: 'lib/Acme/Demo.pm', installed: PM, action: 'patch', status: 'ok' }),
      ]),
    );
    expect(readFileSync(join(root, PM), 'latin1')).toContain("open(my $fh, '<', $path)");
    expect(statSync(join(root, PM)).mode & 0o777).toBe(0o444);

    const again = await applyPatchesToTree({ ...quiet, tree: root, patches: [signedPatch()], keys: [KEY] });
    expect(again.written).toBe(false);
    expect(again.patches[0]?.installs[0]).toMatchObject({ outcome: 'already-applied', recorded: true });
  });

  it('changes nothing with --dry-run', async () => {
    const root = demoTree();
    const before = snapshot(root, '');
    const r = await applyPatchesToTree({ ...quiet, tree: root, patches: [signedPatch()], keys: [KEY], dryRun: true });
    expect(r.patches[0]?.installs[0]?.outcome).toBe('would-apply');
    expect(snapshot(root, '')).toEqual(before);
  });

  describe('signatures', () => {
    it('refuses an unsigned patch with UNSIGNED, and applies it with allowUnsigned and a warning', async () => {
      const root = demoTree();
      const dir = tempDir();
      const patch = join(dir, 'fix.patch');
      copyFileSync(join(MINISIGN, 'Acme-Demo-CVE-2099-0001.patch'), patch);
      await expect(applyPatchesToTree({ ...quiet, tree: root, patches: [patch], keys: [KEY] })).rejects.toMatchObject({
        code: 'UNSIGNED',
      });
      const warnings: string[] = [];
      const r = await applyPatchesToTree({
        ...quiet,
        tree: root,
        patches: [patch],
        allowUnsigned: true,
        onWarning: (m) => warnings.push(m),
      });
      expect(r.written).toBe(true);
      expect(r.patches[0]?.signedBy).toBeUndefined();
      expect(warnings.join('\n')).toMatch(/WITHOUT a verified signature/);
    });

    it('refuses a tampered patch even with allowUnsigned, and a patch signed by an untrusted key', async () => {
      const root = demoTree();
      const before = snapshot(root, '');
      const patch = signedPatch();
      await expect(
        applyPatchesToTree({ ...quiet, tree: root, patches: [patch], keys: [OTHER_KEY] }),
      ).rejects.toMatchObject({ code: 'KEY_UNTRUSTED' });
      writeFileSync(patch, readFileSync(patch, 'latin1').replace("'<'", "'+<'"), 'latin1');
      await expect(
        applyPatchesToTree({ ...quiet, tree: root, patches: [patch], keys: [KEY], allowUnsigned: true }),
      ).rejects.toMatchObject({
        code: 'SIGNATURE_INVALID',
      });
      expect(snapshot(root, '')).toEqual(before);
    });
  });

  describe('when the installed file differs from what the patch expects', () => {
    it('fails with PATCH_CONFLICT, reports the hunk, and leaves the tree as it was (no .cpansec either)', async () => {
      const root = demoTree(DEMO_PM.replace('open(my $fh, $path)', 'open(my $fh, $path)   # local edit'));
      const before = snapshot(root, '');
      const err = await applyPatchesToTree({ ...quiet, tree: root, patches: [signedPatch()], keys: [KEY] }).catch(
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code: 'PATCH_CONFLICT' });
      expect(JSON.stringify((err as { details: unknown }).details)).toContain('"status":"failed"');
      expect(snapshot(root, '')).toEqual(before);
      expect(existsSync(join(root, '.cpansec'))).toBe(false);
    });
  });

  it('skips an install whose version is outside Affected-Versions (not affected)', async () => {
    const root = demoTree(DEMO_PM.replace("'1.00'", "'1.01'"));
    const r = await applyPatchesToTree({ ...quiet, tree: root, patches: [signedPatch()], keys: [KEY] });
    expect(r.written).toBe(false);
    expect(r.patches[0]?.installs[0]).toMatchObject({ version: '1.01', outcome: 'not-affected' });
  });

  it('fails with DIST_NOT_FOUND when the patch is for a dist the tree lacks', async () => {
    const root = join(tempDir(), 'empty');
    mkdirSync(join(root, 'lib', 'perl5'), { recursive: true });
    await expect(
      applyPatchesToTree({ ...quiet, tree: root, patches: [signedPatch()], keys: [KEY] }),
    ).rejects.toMatchObject({ code: 'DIST_NOT_FOUND' });
  });

  describe('symbolic links', () => {
    it('refuses a link that leads out of the tree (SYMLINK_ESCAPE) and touches nothing outside', async () => {
      const root = demoTree();
      const outside = tempDir();
      writeTree(outside, { 'Demo.pm': [DEMO_PM, 0o644] });
      const { rmSync } = await import('node:fs');
      rmSync(join(root, 'lib/perl5/Acme'), { recursive: true, force: true });
      symlinkSync(outside, join(root, 'lib/perl5/Acme'));
      await expect(
        applyPatchesToTree({ ...quiet, tree: root, patches: [signedPatch()], keys: [KEY] }),
      ).rejects.toMatchObject({
        code: 'SYMLINK_ESCAPE',
      });
      expect(readFileSync(join(outside, 'Demo.pm'), 'latin1')).toBe(DEMO_PM);
    });

    it('follows a link that stays inside the tree and patches the real file, keeping the link', async () => {
      const root = demoTree();
      const { renameSync } = await import('node:fs');
      mkdirSync(join(root, 'real'));
      renameSync(join(root, 'lib/perl5/Acme'), join(root, 'real/Acme'));
      symlinkSync('../../real/Acme', join(root, 'lib/perl5/Acme'));
      const r = await applyPatchesToTree({ ...quiet, tree: root, patches: [signedPatch()], keys: [KEY] });
      expect(r.patches[0]?.installs[0]?.files.find((f) => f.action === 'patch')?.installed).toBe('real/Acme/Demo.pm');
      expect(readFileSync(join(root, 'lib/perl5/Acme/Demo.pm'), 'latin1')).toContain("'<'");
    });
  });

  it('refuses a .cpansec/objects that is a link (backups would go elsewhere)', async () => {
    const root = demoTree();
    mkdirSync(join(root, '.cpansec'));
    symlinkSync(tempDir(), join(root, '.cpansec', 'objects'));
    await expect(
      applyPatchesToTree({ ...quiet, tree: root, patches: [signedPatch()], keys: [KEY] }),
    ).rejects.toMatchObject({
      code: 'SYMLINK_ESCAPE',
    });
  });

  it('refuses a patch to XS code with PATCH_UNSUPPORTED (needs-rebuild), naming the tarball route', async () => {
    const root = demoTree();
    const dir = tempDir();
    const patch = join(dir, 'xs.patch');
    writeFileSync(
      patch,
      '--- a/Demo.xs\n+++ b/Demo.xs\n@@ -1 +1 @@\n-a\n+b\n--- a/lib/Acme/Demo.pm\n+++ b/lib/Acme/Demo.pm\n@@ -1 +1 @@\n-package Acme::Demo;\n+package Acme::Demo; # x\n',
    );
    const err = await applyPatchesToTree({
      ...quiet,
      tree: root,
      patches: [patch],
      allowUnsigned: true,
      dist: 'Acme-Demo',
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PATCH_UNSUPPORTED', details: { reason: 'needs-rebuild' } });
    expect((err as { hint: string }).hint).toContain('cpansec-patch apply Acme-Demo-1.00.tar.gz');
  });
});

/** Two stacked unsigned patches on one file, and one that creates a file in a new directory. */
function stackPatches(): { a: string; b: string; create: string } {
  const dir = tempDir();
  const a = join(dir, 'A.patch');
  const b = join(dir, 'B.patch');
  const create = join(dir, 'C.patch');
  writeFileSync(
    a,
    'Distribution: Acme-Demo\nPatch-Id: Acme-Demo-A\n\n--- a/lib/Acme/Demo.pm\n+++ b/lib/Acme/Demo.pm\n@@ -1,2 +1,2 @@\n-package Acme::Demo;\n+package Acme::Demo; # A\n use strict;\n',
  );
  writeFileSync(
    b,
    'Distribution: Acme-Demo\nPatch-Id: Acme-Demo-B\n\n--- a/lib/Acme/Demo.pm\n+++ b/lib/Acme/Demo.pm\n@@ -1,2 +1,2 @@\n-package Acme::Demo; # A\n+package Acme::Demo; # A, B\n use strict;\n',
  );
  writeFileSync(
    create,
    'Distribution: Acme-Demo\nPatch-Id: Acme-Demo-C\n\n--- /dev/null\n+++ b/lib/Acme/Demo/Extra/New.pm\n@@ -0,0 +1 @@\n+package Acme::Demo::Extra::New; 1;\n',
  );
  return { a, b, create };
}

describe('revertTree', () => {
  it('restores originals byte for byte and mode for mode, newest first, and removes created files and directories', async () => {
    const root = demoTree();
    const before = snapshot(root);
    const { a, b, create } = stackPatches();
    const opts = { ...quiet, tree: root, allowUnsigned: true };
    await applyPatchesToTree({ ...opts, patches: [a] });
    await applyPatchesToTree({ ...opts, patches: [b, create] });
    expect(readFileSync(join(root, PM), 'latin1')).toMatch(/^package Acme::Demo; # A, B\n/);
    expect(statSync(join(root, 'lib/perl5/Acme/Demo/Extra/New.pm')).mode & 0o777).toBe(0o444);

    await expect(revertTree({ tree: root, patchIds: ['Acme-Demo-A'], waitMs: 0 })).rejects.toMatchObject({
      code: 'PATCH_CONFLICT',
    });
    const r = await revertTree({ tree: root, all: true, waitMs: 0 });
    expect(r.reverted.map((p) => p.patchId)).toEqual(['Acme-Demo-A', 'Acme-Demo-B', 'Acme-Demo-C']);
    expect(snapshot(root)).toEqual(before);
    expect(existsSync(join(root, 'lib/perl5/Acme/Demo'))).toBe(false);
    expect((await statusOfTrees({ trees: [root], repo: false })).trees[0]?.applied).toEqual([]);
  });

  it('reverts the later of two patches applied in one run to the same file (the in-between image is kept)', async () => {
    const root = demoTree();
    const { a, b } = stackPatches();
    await applyPatchesToTree({ ...quiet, tree: root, patches: [a, b], allowUnsigned: true });
    await revertTree({ tree: root, patchIds: ['Acme-Demo-B'], waitMs: 0 });
    expect(readFileSync(join(root, PM), 'latin1')).toMatch(/^package Acme::Demo; # A\n/);
    await revertTree({ tree: root, patchIds: ['Acme-Demo-A'], waitMs: 0 });
    expect(readFileSync(join(root, PM), 'latin1')).toBe(DEMO_PM);
  });

  describe('when a patched file changed since (drift)', () => {
    it('status reports it, revert refuses with DRIFT, and --force restores while saving the edit', async () => {
      const root = demoTree();
      const { a } = stackPatches();
      await applyPatchesToTree({ ...quiet, tree: root, patches: [a], allowUnsigned: true });
      const { chmodSync } = await import('node:fs');
      chmodSync(join(root, PM), 0o644);
      writeFileSync(join(root, PM), 'edited by hand\n');
      const status = await statusOfTrees({ trees: [root], repo: false });
      expect(status.trees[0]?.summary).toMatchObject({ applied: 0, drifted: 1 });
      expect(status.trees[0]?.applied[0]?.files[0]?.condition).toBe('drifted');
      await expect(revertTree({ tree: root, patchIds: ['Acme-Demo-A'], waitMs: 0 })).rejects.toMatchObject({
        code: 'DRIFT',
      });
      const r = await revertTree({ tree: root, patchIds: ['Acme-Demo-A'], force: true, waitMs: 0 });
      const saved = r.reverted[0]?.files[0]?.savedAs as string;
      expect(readFileSync(join(root, saved), 'latin1')).toBe('edited by hand\n');
      expect(sha256(readFileSync(join(root, PM)))).toBe(sha256(DEMO_PM));
      expect(statSync(join(root, PM)).mode & 0o777).toBe(0o444);
    });
  });
});

/** An in-memory repository: what status and apply ask of src/repo, without TUF. */
function fakeRepo(patches: TreePatch[], revoked: string[] = []): TreePatchSource {
  return {
    name: 'fake',
    forDistribution: (dist) => patches.filter((p) => p.dist === dist && !revoked.includes(p.id)).map((p) => p.id),
    load: async (id) => patches.find((p) => p.id === id) as TreePatch,
    isRevoked: (id) => revoked.includes(id),
    revocationReason: () => 'broke things',
  };
}

describe('patches from a repository', () => {
  it('status lists what is available; apply without --patch applies it; a revoked patch is flagged', async () => {
    const { loadPatchFile } = await import('../../src/api/tree-patches.js');
    const { trustedKeysFor } = await import('../../src/api/tree-patches.js');
    const patch = await loadPatchFile(signedPatch(), {}, await trustedKeysFor({ keys: [KEY] }));
    const root = demoTree();
    const repo = fakeRepo([{ ...patch, source: 'repository' }]);
    const s1 = await statusOfTrees({ trees: [root], repository: repo });
    expect(s1.trees[0]?.available).toEqual([
      {
        patchId: 'Acme-Demo-CVE-2099-0001',
        dist: 'Acme-Demo',
        version: '1.00',
        location: 'lib/perl5',
        needsRebuild: false,
      },
    ]);
    // The same patch touching XS code is still listed, but marked: apply --tree would refuse it.
    const xsFile = parsePatchFile(new TextEncoder().encode('--- a/Demo.xs\n+++ b/Demo.xs\n@@ -1 +1 @@\n-a\n+b\n'));
    const xs = await statusOfTrees({
      trees: [root],
      repository: fakeRepo([{ ...patch, file: xsFile, source: 'repository' }]),
    });
    expect(xs.trees[0]?.available[0]?.needsRebuild).toBe(true);
    const r = await applyPatchesToTree({ tree: root, repository: repo, waitMs: 0 });
    expect(r.patches[0]?.installs[0]?.outcome).toBe('applied');
    const s2 = await statusOfTrees({ trees: [root], repository: fakeRepo([], ['Acme-Demo-CVE-2099-0001']) });
    expect(s2.trees[0]?.available).toEqual([]);
    expect(s2.trees[0]?.applied[0]).toMatchObject({
      condition: 'applied',
      revoked: true,
      revocationReason: 'broke things',
      source: 'repository',
    });
  });
});
