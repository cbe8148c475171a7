/**
 * The second pass: stream the same tarball again and write the patched one.
 * Untouched entries are copied as they came (their header blocks byte for
 * byte, pax and GNU extensions included, their data as read); changed
 * entries keep their header blocks except for the size (and the mode when a
 * patch sets it); deleted entries are dropped; created entries are appended
 * in the order given. The output is deterministic gzip (gzip.ts: a fixed
 * level and block size, no name, zero mtime), so the same input and the
 * same patches give the same bytes.
 */
import { BLOCK, encodeHeader, splitUstarName, withMode, withSize } from '../core/tar/header.js';
import { formatPaxRecords } from '../core/tar/pax.js';
import { CpansecError } from '../errors.js';
import { ParallelGzip } from './gzip.js';
import { walkTarBytes, walkTarball } from './read.js';
import type { Writable } from 'node:stream';
import type { Limits } from '../core/limits.js';
import type { ExtensionBlock, TarEntryHeader } from '../core/tar/chain.js';
import type { TarHeader } from '../core/tar/header.js';
import type { TarballEntry, WalkSummary } from './read.js';

export { GZIP_LEVEL } from './gzip.js';

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

/** The tar stream going into the compressor: counts bytes and pads entries to whole blocks. */
class TarWriter {
  written = 0;

  constructor(private readonly gzip: ParallelGzip) {}

  async write(bytes: Uint8Array): Promise<void> {
    this.written += bytes.length;
    await this.gzip.write(bytes);
  }

  async pad(size: number): Promise<void> {
    const rest = size % BLOCK;
    if (rest !== 0) await this.write(ZERO.subarray(0, BLOCK - rest));
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
  options: {
    limits?: Partial<Limits>;
    name?: string;
    replay?: Pick<WalkSummary, 'tar' | 'sha256' | 'size' | 'format'>;
  } = {},
): Promise<RewriteResult> {
  // Blocks compress in the thread pool while this thread reads, checks and copies entries.
  const gzip = new ParallelGzip(sink);
  const out = new TarWriter(gzip);
  let entries = 0;
  try {
    const visit = async ({ entry, header, raw, body }: TarballEntry): Promise<void> => {
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
    };
    // The first pass's bytes when it kept them (small tarballs: no second read, and exactly what was checked).
    const replay = options.replay;
    const input =
      replay?.tar !== undefined
        ? await walkTarBytes(replay.tar, replay, visit, options)
        : await walkTarball(path, visit, options);
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
    const sha256 = await gzip.end();
    return { sha256, size: gzip.size, tarBytes: out.written, entries, input };
  } catch (err) {
    sink.destroy();
    throw err;
  }
}
