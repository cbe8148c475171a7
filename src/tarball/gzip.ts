/**
 * Deterministic gzip, compressed on several threads: the tar stream is cut
 * into fixed 128 KiB blocks, each compressed by node:zlib's raw deflate in
 * the thread pool, primed with the previous block's last 32 KiB (the deflate
 * window) and ended with a sync flush, so the pieces concatenate into one
 * valid deflate stream (pigz's method). One gzip member: a header with no
 * name and a zero mtime, then the blocks, then CRC-32 and length (RFC 1952).
 *
 * The bytes depend only on the input, the level and the block size (and the
 * zlib version), never on timing: blocks are written in order whatever
 * order the threads finish in. Memory is bounded by the blocks in flight.
 */
import { createHash } from 'node:crypto';
import { constants, crc32, deflateRaw } from 'node:zlib';
import type { Writable } from 'node:stream';

/** gzip level of every tarball we write (what `gzip` and `tar czf` use by default). */
export const GZIP_LEVEL = 6;
export const GZIP_BLOCK = 128 * 1024;
const WINDOW = 32 * 1024;
const IN_FLIGHT = 4;
// RFC 1952: ID1 ID2, CM = 8 (deflate), FLG = 0 (no name, comment or extra), MTIME = 0, XFL = 0, OS = 3 (Unix).
const HEADER = Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);

function compress(block: Uint8Array, dictionary: Uint8Array | undefined, last: boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    deflateRaw(
      block,
      {
        level: GZIP_LEVEL,
        ...(dictionary === undefined ? {} : { dictionary }),
        finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
      },
      (err, out) => (err ? reject(err) : resolve(out)),
    );
  });
}

export class ParallelGzip {
  private block = Buffer.allocUnsafe(GZIP_BLOCK);
  private used = 0;
  private previous: Uint8Array | undefined;
  private crc = 0;
  private length = 0;
  private readonly pending: Promise<Buffer>[] = [];
  private readonly hash = createHash('sha256');
  /** Compressed bytes written so far. */
  size = 0;
  private started = false;

  constructor(private readonly sink: Writable) {}

  /** Appends uncompressed bytes; waits when enough blocks are in flight or the sink is full. */
  async write(bytes: Uint8Array): Promise<void> {
    let at = 0;
    while (at < bytes.length) {
      const n = Math.min(bytes.length - at, GZIP_BLOCK - this.used);
      this.block.set(bytes.subarray(at, at + n), this.used);
      this.used += n;
      at += n;
      if (this.used === GZIP_BLOCK) await this.submit(false);
    }
  }

  /** Compresses what is left, writes the trailer, ends the sink. Returns the output's sha256. */
  async end(): Promise<string> {
    await this.submit(true);
    while (this.pending.length > 0) await this.emit(await (this.pending.shift() as Promise<Buffer>));
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(this.crc >>> 0, 0);
    trailer.writeUInt32LE(this.length % 2 ** 32, 4);
    await this.emit(trailer);
    await new Promise<void>((resolve, reject) => {
      this.sink.once('error', reject);
      this.sink.end(() => resolve());
    });
    return this.hash.digest('hex');
  }

  private async submit(last: boolean): Promise<void> {
    const block = this.block.subarray(0, this.used);
    this.crc = crc32(block, this.crc);
    this.length += block.length;
    const dictionary = this.previous?.subarray(Math.max(0, this.previous.length - WINDOW));
    const job = compress(block, dictionary, last);
    job.catch(() => undefined); // awaited in order below; this only keeps an early rejection from being "unhandled"
    this.pending.push(job);
    this.previous = block;
    this.block = Buffer.allocUnsafe(GZIP_BLOCK);
    this.used = 0;
    while (this.pending.length >= IN_FLIGHT) await this.emit(await (this.pending.shift() as Promise<Buffer>));
  }

  private async emit(chunk: Uint8Array): Promise<void> {
    if (!this.started) {
      this.started = true;
      await this.emit(HEADER);
    }
    this.hash.update(chunk);
    this.size += chunk.length;
    if (this.sink.write(chunk)) return;
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error): void => {
        this.sink.off('drain', onDrain);
        this.sink.off('error', done);
        this.sink.off('close', onDrain);
        if (err) reject(err);
        else resolve();
      };
      const onDrain = (): void => done();
      this.sink.once('drain', onDrain);
      this.sink.once('error', done);
      this.sink.once('close', onDrain);
    });
  }
}
