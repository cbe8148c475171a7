/**
 * What kind of archive a file is, from its first bytes (never from its
 * name: a ".tar.gz" may be anything). We read gzip-compressed tar and plain
 * tar; the others get a specific TARBALL_UNSUPPORTED with what to do.
 */
import { CpansecError } from '../errors.js';
import { BLOCK, decodeNumber, headerChecksum } from '../core/tar/header.js';

export type ArchiveFormat = 'tar.gz' | 'tar';

const OTHERS: { magic: number[]; name: string; hint: string }[] = [
  { magic: [0x42, 0x5a, 0x68], name: 'bzip2', hint: 'bzip2 -dc X.tar.bz2 | gzip -n > X.tar.gz' },
  { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], name: 'xz', hint: 'xz -dc X.tar.xz | gzip -n > X.tar.gz' },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], name: 'zstd', hint: 'zstd -dc X.tar.zst | gzip -n > X.tar.gz' },
  { magic: [0x1f, 0x9d], name: 'compress (.Z)', hint: 'gzip -dc X.tar.Z | gzip -n > X.tar.gz' },
  { magic: [0x50, 0x4b, 0x03, 0x04], name: 'zip', hint: 'unpack it and repack it with tar czf' },
  { magic: [0x50, 0x4b, 0x05, 0x06], name: 'zip', hint: 'unpack it and repack it with tar czf' },
];

function startsWith(head: Uint8Array, magic: readonly number[]): boolean {
  return head.length >= magic.length && magic.every((b, i) => head[i] === b);
}

/**
 * @param head the first bytes of the file (at least 512 when the file has them)
 * @throws CpansecError TARBALL_UNSUPPORTED (bzip2, xz, zstd, compress, zip), TARBALL_INVALID (anything else)
 */
export function sniffFormat(head: Uint8Array, name: string): ArchiveFormat {
  // gzip with the deflate method (RFC 1952: CM = 8 is the only one defined).
  if (head.length >= 3 && head[0] === 0x1f && head[1] === 0x8b && head[2] === 8) return 'tar.gz';
  for (const other of OTHERS) {
    if (startsWith(head, other.magic)) {
      throw new CpansecError(
        'TARBALL_UNSUPPORTED',
        `${name} is ${other.name}-compressed; only .tar.gz (and plain .tar) are read`,
        {
          hint: `convert it first, e.g. ${other.hint}; see docs/tarballs.md for why`,
          details: { path: name, format: other.name },
        },
      );
    }
  }
  if (head.length >= BLOCK && looksLikeTar(head.subarray(0, BLOCK))) return 'tar';
  throw new CpansecError('TARBALL_INVALID', `${name} is not a tarball (neither gzip nor tar)`, {
    hint: 'pass a distribution tarball (.tar.gz), a URL, or a name such as Dist::Name',
    details: { path: name, reason: 'not-an-archive' },
  });
}

function looksLikeTar(block: Uint8Array): boolean {
  const magic = String.fromCharCode(...block.subarray(257, 262));
  if (magic !== 'ustar') return false;
  try {
    return decodeNumber(block, 148, 8, 'chksum') === headerChecksum(block);
  } catch {
    return false;
  }
}
