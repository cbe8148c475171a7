/**
 * Writing a distribution's files into an empty directory (a workspace, a
 * build directory for `test`) from entries the tarball reader has already
 * checked with the tarball mode's entry policy (core/tar/archive-index.ts:
 * one top directory, safe relative names, no duplicates or case collisions,
 * nothing below a symlink or a file, symlinks that stay inside, hard links to
 * earlier files, no devices). This writer adds its own guard: every file is
 * created with O_EXCL and O_NOFOLLOW below directories it made itself, so
 * even a policy gap could not write through a link or over an existing file.
 */
import { constants } from 'node:fs';
import { copyFile, lstat, mkdir, open, readdir, symlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { checkRelativePath } from '../core/path-policy.js';
import { CpansecError } from '../errors.js';
import { ioError } from '../files/atomic.js';
import { isInside } from '../files/safe-path.js';

export interface TreeEntry {
  /** Path below the top directory; "" for the top directory itself. */
  rel: string;
  kind: 'file' | 'directory' | 'symlink' | 'hardlink';
  /** Permission bits from the archive. */
  mode: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** Symlink target as written, or the hard link's target below the top directory. */
  linkpath?: string;
  /** The content of a regular file. */
  body?: AsyncIterable<Uint8Array>;
}

export interface TreeWriteSummary {
  files: number;
  directories: number;
  symlinks: number;
  bytes: number;
}

/** Files get 0644, or 0755 when the archive marks them executable; nothing else of the mode is kept. */
export const fileMode = (mode: number): number => (mode & 0o111 ? 0o755 : 0o644);

/** Fails unless `root` is an empty directory or missing (then creates it). */
export async function prepareEmptyDir(root: string): Promise<void> {
  const st = await lstat(root).catch(() => undefined);
  if (st === undefined) {
    await mkdir(root, { recursive: true, mode: 0o755 }).catch((err: unknown) => {
      throw ioError(err, `cannot create ${root}`);
    });
    return;
  }
  if (!st.isDirectory()) throw new CpansecError('FILE_EXISTS', `${root} exists and is not a directory`);
  if ((await readdir(root)).length > 0) {
    throw new CpansecError('FILE_EXISTS', `${root} is not empty`, {
      hint: 'name a new or empty directory',
      details: { path: root },
    });
  }
}

export class TreeWriter {
  private readonly made = new Set<string>(['']);
  readonly summary: TreeWriteSummary = { files: 0, directories: 0, symlinks: 0, bytes: 0 };

  /** `root` must be an empty directory (prepareEmptyDir). */
  constructor(private readonly root: string) {}

  private target(rel: string): string {
    const clean = checkRelativePath(rel);
    const abs = join(this.root, ...clean.split('/'));
    if (!isInside(this.root, abs)) {
      throw new CpansecError('UNSAFE_PATH', `${rel} is outside ${this.root}`, { details: { path: rel } });
    }
    return abs;
  }

  private async ensureDir(rel: string): Promise<void> {
    if (this.made.has(rel)) return;
    const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
    await this.ensureDir(parent);
    const abs = this.target(rel);
    try {
      await mkdir(abs, { mode: 0o755 });
      this.summary.directories++;
    } catch (err) {
      const st = (err as NodeJS.ErrnoException).code === 'EEXIST' ? await lstat(abs) : undefined;
      if (!st?.isDirectory()) throw ioError(err, `cannot create the directory ${abs}`);
    }
    this.made.add(rel);
  }

  async write(entry: TreeEntry): Promise<void> {
    if (entry.rel === '') return;
    const parent = entry.rel.includes('/') ? entry.rel.slice(0, entry.rel.lastIndexOf('/')) : '';
    await this.ensureDir(parent);
    const abs = this.target(entry.rel);
    try {
      switch (entry.kind) {
        case 'directory':
          await this.ensureDir(entry.rel);
          return;
        case 'symlink':
          // The entry policy checked it is relative and resolves inside the top directory.
          await symlink(entry.linkpath ?? '', abs);
          this.summary.symlinks++;
          return;
        case 'hardlink': {
          const source = this.target(entry.linkpath ?? '');
          await copyFile(source, abs, constants.COPYFILE_EXCL);
          this.summary.files++;
          return;
        }
        case 'file':
          await this.writeFile(abs, entry);
          return;
      }
    } catch (err) {
      if (err instanceof CpansecError) throw err;
      throw ioError(err, `cannot write ${abs}`);
    }
  }

  private async writeFile(abs: string, entry: TreeEntry): Promise<void> {
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
    const handle = await open(abs, flags, fileMode(entry.mode));
    try {
      for await (const chunk of entry.body ?? []) {
        await handle.write(chunk);
        this.summary.bytes += chunk.length;
      }
    } finally {
      await handle.close();
    }
    // The archive's times, so that make sees sources older than what it builds from them.
    if (entry.mtime > 0) await utimes(abs, entry.mtime, entry.mtime);
    this.summary.files++;
  }
}
