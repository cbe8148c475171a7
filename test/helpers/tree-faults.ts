/**
 * The crash harness shared by test/tree/faults.test.ts (a few trials) and
 * test/bench/tree-faults.ts (hundreds): a small installed tree, a patch that
 * changes three files and creates a fourth, real processes killed with
 * SIGKILL at named steps (CPANSEC_TEST_FAULT, src/tree/fault.ts) or after a
 * random delay, then the real CLI's `recover` and `status`. After recovery
 * the tree must be entirely original or entirely patched, and status must
 * say which.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from './cli.js';
import { snapshot, writeTree } from './tree.js';

/** `cpansec-patch apply --json`, as argv after node: the tree tests drive the real CLI. */
export const APPLY_CLI = [BIN, 'apply', '--json'];

/** The named steps and how often a run of the fixture passes each (apply and revert alike). */
export const FAULT_STEPS: Record<'apply' | 'revert', Record<string, number>> = {
  apply: {
    'lock-taken': 1,
    'objects-written': 1,
    'journal-staging': 1,
    'temp-written': 4,
    'journal-committing': 1,
    renamed: 4,
    'state-written': 1,
    'journal-removed': 1,
  },
  // Three originals to write back, one created file to remove.
  revert: {
    'lock-taken': 1,
    'objects-written': 1,
    'journal-staging': 1,
    'temp-written': 3,
    'journal-committing': 1,
    renamed: 4,
    'state-written': 1,
    'journal-removed': 1,
  },
};

const PATCH = `Distribution: Acme-Fault
Patch-Id: Acme-Fault-1

--- a/lib/Acme/Fault.pm
+++ b/lib/Acme/Fault.pm
@@ -1,2 +1,2 @@
 package Acme::Fault;
-our $VERSION = '1.00';
+our $VERSION = '1.00'; # patched
--- a/lib/Acme/Fault/One.pm
+++ b/lib/Acme/Fault/One.pm
@@ -1 +1 @@
-package Acme::Fault::One; 1;
+package Acme::Fault::One; 2;
--- a/lib/Acme/Fault/Two.pm
+++ b/lib/Acme/Fault/Two.pm
@@ -1 +1 @@
-package Acme::Fault::Two; 1;
+package Acme::Fault::Two; 2;
--- /dev/null
+++ b/lib/Acme/Fault/New/Three.pm
@@ -0,0 +1 @@
+package Acme::Fault::New::Three; 1;
`;

export interface FaultFixture {
  dir: string;
  patch: string;
  original: Record<string, string>;
  patched: Record<string, string>;
  fresh(): string;
  cleanup(): void;
}

export function run(
  args: string[],
  env: Record<string, string> = {},
  runner = BIN,
): {
  code: number | null;
  signal: NodeJS.Signals | null;
  json: { ok: boolean; result?: unknown; error?: { code: string } } | undefined;
  stderr: string;
} {
  const r = spawnSync(process.execPath, [runner, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
    timeout: 60_000,
  });
  let json;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    json = undefined;
  }
  return { code: r.status, signal: r.signal, json, stderr: r.stderr };
}

/** `cpansec-patch apply --json ARGS` (the --tree mode when ARGS has --tree). */
export function runApply(args: string[], env: Record<string, string> = {}): ReturnType<typeof run> {
  return run(['apply', '--json', ...args], env);
}

export function makeFaultFixture(): FaultFixture {
  const dir = mkdtempSync(join(tmpdir(), 'cpansec-faults-'));
  const template = join(dir, 'template');
  writeTree(template, {
    'lib/perl5/Acme/Fault.pm': ["package Acme::Fault;\nour $VERSION = '1.00';\n", 0o444],
    'lib/perl5/Acme/Fault/One.pm': ['package Acme::Fault::One; 1;\n', 0o444],
    'lib/perl5/Acme/Fault/Two.pm': ['package Acme::Fault::Two; 1;\n', 0o444],
  });
  writeTree(template, {
    'lib/perl5/x86_64-linux-gnu-thread-multi/auto/Acme/Fault/.packlist': ['Fault.pm', 'Fault/One.pm', 'Fault/Two.pm']
      .map((f) => `${template}/lib/perl5/Acme/${f}\n`)
      .join(''),
  });
  const patch = join(dir, 'Acme-Fault-1.patch');
  writeFileSync(patch, PATCH);
  let n = 0;
  const fresh = (): string => {
    const t = join(dir, `t${n++}`);
    cpSync(template, t, { recursive: true });
    return t;
  };
  const done = fresh();
  const r = runApply(['--tree', done, '--patch', patch, '--allow-unsigned', '--wait', '0'], {});
  const outcome = (r.json?.result as { patches?: { installs: { outcome: string }[] }[] } | undefined)?.patches?.[0]
    ?.installs[0]?.outcome;
  if (r.code !== 0 || outcome !== 'applied') throw new Error(`fixture apply failed: ${outcome} ${r.stderr}`);
  return {
    dir,
    patch,
    original: snapshot(template),
    patched: snapshot(done),
    fresh,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export type TrialResult = { ok: true; ended: 'original' | 'patched'; killed: boolean } | { ok: false; why: string };

function applyArgs(f: FaultFixture, tree: string): string[] {
  return ['--tree', tree, '--patch', f.patch, '--allow-unsigned', '--wait', '5'];
}

/** Which whole state the tree is in, or undefined when it is a mix (the failure we look for). */
export function wholeState(f: FaultFixture, tree: string): 'original' | 'patched' | undefined {
  const snap = snapshot(tree);
  if (JSON.stringify(snap) === JSON.stringify(f.original)) return 'original';
  if (JSON.stringify(snap) === JSON.stringify(f.patched)) return 'patched';
  return undefined;
}

/** After a crash: recover, then the tree must be whole and status must agree. */
export function settle(f: FaultFixture, tree: string, killed: boolean): TrialResult {
  const rec = run(['recover', '--tree', tree, '--json', '--wait', '5']);
  if (rec.code !== 0) return { ok: false, why: `recover exited ${rec.code}: ${rec.stderr}` };
  const ended = wholeState(f, tree);
  if (ended === undefined) return { ok: false, why: `mixed tree after recover: ${JSON.stringify(snapshot(tree))}` };
  const st = run(['status', '--tree', tree, '--json', '--no-repo']);
  const t = (st.json?.result as { trees: { applied: { condition: string }[]; interrupted?: unknown }[] } | undefined)
    ?.trees[0];
  if (!t || t.interrupted)
    return { ok: false, why: `status still reports an interrupted run: ${JSON.stringify(st.json)}` };
  const says =
    t.applied.length === 1 && t.applied[0]?.condition === 'applied'
      ? 'patched'
      : t.applied.length === 0
        ? 'original'
        : 'other';
  if (says !== ended) return { ok: false, why: `status says ${says}, the files are ${ended}` };
  return { ok: true, ended, killed };
}

/** Apply or revert, killed at `step` (n-th time), then recover. */
export function namedTrial(f: FaultFixture, op: 'apply' | 'revert', step: string, n: number): TrialResult {
  const tree = f.fresh();
  if (op === 'revert' && runApply(applyArgs(f, tree), {}).code !== 0) return { ok: false, why: 'setup apply failed' };
  const env = { CPANSEC_TEST_FAULT: `${step}:${n}` };
  const r =
    op === 'apply'
      ? runApply(applyArgs(f, tree), env)
      : run(['revert', '--all', '--tree', tree, '--json', '--wait', '5'], env);
  return settle(f, tree, r.signal === 'SIGKILL');
}

/** Apply or revert, killed by SIGKILL from outside after `delayMs`. */
export async function timedTrial(f: FaultFixture, op: 'apply' | 'revert', delayMs: number): Promise<TrialResult> {
  const tree = f.fresh();
  if (op === 'revert' && runApply(applyArgs(f, tree), {}).code !== 0) return { ok: false, why: 'setup apply failed' };
  const args =
    op === 'apply'
      ? [...APPLY_CLI, ...applyArgs(f, tree)]
      : [BIN, 'revert', '--all', '--tree', tree, '--json', '--wait', '5'];
  const child = spawn(process.execPath, args, { stdio: 'ignore' });
  const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, s) => resolve(s)));
  clearTimeout(timer);
  return settle(f, tree, signal === 'SIGKILL');
}
