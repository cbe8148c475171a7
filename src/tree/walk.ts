/**
 * Bounded directory reading for hostile trees: entry types come from
 * readdir (lstat semantics: a symlink is a symlink, never its target), no
 * link is followed, and the number of entries read per walk is capped
 * (limits.maxTreeEntries) so a planted million-file directory costs an error,
 * not the machine.
 */
import { readdirSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { CpansecError, wrapError } from '../errors.js';
import { resolveInside } from '../files/safe-path.js';

export interface DirEntry {
  name: string;
  kind: 'file' | 'dir' | 'link' | 'other';
}

export class EntryBudget {
  private used = 0;
  constructor(readonly max: number) {}
  take(n: number, where: string): void {
    this.used += n;
    if (this.used > this.max) {
      throw new CpansecError('LIMIT_EXCEEDED', `more than ${this.max} directory entries while scanning (at ${where})`, {
        hint: 'the tree is larger than the scan limit (limits.maxTreeEntries); scan a smaller tree',
        details: { limit: this.max, at: where },
      });
    }
  }
}

/** Lists a directory; undefined when it does not exist or is not a directory. */
export async function listDir(dir: string, budget: EntryBudget): Promise<DirEntry[] | undefined> {
  let entries;
  try {
    // Synchronous: a scan lists thousands of small directories, and the thread pool round trip costs more than the call.
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES') return undefined;
    throw wrapError(err, 'IO', `cannot list ${dir}`);
  }
  budget.take(entries.length, dir);
  return entries.map((e) => ({
    name: e.name,
    kind: e.isSymbolicLink() ? 'link' : e.isDirectory() ? 'dir' : e.isFile() ? 'file' : 'other',
  }));
}

/**
 * Every regular file below `dir` (relative paths) whose name `want` accepts,
 * not descending into symlinks or into directories `descend` refuses.
 */
export async function findFiles(
  dir: string,
  budget: EntryBudget,
  want: (name: string) => boolean,
  descend: (rel: string, name: string) => boolean = () => true,
  maxDepth = 32,
): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string, depth: number): Promise<void> => {
    const entries = await listDir(rel === '' ? dir : join(dir, rel), budget);
    if (entries === undefined) return;
    const subdirs: string[] = [];
    for (const e of entries) {
      const path = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.kind === 'file' && want(e.name)) out.push(path);
      else if (e.kind === 'dir' && depth < maxDepth && descend(path, e.name)) subdirs.push(path);
    }
    await Promise.all(subdirs.map((s) => walk(s, depth + 1)));
  };
  await walk('', 0);
  return out.sort();
}

/**
 * The absolute path of directory `rel` inside `root`, resolving links only
 * while they stay inside the root; undefined when it is missing, not a
 * directory, or reached through a link that leaves the tree (scans skip what
 * they must not enter, rather than fail).
 */
export async function dirInside(root: string, rel: string): Promise<string | undefined> {
  if (rel === '' || rel === '.') return root;
  try {
    const real = await resolveInside(root, rel);
    const st = await lstat(join(root, real));
    return st.isDirectory() ? join(root, real) : undefined;
  } catch {
    return undefined;
  }
}
