/**
 * The file-system calls that change things, behind one small interface, so
 * that tests can make them fail the way a full disk does (ENOSPC half-way
 * through a write) and benchmarks can measure or skip fsync. Production code
 * uses nodeFsOps; nothing else implements the real thing.
 */
import { constants } from 'node:fs';
import { chmod, chown, mkdir, open, rename, rmdir, unlink } from 'node:fs/promises';

export interface WriteHandle {
  write(data: Uint8Array, offset: number, length: number): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface FsOps {
  /** Creates a new file for writing: O_EXCL (never an existing file) and O_NOFOLLOW (never through a link). */
  openNew(path: string, mode: number): Promise<WriteHandle>;
  /** fsync of a directory, so that a rename or unlink in it is durable. */
  syncDir(dir: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  chown(path: string, uid: number, gid: number): Promise<void>;
  mkdir(path: string, mode: number): Promise<void>;
  rmdir(path: string): Promise<void>;
}

export const nodeFsOps: FsOps = {
  openNew: (path, mode) =>
    open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode),
  async syncDir(dir) {
    const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  rename,
  unlink,
  chmod,
  chown,
  mkdir: async (path, mode) => {
    await mkdir(path, { mode });
  },
  rmdir: (path) => rmdir(path),
};

/** Writes all of `data` to a handle (a write may be short). */
export async function writeAll(handle: WriteHandle, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) {
    const { bytesWritten } = await handle.write(data, written, data.length - written);
    written += bytesWritten;
  }
}
