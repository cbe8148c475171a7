/**
 * Streaming a tarball entry by entry, nothing extracted: file → sha256 tap →
 * gunzip (node:zlib) → tar-stream, with every bound of core/limits.ts
 * enforced while the bytes flow.
 *
 * tar-stream splits the stream into entries and hands us their data. It does
 * not show what it skipped (extension headers, zero blocks) and reads some
 * fields laxly, so beside it a recorder keeps the raw bytes between one
 * entry's data and the next; core/tar/chain.ts decodes them strictly, the
 * two views of every entry must agree, and the archive index applies the
 * entry policy. The raw header bytes are what the rewrite copies for
 * untouched entries, so they pass through exactly as they came.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { resolveLimits } from '../core/limits.js';
import { ArchiveIndex } from '../core/tar/archive-index.js';
import { parseEntryHeaders } from '../core/tar/chain.js';
import { BLOCK, decodeHeader } from '../core/tar/header.js';
import { CpansecError, wrapError } from '../errors.js';
import { sniffFormat } from './format.js';
import { ByteRecorder } from './recorder.js';

import type { Limits } from '../core/limits.js';
import type { IndexedEntry } from '../core/tar/archive-index.js';
import type { TarEntryHeader } from '../core/tar/chain.js';
import type { ArchiveFormat } from './format.js';
import type { ZlibOptions } from 'node:zlib';

export interface TarballEntry {
  header: TarEntryHeader;
  entry: IndexedEntry;
  /** The entry's header blocks (extensions, then its own header), exactly as read. */
  raw: Uint8Array;
  /** Where the raw blocks start in the tar stream. */
  offset: number;
  /** The entry's data: consume it, or leave it and the walker skips it. */
  body: AsyncIterable<Uint8Array>;
}

export interface WalkSummary {
  /** sha256 of the file as read (the compressed bytes). */
  sha256: string;
  size: number;
  format: ArchiveFormat;
  /** Bytes of the tar stream, end-of-archive blocks included. */
  tarBytes: number;
  index: ArchiveIndex;
  top: string;
  /** The tar stream as read, when it was no larger than `keepTarBytes` (for a second pass without a second read). */
  tar?: Uint8Array[];
}

export interface WalkOptions {
  limits?: Partial<Limits>;
  /** How to name the file in messages (default: its path). */
  name?: string;
  /** Keep the decompressed tar stream in `tar` when it is at most this many bytes (default 0: never). */
  keepTarBytes?: number;
}

type StreamHeader = {
  name: string;
  linkname?: string | null;
  size?: number;
  type?: string | null;
  byteOffset?: number;
};

const TYPE_OF: Record<string, string> = {
  file: 'file',
  'contiguous-file': 'file',
  directory: 'directory',
  symlink: 'symlink',
  link: 'hardlink',
  'character-device': 'character-device',
  'block-device': 'block-device',
  fifo: 'fifo',
};

function utf8View(byteString: string): string {
  return Buffer.from(byteString, 'latin1').toString('utf8');
}

/** tar-stream and our decoder must see the same entry, or the archive means different things to different tools. */
function crossCheck(ours: TarEntryHeader, theirs: StreamHeader, offset: number): void {
  const paxPath = ours.pax.some((r) => r.key === 'path');
  const paxLink = ours.pax.some((r) => r.key === 'linkpath');
  const name = paxPath ? utf8View(ours.path) : ours.path;
  const link = paxLink ? utf8View(ours.linkpath) : ours.linkpath;
  const same =
    theirs.name === name &&
    (theirs.linkname ?? '') === link &&
    theirs.size === ours.size &&
    TYPE_OF[theirs.type ?? ''] === ours.type;
  if (!same) {
    throw new CpansecError('TARBALL_INVALID', `tar entry at byte ${offset} reads differently with different parsers`, {
      hint: 'such an archive can hide or smuggle files; it was refused',
      details: { reason: 'parser-disagreement', offset },
    });
  }
}

function zlibError(err: unknown, name: string): CpansecError {
  const e = err as NodeJS.ErrnoException;
  if (!(e.code ?? '').startsWith('Z_') && e.errno === undefined) return wrapError(err, 'IO', `cannot read ${name}`);
  const truncated = e.code === 'Z_BUF_ERROR' || /unexpected end/i.test(e.message ?? '');
  return new CpansecError(
    'TARBALL_INVALID',
    truncated ? `${name} is truncated (the gzip stream ends early)` : `${name} is not valid gzip: ${e.message}`,
    {
      hint: truncated ? 'download it again' : 'the file is damaged, or not a .tar.gz',
      details: { reason: truncated ? 'truncated' : 'gzip', path: name },
      cause: err,
    },
  );
}

/**
 * Reads the whole tarball once, calling `visit` for every entry in order.
 * Stops at the first refusal; nothing is written anywhere.
 * @throws CpansecError FILE_NOT_FOUND, LIMIT_EXCEEDED, TARBALL_INVALID, TARBALL_UNSUPPORTED,
 *   UNSAFE_ENTRY, UNSAFE_PATH, IO, and whatever `visit` throws
 */
export async function walkTarball(
  path: string,
  visit: (entry: TarballEntry) => Promise<void> | void,
  options: WalkOptions = {},
): Promise<WalkSummary> {
  const limits = resolveLimits(options.limits);
  const name = options.name ?? path;
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CpansecError('FILE_NOT_FOUND', `tarball not found: ${name}`, { details: { path: name } });
    }
    throw wrapError(err, 'IO', `cannot open ${name}`);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new CpansecError('USAGE', `${name} is not a regular file`, { details: { path: name } });
    if (st.size > limits.maxTarballBytes) {
      throw new CpansecError('LIMIT_EXCEEDED', `${name} is ${st.size} bytes (limit ${limits.maxTarballBytes})`, {
        details: { path: name, size: st.size, limit: limits.maxTarballBytes },
      });
    }
    const head = new Uint8Array(Math.min(BLOCK, st.size));
    await handle.read(head, 0, head.length, 0);
    const format = sniffFormat(head, name);
    const hash = createHash('sha256');
    const progress = { compressed: 0, expanded: 0 };
    const file = handle.createReadStream({ start: 0, highWaterMark: 256 * 1024, autoClose: false });
    file.on('data', (chunk: string | Buffer) => {
      hash.update(chunk);
      progress.compressed += chunk.length;
    });
    let source: Readable = file;
    if (format === 'tar.gz') {
      // Decompress ahead of the parser (zlib runs in the thread pool), a bounded 1 MiB at most.
      const gunzip = createGunzip({ chunkSize: 64 * 1024, readableHighWaterMark: 1024 * 1024 } as ZlibOptions);
      file.on('error', (err) => gunzip.destroy(err));
      source = file.pipe(gunzip);
    }
    const summary = await walkStream(
      source,
      progress,
      visit,
      limits,
      name,
      await keepBudget(handle, st.size, format, options),
    );
    if (progress.compressed !== st.size) {
      throw new CpansecError('IO', `${name} changed while it was being read`, { details: { path: name } });
    }
    return { ...summary, sha256: hash.digest('hex'), size: st.size, format };
  } finally {
    await handle.close();
  }
}

/**
 * Whether to keep the tar stream: only when it will fit, so a large tarball never holds a
 * transient copy. gzip's trailer says the expanded size (mod 2^32; a hint, the cap still holds).
 */
async function keepBudget(
  handle: { read(b: Uint8Array, o: number, l: number, p: number): Promise<unknown> },
  size: number,
  format: ArchiveFormat,
  options: WalkOptions,
): Promise<number> {
  const keep = options.keepTarBytes ?? 0;
  if (keep <= 0) return 0;
  if (format === 'tar') return size <= keep ? keep : 0;
  if (size < 18) return 0;
  const isize = new Uint8Array(4);
  await handle.read(isize, 0, 4, size - 4);
  const expanded =
    (isize[0] as number) |
    ((isize[1] as number) << 8) |
    ((isize[2] as number) << 16) |
    ((isize[3] as number) * 2 ** 24);
  return expanded <= keep ? keep : 0;
}

/**
 * Walks a tar stream already read and checked by walkTarball (its `tar`), for a second pass that
 * sees exactly the bytes the first one checked. Every check runs again.
 */
export async function walkTarBytes(
  tar: readonly Uint8Array[],
  from: Pick<WalkSummary, 'sha256' | 'size' | 'format'>,
  visit: (entry: TarballEntry) => Promise<void> | void,
  options: WalkOptions = {},
): Promise<WalkSummary> {
  const limits = resolveLimits(options.limits);
  const size = tar.reduce((n, c) => n + c.length, 0);
  const progress = { compressed: size, expanded: 0 };
  const summary = await walkStream(Readable.from(tar), progress, visit, limits, options.name ?? 'tarball', 0);
  return { ...summary, sha256: from.sha256, size: from.size, format: from.format };
}

async function walkStream(
  source: Readable,
  progress: { compressed: number; expanded: number },
  visit: (entry: TarballEntry) => Promise<void> | void,
  limits: Readonly<Limits>,
  name: string,
  keepTarBytes: number,
): Promise<{ tarBytes: number; index: ArchiveIndex; top: string; tar?: Uint8Array[] }> {
  // latin1: names as byte strings, as the names in patches are.
  const extract = tar.extract({ filenameEncoding: 'latin1' } as Parameters<typeof tar.extract>[0]);
  // Between two entries only extension headers (bounded) and read-ahead are kept.
  const recorder = new ByteRecorder(limits.maxPaxHeaderBytes + 2 * limits.maxPathBytes + 8 * 1024 * 1024);
  const index = new ArchiveIndex(limits);
  let kept: Uint8Array[] | undefined = keepTarBytes > 0 ? [] : undefined;
  let failure: unknown;
  const fail = (err: unknown): void => {
    failure ??= err;
    source.destroy();
    extract.destroy(err instanceof Error ? err : new Error(String(err)));
  };

  const feeding = (async () => {
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        progress.expanded += chunk.length;
        checkExpansion(progress, limits, name);
        if (kept !== undefined) kept = progress.expanded <= keepTarBytes ? (kept.push(chunk), kept) : undefined;
        recorder.push(chunk);
        if (failure !== undefined || extract.destroyed) return;
        if (!extract.write(chunk)) await drained(extract);
      }
      extract.end(undefined);
    } catch (err) {
      fail(err instanceof CpansecError ? err : zlibError(err, name));
    }
  })();

  let end = 0; // where the previous entry's data (with padding) ends
  try {
    for await (const stream of extract) {
      const theirs = stream.header as unknown as StreamHeader;
      const dataStart = theirs.byteOffset ?? -1;
      const raw = recorder.take(end, dataStart);
      const header = parseEntryHeaders(raw, limits, end);
      crossCheck(header, theirs, end);
      const entry = index.add(header);
      const offset = end;
      end = dataStart + Math.ceil(header.size / BLOCK) * BLOCK;
      recorder.dropBelow(end);
      const body = stream as AsyncIterable<Uint8Array>;
      await visit({ header, entry, raw, offset, body });
      for await (const _ of body) void _; // skip what the visitor left
    }
  } catch (err) {
    fail(err);
  }
  await feeding;
  if (failure !== undefined) throw toCpansecError(failure, recorder, end, name);
  checkTrailer(recorder.take(end, progress.expanded), end, name);
  return { tarBytes: progress.expanded, index, top: index.finish(), ...(kept === undefined ? {} : { tar: kept }) };
}

/** Resolves when the stream wants more, or is gone (a destroyed stream never drains). */
function drained(stream: NodeJS.EventEmitter & { destroyed: boolean }): Promise<void> {
  if (stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

function checkExpansion(p: { compressed: number; expanded: number }, limits: Readonly<Limits>, name: string): void {
  if (p.expanded > limits.maxTarballExpandedBytes) {
    throw new CpansecError(
      'LIMIT_EXCEEDED',
      `${name} expands to more than ${limits.maxTarballExpandedBytes} bytes (a decompression bomb?)`,
      { details: { reason: 'expanded-size', limit: limits.maxTarballExpandedBytes } },
    );
  }
  if (p.expanded > limits.tarballRatioGraceBytes && p.expanded > limits.maxTarballRatio * Math.max(p.compressed, 1)) {
    throw new CpansecError(
      'LIMIT_EXCEEDED',
      `${name} expands more than ${limits.maxTarballRatio} times its compressed size (a decompression bomb?)`,
      { details: { reason: 'ratio', limit: limits.maxTarballRatio } },
    );
  }
}

/** After the last entry: at least one zero block, and nothing but zeros (GNU tar pads to a 10 KiB record). */
function checkTrailer(trailer: Uint8Array, offset: number, name: string): void {
  if (trailer.length < BLOCK) {
    throw new CpansecError('TARBALL_INVALID', `${name} is truncated: the tar stream has no end-of-archive marker`, {
      hint: 'download it again',
      details: { reason: 'truncated', offset },
    });
  }
  if (trailer.some((b) => b !== 0)) {
    throw new CpansecError('TARBALL_INVALID', `${name} has data after its end-of-archive marker`, {
      hint: 'bytes hidden after the end marker are read by some tools and not others',
      details: { reason: 'after-end', offset },
    });
  }
}

/** A failure as one specific error: ours as they are; tar-stream's explained by decoding the block it choked on. */
function toCpansecError(err: unknown, recorder: ByteRecorder, end: number, name: string): CpansecError {
  if (err instanceof CpansecError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/unexpected end/i.test(message)) {
    return new CpansecError('TARBALL_INVALID', `${name} is truncated: the tar stream ends inside an entry`, {
      hint: 'download it again',
      details: { reason: 'truncated', offset: end },
      cause: err,
    });
  }
  try {
    const block = recorder.peek(end, BLOCK);
    if (block !== undefined) decodeHeader(block);
  } catch (specific) {
    if (specific instanceof CpansecError) return specific;
  }
  return new CpansecError('TARBALL_INVALID', `${name}: malformed tar data near byte ${end}: ${message}`, {
    details: { reason: 'tar', offset: end },
    cause: err,
  });
}
