/**
 * File names on "---"/"+++", "Index:" and "diff --git" lines, read the way
 * GNU patch 2.7.6 reads them (util.c fetchname/parse_name), so that the name
 * we validate is the name GNU patch would open.
 */
import { unquoteC } from './quote.js';

/** C's isspace() on one char. */
function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f';
}

export interface HeaderName {
  /** The name, or null for "/dev/null" or an unparseable quoted name. */
  name: string | null;
  /** Text after the name (usually a timestamp), trimmed; '' when absent. */
  timestamp: string;
  /**
   * GNU patch's timestamp test (fetchname): "/dev/null" and a time within a
   * day of the Unix epoch both mean "this file does not exist" (diff -N
   * writes the epoch for missing files).
   */
  epoch: boolean;
  /** The name was a malformed C string. */
  malformed: boolean;
}

/**
 * Read a name from a "---"/"+++" line (withTimestamp) or an "Index:" line.
 * GNU patch: an unquoted name ends at the first white space, except that
 * internal spaces are kept when a tab separates the name from the timestamp.
 */
export function parseHeaderName(rest: string, withTimestamp: boolean): HeaderName {
  let s = 0;
  while (isSpace(rest[s])) s++;
  let name: string;
  let t: number;
  if (rest[s] === '"') {
    const q = unquoteC(rest, s);
    if (q === null) return { name: null, timestamp: '', epoch: false, malformed: true };
    name = q.value;
    t = q.end;
  } else {
    t = s;
    for (; t < rest.length; t++) {
      if (!isSpace(rest[t])) continue;
      let u = t;
      while (rest[u] !== '\t' && isSpace(rest[u + 1])) u++;
      const more = withTimestamp ? rest.indexOf('\t', u + 1) >= 0 : u + 1 < rest.length;
      if (rest[u] !== '\t' && more) continue;
      break;
    }
    name = rest.slice(s, t);
  }
  const timestamp = rest.slice(t).trim();
  if (name === '/dev/null') return { name: null, timestamp, epoch: true, malformed: false };
  return { name, timestamp, epoch: withTimestamp && isNearEpoch(timestamp), malformed: false };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * True for a timestamp within (-25 h, +26 h) of 1970-01-01T00:00Z, the window
 * GNU patch allows for local-time offsets. Understands the two forms diff
 * writes: ISO ("1970-01-01 00:00:00.000000000 +0000") and ctime ("Thu Jan  1
 * 00:00:00 1970"). Anything else is "a real time", as when GNU's parse fails.
 */
export function isNearEpoch(timestamp: string): boolean {
  let ms: number | null = null;
  const iso = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.\d+)?(?:\s*([+-])(\d\d):?(\d\d))?/.exec(timestamp);
  if (iso) {
    const [, y, mo, d, h, mi, se, sign, oh, om] = iso;
    ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(se));
    if (sign !== undefined) ms -= (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000;
  } else {
    const ct = /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4})/.exec(timestamp);
    if (ct) {
      const [, mon, d, h, mi, se, y] = ct;
      const m = MONTHS.indexOf(mon as string);
      if (m >= 0) ms = Date.UTC(Number(y), m, Number(d), Number(h), Number(mi), Number(se));
    }
  }
  if (ms === null || Number.isNaN(ms)) return false;
  return ms > -25 * 3600_000 && ms < 26 * 3600_000;
}

/** One name of a "diff --git" line: quoted, or up to the next blank (GNU parse_name). */
function parseGitName(rest: string, start: number): { name: string; end: number } | null {
  let s = start;
  while (isSpace(rest[s])) s++;
  if (s >= rest.length) return null;
  if (rest[s] === '"') {
    const q = unquoteC(rest, s);
    return q === null ? null : { name: q.value, end: q.end };
  }
  let t = s;
  while (t < rest.length && !isSpace(rest[t])) t++;
  return { name: rest.slice(s, t), end: t };
}

/**
 * The two names of "diff --git A B". GNU patch requires exactly two names
 * separated by white space; otherwise both are unknown (null), and names
 * must then come from the "---"/"+++" lines.
 */
export function parseGitNames(rest: string): { old: string | null; new: string | null } {
  const a = parseGitName(rest, 0);
  if (a !== null && isSpace(rest[a.end])) {
    const b = parseGitName(rest, a.end);
    if (b !== null && rest.slice(b.end).trim() === '') return { old: a.name, new: b.name };
  }
  return { old: null, new: null };
}

/** The value of "rename from X", "copy to X", ...: one possibly quoted name. */
export function parseGitHeaderValue(rest: string): string | null {
  if (rest.startsWith('"')) {
    const q = unquoteC(rest, 0);
    return q === null || rest.slice(q.end).trim() !== '' ? null : q.value;
  }
  return rest.length === 0 ? null : rest;
}
