/**
 * Which file does a section patch? GNU patch 2.7.6 picks among the old, new
 * and "Index:" names the existing file with the fewest path components, then
 * the shortest base name, then the shortest name (pch.c best_name), and
 * decides from the headers whether the section creates or deletes a file
 * (pch.c maybe_reverse). We reproduce that choice, after validating every
 * name the section carries, so the file we patch is the file GNU would.
 */
import { checkRawName, checkRelativePath, tryStripPath } from '../path-policy.js';
import type { Limits } from '../limits.js';
import type { FileEntry } from './apply-types.js';
import type { FilePatch, FileState } from './model.js';

/** The section's names after -p stripping and validation; null = none. */
export interface ResolvedNames {
  old: string | null;
  new: string | null;
  index: string | null;
}

/**
 * Strip and validate every name of a section. Both names of a rename or copy
 * are checked, and the rename/copy header values too (CVE-2015-1395).
 * @throws CpansecError UNSAFE_PATH
 */
export function resolveNames(file: FilePatch, strip: number, limits: Readonly<Limits>): ResolvedNames {
  const one = (raw: string | null): string | null => {
    if (raw === null) return null;
    checkRawName(raw);
    const stripped = tryStripPath(raw, strip);
    return stripped === null ? null : checkRelativePath(stripped, limits);
  };
  if (file.type === 'rename' || file.type === 'copy') {
    checkRawName(file.from);
    checkRawName(file.to);
    checkRelativePath(file.from, limits);
    checkRelativePath(file.to, limits);
  }
  const old = one(file.oldName);
  const neu = one(file.newName);
  const index = one(file.indexName);
  // GNU patch (not POSIX mode) ignores "Index:" when "---"/"+++" give a name.
  return { old, new: neu, index: old !== null || neu !== null ? null : index };
}

type Slot = 0 | 1 | 2;
const SLOTS: readonly Slot[] = [0, 1, 2];

function nameAt(n: ResolvedNames, slot: Slot): string | null {
  return slot === 0 ? n.old : slot === 1 ? n.new : n.index;
}

/**
 * GNU best_name, literally: minima are updated progressively, so a later name
 * with fewer components but a longer base name can leave no winner at all
 * (then GNU patch, and we, behave as if no named file existed).
 */
function bestName(names: ResolvedNames, usable: (name: string) => boolean): Slot | null {
  const comps: (number | undefined)[] = [];
  const base: (number | undefined)[] = [];
  const len: (number | undefined)[] = [];
  let cMin = Infinity;
  let bMin = Infinity;
  let lMin = Infinity;
  for (const slot of SLOTS) {
    const name = nameAt(names, slot);
    if (name === null || !usable(name)) continue;
    const c = name.split('/').length - 1;
    comps[slot] = c;
    if (cMin < c) continue;
    cMin = c;
    const b = name.length - name.lastIndexOf('/') - 1;
    base[slot] = b;
    if (bMin < b) continue;
    bMin = b;
    const l = name.length;
    len[slot] = l;
    if (lMin < l) continue;
    lMin = l;
  }
  for (const slot of SLOTS) {
    const name = nameAt(names, slot);
    if (name === null || !usable(name)) continue;
    if (comps[slot] === cMin && base[slot] === bMin && len[slot] === lMin) return slot;
  }
  return null;
}

const STATE_NUMBER: Record<FileState, number> = { exists: 0, empty: 1, absent: 2 };

export type SkipReason = 'file-not-found' | 'file-already-exists' | 'reversed-or-already-applied';

export type Selection =
  | { kind: 'skip'; reason: SkipReason; path: string | null; message: string }
  | { kind: 'patch'; inName: string; outName: string; input: FileEntry | undefined };

/**
 * GNU patch's file selection with --forward --batch: returns the file to
 * read and the file to write, or why the section is skipped.
 */
export function selectFile(
  file: FilePatch,
  names: ResolvedNames,
  lookup: (path: string) => FileEntry | undefined,
): Selection {
  const present = (n: string): boolean => lookup(n) !== undefined;
  let slot = bestName(names, present);
  const lastNamed = [...SLOTS].reverse().find((s) => nameAt(names, s) !== null);
  if (lastNamed === undefined) {
    return { kind: 'skip', reason: 'file-not-found', path: null, message: 'no usable file name in the header' };
  }
  const oldN = STATE_NUMBER[file.oldState];
  const newN = STATE_NUMBER[file.newState];
  const chosen = slot === null ? undefined : lookup(nameAt(names, slot) as string);
  const nonexistent = slot === null;
  const isEmpty = nonexistent || chosen?.content === '';
  // maybe_reverse: does the patch create a file that exists, or delete/empty one that is not there?
  let looksReversed = (isEmpty ? 0 : 1) < (isEmpty ? newN : oldN);
  if (isEmpty && (nonexistent ? newN : oldN) === 1 && (nonexistent ? oldN : newN) === 2) looksReversed = false;
  const reportName = nameAt(names, slot ?? lastNamed) as string;
  if (looksReversed) {
    if (nonexistent) {
      return {
        kind: 'skip',
        reason: 'file-not-found',
        path: reportName,
        message: 'would delete a file that does not exist',
      };
    }
    if (isEmpty) {
      return {
        kind: 'skip',
        reason: 'reversed-or-already-applied',
        path: reportName,
        message: 'would empty out a file that is already empty',
      };
    }
    return {
      kind: 'skip',
      reason: 'file-already-exists',
      path: reportName,
      message: 'would create a file that already exists',
    };
  }
  if (slot === null && oldN !== 0) {
    // A creation: GNU picks the name needing the fewest new directories; we
    // cannot see directories, so all names count as equal there.
    slot = bestName(names, () => true);
  }
  const isMove = file.type === 'rename' || file.type === 'copy';
  if (isMove && !((slot === 0 || slot === 1) && names.old !== null && names.new !== null)) {
    return {
      kind: 'skip',
      reason: 'file-not-found',
      path: reportName,
      message: `cannot ${file.type} without two file names`,
    };
  }
  if (slot === null) {
    return { kind: 'skip', reason: 'file-not-found', path: reportName, message: "can't find file to patch" };
  }
  const inName = nameAt(names, slot) as string;
  const outName = isMove ? (names.new as string) : inName;
  return { kind: 'patch', inName, outName, input: lookup(inName) };
}
