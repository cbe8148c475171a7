/**
 * formatDiff: write a Diff back as text that GNU patch and git apply read
 * the same way parseDiff did. Output is built as an array and joined once.
 */
import { assertNever } from '../../errors.js';
import { quoteNameIfNeeded } from './quote.js';
import type { Diff, FilePatch, Hunk } from './model.js';

export interface FormatOptions {
  /** Write the preamble (mail headers, description) before the first section. Default false. */
  preamble?: boolean;
}

/** A unified range: "5" for one line, "5,3" otherwise (diff -u's spelling). */
function range(start: number, count: number): string {
  return count === 1 ? String(start) : `${start},${count}`;
}

function pushHunk(out: string[], h: Hunk): void {
  out.push(
    `@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@${h.section === '' ? '' : ' ' + h.section}\n`,
  );
  for (const l of h.lines) {
    out.push(l.op, l.text, '\n');
    if (!l.eol) out.push('\\ No newline at end of file\n');
  }
}

function headerName(name: string | null, timestamp: string | undefined): string {
  const n = name === null ? '/dev/null' : quoteNameIfNeeded(name);
  return timestamp === undefined ? n : `${n}\t${timestamp}`;
}

function gitExtended(out: string[], f: FilePatch): void {
  switch (f.type) {
    case 'create':
      out.push(`new file mode ${f.newMode ?? '100644'}\n`);
      break;
    case 'delete':
      out.push(`deleted file mode ${f.oldMode ?? '100644'}\n`);
      break;
    case 'rename':
    case 'copy':
      if (f.oldMode !== undefined && f.newMode !== undefined && f.oldMode !== f.newMode) {
        out.push(`old mode ${f.oldMode}\n`, `new mode ${f.newMode}\n`);
      }
      if (f.similarity !== undefined) out.push(`similarity index ${f.similarity}%\n`);
      out.push(`${f.type} from ${quoteNameIfNeeded(f.from)}\n`, `${f.type} to ${quoteNameIfNeeded(f.to)}\n`);
      break;
    case 'modify':
      if (f.oldMode !== undefined && f.newMode !== undefined && f.oldMode !== f.newMode) {
        out.push(`old mode ${f.oldMode}\n`, `new mode ${f.newMode}\n`);
      }
      break;
    default:
      assertNever(f, 'file patch');
  }
  if (f.oldHash !== undefined && f.newHash !== undefined) {
    // git writes the mode on the index line when the section does not change it.
    const sameMode = f.type !== 'create' && f.type !== 'delete' && f.oldMode !== undefined && f.oldMode === f.newMode;
    out.push(`index ${f.oldHash}..${f.newHash}${sameMode ? ' ' + f.oldMode : ''}\n`);
  }
}

function pushFile(out: string[], f: FilePatch): void {
  if (f.git) {
    const oldName = f.oldName ?? f.newName;
    const newName = f.newName ?? f.oldName;
    out.push(`diff --git ${quoteNameIfNeeded(oldName ?? '')} ${quoteNameIfNeeded(newName ?? '')}\n`);
    gitExtended(out, f);
    if (f.hunks.length === 0) return;
    out.push(`--- ${headerName(f.type === 'create' ? null : f.oldName, f.oldTimestamp)}\n`);
    out.push(`+++ ${headerName(f.type === 'delete' ? null : f.newName, f.newTimestamp)}\n`);
  } else {
    if (f.indexName !== null) {
      out.push(`Index: ${f.indexName}\n`, '===================================================================\n');
    }
    out.push(`--- ${headerName(f.oldName, f.oldTimestamp)}\n`, `+++ ${headerName(f.newName, f.newTimestamp)}\n`);
  }
  for (const h of f.hunks) pushHunk(out, h);
}

export function formatDiff(diff: Diff, options: FormatOptions = {}): string {
  const out: string[] = [];
  if (options.preamble === true) out.push(diff.preamble);
  for (const f of diff.files) pushFile(out, f);
  return out.join('');
}
