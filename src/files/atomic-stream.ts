/**
 * A file written as a stream and published atomically: the bytes go to a
 * fresh temp file beside the target (O_EXCL, O_NOFOLLOW, mode 0600 while it
 * is written); `commit()` fsyncs it, sets the mode and renames it over the
 * target; `abort()` removes it. Until commit, nothing exists at the target
 * path (or the old file stays there untouched), whatever fails.
 */
import { constants } from 'node:fs';
import { chmod, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ioError, tempNameBeside } from './atomic.js';
import type { Writable } from 'node:stream';

export interface AtomicFile {
  readonly target: string;
  readonly temp: string;
  /** Write here; do not end it, `commit()` does. */
  readonly stream: Writable;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** @throws CpansecError READ_ONLY, IO */
export async function createAtomicFile(target: string, mode = 0o644): Promise<AtomicFile> {
  const temp = tempNameBeside(target);
  let handle;
  try {
    handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (err) {
    throw ioError(err, `cannot write ${target}`);
  }
  // flush: fsync before the stream closes the file (FileHandle.close() would wait for the stream).
  const stream = handle.createWriteStream({ autoClose: true, flush: true, highWaterMark: 256 * 1024 });
  let settled = false;
  const closed = new Promise<void>((resolve, reject) => {
    stream.once('close', resolve);
    stream.once('error', reject);
  });
  closed.catch(() => undefined);
  return {
    target,
    temp,
    stream,
    async commit() {
      if (settled) throw new Error('atomic file already settled');
      settled = true;
      try {
        if (!stream.writableEnded) stream.end();
        await closed;
        await chmod(temp, mode);
        await rename(temp, target);
      } catch (err) {
        stream.destroy();
        await unlink(temp).catch(() => undefined);
        throw ioError(err, `cannot write ${target}`);
      }
      const dir = await open(dirname(target), constants.O_RDONLY).catch(() => undefined);
      await dir?.sync().catch(() => undefined);
      await dir?.close();
    },
    async abort() {
      if (settled) return;
      settled = true;
      stream.destroy();
      await closed.catch(() => undefined);
      await unlink(temp).catch(() => undefined);
    },
  };
}
