/**
 * diffstat: which files a diff touches and how many lines it adds and
 * removes, for display (`show`) and review. Names are shown after -p
 * stripping when they have enough components, as-is otherwise.
 */
import { assertNever } from '../../errors.js';
import { tryStripPath } from '../path-policy.js';
import type { FileChange } from './apply-types.js';
import type { Diff, FilePatch } from './model.js';

export interface DiffstatFile {
  path: string;
  /** The source of a rename or copy. */
  oldPath?: string;
  change: FileChange;
  insertions: number;
  deletions: number;
}

export interface Diffstat {
  files: DiffstatFile[];
  insertions: number;
  deletions: number;
}

function change(f: FilePatch): FileChange {
  switch (f.type) {
    case 'create':
      return 'created';
    case 'delete':
      return 'deleted';
    case 'rename':
      return 'renamed';
    case 'copy':
      return 'copied';
    case 'modify':
      return f.hunks.length === 0 && f.oldMode !== f.newMode ? 'mode-changed' : 'modified';
    default:
      return assertNever(f, 'file patch');
  }
}

export function diffstat(diff: Diff, strip = 1): Diffstat {
  const show = (name: string | null): string | null => (name === null ? null : (tryStripPath(name, strip) ?? name));
  const files = diff.files.map((f): DiffstatFile => {
    let insertions = 0;
    let deletions = 0;
    for (const h of f.hunks) {
      for (const l of h.lines) {
        if (l.op === '+') insertions++;
        else if (l.op === '-') deletions++;
      }
    }
    const oldPath = show(f.oldName);
    const path = (f.type === 'delete' ? oldPath : show(f.newName)) ?? oldPath ?? show(f.indexName) ?? '';
    const moved = (f.type === 'rename' || f.type === 'copy') && oldPath !== null && oldPath !== path;
    return { path, ...(moved ? { oldPath } : {}), change: change(f), insertions, deletions };
  });
  return {
    files,
    insertions: files.reduce((n, f) => n + f.insertions, 0),
    deletions: files.reduce((n, f) => n + f.deletions, 0),
  };
}
