/**
 * The crash stress run (issue 5 §6): many apply and revert runs of the
 * fault fixture, each killed with SIGKILL, then `recover`; every trial must
 * end with the tree entirely original or entirely patched, and `status` must
 * agree (test/helpers/tree-faults.ts does the checking).
 *
 * Two kinds of kill, alternating:
 *   named   CPANSEC_TEST_FAULT=<step>:<n> makes the run kill itself at a
 *           random occurrence of a random step (every step is reachable);
 *   timed   the parent sends SIGKILL after a random delay (0-400 ms), so
 *           the kill lands wherever the run happens to be.
 *
 *   npx tsx test/bench/tree-faults.ts [--trials N] [--seed S]    (needs `npm run build`)
 *
 * Default 240 trials (120 apply, 120 revert); exits 1 if any trial fails.
 */
import { pathToFileURL } from 'node:url';
import { FAULT_STEPS, makeFaultFixture, namedTrial, timedTrial } from '../helpers/tree-faults.js';
import { machine } from './lib.js';
import type { TrialResult } from '../helpers/tree-faults.js';

/** mulberry32: a small seeded generator, so a failing run can be repeated with --seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FaultTally {
  trials: number;
  killed: number;
  endedOriginal: number;
  endedPatched: number;
  failures: string[];
  byKind: Record<string, number>;
}

export async function runFaultTrials(
  trials = 240,
  seed = 20261126,
  onProgress?: (line: string) => void,
): Promise<FaultTally> {
  const rnd = random(seed);
  const fixture = makeFaultFixture();
  const tally: FaultTally = { trials: 0, killed: 0, endedOriginal: 0, endedPatched: 0, failures: [], byKind: {} };
  try {
    for (let i = 0; i < trials; i++) {
      const op = i % 2 === 0 ? 'apply' : 'revert';
      let r: TrialResult;
      let kind: string;
      if (i % 4 < 2) {
        const steps = Object.entries(FAULT_STEPS[op]);
        const [step, count] = steps[Math.floor(rnd() * steps.length)] as [string, number];
        const n = 1 + Math.floor(rnd() * count);
        kind = `${op} named ${step}`;
        r = namedTrial(fixture, op, step, n);
      } else {
        const delay = Math.floor(rnd() * 400);
        kind = `${op} timed`;
        r = await timedTrial(fixture, op, delay);
        kind += r.ok && !r.killed ? ' (finished before the kill)' : '';
      }
      tally.trials++;
      tally.byKind[kind] = (tally.byKind[kind] ?? 0) + 1;
      if (r.ok) {
        if (r.killed) tally.killed++;
        if (r.ended === 'original') tally.endedOriginal++;
        else tally.endedPatched++;
      } else {
        tally.failures.push(`trial ${i} (${kind}): ${r.why}`);
      }
      if ((i + 1) % 20 === 0) onProgress?.(`${i + 1}/${trials} trials, ${tally.failures.length} failure(s)`);
    }
  } finally {
    fixture.cleanup();
  }
  return tally;
}

export async function benchTreeFaults(trials = 240): Promise<Record<string, string>> {
  const t = await runFaultTrials(trials);
  return {
    trials: String(t.trials),
    'killed with SIGKILL': String(t.killed),
    'whole after recover: original / patched': `${t.endedOriginal} / ${t.endedPatched}`,
    failures: t.failures.length === 0 ? '0' : `${t.failures.length}: ${t.failures.slice(0, 3).join('; ')}`,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = (name: string, dflt: number): number => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : dflt;
  };
  const trials = arg('--trials', 240);
  const seed = arg('--seed', 20261126);
  console.log(`Machine: ${machine()}\nDate: ${new Date().toISOString().slice(0, 10)}\nSeed: ${seed}\n`);
  const t0 = Date.now();
  const t = await runFaultTrials(trials, seed, (line) => console.error(line));
  console.log(`| measure | value |\n| --- | --- |`);
  console.log(`| trials | ${t.trials} |`);
  console.log(`| killed with SIGKILL | ${t.killed} |`);
  console.log(`| whole after recover: original / patched | ${t.endedOriginal} / ${t.endedPatched} |`);
  console.log(`| failures | ${t.failures.length} |`);
  console.log(`| time | ${((Date.now() - t0) / 1000).toFixed(0)} s |`);
  console.log('\nby kind:');
  for (const [k, v] of Object.entries(t.byKind).sort()) console.log(`  ${k}: ${v}`);
  for (const f of t.failures) console.log(`FAIL ${f}`);
  process.exitCode = t.failures.length === 0 ? 0 : 1;
}
