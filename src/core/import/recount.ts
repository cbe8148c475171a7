/**
 * `--recount`: recompute the line counts of every hunk header from the lines
 * that follow it, as `git apply --recount` does (apply.c recount_diff). For
 * patches whose author edited a hunk by hand and left the `@@` counts
 * stale. GNU patch and our parser refuse such a hunk (the counts are what
 * says where it ends); recounting trusts the body instead, so it is an
 * explicit, recorded repair, never automatic. Pure; works on byte strings.
 */

export interface HunkRepair {
  /** 1-based line of the `@@` header in the text. */
  line: number;
  from: string;
  to: string;
}

export interface RecountResult {
  text: string;
  repairs: HunkRepair[];
}

const HUNK_RE = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$/s;

function body(line: string): string {
  return line.endsWith('\r\n') ? line.slice(0, -2) : line.endsWith('\n') ? line.slice(0, -1) : line;
}

function splitKeep(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** True when the hunk body ends before line `i` (a new hunk, file section or trailer). */
function endsHere(lines: readonly string[], i: number): boolean {
  const l = body(lines[i] as string);
  if (l.startsWith('@@ ') || l.startsWith('diff ') || l.startsWith('Index: ')) return true;
  if (l.startsWith('--- ') && body(lines[i + 1] ?? '').startsWith('+++ ')) return true;
  // git format-patch's signature: "-- " then the git version.
  if (l === '-- ' && !/^[ +\-\\@]/.test(body(lines[i + 1] ?? ''))) return true;
  return !/^[ +\-\\]/.test(l) && l !== '';
}

function range(start: string, count: number): string {
  return count === 1 ? start : `${start},${count}`;
}

/** Rewrites every `@@` line whose counts disagree with its body. */
export function recountHunks(text: string): RecountResult {
  const lines = splitKeep(text);
  const repairs: HunkRepair[] = [];
  let inSection = false;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    const head = body(raw);
    if (head.startsWith('diff ') || (head.startsWith('--- ') && body(lines[i + 1] ?? '').startsWith('+++ '))) {
      inSection = true;
      continue;
    }
    const m = inSection ? HUNK_RE.exec(head) : null;
    if (!m) continue;
    let oldCount = 0;
    let newCount = 0;
    let j = i + 1;
    for (; j < lines.length && !endsHere(lines, j); j++) {
      const c = body(lines[j] as string).charAt(0);
      if (c === '\\') continue;
      if (c === ' ' || c === '') {
        oldCount++;
        newCount++;
      } else if (c === '-') oldCount++;
      else newCount++;
    }
    // Blank lines right before the end belong to the separator, not to the hunk.
    for (let k = j - 1; k > i && body(lines[k] as string) === ''; k--) {
      oldCount--;
      newCount--;
    }
    const declaredOld = m[2] === undefined ? 1 : Number(m[2]);
    const declaredNew = m[4] === undefined ? 1 : Number(m[4]);
    if (declaredOld !== oldCount || declaredNew !== newCount) {
      const eol = raw.slice(head.length);
      const fixed = `@@ -${range(m[1] as string, oldCount)} +${range(m[3] as string, newCount)} @@${m[5] ?? ''}`;
      repairs.push({ line: i + 1, from: head, to: fixed });
      lines[i] = fixed + eol;
    }
    i = j - 1;
  }
  return { text: lines.join(''), repairs };
}
