/**
 * A corpus tarball as a file map, unpacked in memory (tar-stream; gzip with
 * node:zlib, xz by spawning `xz -dc`): nothing is written to disk.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import type { FileEntry } from '../../src/core/patch/apply.js';

function decompress(path: string): Buffer {
  const raw = readFileSync(path);
  if (path.endsWith('.xz')) {
    const r = spawnSync('xz', ['-dc', path], { maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`xz -dc ${path} failed: ${r.stderr.toString()}`);
    return r.stdout;
  }
  if (path.endsWith('.gz') || path.endsWith('.tgz')) return gunzipSync(raw);
  return raw;
}

/**
 * The tarball as a file map: paths relative to its single top folder, file
 * contents as byte strings, git modes ("100755" when any execute bit is set,
 * as GNU tar plus `chmod u+rwX` leaves them; "120000" for symlinks, whose
 * content is the link target, as the corpus hashes them).
 */
export async function readTarball(path: string): Promise<Map<string, FileEntry>> {
  const files = new Map<string, FileEntry>();
  const hardLinks: [string, string][] = [];
  // latin1 names are byte strings, like the names in patches.
  const extract = tar.extract({ filenameEncoding: 'latin1' } as Parameters<typeof tar.extract>[0]);
  Readable.from([decompress(path)]).pipe(extract);
  const strip = (name: string): string =>
    name
      .replace(/^\.\//, '')
      .replace(/^[^/]*\/?/, '')
      .replace(/\/$/, '');
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    const h = entry.header;
    const rel = strip(h.name);
    if (rel === '') continue;
    if (h.type === 'file' || h.type === 'contiguous-file') {
      files.set(rel, {
        content: Buffer.concat(chunks).toString('latin1'),
        mode: (h.mode ?? 0) & 0o111 ? '100755' : '100644',
      });
    } else if (h.type === 'symlink') {
      files.set(rel, { content: h.linkname ?? '', mode: '120000' });
    } else if (h.type === 'link') {
      hardLinks.push([rel, strip(h.linkname ?? '')]);
    }
  }
  for (const [rel, target] of hardLinks) {
    const t = files.get(target);
    if (t !== undefined) files.set(rel, { ...t });
  }
  return files;
}
