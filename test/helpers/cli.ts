import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from './shared.js';

export const BIN = join(PROJECT_ROOT, 'bin', 'cpansec-patch.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON when --json was passed. */
  json: {
    ok: boolean;
    command: string;
    result?: unknown;
    error?: { code: string; exitCode: number; message: string; hint?: string; details?: Record<string, unknown> };
  };
}

/** Runs the built CLI (dist/ must exist: `npm test` builds first) as a real process. */
export function runCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; asNobody?: boolean } = {},
): CliRun {
  // Root ignores permission bits; to test read-only locations run as nobody (setpriv, util-linux).
  const dropRoot = options.asNobody === true && process.getuid?.() === 0;
  const argv = dropRoot
    ? (['setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, BIN, ...args]] as const)
    : ([process.execPath, [BIN, ...args]] as const);
  const res = spawnSync(argv[0], [...argv[1]], {
    cwd: options.cwd ?? PROJECT_ROOT,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  const stdout = res.stdout ?? '';
  let json: CliRun['json'] = { ok: false, command: '' };
  if (args.includes('--json')) json = JSON.parse(stdout) as CliRun['json'];
  return { code: res.status ?? -1, stdout, stderr: res.stderr ?? '', json };
}

/**
 * runCli without blocking this process: for runs that talk to servers the test itself serves.
 * `env` is the child's whole environment (NO_COLOR added).
 */
export function runCliAsync(
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? PROJECT_ROOT,
      env: { ...(options.env ?? process.env), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const json = args.includes('--json') ? (JSON.parse(stdout) as CliRun['json']) : { ok: false, command: '' };
      resolve({ code: code ?? -1, stdout, stderr, json });
    });
  });
}
