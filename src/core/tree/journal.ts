/**
 * The journal of one run (`<tree>/.cpansec/journal.json`) and what recovery
 * does with it. A run that changes files writes, in order:
 *
 *   1. objects/<sha256> for every before and after image (fsynced)
 *   2. journal, phase "staging" (lists the temp files it will write)
 *   3. the temp files beside their targets (fsynced, mode and owner set)
 *   4. journal, phase "committing"
 *   5. renames (and unlinks), then the directory fsyncs
 *   6. state.json with lastTransaction = the journal id
 *   7. journal removed
 *
 * Killed anywhere, the journal tells recovery what to do: in "staging" no
 * target was touched, so it removes the temps; in "committing" every file is
 * either still before, already after, or (if someone else wrote it since)
 * neither, and both images are in objects/, so the run can be finished or
 * rolled back file by file; after step 6 the run is complete and only the
 * journal is left to remove. Pure: the adapter observes, this decides.
 */
import { CpansecError } from '../../errors.js';
import { checkRelativePath } from '../path-policy.js';
import { parseFileImage, parseState } from './state.js';
import type { FileImage, TreeState } from './state.js';

export const JOURNAL_FORMAT = 'cpansec-tree-journal/1';

export interface JournalFile {
  path: string;
  before: FileImage | null;
  after: FileImage | null;
  /** The temp file holding `after`, beside the target (null when the file is deleted). */
  temp: string | null;
  /** Directories to create for `path`, outermost first. */
  mkdirs: string[];
  /** Directories to remove (when empty) after `path` is deleted, innermost first. */
  rmdirs: string[];
}

export interface Journal {
  format: typeof JOURNAL_FORMAT;
  id: string;
  op: 'apply' | 'revert';
  phase: 'staging' | 'committing';
  pid: number;
  startedAt: string;
  files: JournalFile[];
  /** The state to write when the run finishes. */
  state: TreeState;
}

function invalid(what: string): never {
  throw new CpansecError('METADATA_INVALID', `the tree's journal is damaged: ${what}`, {
    hint: 'an interrupted run left a journal that cannot be read; compare the files with `status`, then remove .cpansec/journal.json by hand',
  });
}

export function parseJournal(text: string): Journal {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    invalid('not JSON');
  }
  if (typeof raw !== 'object' || raw === null) invalid('expected an object');
  const o = raw as Record<string, unknown>;
  if (o['format'] !== JOURNAL_FORMAT) invalid(`unknown format ${JSON.stringify(o['format'])}`);
  const op = o['op'];
  const phase = o['phase'];
  if (op !== 'apply' && op !== 'revert') invalid('bad op');
  if (phase !== 'staging' && phase !== 'committing') invalid('bad phase');
  if (typeof o['id'] !== 'string' || !/^[0-9a-z-]{1,64}$/.test(o['id'])) invalid('bad id');
  if (!Array.isArray(o['files'])) invalid('files is not a list');
  const rel = (v: unknown): string => {
    if (typeof v !== 'string') invalid('a path is not a string');
    try {
      return checkRelativePath(v);
    } catch {
      invalid(`unsafe path ${JSON.stringify(v)}`);
    }
  };
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(rel) : invalid('expected a list'));
  const files = (o['files'] as unknown[]).map((f, i): JournalFile => {
    if (typeof f !== 'object' || f === null) invalid('a file entry is not an object');
    const x = f as Record<string, unknown>;
    return {
      path: rel(x['path']),
      before: parseFileImage(x['before'], `files[${i}].before`),
      after: parseFileImage(x['after'], `files[${i}].after`),
      temp: x['temp'] === null ? null : rel(x['temp']),
      mkdirs: list(x['mkdirs']),
      rmdirs: list(x['rmdirs']),
    };
  });
  return {
    format: JOURNAL_FORMAT,
    id: o['id'] as string,
    op,
    phase,
    pid: typeof o['pid'] === 'number' ? o['pid'] : 0,
    startedAt: typeof o['startedAt'] === 'string' ? o['startedAt'] : '',
    files,
    state: parseState(JSON.stringify(o['state'])),
  };
}

export function formatJournal(journal: Journal): string {
  return `${JSON.stringify(journal)}\n`;
}

/** What the adapter saw on disk for one journal file. */
export interface Observed {
  /** sha256 of the target now; null when absent. */
  target: string | null;
  /** sha256 of the temp file; null when absent. */
  temp: string | null;
}

export type RecoveryAction =
  | { kind: 'rename-temp'; path: string; temp: string }
  | { kind: 'write-object'; path: string; image: FileImage }
  | { kind: 'delete'; path: string }
  | { kind: 'remove-temp'; temp: string }
  | { kind: 'rmdir'; dir: string };

export interface RecoveryPlan {
  /** complete: the run had finished (only the journal was left); finish / rollback: what was done. */
  outcome: 'complete' | 'finish' | 'rollback';
  actions: RecoveryAction[];
  /** The state to write: the journal's for a finished run, undefined to keep the one on disk. */
  state?: TreeState;
  /** Files that are neither before nor after: someone changed them after the crash; left alone. */
  foreign: string[];
  /** Files already as the chosen direction wants them. */
  settled: string[];
}

function is(image: FileImage | null, sha: string | null): boolean {
  return image === null ? sha === null : sha === image.sha256;
}

/**
 * Decides how to recover. `want` is the direction for a run caught while
 * committing ("finish" completes it, "rollback" undoes it); a run caught
 * while staging is always rolled back, because its temps may be incomplete.
 */
export function planRecovery(
  journal: Journal,
  diskState: TreeState,
  observed: ReadonlyMap<string, Observed>,
  want: 'finish' | 'rollback',
): RecoveryPlan {
  const actions: RecoveryAction[] = [];
  const foreign: string[] = [];
  const settled: string[] = [];
  const removeTemps = (): void => {
    for (const f of journal.files) {
      if (f.temp !== null && (observed.get(f.path)?.temp ?? null) !== null)
        actions.push({ kind: 'remove-temp', temp: f.temp });
    }
  };
  if (diskState.lastTransaction === journal.id) {
    removeTemps();
    return { outcome: 'complete', actions, foreign, settled: journal.files.map((f) => f.path) };
  }
  const direction = journal.phase === 'staging' ? 'rollback' : want;
  for (const f of journal.files) {
    const seen = observed.get(f.path) ?? { target: null, temp: null };
    const [from, to] = direction === 'finish' ? [f.before, f.after] : [f.after, f.before];
    if (is(to, seen.target)) {
      settled.push(f.path);
      continue;
    }
    if (!is(from, seen.target)) {
      foreign.push(f.path);
      continue;
    }
    if (to === null) actions.push({ kind: 'delete', path: f.path });
    else if (direction === 'finish' && f.temp !== null && seen.temp === to.sha256) {
      actions.push({ kind: 'rename-temp', path: f.path, temp: f.temp });
      continue;
    } else actions.push({ kind: 'write-object', path: f.path, image: to });
  }
  // Temps not consumed by a rename are garbage either way.
  const renamed = new Set(actions.flatMap((a) => (a.kind === 'rename-temp' ? [a.temp] : [])));
  for (const f of journal.files) {
    if (f.temp !== null && !renamed.has(f.temp) && (observed.get(f.path)?.temp ?? null) !== null) {
      actions.push({ kind: 'remove-temp', temp: f.temp });
    }
  }
  // Directories: a rollback removes those the run made (when empty; a restored file's missing
  // parents are made again when it is written); a finish removes those the run emptied.
  for (const f of journal.files) {
    const dirs = direction === 'rollback' ? [...f.mkdirs].reverse() : f.rmdirs;
    for (const d of dirs) actions.push({ kind: 'rmdir', dir: d });
  }
  return {
    outcome: direction,
    actions,
    ...(direction === 'finish' ? { state: journal.state } : {}),
    foreign,
    settled,
  };
}
