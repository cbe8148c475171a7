/**
 * `npm run bench`: every benchmark, printed as markdown for docs/benchmarks.md.
 * Usage: tsx test/bench/run.ts [name...]   (names: see BENCHES; stress runs such as tree-faults run only when named)
 */
import { existsSync } from 'node:fs';
import { benchColdStart } from './cold-start.js';
import { machine } from './lib.js';
import { benchCorpus, benchLargePatch } from './patch-engine.js';
import { benchVerifyRate } from './verify-rate.js';
import { benchPull, benchRepoVerify } from './repo.js';
import { benchCorpusTarballs, benchMemory } from './tarball.js';
import { benchTreeApply, benchTreeScan } from './tree.js';
import { benchTreeFaults } from './tree-faults.js';
import { benchUpstreamStatus } from './upstream.js';
import { sharedPath } from '../helpers/shared.js';

const BENCHES: Record<
  string,
  { title: string; run: () => Promise<Record<string, string>> | Record<string, string>; needs?: string }
> = {
  'cold-start': { title: 'CLI cold start', run: () => benchColdStart() },
  corpus: { title: 'GNU patch corpus, whole run', run: () => benchCorpus(), needs: sharedPath('corpus') },
  large: { title: 'Large synthetic patch', run: () => benchLargePatch() },
  'verify-rate': { title: 'Ed25519 verify rate', run: () => benchVerifyRate() },
  'repo-verify': { title: 'repo verify of 10,000 signed patches', run: () => benchRepoVerify() },
  pull: { title: 'pull from a loopback HTTP server', run: () => benchPull() },
  tarballs: {
    title: 'apply to the three largest corpus tarballs',
    run: () => benchCorpusTarballs(),
    needs: sharedPath('corpus'),
  },
  'tarball-memory': { title: 'apply: peak memory on synthetic tarballs', run: () => benchMemory() },
  'tree-scan': { title: 'scan + status over 2,000 installed dists', run: () => benchTreeScan() },
  'tree-apply': { title: 'apply --tree of a 10-file patch set', run: () => benchTreeApply() },
  'upstream-status': {
    title: 'upstream status --all over 500 tracked pull requests',
    run: () => benchUpstreamStatus(),
  },
};

/** Long stress runs: only when named (`npm run bench -- tree-faults`). */
const STRESS: typeof BENCHES = {
  'tree-faults': { title: 'kill -9 during apply/revert, then recover (240 trials)', run: () => benchTreeFaults() },
};

const wanted = process.argv.slice(2);
for (const [name, bench] of Object.entries(STRESS)) if (wanted.includes(name)) BENCHES[name] = bench;
console.log(`Machine: ${machine()}\nDate: ${new Date().toISOString().slice(0, 10)}\n`);
for (const [name, bench] of Object.entries(BENCHES)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  if (bench.needs !== undefined && !existsSync(bench.needs)) {
    console.log(`### ${bench.title}\n\nskipped: ${bench.needs} not present\n`);
    continue;
  }
  const rows = await bench.run();
  console.log(`### ${bench.title} (\`npm run bench -- ${name}\`)\n\n| measure | value |\n| --- | --- |`);
  for (const [k, v] of Object.entries(rows)) console.log(`| ${k} | ${v} |`);
  console.log('');
}
