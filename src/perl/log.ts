/**
 * The build log of `cpansec-patch test`: every step's command line and its
 * whole output, in order, in one file that outlives the build directory
 * (its path is in the result). Written synchronously, so output from a step
 * never lands under the next step's heading.
 */
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { ioError } from '../files/atomic.js';

export class BuildLog {
  private fd: number | undefined;

  /** Creates `path` (it must not exist: O_EXCL, no link followed). */
  constructor(readonly path: string) {
    try {
      this.fd = openSync(
        path,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW | constants.O_APPEND,
        0o644,
      );
    } catch (err) {
      throw ioError(err, `cannot create the build log ${path}`);
    }
  }

  write(data: string | Uint8Array): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }

  note(line: string): void {
    this.write(`# ${line}\n`);
  }

  step(name: string, argv: readonly string[], cwd: string): void {
    this.write(`\n=== ${name}: ${argv.map(quote).join(' ')}   (in ${cwd})\n`);
  }

  end(status: string, code: number | null, signal: string | null, ms: number): void {
    const how = signal !== null ? `signal ${signal}` : `exit ${code}`;
    this.write(`=== ${status} (${how}, ${(ms / 1000).toFixed(1)} s)\n`);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Shell-style quoting for display only; nothing is ever run through a shell. */
export function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
