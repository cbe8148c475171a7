/**
 * What `upstream status --all` costs against GitHub's hourly rate limit
 * (issue 7 §6): 500 tracked patches, each forwarded as a pull request on the
 * fake GitHub API (test/helpers/github-fake.ts, which counts every request
 * and charges the limit as GitHub does: a 304 to a conditional request is
 * free), 50 of them merged with a later release on a file:// CPAN mirror.
 * Runs status three times: the first run with an empty ETag memory, a
 * second with nothing changed, a third after 10 pull requests changed.
 *
 * Standalone: npx tsx test/bench/upstream.ts [patches]   (default 500)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { upstreamStatus } from '../../src/api/upstream-status.js';
import { startFakeGitHub } from '../helpers/github-fake.js';
import { buildMirror } from '../helpers/mirror.js';
import { fmt, machine } from './lib.js';

const TOKEN = 'ghp_BenchTokenBenchTokenBenchToken012345';
const OWNER = 'bench';

function patchText(dist: string, id: string, pull: string): string {
  return [
    `Patch-Id: ${id}`,
    `Distribution: ${dist}`,
    'Affected-Versions: <= 1.0',
    'Verified-Versions: 1.0',
    `CVE: CVE-2099-${id.slice(-5)}`,
    'Severity: medium',
    `Description: bench fix for ${dist}`,
    'Author: Bench <bench@example.org>',
    `Forwarded: ${pull}`,
    'Last-Update: 2026-11-25',
    '',
    `diff --git a/lib/X.pm b/lib/X.pm`,
    '--- a/lib/X.pm',
    '+++ b/lib/X.pm',
    '@@ -1,3 +1,3 @@',
    ' package X;',
    "-our $VERSION = '1.0';",
    "+our $VERSION = '1.0_01';",
    ' 1;',
    '',
  ].join('\n');
}

export async function benchUpstreamStatus(n = 500): Promise<Record<string, string>> {
  const work = mkdtempSync(join(tmpdir(), 'cpansec-bench-upstream-'));
  const gh = await startFakeGitHub({ url: 'http://127.0.0.1:1/', root: work }, { autoClose: false });
  try {
    gh.addUser({ login: 'bencher', token: TOKEN, scopes: 'public_repo' });
    const repoDir = join(work, 'repo');
    const mirrorDists = [];
    const tarball = join(work, 'empty.tar.gz');
    writeFileSync(tarball, '');
    for (let i = 0; i < n; i++) {
      const dist = `Bench-Dist${String(i).padStart(4, '0')}`;
      const id = `${dist}-CVE-2099-${String(10000 + i)}`;
      gh.addRepo(OWNER, dist);
      const now = '2026-11-20T10:00:00Z';
      gh.pulls.push({
        number: i + 1,
        base: `${OWNER}/${dist}`,
        baseRef: 'main',
        headOwner: OWNER,
        headRepo: `${OWNER}/${dist}`,
        headRef: `cpansec/${id}`,
        title: id,
        body: '',
        state: i % 10 === 0 ? 'closed' : 'open',
        merged: i % 10 === 0,
        createdAt: now,
        updatedAt: now,
        closedAt: i % 10 === 0 ? now : null,
        mergedAt: i % 10 === 0 ? now : null,
        labels: [],
        author: 'bencher',
        version: 1,
      });
      mkdirSync(join(repoDir, 'patches', dist), { recursive: true });
      writeFileSync(
        join(repoDir, 'patches', dist, `${id}.patch`),
        patchText(dist, id, `${gh.url}/${OWNER}/${dist}/pull/${i + 1}`),
      );
      if (i % 10 === 0) {
        mirrorDists.push({
          path: `B/BE/BENCH/${dist}-1.1.tar.gz`,
          source: tarball,
          packages: [[`Bench::Dist${i}`, '1.1']] as [string, string][],
        });
      }
    }
    const mirrorRoot = join(work, 'mirror');
    buildMirror(mirrorRoot, mirrorDists);
    const env = { PATH: process.env['PATH'] ?? '', HOME: work, GITHUB_TOKEN: TOKEN };
    const options = {
      repo: repoDir,
      all: true,
      githubApi: gh.url,
      env,
      mirror: pathToFileURL(mirrorRoot).href,
      cache: join(work, 'cache', 'downloads'),
    };
    const run = async (): Promise<{
      ms: number;
      sent: number;
      notModified: number;
      charged: number;
      fixed: number;
    }> => {
      const logStart = gh.log.length;
      const started = performance.now();
      const r = await upstreamStatus(options);
      const ms = performance.now() - started;
      const log = gh.log.slice(logStart);
      return {
        ms,
        sent: r.requests.github,
        notModified: r.requests.notModified,
        charged: log.filter((l) => l.charged).length,
        fixed: r.summary['fixed-upstream'],
      };
    };
    const first = await run();
    const second = await run();
    for (const p of gh.pulls.slice(1, 11)) {
      p.title = `${p.title} (edited)`;
      p.version++;
    }
    const third = await run();
    const row = (r: typeof first): string =>
      `${r.sent} requests, ${r.charged} charged against the limit, ${r.notModified} answered 304; ${fmt(r.ms)}`;
    return {
      'tracked patches (pull requests)': `${n} (${n / 10} merged with a fixed release on the mirror: ${first.fixed} found)`,
      'first run (no ETags yet)': row(first),
      'second run, nothing changed': row(second),
      'third run, 10 pull requests changed': row(third),
      'runs per hour within 5,000 requests': `first run ${Math.floor(5000 / Math.max(1, first.charged))}; unchanged runs: no limit (charged ${second.charged})`,
    };
  } finally {
    await gh.close();
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const n = Number(process.argv[2] ?? 500);
  console.log(`Machine: ${machine()}\nDate: ${new Date().toISOString().slice(0, 10)}\n`);
  const rows = await benchUpstreamStatus(n);
  console.log(`### upstream status --all over ${n} tracked patches\n\n| measure | value |\n| --- | --- |`);
  for (const [k, v] of Object.entries(rows)) console.log(`| ${k} | ${v} |`);
  console.log('');
}
