/** Helpers for the installed-tree tests: inline trees, a failing file system, snapshots. */
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { nodeFsOps } from '../../src/files/ops.js';
import type { FsOps, WriteHandle } from '../../src/files/ops.js';

/** Writes `files` (path → content, or [content, mode]) below `root`. */
export function writeTree(root: string, files: Record<string, string | [string, number]>): void {
  for (const [path, spec] of Object.entries(files)) {
    const [content, mode] = typeof spec === 'string' ? [spec, 0o644] : spec;
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content, 'latin1');
    chmodSync(join(root, path), mode);
  }
}

/** Every file below `root` (except `.cpansec`) → sha256 and mode, for before/after comparisons. */
export function snapshot(root: string, skip = '.cpansec'): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string, rel: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (r === skip) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p, r);
      else if (e.isSymbolicLink()) out[r] = 'symlink';
      else
        out[r] =
          `${createHash('sha256').update(readFileSync(p)).digest('hex')} ${(lstatSync(p).mode & 0o7777).toString(8)}`;
    }
  };
  walk(root, '');
  return out;
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * An FsOps whose writes fail with ENOSPC once `budget` bytes have been
 * written (counting every file: objects, journal, temps, state), like a disk
 * that fills up half-way through a run.
 */
export function fullDiskOps(budget: number): FsOps & { written(): number } {
  let used = 0;
  const enospc = (): NodeJS.ErrnoException =>
    Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  return {
    ...nodeFsOps,
    async openNew(path, mode) {
      const h = await nodeFsOps.openNew(path, mode);
      const wrapped: WriteHandle = {
        async write(data, offset, length) {
          if (used + length > budget) {
            const room = Math.max(0, budget - used);
            if (room > 0) await h.write(data, offset, room);
            used += room;
            throw enospc();
          }
          used += length;
          return h.write(data, offset, length);
        },
        sync: () => h.sync(),
        close: () => h.close(),
      };
      return wrapped;
    },
    written: () => used,
  };
}
