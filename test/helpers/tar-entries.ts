/** Every entry of a tarball with its raw header blocks and its data, read with our streaming reader. */
import { createHash } from 'node:crypto';
import { walkTarball } from '../../src/tarball/read.js';

export interface EntryBytes {
  /** The header blocks (extensions and the header) as hex: equal means every header field is equal. */
  headers: string;
  /** sha256 of the data. */
  sha256: string;
  size: number;
  type: string;
  /** The data itself, for the entries asked for. */
  content?: Buffer;
}

export async function tarEntries(
  path: string,
  keep: ReadonlySet<string> = new Set(),
): Promise<Map<string, EntryBytes>> {
  const out = new Map<string, EntryBytes>();
  await walkTarball(path, async ({ entry, raw, header, body }) => {
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    for await (const chunk of body) {
      hash.update(chunk);
      if (keep.has(entry.rel)) chunks.push(Buffer.from(chunk));
    }
    out.set(entry.rel, {
      headers: Buffer.from(raw).toString('hex'),
      sha256: hash.digest('hex'),
      size: header.size,
      type: header.type,
      ...(keep.has(entry.rel) ? { content: Buffer.concat(chunks) } : {}),
    });
  });
  return out;
}
