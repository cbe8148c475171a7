/**
 * The entry policy of a distribution tarball (docs/tarballs.md), checked
 * entry by entry as the archive streams past, with the decisions that need
 * the whole archive taken in `finish()`. Pure: names and types in, an index
 * of the archive out, or a CpansecError.
 *
 * - one top directory holds everything (a "tarbomb" spills into the current
 *   directory of whoever extracts it);
 * - every name passes the core path policy below the top directory: no
 *   absolute names, no "..", no ".git", no "\" or ":" (CVE-2007-4829,
 *   CVE-2021-32804, CVE-2021-37713; path-policy.ts);
 * - one entry per name, also after case folding and Unicode normalisation
 *   (CVE-2021-32803, CVE-2021-37701, CVE-2021-37712, CVE-2026-23950);
 * - no entry below a symlink or a file (CVE-2018-12015, CVE-2021-32803);
 * - symlinks must point inside the top directory, relatively, and not
 *   through other symlinks of the archive (CVE-2024-12905, CVE-2026-23745,
 *   CVE-2026-26960); hard links must name an earlier regular file
 *   (CVE-2026-24842, CVE-2026-42497);
 * - no devices or FIFOs: a distribution never needs them.
 */
import { CpansecError } from '../../errors.js';
import { tryDecodeUtf8 } from '../bytes.js';
import { checkRelativePath } from '../path-policy.js';
import type { Limits } from '../limits.js';
import type { EntryType } from './chain.js';

export type EntryKind = 'file' | 'directory' | 'symlink' | 'hardlink';

export interface IndexedEntry {
  /** Path below the top directory ("" for the top directory itself). Byte string. */
  rel: string;
  kind: EntryKind;
  size: number;
  /** For links: the target below the top directory (hard links) or as written (symlinks). */
  linkpath?: string;
  mtime: number;
}

function unsafe(reason: string, message: string, details: Record<string, unknown> = {}): CpansecError {
  return new CpansecError('UNSAFE_ENTRY', message, {
    hint: 'the tarball holds an entry that could write outside the distribution or over another file; it was refused as a whole',
    details: { reason, ...details },
  });
}

function show(s: string): string {
  return JSON.stringify(s.length > 200 ? `${s.slice(0, 200)}…` : s);
}

/**
 * The key under which names collide: on macOS and Windows "README" and
 * "readme" are one file, and so are NFC and NFD spellings and ligatures
 * ("ﬁ" and "fi", CVE-2026-23950). Names that are not UTF-8 fold as latin1.
 */
export function foldName(name: string): string {
  const bytes = Uint8Array.from(name, (c) => c.charCodeAt(0) & 0xff);
  const text = tryDecodeUtf8(bytes) ?? name;
  return text.normalize('NFKC').toLowerCase().normalize('NFKC');
}

/** Splits "./Top-1.0/lib/x" into the top directory and the rest; a leading "./" is allowed once. */
function splitTop(name: string): { top: string; rest: string } {
  const clean = name.startsWith('./') ? name.slice(2) : name;
  const slash = clean.indexOf('/');
  return slash < 0 ? { top: clean, rest: '' } : { top: clean.slice(0, slash), rest: clean.slice(slash + 1) };
}

export class ArchiveIndex {
  readonly entries: IndexedEntry[] = [];
  private readonly byFolded = new Map<string, IndexedEntry>();
  /** Folded paths that some entry has below it: they must stay directories. */
  private readonly impliedDirs = new Set<string>();
  private topName: string | undefined;
  private maxMtime = 0;
  /** Names in header blocks that a pax or GNU name overrides, with the entry they belong to. */
  private readonly fallbacks: { rel: string; fallback: string }[] = [];

  constructor(private readonly limits: Readonly<Limits>) {}

  /** The single top directory ("Dist-Name-1.23"). */
  get top(): string {
    if (this.topName === undefined) throw new CpansecError('TARBALL_INVALID', 'the tarball has no entries');
    return this.topName;
  }

  get newestMtime(): number {
    return this.maxMtime;
  }

  get(rel: string): IndexedEntry | undefined {
    return this.byFolded.get(foldName(rel));
  }

  /** The exact entry at `rel` (not merely one that folds to the same key). */
  exact(rel: string): IndexedEntry | undefined {
    const e = this.get(rel);
    return e !== undefined && e.rel === rel ? e : undefined;
  }

  /**
   * Checks and records one entry; returns its path below the top directory.
   * @throws CpansecError UNSAFE_ENTRY, UNSAFE_PATH, LIMIT_EXCEEDED, TARBALL_UNSUPPORTED
   */
  add(entry: {
    path: string;
    headerPath: string;
    type: EntryType;
    size: number;
    linkpath: string;
    mtime: number;
  }): IndexedEntry {
    if (this.entries.length >= this.limits.maxTarEntries) {
      throw new CpansecError('LIMIT_EXCEEDED', `the tarball has more than ${this.limits.maxTarEntries} entries`, {
        details: { limit: this.limits.maxTarEntries },
      });
    }
    if (entry.size > this.limits.maxTarEntryBytes) {
      throw new CpansecError(
        'LIMIT_EXCEEDED',
        `tar entry ${show(entry.path)} announces ${entry.size} bytes (limit ${this.limits.maxTarEntryBytes})`,
        { details: { path: entry.path, size: entry.size, limit: this.limits.maxTarEntryBytes } },
      );
    }
    if (entry.type === 'character-device' || entry.type === 'block-device' || entry.type === 'fifo') {
      throw unsafe(entry.type === 'fifo' ? 'fifo' : 'device', `tar entry ${show(entry.path)} is a ${entry.type}`, {
        path: entry.path,
      });
    }
    const kind: EntryKind = entry.type;
    // A reader that ignores pax and GNU extensions sees the header's own name: it must be harmless too.
    const fallback = entry.headerPath !== entry.path ? this.checkName(entry.headerPath, kind) : undefined;
    const rel = this.checkName(entry.path, kind);
    if (fallback !== undefined && fallback !== rel) this.fallbacks.push({ rel, fallback });
    const folded = foldName(rel);
    const clash = this.byFolded.get(folded);
    if (clash !== undefined) {
      const same = clash.rel === rel;
      throw unsafe(
        same ? 'duplicate' : 'collision',
        same
          ? `the tarball holds ${show(entry.path)} twice`
          : `tar entries ${show(clash.rel)} and ${show(rel)} are the same file on case-insensitive or normalising file systems`,
        { path: entry.path, other: clash.rel },
      );
    }
    if (rel !== '' && kind !== 'directory' && this.impliedDirs.has(folded)) {
      throw unsafe('not-a-directory', `tar entry ${show(entry.path)} is a ${kind}, but other entries lie below it`, {
        path: entry.path,
      });
    }
    const parts = rel === '' ? [] : rel.split('/');
    for (let k = 1; k < parts.length; k++) {
      const parentKey = foldName(parts.slice(0, k).join('/'));
      const parent = this.byFolded.get(parentKey);
      if (parent !== undefined && parent.kind !== 'directory') {
        throw unsafe(
          parent.kind === 'symlink' ? 'through-symlink' : 'not-a-directory',
          `tar entry ${show(entry.path)} lies below the ${parent.kind} ${show(parent.rel)}`,
          { path: entry.path, other: parent.rel },
        );
      }
      this.impliedDirs.add(parentKey);
    }
    if (kind === 'directory') this.impliedDirs.add(folded);
    const indexed: IndexedEntry = { rel, kind, size: entry.size, mtime: entry.mtime };
    if (kind === 'symlink') indexed.linkpath = this.checkSymlink(rel, entry.linkpath, entry.path);
    if (kind === 'hardlink') indexed.linkpath = this.checkHardlink(entry.linkpath, entry.path);
    this.byFolded.set(folded, indexed);
    this.entries.push(indexed);
    if (entry.mtime > this.maxMtime) this.maxMtime = entry.mtime;
    return indexed;
  }

  private checkName(name: string, kind: EntryKind): string {
    if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name)) {
      throw new CpansecError('UNSAFE_PATH', `tar entry ${show(name)} has an absolute name`, {
        hint: 'an absolute name writes anywhere on the disk of whoever extracts it (CVE-2021-32804)',
        details: { path: name, reason: 'absolute' },
      });
    }
    const bare = kind === 'directory' && name.endsWith('/') ? name.slice(0, -1) : name;
    const { top, rest } = splitTop(bare);
    if (top === '..' || top === '.' || top === '') {
      // "./" itself would chmod the directory the user extracts into; ".." climbs out of it.
      throw new CpansecError('UNSAFE_PATH', `tar entry ${show(name)} names the extraction directory or its parent`, {
        details: { path: name, reason: top === '..' ? 'dot-dot' : 'dot-only' },
      });
    }
    if (rest === '' && kind !== 'directory') {
      throw unsafe('no-top-directory', `tar entry ${show(name)} is not inside a top directory`, { path: name });
    }
    checkRelativePath(top, this.limits);
    if (this.topName === undefined) this.topName = top;
    else if (top !== this.topName) {
      throw unsafe('no-top-directory', `tar entry ${show(name)} is outside the top directory ${show(this.topName)}`, {
        path: name,
        top: this.topName,
      });
    }
    return rest === '' ? '' : checkRelativePath(rest, this.limits);
  }

  /**
   * A symlink may point only inside the top directory, relatively. Resolved
   * lexically from the link's directory; the "through other symlinks" half
   * waits for finish(), when every entry is known.
   */
  private checkSymlink(rel: string, target: string, name: string): string {
    const refuse = (why: string): CpansecError =>
      unsafe('symlink-target', `symlink ${show(name)} -> ${show(target)}: ${why}`, { path: name, target });
    // eslint-disable-next-line no-control-regex
    if (target === '' || /[\u0000-\u001f\u007f\\]/.test(target)) throw refuse('the target is empty or malformed');
    if (target.startsWith('/') || /^[A-Za-z]:/.test(target) || target.includes(':')) {
      throw refuse('absolute target (CVE-2026-23745)');
    }
    if (rel === '') throw refuse('the top directory itself is a link');
    const stack = rel.split('/').slice(0, -1);
    for (const part of target.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (stack.length === 0) throw refuse('the target leaves the top directory (CVE-2024-12905)');
        stack.pop();
      } else stack.push(part);
    }
    return target;
  }

  /** A hard link names an earlier regular file of the archive, by its full name. */
  private checkHardlink(linkpath: string, name: string): string {
    const refuse = (why: string): CpansecError =>
      unsafe('hardlink-target', `hard link ${show(name)} -> ${show(linkpath)}: ${why}`, {
        path: name,
        target: linkpath,
      });
    if (linkpath.startsWith('/') || /^[A-Za-z]:/.test(linkpath)) throw refuse('absolute target (CVE-2026-23745)');
    const { top, rest } = splitTop(linkpath);
    if (top !== this.topName || rest === '') throw refuse('the target is outside the top directory (CVE-2026-24842)');
    let target: string;
    try {
      target = checkRelativePath(rest, this.limits);
    } catch {
      throw refuse('the target is not a safe name (CVE-2026-24842)');
    }
    const earlier = this.exact(target);
    if (earlier === undefined || earlier.kind !== 'file') {
      throw refuse('the target is not an earlier regular file of the archive (CVE-2026-26960)');
    }
    return target;
  }

  /**
   * The checks that need every entry: no symlink resolves through another
   * symlink of the archive (a/up -> .., a/esc -> up/.. escapes although each
   * looks inside on its own: CVE-2026-26960). Returns the top directory.
   * @throws CpansecError UNSAFE_ENTRY, TARBALL_INVALID (no entries)
   */
  finish(): string {
    const top = this.top;
    // A reader that ignores extensions must not find another entry's file under a header name:
    // entry B named "lib/Y.pm" by pax but "lib/X.pm" in its header would put B's bytes where
    // everyone else (and our patch) sees X.pm.
    for (const { rel, fallback } of this.fallbacks) {
      const other = this.get(fallback);
      if (other !== undefined && other.rel !== rel) {
        throw unsafe(
          'fallback-name',
          `tar entry ${show(rel)} is named ${show(fallback)} for readers without pax, and ${show(other.rel)} exists`,
          { path: rel, other: other.rel },
        );
      }
    }
    for (const e of this.entries) {
      if (e.kind !== 'symlink' || e.linkpath === undefined) continue;
      const stack = e.rel.split('/').slice(0, -1);
      const parts = e.linkpath.split('/').filter((p) => p !== '' && p !== '.');
      for (let k = 0; k < parts.length; k++) {
        const part = parts[k] as string;
        if (part === '..') stack.pop();
        else stack.push(part);
        if (k === parts.length - 1) break;
        const via = this.get(stack.join('/'));
        if (via !== undefined && via.kind === 'symlink') {
          throw unsafe(
            'symlink-chain',
            `symlink ${show(e.rel)} -> ${show(e.linkpath)} resolves through the symlink ${show(via.rel)}`,
            {
              path: e.rel,
              other: via.rel,
            },
          );
        }
      }
    }
    return top;
  }
}
