/**
 * Small timing helpers for the benchmark scripts (not tests: nothing here
 * asserts on speed). Medians over repeated runs, because this machine is
 * shared and noisy; every figure comes with the machine it was taken on.
 */
import { spawnSync } from 'node:child_process';
import { cpus, totalmem, release } from 'node:os';

export interface Stats {
  runs: number;
  median: number;
  min: number;
  max: number;
}

export function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { runs: sorted.length, median, min: sorted[0] as number, max: sorted[sorted.length - 1] as number };
}

/** Times an async or sync function `runs` times (after `warmup` untimed runs), in milliseconds. */
export async function timeFn(fn: () => unknown, runs: number, warmup = 1): Promise<Stats> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return stats(samples);
}

/** Times a command (spawned, waited for) `runs` times; fails loudly if it exits non-zero. */
export function timeCommand(
  cmd: string,
  args: string[],
  runs: number,
  options: { cwd?: string; before?: () => void; okCodes?: number[] } = {},
): Stats {
  const samples: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    options.before?.();
    const t0 = process.hrtime.bigint();
    const res = spawnSync(cmd, args, {
      cwd: options.cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (!(options.okCodes ?? [0]).includes(res.status ?? -1)) {
      throw new Error(`${cmd} ${args.join(' ')} exited ${res.status}: ${res.stderr?.toString().slice(0, 500)}`);
    }
    if (i > 0) samples.push(ms); // the first run warms the page cache
  }
  return stats(samples);
}

export function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${release()}, Node ${process.version}`;
}

export function fmt(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}
