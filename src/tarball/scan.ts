/**
 * The first pass over a tarball: check every entry, and keep in memory only
 * what planning needs — the files the patches name (and their parent
 * paths), META.json, META.yml and SIGNATURE at the top. Everything else
 * streams past and is forgotten, so memory does not grow with the archive.
 */
import { resolveLimits } from '../core/limits.js';
import { concatBytes } from '../core/bytes.js';
import { CpansecError } from '../errors.js';
import { walkTarball } from './read.js';
import type { Limits } from '../core/limits.js';
import type { IndexedEntry } from '../core/tar/archive-index.js';
import type { TarEntryHeader } from '../core/tar/chain.js';
import type { WalkSummary } from './read.js';

export interface ScannedEntry {
  entry: IndexedEntry;
  header: TarEntryHeader;
  /** The content, for regular files. */
  bytes?: Uint8Array;
}

export interface ScanResult extends WalkSummary {
  /** The wanted paths that exist, by path below the top directory. */
  found: Map<string, ScannedEntry>;
  /** The header of the first entry (normally the top directory): owner fields for new files. */
  first: TarEntryHeader | undefined;
}

export interface ScanOptions {
  /** Paths below the top directory whose entries (and content, for files) to keep. */
  wanted: ReadonlySet<string>;
  limits?: Partial<Limits>;
  name?: string;
  /** Keep the tar stream in memory up to this size, so the rewrite need not read and decompress the file again. */
  keepTarBytes?: number;
}

/** Files read into memory for META are bounded separately (they are not patch targets). */
const META_FILES = new Set(['META.json', 'META.yml', 'SIGNATURE']);

/**
 * @throws CpansecError the reader's refusals, LIMIT_EXCEEDED (a wanted file over its limit)
 */
export async function scanTarball(path: string, options: ScanOptions): Promise<ScanResult> {
  const limits = resolveLimits(options.limits);
  const found = new Map<string, ScannedEntry>();
  let first: TarEntryHeader | undefined;
  const summary = await walkTarball(
    path,
    async ({ entry, header, body }) => {
      first ??= header;
      const meta = META_FILES.has(entry.rel);
      if (!meta && !options.wanted.has(entry.rel)) return;
      if (entry.kind !== 'file') {
        found.set(entry.rel, { entry, header });
        return;
      }
      const max = meta ? limits.maxMetaBytes : limits.maxFileBytes;
      if (entry.size > max) {
        throw new CpansecError('LIMIT_EXCEEDED', `${entry.rel} is ${entry.size} bytes (limit ${max})`, {
          details: { path: entry.rel, size: entry.size, limit: max },
        });
      }
      const chunks: Uint8Array[] = [];
      for await (const chunk of body) chunks.push(chunk);
      found.set(entry.rel, { entry, header, bytes: concatBytes(chunks) });
    },
    { limits, keepTarBytes: options.keepTarBytes ?? 0, ...(options.name === undefined ? {} : { name: options.name }) },
  );
  return { ...summary, found, first };
}
