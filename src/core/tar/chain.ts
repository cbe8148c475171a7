/**
 * One tar entry as it is written: the extension headers in front of it (pax
 * global "g", pax "x", GNU long name "L" and long link "K") and its own
 * header block. Pure: the reader hands us the raw bytes between the end of
 * the previous entry's data and the start of this entry's data; we decode
 * them and say what the entry is, refusing sequences readers disagree on.
 *
 * Grammar we accept (what GNU tar, bsdtar, Archive::Tar and git archive
 * write): g* ( x | L?K? | K?L? ) header. Refused: a pax header followed by
 * another extension header (node-tar 7.5.16, tar-rs GHSA-3cv2-h65g-fgmm: a
 * pax `size` applied to a GNU long-name header makes readers split the stream
 * differently), two of the same kind, pax and GNU long names together, a pax
 * `size` that differs from the header's, a zero block before the entry, and a
 * global header that says anything but `comment` (tar-stream applies global
 * records only to entries that have their own pax header; GNU tar to all).
 */
import { CpansecError } from '../../errors.js';
import { BLOCK, decodeHeader, isZeroBlock } from './header.js';
import { paxValue, parsePaxRecords } from './pax.js';
import type { TarHeader } from './header.js';
import type { PaxRecord } from './pax.js';

export type EntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'character-device' | 'block-device' | 'fifo';

export type ExtensionKind = 'pax-global' | 'pax' | 'gnu-long-name' | 'gnu-long-link';

export interface ExtensionBlock {
  kind: ExtensionKind;
  /** Header block and payload (with its padding) exactly as read. */
  raw: Uint8Array;
}

export interface TarEntryHeader {
  /** The effective name: pax `path`, else the GNU long name, else the header's. Byte string. */
  path: string;
  /** The name in the header block itself (what a reader without extensions would use). */
  headerPath: string;
  type: EntryType;
  size: number;
  /** Link target for symlinks and hard links (effective, like path). Byte string. */
  linkpath: string;
  /** Permission bits (mode & 0o7777). */
  mode: number;
  mtime: number;
  header: TarHeader;
  /** The entry's own header block, as read. */
  block: Uint8Array;
  extensions: ExtensionBlock[];
  /** The pax records that apply to this entry ([] without a pax header). */
  pax: PaxRecord[];
}

const FLAG_TYPES: Record<string, EntryType> = {
  '0': 'file',
  '7': 'file',
  '5': 'directory',
  '2': 'symlink',
  '1': 'hardlink',
  '3': 'character-device',
  '4': 'block-device',
  '6': 'fifo',
};

const EXTENSION_FLAGS: Record<string, ExtensionKind> = {
  g: 'pax-global',
  x: 'pax',
  L: 'gnu-long-name',
  K: 'gnu-long-link',
};

function binary(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 0x2000) out += String.fromCharCode(...bytes.subarray(i, i + 0x2000));
  return out;
}

function unsafe(reason: string, message: string, details: Record<string, unknown> = {}): CpansecError {
  return new CpansecError('UNSAFE_ENTRY', message, {
    hint: 'the archive uses tar extension headers in a way tar readers disagree on; it was refused',
    details: { reason, ...details },
  });
}

export interface ChainLimits {
  maxPaxHeaderBytes: number;
  maxPathBytes: number;
}

/**
 * Decodes the blocks of one entry. `raw` must hold whole blocks: extension
 * headers with their padded payloads, then the entry's header block last.
 * @throws CpansecError TARBALL_INVALID, TARBALL_UNSUPPORTED, UNSAFE_ENTRY, LIMIT_EXCEEDED
 */
export function parseEntryHeaders(raw: Uint8Array, limits: ChainLimits, offset = 0): TarEntryHeader {
  if (raw.length === 0 || raw.length % BLOCK !== 0) {
    throw new CpansecError('TARBALL_INVALID', `tar entry at byte ${offset}: headers are not whole blocks`, {
      details: { offset },
    });
  }
  const extensions: ExtensionBlock[] = [];
  let pax: PaxRecord[] = [];
  let longName: string | undefined;
  let longLink: string | undefined;
  const kinds = new Set<ExtensionKind>();
  let at = 0;
  for (;;) {
    const block = raw.subarray(at, at + BLOCK);
    const where = offset + at;
    if (isZeroBlock(block)) {
      // tar-stream skips zero blocks and reads on; GNU tar stops at the end-of-archive marker.
      throw new CpansecError('TARBALL_INVALID', `tar data continues after an end-of-archive block (byte ${where})`, {
        hint: 'entries hidden after the end marker are read by some tools and not others',
        details: { reason: 'after-end', offset: where },
      });
    }
    const header = decodeHeader(block) as TarHeader;
    const kind = EXTENSION_FLAGS[header.typeflag];
    if (kind === undefined) {
      if (at + BLOCK !== raw.length) {
        throw new CpansecError('TARBALL_INVALID', `tar entry at byte ${where}: unexpected bytes after the header`, {
          details: { offset: where },
        });
      }
      return finish(header, block, extensions, pax, longName, longLink, where);
    }
    const limit = kind === 'pax' || kind === 'pax-global' ? limits.maxPaxHeaderBytes : limits.maxPathBytes + 1;
    if (header.size > limit) {
      throw new CpansecError('LIMIT_EXCEEDED', `tar ${kind} header of ${header.size} bytes (limit ${limit})`, {
        details: { offset: where, size: header.size, limit },
      });
    }
    if (kind === 'pax-global' ? kinds.size > 0 && !(kinds.size === 1 && kinds.has('pax-global')) : kinds.has(kind)) {
      throw unsafe('extension-order', `tar entry at byte ${where}: a ${kind} header where it may not be`, {
        offset: where,
      });
    }
    if (kinds.has('pax') || (kind === 'pax' && (kinds.has('gnu-long-name') || kinds.has('gnu-long-link')))) {
      // A pax header applies to the next header, whatever it is: only the entry may follow it.
      throw unsafe('extension-order', `tar entry at byte ${where}: pax and other extension headers are mixed`, {
        offset: where,
      });
    }
    const padded = Math.ceil(header.size / BLOCK) * BLOCK;
    const end = at + BLOCK + padded;
    if (end >= raw.length) {
      throw new CpansecError('TARBALL_INVALID', `tar entry at byte ${where}: an extension header without an entry`, {
        details: { offset: where },
      });
    }
    const payload = binary(raw.subarray(at + BLOCK, at + BLOCK + header.size));
    kinds.add(kind);
    extensions.push({ kind, raw: raw.subarray(at, end) });
    if (kind === 'pax') pax = parsePaxRecords(payload, `pax header at byte ${where}`);
    else if (kind === 'pax-global') {
      const records = parsePaxRecords(payload, `pax global header at byte ${where}`);
      const other = records.find((r) => r.key !== 'comment');
      if (other !== undefined) {
        throw unsafe('pax-global', `pax global header at byte ${where} sets "${other.key}" for every entry after it`, {
          offset: where,
          key: other.key,
        });
      }
    } else {
      // GNU long names: the payload is the name and a NUL (GNU tar's own reader stops at the NUL).
      const nul = payload.indexOf('\0');
      const value = nul < 0 ? payload : payload.slice(0, nul);
      if (value === '') throw new CpansecError('TARBALL_INVALID', `empty GNU long name at byte ${where}`);
      if (kind === 'gnu-long-name') longName = value;
      else longLink = value;
    }
    at = end;
  }
}

function finish(
  header: TarHeader,
  block: Uint8Array,
  extensions: ExtensionBlock[],
  pax: PaxRecord[],
  longName: string | undefined,
  longLink: string | undefined,
  where: number,
): TarEntryHeader {
  const type = FLAG_TYPES[header.typeflag];
  if (type === undefined) {
    throw new CpansecError(
      'TARBALL_UNSUPPORTED',
      `tar entry at byte ${where} has type "${header.typeflag.replace(/[^\x21-\x7e]/g, '?')}", which we do not handle`,
      {
        hint: 'GNU sparse files, volume labels and multi-volume archives are not supported',
        details: { reason: 'type' },
      },
    );
  }
  const paxSize = paxValue(pax, 'size');
  if (paxSize !== undefined && Number(paxSize) !== header.size) {
    throw unsafe(
      'pax-size',
      `tar entry at byte ${where}: pax size ${paxSize} differs from the header's ${header.size}`,
      {
        offset: where,
      },
    );
  }
  if (type !== 'file' && header.size !== 0) {
    // tar-stream skips no data for a directory; GNU tar skips `size` bytes: two different archives.
    throw unsafe('size-on-non-file', `tar ${type} entry at byte ${where} announces ${header.size} bytes of data`, {
      offset: where,
    });
  }
  // pax values are byte strings of UTF-8 (pax.ts), like every other name here.
  const path = paxValue(pax, 'path') ?? longName ?? header.name;
  if (header.typeflag === '0' && path.endsWith('/')) {
    throw new CpansecError('TARBALL_INVALID', `tar file entry at byte ${where} is named like a directory`, {
      details: { reason: 'file-named-directory', offset: where },
    });
  }
  return {
    path,
    headerPath: header.name,
    type,
    size: header.size,
    linkpath: paxValue(pax, 'linkpath') ?? longLink ?? header.linkname,
    mode: header.mode & 0o7777,
    mtime: header.mtime,
    header,
    block,
    extensions,
    pax,
  };
}
