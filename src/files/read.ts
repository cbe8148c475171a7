import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { CpansecError, wrapError } from '../errors.js';

/**
 * Reads a whole file, refusing files over `maxBytes` before reading them and
 * re-checking while reading (the file may grow), and never following a
 * symlink at the last component.
 */
export async function readFileLimited(path: string, maxBytes: number, what = 'file'): Promise<Uint8Array> {
  let handle;
  try {
    // O_NONBLOCK: opening a FIFO planted where a file should be must not hang; the isFile check refuses it.
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new CpansecError('FILE_NOT_FOUND', `${what} not found: ${path}`, {
        hint: 'check the path',
        details: { path },
      });
    }
    if (code === 'ELOOP') {
      throw new CpansecError('SYMLINK_ESCAPE', `${what} is a symbolic link: ${path}`, {
        hint: 'pass the real file, not a link to it',
        details: { path },
      });
    }
    if (code === 'EISDIR') throw new CpansecError('USAGE', `${what} is a directory: ${path}`, { details: { path } });
    throw wrapError(err, 'IO', `cannot open ${what} ${path}`);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile())
      throw new CpansecError('UNSAFE_ENTRY', `${what} is not a regular file: ${path}`, { details: { path } });
    if (st.size > maxBytes) {
      throw new CpansecError('LIMIT_EXCEEDED', `${what} ${path} is ${st.size} bytes, over the limit of ${maxBytes}`, {
        details: { path, size: st.size, limit: maxBytes },
      });
    }
    const buf = new Uint8Array(st.size);
    let got = 0;
    while (got < st.size) {
      const { bytesRead } = await handle.read(buf, got, st.size - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    // A file that grew while we read it is read again by nobody: refuse it.
    const probe = await handle.read(new Uint8Array(1), 0, 1, got);
    if (probe.bytesRead !== 0)
      throw new CpansecError('IO', `${what} ${path} changed while being read`, { details: { path } });
    return got === st.size ? buf : buf.subarray(0, got);
  } catch (err) {
    throw wrapError(err, 'IO', `cannot read ${what} ${path}`);
  } finally {
    await handle.close();
  }
}

/**
 * Reads at most the first `maxBytes` of a regular file (never through a
 * symlink at the last component). `complete` says whether that was all of it.
 * For scanning the start of files we do not need whole (a module's $VERSION).
 */
export async function readFileHead(
  path: string,
  maxBytes: number,
): Promise<{ bytes: Uint8Array; complete: boolean } | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP' || code === 'ENOTDIR' || code === 'EACCES') return undefined;
    throw wrapError(err, 'IO', `cannot open ${path}`);
  }
  try {
    const st = await handle.stat();
    // A FIFO or device would block or never end: regular files only (O_NONBLOCK keeps the open itself from hanging).
    if (!st.isFile()) return undefined;
    const want = Math.min(st.size, maxBytes);
    const buf = new Uint8Array(want);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await handle.read(buf, got, want - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return { bytes: got === want ? buf : buf.subarray(0, got), complete: st.size <= maxBytes };
  } catch (err) {
    throw wrapError(err, 'IO', `cannot read ${path}`);
  } finally {
    await handle.close();
  }
}

/**
 * readFileHead, synchronously. Scans read thousands of small files
 * (install.json, MYMETA.json, packlists): a synchronous open/fstat/read/close
 * is several times faster than the same four calls through the thread pool,
 * and a scan has nothing else to do meanwhile.
 */
export function readFileHeadSync(path: string, maxBytes: number): { bytes: Uint8Array; complete: boolean } | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP' || code === 'ENOTDIR' || code === 'EACCES') return undefined;
    throw wrapError(err, 'IO', `cannot open ${path}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return undefined;
    const want = Math.min(st.size, maxBytes);
    const buf = new Uint8Array(want);
    let got = 0;
    while (got < want) {
      const n = readSync(fd, buf, got, want - got, got);
      if (n === 0) break;
      got += n;
    }
    return { bytes: got === want ? buf : buf.subarray(0, got), complete: st.size <= maxBytes };
  } catch (err) {
    throw wrapError(err, 'IO', `cannot read ${path}`);
  } finally {
    closeSync(fd);
  }
}
