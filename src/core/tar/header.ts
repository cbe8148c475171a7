/**
 * One 512-byte tar header block, decoded strictly and encoded canonically.
 * Pure: bytes in, fields out. Names are byte strings (one char per byte),
 * like the names in patches, so nothing is lost to a text encoding.
 *
 * Strict where readers disagree (security.md §4.4): a numeric field is octal
 * digits (after optional leading spaces) ended by a space or NUL and nothing
 * but spaces or NULs after, or GNU base-256 for a non-negative value; the
 * checksum is the POSIX unsigned sum; only the POSIX ("ustar\0") and GNU
 * ("ustar  \0") formats are read. tar-stream, which splits the stream, is
 * laxer (parseInt stops at the first non-octal byte); our reader compares
 * both decodings of every entry and refuses any difference.
 */
import { CpansecError } from '../../errors.js';

export const BLOCK = 512;

export type TarFormat = 'ustar' | 'gnu';

/** The fields of a header block as written (before any pax or GNU long-name override). */
export interface TarHeader {
  /** Name field, with the ustar prefix joined in front (POSIX format only). Byte string. */
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch, as stored (whole seconds). */
  mtime: number;
  /** The typeflag byte as a character; NUL is reported as "0" (both mean a regular file). */
  typeflag: string;
  linkname: string;
  format: TarFormat;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
}

function invalid(message: string, details: Record<string, unknown> = {}): CpansecError {
  return new CpansecError('TARBALL_INVALID', message, { details });
}

/** True for a block of 512 zero bytes (an end-of-archive marker). */
export function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/** The unsigned checksum of a header block, with the checksum field counted as spaces. */
export function headerChecksum(block: Uint8Array): number {
  let sum = 8 * 0x20;
  for (let i = 0; i < 148; i++) sum += block[i] as number;
  for (let i = 156; i < BLOCK; i++) sum += block[i] as number;
  return sum;
}

function str(block: Uint8Array, offset: number, length: number): string {
  let end = offset;
  const max = offset + length;
  while (end < max && block[end] !== 0) end++;
  let out = '';
  for (let i = offset; i < end; i++) out += String.fromCharCode(block[i] as number);
  return out;
}

/**
 * A numeric field. Octal as POSIX writes it ("0000644 \0", "00000001234\0"),
 * leading spaces allowed (old tars), or GNU base-256 (first byte 0x80).
 * Negative base-256 (0xff) and anything else is refused.
 */
export function decodeNumber(block: Uint8Array, offset: number, length: number, field: string): number {
  const first = block[offset] as number;
  if (first === 0x80) {
    let value = 0;
    for (let i = offset + 1; i < offset + length; i++) value = value * 256 + (block[i] as number);
    if (!Number.isSafeInteger(value)) throw invalid(`tar header field ${field} is too large`, { field });
    return value;
  }
  if (first & 0x80) throw invalid(`tar header field ${field} is a negative or malformed binary number`, { field });
  let i = offset;
  const end = offset + length;
  while (i < end && block[i] === 0x20) i++;
  let value = 0;
  let digits = 0;
  while (i < end) {
    const c = block[i] as number;
    if (c < 0x30 || c > 0x37) break;
    value = value * 8 + (c - 0x30);
    digits++;
    i++;
  }
  // The rest of the field: terminators only. "0000012x4" is refused, not read as 10.
  for (; i < end; i++) {
    const c = block[i];
    if (c !== 0 && c !== 0x20) {
      throw invalid(`tar header field ${field} is not an octal number`, { field });
    }
  }
  if (digits === 0) return 0;
  if (!Number.isSafeInteger(value)) throw invalid(`tar header field ${field} is too large`, { field });
  return value;
}

const USTAR_MAGIC = [0x75, 0x73, 0x74, 0x61, 0x72, 0x00]; // "ustar\0"
const GNU_MAGIC = [0x75, 0x73, 0x74, 0x61, 0x72, 0x20, 0x20, 0x00]; // "ustar  \0"

function matches(block: Uint8Array, offset: number, bytes: readonly number[]): boolean {
  return bytes.every((b, k) => block[offset + k] === b);
}

/**
 * Decodes a header block; null for an all-zero block.
 * @throws CpansecError TARBALL_INVALID (bad checksum, malformed number),
 *   TARBALL_UNSUPPORTED (not POSIX ustar or GNU: v7 and unknown formats)
 */
export function decodeHeader(block: Uint8Array): TarHeader | null {
  if (block.length !== BLOCK) throw invalid('a tar header block must be 512 bytes');
  if (isZeroBlock(block)) return null;
  const stored = decodeNumber(block, 148, 8, 'chksum');
  if (stored !== headerChecksum(block)) {
    throw invalid('tar header checksum mismatch: the tarball is damaged, or not a tarball', {
      reason: 'checksum',
    });
  }
  let format: TarFormat;
  if (matches(block, 257, GNU_MAGIC)) format = 'gnu';
  else if (matches(block, 257, USTAR_MAGIC)) format = 'ustar';
  else {
    throw new CpansecError('TARBALL_UNSUPPORTED', 'tar header of an unsupported format (not POSIX ustar or GNU tar)', {
      hint: 'repack the distribution with a current tar (GNU tar, bsdtar or Archive::Tar)',
      details: { reason: 'format' },
    });
  }
  let name = str(block, 0, 100);
  // The POSIX prefix field; GNU's old format keeps atime/ctime there, so it is never a prefix for
  // GNU tar or tar-stream. Archive::Tar joins it to the name whatever the magic says: a GNU header
  // with anything there names two different files (CPAN.pm and cpanm may extract with Archive::Tar).
  if (format === 'ustar' && block[345] !== 0) name = `${str(block, 345, 155)}/${name}`;
  if (format === 'gnu' && block.subarray(345, 500).some((b) => b !== 0)) {
    throw new CpansecError('UNSAFE_ENTRY', 'a GNU tar header with data in the POSIX prefix field', {
      hint: 'Archive::Tar reads that field as part of the name, GNU tar does not; the archive was refused',
      details: { reason: 'gnu-prefix' },
    });
  }
  // Base-256 sizes are GNU's way past 8 GiB; Archive::Tar does not read them, so it would split the
  // stream elsewhere. Every size we accept fits in octal.
  if ((block[124] as number) & 0x80) {
    throw new CpansecError('UNSAFE_ENTRY', 'a tar header with a binary (base-256) size', {
      hint: 'readers that only know octal sizes would see other entries; the archive was refused',
      details: { reason: 'size-encoding' },
    });
  }
  const flag = block[156] as number;
  return {
    name,
    mode: decodeNumber(block, 100, 8, 'mode'),
    uid: decodeNumber(block, 108, 8, 'uid'),
    gid: decodeNumber(block, 116, 8, 'gid'),
    size: decodeNumber(block, 124, 12, 'size'),
    mtime: decodeNumber(block, 136, 12, 'mtime'),
    typeflag: flag === 0 ? '0' : String.fromCharCode(flag),
    linkname: str(block, 157, 100),
    format,
    uname: str(block, 265, 32),
    gname: str(block, 297, 32),
    devmajor: decodeNumber(block, 329, 8, 'devmajor'),
    devminor: decodeNumber(block, 337, 8, 'devminor'),
  };
}

function putString(block: Uint8Array, offset: number, length: number, value: string, field: string): void {
  if (value.length > length) throw new CpansecError('INTERNAL', `tar field ${field} too long for the header`);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > 0xff) throw new CpansecError('INTERNAL', `tar field ${field} is not a byte string`);
    block[offset + i] = c;
  }
}

/** POSIX octal: zero-padded digits and a NUL, in `length` bytes; base-256 beyond that (GNU, as GNU tar writes). */
function putNumber(block: Uint8Array, offset: number, length: number, value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new CpansecError('INTERNAL', `tar field ${field}: ${value}`);
  const octal = value.toString(8);
  if (octal.length <= length - 1) {
    putString(block, offset, length, `${octal.padStart(length - 1, '0')}\0`, field);
    return;
  }
  block[offset] = 0x80;
  let v = value;
  for (let i = offset + length - 1; i > offset; i--) {
    block[i] = v % 256;
    v = Math.floor(v / 256);
  }
}

/** Writes the checksum field as GNU tar and POSIX writers do: six octal digits, NUL, space. */
export function sealHeader(block: Uint8Array): Uint8Array {
  block.fill(0x20, 148, 156);
  const sum = headerChecksum(block);
  putString(block, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `, 'chksum');
  return block;
}

/**
 * Splits a name into the POSIX prefix and name fields: the name part at most
 * 100 bytes, the prefix at most 155, cut at a slash. Undefined when it cannot.
 */
export function splitUstarName(name: string): { prefix: string; name: string } | undefined {
  if (name.length <= 100) return { prefix: '', name };
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] !== '/') continue;
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (rest.length === 0 || rest.length > 100) return undefined;
    if (prefix.length <= 155) return { prefix, name: rest };
  }
  return undefined;
}

/**
 * Encodes a POSIX ustar header. The name must fit (see splitUstarName); a
 * longer one goes in a pax record, which the caller writes first.
 */
export function encodeHeader(h: TarHeader & { prefix?: string }): Uint8Array {
  const block = new Uint8Array(BLOCK);
  putString(block, 0, 100, h.name, 'name');
  putNumber(block, 100, 8, h.mode, 'mode');
  putNumber(block, 108, 8, h.uid, 'uid');
  putNumber(block, 116, 8, h.gid, 'gid');
  putNumber(block, 124, 12, h.size, 'size');
  putNumber(block, 136, 12, h.mtime, 'mtime');
  block[156] = h.typeflag.charCodeAt(0);
  putString(block, 157, 100, h.linkname, 'linkname');
  block.set(h.format === 'gnu' ? GNU_MAGIC : [...USTAR_MAGIC, 0x30, 0x30], 257);
  putString(block, 265, 32, h.uname, 'uname');
  putString(block, 297, 32, h.gname, 'gname');
  putNumber(block, 329, 8, h.devmajor, 'devmajor');
  putNumber(block, 337, 8, h.devminor, 'devminor');
  if (h.prefix) putString(block, 345, 155, h.prefix, 'prefix');
  return sealHeader(block);
}

/** A copy of `block` with another size (and the checksum to match); everything else is kept byte for byte. */
export function withSize(block: Uint8Array, size: number): Uint8Array {
  const copy = new Uint8Array(block);
  copy.fill(0, 124, 136);
  putNumber(copy, 124, 12, size, 'size');
  return sealHeader(copy);
}

/** A copy of `block` with other permission bits (and the checksum to match). */
export function withMode(block: Uint8Array, mode: number): Uint8Array {
  const copy = new Uint8Array(block);
  copy.fill(0, 100, 108);
  putNumber(copy, 100, 8, mode, 'mode');
  return sealHeader(copy);
}
