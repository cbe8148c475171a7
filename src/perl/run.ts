/**
 * Running one build or test step of a third-party distribution: perl, make,
 * prove. Only ever with an argv array (no shell), in a directory the caller
 * made under its temp dir, with a scrubbed environment whose HOME and TMPDIR
 * are inside that temp dir, stdin closed, and a timeout. Each step runs in a
 * process group of its own, so a timeout (or a test that leaves a server
 * behind) takes every process it started with it. Output goes to the build
 * log as it arrives; the result keeps the last lines for the report.
 */
import { spawn } from 'node:child_process';
import { CpansecError } from '../errors.js';
import type { BuildLog } from './log.js';

export type StepStatus = 'ok' | 'failed' | 'timeout';

export interface StepResult {
  /** What the step is for ("build (patched)", "dist tests", ...). */
  name: string;
  /** The argv, for the report (the program is argv[0]). */
  command: string[];
  /** The directory it ran in, relative to the build root. */
  cwd: string;
  status: StepStatus;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  /** The last lines of output. */
  tail: string[];
}

export interface StepOptions {
  name: string;
  argv: readonly string[];
  /** Absolute directory to run in. */
  cwd: string;
  /** How to show cwd in the report. */
  cwdLabel: string;
  env: Record<string, string>;
  timeoutMs: number;
  log: BuildLog;
  /** Lines of output to keep in the result. */
  tailLines?: number;
}

const KILL_GRACE_MS = 3000;

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * @throws CpansecError TOOL_FAILED when the program cannot be started at all
 *   (not installed); a program that runs and fails is a 'failed' step.
 */
export async function runStep(options: StepOptions): Promise<StepResult> {
  const [program, ...args] = options.argv;
  if (program === undefined) throw new CpansecError('INTERNAL', 'runStep without a program');
  const started = Date.now();
  options.log.step(options.name, options.argv, options.cwdLabel);
  const keep = options.tailLines ?? 40;
  const tail: string[] = [];
  let partial = '';
  const take = (chunk: Buffer): void => {
    options.log.write(chunk);
    const text = partial + chunk.toString('utf8');
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    tail.push(...lines);
    if (tail.length > keep) tail.splice(0, tail.length - keep);
  };
  return new Promise((resolveStep, reject) => {
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      shell: false,
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, 'SIGTERM');
      setTimeout(() => killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS).unref();
    }, options.timeoutMs);
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(
        new CpansecError('TOOL_FAILED', `cannot run ${program}: ${err.message}`, {
          hint: `is ${program} installed and on PATH?`,
          details: { program },
          cause: err,
        }),
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // Whatever the step left running (a forked test server) goes with it.
      killGroup(child.pid, 'SIGKILL');
      if (partial !== '') tail.push(partial);
      if (tail.length > keep) tail.splice(0, tail.length - keep);
      const durationMs = Date.now() - started;
      const status: StepStatus = timedOut ? 'timeout' : code === 0 ? 'ok' : 'failed';
      options.log.end(status, code, signal, durationMs);
      resolveStep({
        name: options.name,
        command: [...options.argv],
        cwd: options.cwdLabel,
        status,
        exitCode: code,
        signal,
        durationMs,
        tail,
      });
    });
  });
}

/** Variables kept from the caller's environment by default: where programs are, and nothing else. */
const BASE_KEEP = ['PATH'];

/**
 * The environment of a build: the caller's PATH (and any variables named in
 * `pass`), a HOME and TMPDIR inside the build's temp dir, the C locale, and
 * the switches that keep Makefile.PL and tests from prompting. PERL5LIB,
 * PERL5OPT, PERL_MM_OPT, PERL_MB_OPT, MAKEFLAGS and the rest are dropped
 * unless passed explicitly.
 */
export function buildEnv(
  source: Record<string, string | undefined>,
  dirs: { home: string; tmp: string },
  pass: readonly string[] = [],
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of [...BASE_KEEP, ...pass]) {
    const v = source[k];
    if (v !== undefined) env[k] = v;
  }
  return {
    ...env,
    HOME: dirs.home,
    TMPDIR: dirs.tmp,
    LANG: 'C',
    LC_ALL: 'C',
    PERL_MM_USE_DEFAULT: '1',
    AUTOMATED_TESTING: '1',
    NONINTERACTIVE_TESTING: '1',
    PERL_CANARY_STABILITY_NOPROMPT: '1',
  };
}
