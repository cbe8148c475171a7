/**
 * The types of the apply API (planPatch, candidatePaths): what adapters pass
 * in and what they get back. apply.ts re-exports them.
 */
import type { Limits } from '../limits.js';
import type { GitMode } from './model.js';

/** A file as the adapter read it: its bytes as a byte string, and its git mode. */
export interface FileEntry {
  content: string;
  mode?: GitMode;
}

/** Path (relative to the root, after -p stripping) -> file. Absent = the file does not exist. */
export type FileMap = ReadonlyMap<string, FileEntry>;

export interface ApplyOptions {
  /** Leading components to strip from names, like patch -pN. Default 1. */
  strip?: number;
  /** Context lines that may be ignored at each end of a hunk, like patch -F. Default 0; at most limits.maxFuzz. */
  fuzz?: number;
  /** Apply the reverse of the patch (undo it), like patch -R. */
  reverse?: boolean;
  /**
   * Look for an already applied patch, as GNU patch --forward does: when a
   * file's first hunk does not match but its reverse does, skip the file; and
   * when the whole patch fails but its reverse applies, report
   * 'already-applied'. Default true.
   */
  detectApplied?: boolean;
  /**
   * Remove files that the patch leaves empty, like patch -E. Default false:
   * only a section that deletes the file (+++ /dev/null, "deleted file mode")
   * removes it, which GNU patch does even without -E.
   */
  removeEmptyFiles?: boolean;
  limits?: Partial<Limits>;
}

export interface HunkReport {
  /** 1-based number of the hunk within its file section. */
  hunk: number;
  status: 'applied' | 'failed' | 'ignored';
  /**
   * GNU patch's line number: where the hunk landed in the new file ("Hunk #2
   * succeeded at 57"), or where it was expected ("Hunk #2 FAILED at 54").
   */
  line: number;
  /** Lines between where the hunk was expected and where it matched, cumulative over the file's hunks as GNU reports it. */
  offset: number;
  /** Context lines ignored at each end to make the hunk match. */
  fuzz: number;
  reason?: string;
}

export type FileChange = 'modified' | 'created' | 'deleted' | 'renamed' | 'copied' | 'mode-changed';

/** Why a patch failed, in the corpus vocabulary (plus 'content-differs' for a deletion that leaves text behind). */
export type FailReason =
  'hunks-failed' | 'reversed-or-already-applied' | 'file-not-found' | 'file-already-exists' | 'content-differs';

export interface FileReport {
  /** The file written (or that would be), relative to the root. */
  path: string;
  /** The file read, when it differs (renames, copies). */
  oldPath?: string;
  change: FileChange;
  status: 'ok' | 'failed';
  reason?: FailReason;
  /** Human-readable detail for a failure ("can't find file to patch", ...). */
  message?: string;
  /** The mode the file ends with, when the patch sets one. */
  mode?: GitMode;
  hunks: HunkReport[];
}

export type PatchOutcome = 'clean' | 'offset' | 'fuzz' | 'fail' | 'already-applied';

export interface PatchPlan {
  /**
   * clean: every hunk at its line; offset: some hunk elsewhere; fuzz: some
   * hunk needed fuzz; fail: something did not apply; already-applied: the
   * patch failed but its reverse applies cleanly.
   */
  outcome: PatchOutcome;
  files: FileReport[];
  /** Sorted, de-duplicated reasons of the failure; empty unless outcome is fail or already-applied. */
  failReasons: FailReason[];
  /**
   * Path -> new file (null = delete). Empty unless every hunk of every file
   * applied: a patch applies whole or not at all.
   */
  changes: Map<string, FileEntry | null>;
}
