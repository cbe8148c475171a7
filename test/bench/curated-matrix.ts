/**
 * The full test matrix of the curated repository (docs/curated.md): every
 * patch of the embedded repository (patches/, read and verified like any
 * repository) × every release of its distribution in ../shared/corpus that
 * its Affected-Versions cover, through `cpansec-patch test` (apply, the
 * release's own `make test`, the regression test passing after and failing
 * before). Builds XS distributions and runs DBI's suite twice: a few minutes.
 *
 *   npx tsx test/bench/curated-matrix.ts            # print the table
 *   npx tsx test/bench/curated-matrix.ts --write    # and put it into docs/curated.md
 *
 * Exit status 1 when any cell fails. Logs go to .cache/curated-matrix/.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findReleaseTarballs } from '../../src/api/release-find.js';
import { testPatch } from '../../src/api/test-patch.js';
import { nodeBlake2b512, nodeEd25519 } from '../../src/crypto/node-ed25519.js';
import { isAffected, parseAffectedVersions, parseVersionList } from '../../src/core/version/affected.js';
import { CpansecError } from '../../src/errors.js';
import { openRepository } from '../../src/repo/index.js';
import { PROJECT_ROOT, sharedPath } from '../helpers/shared.js';
import type { TestPatchResult } from '../../src/api/test-patch.js';

interface Row {
  patchId: string;
  dist: string;
  cve: string;
  version: string;
  kind: 'pure-Perl' | 'XS';
  applied: string;
  distTests: string;
  failsBefore: string;
  passesAfter: string;
  seconds: number;
  verdict: 'pass' | 'fail';
}

const yesNo = (v: boolean | null): string => (v === null ? '-' : v ? 'yes' : 'NO');
const START = '<!-- curated-matrix:start -->';
const END = '<!-- curated-matrix:end -->';

async function main(): Promise<void> {
  const work = join(PROJECT_ROOT, '.cache', 'curated-matrix');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const repo = await openRepository({
    cache: join(work, 'repo-cache'),
    crypto: { verifier: nodeEd25519, hasher: nodeBlake2b512 },
  });
  const rows: Row[] = [];
  const entries = repo
    .patches()
    .sort((a, b) => a.distribution.localeCompare(b.distribution) || a.patchId.localeCompare(b.patchId));
  for (const entry of entries) {
    const verified = await repo.readPatch(entry);
    const patch = join(work, `${entry.patchId}.patch`);
    writeFileSync(patch, verified.bytes);
    const xs = verified.file.diff.files.some((f) => /\.(xs|c|h)$/.test(f.newName ?? f.oldName ?? ''));
    const affected = parseAffectedVersions(entry.affectedVersions);
    const fixed = parseVersionList(entry.fixedVersions.join(', '));
    const seen = new Set<string>();
    for (const t of await findReleaseTarballs([sharedPath('corpus')], entry.distribution)) {
      if (!t.supported || seen.has(t.version) || !isAffected(affected, t.version, fixed)) continue;
      seen.add(t.version);
      process.stderr.write(`${entry.patchId} on ${t.file} ...`);
      const started = Date.now();
      let r: TestPatchResult;
      try {
        r = await testPatch({
          patch,
          tarball: t.path,
          log: join(work, `${entry.patchId}-${t.version}.log`),
          timeout: 900,
        });
      } catch (err) {
        if (!(err instanceof CpansecError) || err.details?.['result'] === undefined) throw err;
        r = err.details['result'] as TestPatchResult;
      }
      const seconds = (Date.now() - started) / 1000;
      process.stderr.write(` ${r.verdict} (${seconds.toFixed(0)} s)\n`);
      rows.push({
        patchId: entry.patchId,
        dist: entry.distribution,
        cve: [...entry.cve, ...entry.cpansa].join(', '),
        version: t.version,
        kind: xs ? 'XS' : 'pure-Perl',
        applied: r.apply.outcome,
        distTests: r.distTests,
        failsBefore: yesNo(r.regression.failsBefore),
        passesAfter: yesNo(r.regression.passesAfter),
        seconds,
        verdict: r.verdict,
      });
    }
  }
  const table = [
    '| patch | distribution | advisory | version | kind | applied | dist tests (patched) | regression test fails before | passes after | verdict | time |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.patchId} | ${r.dist} | ${r.cve} | ${r.version} | ${r.kind} | ${r.applied} | ${r.distTests} | ${r.failsBefore} | ${r.passesAfter} | ${r.verdict} | ${r.seconds.toFixed(0)} s |`,
    ),
  ].join('\n');
  process.stdout.write(`${table}\n`);
  if (process.argv.includes('--write')) {
    const path = join(PROJECT_ROOT, 'docs', 'curated.md');
    const doc = readFileSync(path, 'utf8');
    const a = doc.indexOf(START);
    const b = doc.indexOf(END);
    if (a < 0 || b < a) throw new Error(`${path} has no ${START} … ${END} markers`);
    writeFileSync(path, `${doc.slice(0, a + START.length)}\n${table}\n${doc.slice(b)}`);
    process.stderr.write(`wrote the table into ${path}\n`);
  }
  if (rows.some((r) => r.verdict !== 'pass')) process.exitCode = 1;
}

await main();
