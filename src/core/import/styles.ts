/**
 * What a patch file says about itself before its first diff: the header
 * style (how the file starts) and the authorship it carries. Five styles
 * occur in the wild, and in CPANSec's published patches:
 *
 *   git-format-patch  "From <40-hex sha> Mon Sep 17 00:00:00 2001", mail fields, message, "---"
 *   mail              mail fields (From:, Date:, Subject:) from the first line, message, "---"
 *   git-show          "commit <sha>", "Author:", "Date:", the message indented by four spaces
 *   git-diff          a bare "diff --git" (no header at all)
 *   unified           a bare "--- a/..." / "+++ b/..." pair
 *
 * plus `dep3`: a file that already starts with DEP-3 or cpansec-patch fields
 * (Description:, Patch-Id:, ...). Pure: text in, values out. The text is the
 * preamble (what precedes the first diff section), decoded.
 */
import { decodeMimeWords } from './mime-words.js';

export type HeaderStyle = 'git-format-patch' | 'mail' | 'git-show' | 'git-diff' | 'unified' | 'dep3' | 'other';

export interface OriginalHeader {
  style: HeaderStyle;
  /** The commit id of a format-patch mbox line or a `commit` line. */
  commit?: string;
  /** "Name <email>", from From: or Author:. */
  author?: string;
  /** The date as written. */
  date?: string;
  /** The one-line subject, "[PATCH n/m]" removed; for git-show the first message line. */
  subject?: string;
  /** The message after the subject (lines), without the trailing "---" and diffstat. */
  body: string[];
}

const MBOX_RE = /^From ([0-9a-f]{40}) /;
const COMMIT_RE = /^commit ([0-9a-f]{7,64})\b/;
const DEP3_FIELD_RE =
  /^(Description|Patch-Id|Distribution|Origin|Forwarded|Author|Bug|Bug-[A-Za-z]+|Applied-Upstream|Last-Update|Reviewed-by|Acked-by|Affected-Versions|CVE|CPANSA|Severity):/i;

function lines(text: string): string[] {
  const out = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

function firstContentLine(all: readonly string[]): string {
  return all.find((l) => l.trim() !== '') ?? '';
}

/** Decides the style from the first non-empty line (as the CPANSec index does). */
export function detectHeaderStyle(preamble: string, diffStart = ''): HeaderStyle {
  const first = firstContentLine(lines(preamble));
  if (first === '') {
    if (diffStart.startsWith('diff --git ')) return 'git-diff';
    if (diffStart.startsWith('--- ') || diffStart.startsWith('Index: ')) return 'unified';
    return 'other';
  }
  if (MBOX_RE.test(first)) return 'git-format-patch';
  if (COMMIT_RE.test(first)) return 'git-show';
  if (/^(From|Subject|Date):/i.test(first)) return 'mail';
  if (DEP3_FIELD_RE.test(first)) return 'dep3';
  return 'other';
}

/** Mail header fields from `start`, with RFC 822 folding; returns them and the index after the blank line. */
function readMailFields(all: readonly string[], start: number): { fields: Map<string, string>; next: number } {
  const fields = new Map<string, string>();
  let i = start;
  let last: string | undefined;
  for (; i < all.length; i++) {
    const line = all[i] as string;
    if (line === '') {
      i++;
      break;
    }
    if (/^[ \t]/.test(line) && last !== undefined) {
      fields.set(last, `${fields.get(last) ?? ''} ${line.trim()}`);
      continue;
    }
    const m = /^([A-Za-z][A-Za-z0-9-]*):[ \t]*(.*)$/.exec(line);
    if (!m) break;
    last = (m[1] as string).toLowerCase();
    if (!fields.has(last)) fields.set(last, m[2] as string);
  }
  return { fields, next: i };
}

/** "[PATCH 1/2] Fix it" → "Fix it"; "[PATCH v3] x" → "x". */
export function cleanSubject(subject: string): string {
  return subject.replace(/^\s*(?:\[[^\]]*\]\s*)+/, '').trim();
}

/** The message lines up to the "---" that ends a format-patch message, trailing blanks removed. */
function messageUntilSeparator(all: readonly string[], from: number): string[] {
  const out: string[] = [];
  for (let i = from; i < all.length; i++) {
    const line = all[i] as string;
    if (line === '---' || line.startsWith('diff --git ') || line.startsWith('Index: ')) break;
    if (line.startsWith('--- ') && (all[i + 1] ?? '').startsWith('+++ ')) break;
    out.push(line);
  }
  return trimBlankEdges(out);
}

function trimBlankEdges(body: string[]): string[] {
  let a = 0;
  let b = body.length;
  while (a < b && (body[a] as string).trim() === '') a++;
  while (b > a && (body[b - 1] as string).trim() === '') b--;
  return body.slice(a, b);
}

function fromMail(style: HeaderStyle, all: readonly string[], start: number, commit?: string): OriginalHeader {
  const { fields, next } = readMailFields(all, start);
  const author = fields.get('from');
  const subject = fields.get('subject');
  const date = fields.get('date');
  return {
    style,
    ...(commit === undefined ? {} : { commit }),
    ...(author ? { author: decodeMimeWords(author).trim() } : {}),
    ...(date ? { date: date.trim() } : {}),
    ...(subject ? { subject: cleanSubject(decodeMimeWords(subject)) } : {}),
    body: messageUntilSeparator(all, next),
  };
}

function fromGitShow(all: readonly string[], start: number, commit: string): OriginalHeader {
  let author: string | undefined;
  let date: string | undefined;
  let i = start + 1;
  for (; i < all.length; i++) {
    const line = all[i] as string;
    if (line === '') {
      i++;
      break;
    }
    const m = /^(Author|Date|Merge|Commit|AuthorDate|CommitDate):\s*(.*)$/.exec(line);
    if (!m) break;
    if (m[1] === 'Author') author = (m[2] as string).trim();
    if (m[1] === 'Date' || m[1] === 'AuthorDate') date ??= (m[2] as string).trim();
  }
  const message: string[] = [];
  for (; i < all.length; i++) {
    const line = all[i] as string;
    if (line.startsWith('    ')) message.push(line.slice(4));
    else if (line.trim() === '') message.push('');
    else break;
  }
  const trimmed = trimBlankEdges(message);
  const [subject, ...rest] = trimmed;
  return {
    style: 'git-show',
    commit,
    ...(author ? { author } : {}),
    ...(date ? { date } : {}),
    ...(subject !== undefined && subject.trim() !== '' ? { subject: subject.trim() } : {}),
    body: trimBlankEdges(rest),
  };
}

/**
 * Reads the authorship a patch carries in its preamble. Never throws: a
 * preamble it does not understand gives `{ style: 'other', body: [] }`.
 * `diffStart` is the first line of the diff (tells git-diff from unified).
 */
export function parseOriginalHeader(preamble: string, diffStart = ''): OriginalHeader {
  const style = detectHeaderStyle(preamble, diffStart);
  const all = lines(preamble);
  const start = all.findIndex((l) => l.trim() !== '');
  switch (style) {
    case 'git-format-patch': {
      const commit = MBOX_RE.exec(all[start] as string)?.[1] as string;
      return fromMail(style, all, start + 1, commit);
    }
    case 'mail':
      return fromMail(style, all, start);
    case 'git-show':
      return fromGitShow(all, start, COMMIT_RE.exec(all[start] as string)?.[1] as string);
    case 'dep3': {
      const { fields } = readMailFields(all, start);
      const author = fields.get('author') ?? fields.get('from');
      const subject = fields.get('description') ?? fields.get('subject');
      return {
        style,
        ...(author ? { author } : {}),
        ...(subject ? { subject: cleanSubject(subject) } : {}),
        body: [],
      };
    }
    case 'git-diff':
    case 'unified':
    case 'other':
      return { style, body: [] };
  }
}
