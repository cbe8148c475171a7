/**
 * Keeps the raw bytes of a stream from a moving floor onwards, so the reader
 * can look at exactly what lay between two entries (the extension headers
 * tar-stream consumed without showing them). Bytes below the floor (entry
 * data, which tar-stream streams) are never kept, so memory stays bounded by
 * the header bytes between two entries, not by the size of the archive.
 */
import { CpansecError } from '../errors.js';

export class ByteRecorder {
  private chunks: { start: number; bytes: Uint8Array }[] = [];
  private total = 0;
  private floor = 0;
  private kept = 0;

  constructor(private readonly maxKept: number) {}

  /** Appends the next bytes of the stream. @throws CpansecError TARBALL_INVALID past `maxKept` */
  push(chunk: Uint8Array): void {
    const start = this.total;
    this.total += chunk.length;
    if (this.total <= this.floor) return;
    const from = Math.max(0, this.floor - start);
    const bytes = from === 0 ? chunk : chunk.subarray(from);
    this.chunks.push({ start: start + from, bytes });
    this.kept += bytes.length;
    if (this.kept > this.maxKept) {
      throw new CpansecError(
        'TARBALL_INVALID',
        `more than ${this.maxKept} bytes of headers or padding between two tar entries`,
        { details: { reason: 'between-entries', offset: this.floor } },
      );
    }
  }

  /** Forgets everything before `position`. */
  dropBelow(position: number): void {
    if (position <= this.floor) return;
    this.floor = position;
    while (this.chunks.length > 0) {
      const first = this.chunks[0] as { start: number; bytes: Uint8Array };
      const end = first.start + first.bytes.length;
      if (end <= position) {
        this.chunks.shift();
        this.kept -= first.bytes.length;
      } else {
        if (first.start < position) {
          const cut = position - first.start;
          first.bytes = first.bytes.subarray(cut);
          first.start = position;
          this.kept -= cut;
        }
        break;
      }
    }
  }

  /** A copy of the bytes [from, to); they must all still be kept. */
  take(from: number, to: number): Uint8Array {
    if (from < this.floor || to > this.total || to < from) {
      throw new CpansecError(
        'INTERNAL',
        `byte recorder: range ${from}-${to} not kept (floor ${this.floor}, end ${this.total})`,
      );
    }
    const out = new Uint8Array(to - from);
    for (const { start, bytes } of this.chunks) {
      const end = start + bytes.length;
      if (end <= from) continue;
      if (start >= to) break;
      const a = Math.max(from, start);
      const b = Math.min(to, end);
      out.set(bytes.subarray(a - start, b - start), a - from);
    }
    return out;
  }

  /** Up to `length` bytes from `from`, or undefined when they are not (all) kept. */
  peek(from: number, length: number): Uint8Array | undefined {
    if (from < this.floor || from + length > this.total) return undefined;
    return this.take(from, from + length);
  }
}
