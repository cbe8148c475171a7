/**
 * The curated patches of the embedded repository (patches/) against the
 * corpus: every patch applies to every affected release the corpus holds,
 * and `cpansec-patch test` passes on them (the release's own tests pass with
 * the patch, its regression test fails before and passes after). DBI's full
 * test suite takes about a minute per run, so DBI's patches are built only
 * by the full matrix, test/bench/curated-matrix.ts (docs/curated.md has its
 * table); here they are applied and their regression test shape checked.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addedTests } from '../src/api/header-check.js';
import { checkPatchOnTarball } from '../src/api/release-check.js';
import { findReleaseTarballs } from '../src/api/release-find.js';
import { testPatch } from '../src/api/test-patch.js';
import { nodeBlake2b512, nodeEd25519 } from '../src/crypto/node-ed25519.js';
import { CpansecError } from '../src/errors.js';
import { isAffected, parseAffectedVersions, parseVersionList } from '../src/core/version/affected.js';
import { openRepository } from '../src/repo/index.js';
import { hasShared, sharedPath } from './helpers/shared.js';
import { tempDir } from './helpers/tmp.js';

const CORPUS = hasShared('corpus');
const BUILD_TOOLS = ['perl', 'make'].every((t) => spawnSync(t, ['-v']).status === 0);
if (!BUILD_TOOLS) console.warn('skipping the curated builds: perl and make are needed');
/** Built only by test/bench/curated-matrix.ts (a minute each). */
const SLOW = new Set(['DBI']);
/** Modules a release's own test suite needs beyond perl's core (Debian: libtest-needs-perl). */
const PREREQS: Record<string, string[]> = { 'HTTP-Daemon': ['Test::Needs'] };
const missing = (modules: string[]): string[] =>
  modules.filter((m) => spawnSync('perl', [`-M${m}`, '-e', '1']).status !== 0);

async function curated() {
  const repo = await openRepository({
    cache: join(tempDir(), 'cache'),
    crypto: { verifier: nodeEd25519, hasher: nodeBlake2b512 },
  });
  const out = [];
  for (const entry of repo.patches()) {
    const verified = await repo.readPatch(entry);
    const affected = parseAffectedVersions(entry.affectedVersions);
    const fixed = parseVersionList(entry.fixedVersions.join(', '));
    const tarballs = (await findReleaseTarballs([sharedPath('corpus')], entry.distribution)).filter(
      (t) => t.supported && isAffected(affected, t.version, fixed),
    );
    out.push({ entry, file: verified.file, bytes: verified.bytes, tarballs });
  }
  return out;
}

describe.skipIf(!CORPUS)('the curated patches (patches/) on the corpus', () => {
  it('are at least six, for at least five distributions, pure-Perl and XS, one spanning two corpus versions', async () => {
    const all = await curated();
    expect(all.length).toBeGreaterThanOrEqual(6);
    expect(new Set(all.map((p) => p.entry.distribution)).size).toBeGreaterThanOrEqual(5);
    const touches = (ext: RegExp) => all.some((p) => p.file.diff.files.some((f) => ext.test(f.newName ?? '')));
    expect(touches(/\.pm$/)).toBe(true);
    expect(touches(/\.(xs|c)$/)).toBe(true);
    expect(all.some((p) => new Set(p.tarballs.map((t) => t.version)).size >= 2)).toBe(true);
  });

  it('each adds a t/cpansec-*.t regression test and applies to every affected corpus release', async () => {
    for (const p of await curated()) {
      expect(
        addedTests(p.file).some((t) => /^t\/cpansec-.+\.t$/.test(t)),
        p.entry.patchId,
      ).toBe(true);
      expect(p.tarballs.length, `${p.entry.patchId}: no affected release in the corpus`).toBeGreaterThan(0);
      for (const t of p.tarballs) {
        const r = await checkPatchOnTarball(p.file.diff, t.path);
        expect(['clean', 'offset'], `${p.entry.patchId} on ${t.file}`).toContain(r.outcome);
      }
    }
  });

  describe.skipIf(!BUILD_TOOLS)('cpansec-patch test', () => {
    it(
      'passes on every affected corpus release (DBI: see test/bench/curated-matrix.ts)',
      { timeout: 600_000 },
      async () => {
        const dir = tempDir();
        for (const p of await curated()) {
          if (SLOW.has(p.entry.distribution)) continue;
          const absent = missing(PREREQS[p.entry.distribution] ?? []);
          if (absent.length > 0) {
            console.warn(`skipping the ${p.entry.patchId} build: its test suite needs ${absent.join(', ')}`);
            continue;
          }
          const patch = join(dir, `${p.entry.patchId}.patch`);
          writeFileSync(patch, p.bytes);
          const seen = new Set<string>();
          for (const t of p.tarballs) {
            if (seen.has(t.version)) continue;
            seen.add(t.version);
            let r;
            try {
              r = await testPatch({
                patch,
                tarball: t.path,
                log: join(dir, `${p.entry.patchId}-${t.version}.log`),
                timeout: 300,
              });
            } catch (err) {
              // The release does not build here even without the patch: a missing compiler or library, not the patch.
              if (err instanceof CpansecError && err.code === 'TOOL_FAILED') {
                console.warn(`skipping ${p.entry.patchId} on ${t.file}: ${err.message.split('\n')[0]}`);
                continue;
              }
              throw err;
            }
            expect(r, `${p.entry.patchId} on ${t.file}: ${r.reasons.join('; ')}`).toMatchObject({
              verdict: 'pass',
              distTests: 'passed',
              regression: { passesAfter: true, failsBefore: true },
            });
          }
        }
      },
    );
  });
});
