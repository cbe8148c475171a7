/** Runs the CLI in this process (src/cli/main.ts with captured streams): the whole command path without a spawn. */
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';

export interface MainRun {
  code: number;
  stdout: string;
  stderr: string;
  json: {
    ok: boolean;
    result?: unknown;
    error?: { code: string; exitCode: number; message: string; details?: Record<string, unknown> };
  };
}

function sink(into: string[]): Writable & { isTTY?: boolean } {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      into.push(chunk.toString());
      cb();
    },
  });
}

export async function runMain(args: string[], env: Record<string, string | undefined> = {}): Promise<MainRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { stdout: sink(out), stderr: sink(err), env: { NO_COLOR: '1', ...env } });
  const stdout = out.join('');
  return { code, stdout, stderr: err.join(''), json: args.includes('--json') ? JSON.parse(stdout) : { ok: false } };
}
