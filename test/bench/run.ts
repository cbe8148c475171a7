/**
 * `npm run bench`: every benchmark, printed as markdown for docs/benchmarks.md.
 * Usage: tsx test/bench/run.ts [name...]   (names: cold-start, corpus, large, verify-rate)
 */
import { existsSync } from 'node:fs';
import { benchColdStart } from './cold-start.js';
import { machine } from './lib.js';
import { benchCorpus, benchLargePatch } from './patch-engine.js';
import { benchVerifyRate } from './verify-rate.js';
import { sharedPath } from '../helpers/shared.js';

const BENCHES: Record<
  string,
  { title: string; run: () => Promise<Record<string, string>> | Record<string, string>; needs?: string }
> = {
  'cold-start': { title: 'CLI cold start', run: () => benchColdStart() },
  corpus: { title: 'GNU patch corpus, whole run', run: () => benchCorpus(), needs: sharedPath('corpus') },
  large: { title: 'Large synthetic patch', run: () => benchLargePatch() },
  'verify-rate': { title: 'Ed25519 verify rate', run: () => benchVerifyRate() },
};

const wanted = process.argv.slice(2);
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
