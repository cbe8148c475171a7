/**
 * The second pass: stream the same tarball again and write the patched one.
 * Untouched entries are copied as they came (their header blocks byte for
 * byte, pax and GNU extensions included, their data as read); changed
 * entries keep their header blocks except for the size (and the mode when a
 * patch sets it); deleted entries are dropped; created entries are appended
 * in the order given. The output is gzip at a fixed level with a zero
 * header mtime (node:zlib writes no name and no time), so the same input and
 * the same patches give the same bytes.
 */
import { createHash } from 'node:crypto';
import { createGzip } from 'node:zlib';
import { BLOCK, encodeHeader, splitUstarName, withMode, withSize } from '../core/tar/header.js';
import { formatPaxRecords } from '../core/tar/pax.js';
import { CpansecError } from '../errors.js';
import { walkTarball } from './read.js';
import type { Writable } from 'node:stream';
import type { Limits } from '../core/limits.js';
import type { ExtensionBlock, TarEntryHeader } from '../core/tar/chain.js';
import type { TarHeader } from '../core/tar/header.js';
import type { WalkSummary } from './read.js';
import type { ZlibOptions } from 'node:zlib';

/** gzip level of every tarball we write (the level `gzip` and `tar czf` use by default). */
export const GZIP_LEVEL = 6;

export interface ModifiedEntry {
  content: Uint8Array;
  /** New permission bits, when a patch changes the mode. */
  mode?: number;
}

export interface CreatedEntry {
  /** Path below the top directory. Byte string. */
  rel: string;
  content: Uint8Array;
  /** Header fields other than name and size (mode, owner, mtime), from a template entry or the archive's defaults. */
  header: Pick<TarHeader, 'mode' | 'uid' | 'gid' | 'uname' | 'gname' | 'mtime'>;
}

export interface RewritePlan {
  /** The sha256 the first pass saw: the input must not have changed since. */
  sha256: string;
  /** Entries (by path below the top directory) whose content changes. */
  modified: ReadonlyMap<string, ModifiedEntry>;
  /** Entries dropped from the output. */
  deleted: ReadonlySet<string>;
  /** New regular files, appended after the last entry. */
  created: readonly CreatedEntry[];
}

export interface RewriteResult {
  /** sha256 and size of the compressed output. */
  sha256: string;
  size: number;
  /** Uncompressed bytes of the tar stream written. */
  tarBytes: number;
  entries: number;
  input: WalkSummary;
}

const ZERO = new Uint8Array(2 * BLOCK);

/** Accumulates small writes (512-byte headers) into large ones, with the sink's backpressure. */
class BlockWriter {
  private buffer = Buffer.allocUnsafe(256 * 1024);
  private used = 0;
  written = 0;

  constructor(private readonly sink: Writable) {}

  async write(bytes: Uint8Array): Promise<void> {
    this.written += bytes.length;
    if (bytes.length >= this.buffer.length / 2) {
      await this.flush();
      await this.send(bytes);
      return;
    }
    if (this.used + bytes.length > this.buffer.length) await this.flush();
    this.buffer.set(bytes, this.used);
    this.used += bytes.length;
  }

  async pad(size: number): Promise<void> {
    const rest = size % BLOCK;
    if (rest !== 0) await this.write(ZERO.subarray(0, BLOCK - rest));
  }

  async flush(): Promise<void> {
    if (this.used === 0) return;
    const chunk = Buffer.from(this.buffer.subarray(0, this.used));
    this.used = 0;
    await this.send(chunk);
  }

  private async send(chunk: Uint8Array): Promise<void> {
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

function binaryBytes(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** The header blocks of a changed entry: the same blocks, with the new size (and mode) where they carry it. */
export function changedHeaders(header: TarEntryHeader, size: number, mode: number | undefined): Uint8Array[] {
  const blocks: Uint8Array[] = header.extensions.map((ext: ExtensionBlock) => {
    if (ext.kind !== 'pax' || !header.pax.some((r) => r.key === 'size')) return ext.raw;
    const payload = binaryBytes(
      formatPaxRecords(header.pax.map((r) => (r.key === 'size' ? { key: 'size', value: String(size) } : r))),
    );
    const padded = new Uint8Array(BLOCK + Math.ceil(payload.length / BLOCK) * BLOCK);
    padded.set(withSize(ext.raw.subarray(0, BLOCK), payload.length), 0);
    padded.set(payload, BLOCK);
    return padded;
  });
  let block = withSize(header.block, size);
  if (mode !== undefined) block = withMode(block, mode);
  blocks.push(block);
  return blocks;
}

/** The header blocks of a new file: POSIX ustar, with a pax `path` record when the name does not fit. */
export function createdHeaders(top: string, entry: CreatedEntry): Uint8Array[] {
  const name = `${top}/${entry.rel}`;
  const base = {
    ...entry.header,
    size: entry.content.length,
    typeflag: '0',
    linkname: '',
    format: 'ustar' as const,
    devmajor: 0,
    devminor: 0,
  };
  const split = splitUstarName(name);
  if (split !== undefined) return [encodeHeader({ ...base, name: split.name, prefix: split.prefix })];
  const payload = binaryBytes(formatPaxRecords([{ key: 'path', value: name }]));
  const paxHeader = encodeHeader({
    ...base,
    name: `${top}/PaxHeaders/${entry.rel.slice(entry.rel.lastIndexOf('/') + 1)}`.slice(0, 100),
    size: payload.length,
    typeflag: 'x',
  });
  const padded = new Uint8Array(Math.ceil(payload.length / BLOCK) * BLOCK);
  padded.set(payload);
  // What a reader without pax support would use: a short name that is still harmless.
  const short = `${top}/${entry.rel.slice(entry.rel.lastIndexOf('/') + 1)}`.slice(0, 100).replace(/\/+$/, '');
  return [paxHeader, padded, encodeHeader({ ...base, name: short })];
}

/**
 * Writes the patched tarball (gzip) to `sink` and ends it.
 * @throws CpansecError IO (the input changed since the first pass), and the reader's errors
 */
export async function rewriteTarball(
  path: string,
  plan: RewritePlan,
  sink: Writable,
  options: { limits?: Partial<Limits>; name?: string } = {},
): Promise<RewriteResult> {
  // A deep write buffer lets zlib compress (in the thread pool) while this thread reads and copies entries.
  const gzip = createGzip({
    level: GZIP_LEVEL,
    chunkSize: 64 * 1024,
    writableHighWaterMark: 4 * 1024 * 1024,
  } as ZlibOptions);
  const finished = new Promise<void>((resolve, reject) => {
    gzip.on('error', reject);
    sink.on('error', reject);
    sink.on('finish', resolve);
  });
  const hash = createHash('sha256');
  let size = 0;
  gzip.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    size += chunk.length;
  });
  gzip.pipe(sink);
  const out = new BlockWriter(gzip);
  let entries = 0;
  let input: WalkSummary;
  try {
    input = await walkTarball(
      path,
      async ({ entry, header, raw, body }) => {
        if (plan.deleted.has(entry.rel)) return;
        entries++;
        const change = plan.modified.get(entry.rel);
        if (change === undefined) {
          await out.write(raw);
          for await (const chunk of body) await out.write(chunk);
          await out.pad(header.size);
          return;
        }
        for (const block of changedHeaders(header, change.content.length, change.mode)) await out.write(block);
        await out.write(change.content);
        await out.pad(change.content.length);
      },
      options,
    );
    if (input.sha256 !== plan.sha256) {
      throw new CpansecError('IO', `${options.name ?? path} changed between the two passes over it`, {
        hint: 'run again; nothing was written',
      });
    }
    for (const created of plan.created) {
      entries++;
      for (const block of createdHeaders(input.top, created)) await out.write(block);
      await out.write(created.content);
      await out.pad(created.content.length);
    }
    await out.write(ZERO);
    await out.flush();
    gzip.end();
    await finished;
  } catch (err) {
    gzip.destroy();
    throw err;
  }
  return { sha256: hash.digest('hex'), size, tarBytes: out.written, entries, input };
}
