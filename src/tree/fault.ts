/**
 * Test-only fault points, so that the fault tests can stop a run at a named
 * step instead of hoping a timer lands there. Inert unless the environment
 * variable CPANSEC_TEST_FAULT is set, which nothing but the tests and
 * test/bench/tree-faults.ts do (docs/installed-trees.md, "Testing crashes"):
 *
 *   CPANSEC_TEST_FAULT=<step>[:<n>][:kill|:sleep=<ms>]
 *
 * At the n-th time (default 1) the run reaches <step> the process kills
 * itself with SIGKILL (the default: no cleanup code runs, exactly like
 * kill -9 from outside) or sleeps (to hold the lock for a concurrency test).
 * Steps: lock-taken, objects-written, journal-staging, temp-written,
 * journal-committing, renamed, state-written, journal-removed.
 */
interface FaultSpec {
  step: string;
  n: number;
  action: { kind: 'kill' } | { kind: 'sleep'; ms: number };
}

let spec: FaultSpec | null | undefined;
const seen = new Map<string, number>();

function parseSpec(text: string | undefined): FaultSpec | null {
  if (text === undefined || text === '') return null;
  const [step, count, action] = text.split(':');
  if (step === undefined || step === '') return null;
  const n = count === undefined || count === '' ? 1 : Number(count);
  const sleep = /^sleep=(\d+)$/.exec(action ?? '');
  return {
    step,
    n: Number.isInteger(n) && n > 0 ? n : 1,
    action: sleep ? { kind: 'sleep', ms: Number(sleep[1]) } : { kind: 'kill' },
  };
}

export async function faultPoint(step: string): Promise<void> {
  if (spec === undefined) spec = parseSpec(process.env['CPANSEC_TEST_FAULT']);
  if (spec === null || spec.step !== step) return;
  const n = (seen.get(step) ?? 0) + 1;
  seen.set(step, n);
  if (n !== spec.n) return;
  if (spec.action.kind === 'sleep') {
    await new Promise((resolve) => setTimeout(resolve, (spec as FaultSpec & { action: { ms: number } }).action.ms));
    return;
  }
  process.kill(process.pid, 'SIGKILL');
  // SIGKILL is delivered before the next instruction in practice; never continue past a kill point.
  await new Promise(() => undefined);
}
