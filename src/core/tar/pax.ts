/**
 * POSIX pax extended header records ("%d %s=%s\n", the length counting the
 * whole record), read strictly and written canonically.
 *
 * Pax records change how the next entry is read, so every rule here closes a
 * way for two readers to see different archives (security.md §4.4; node-tar
 * 7.5.16 "do not apply PAX header fields to meta entries", astral-tokio-tar
 * GHSA-3cv2-h65g-fgmm "file smuggling"): the records must fill the header
 * exactly, a keyword may appear once, and only keywords we understand are
 * accepted. Unknown ones are refused, not ignored: GNU tar acts on
 * `GNU.sparse.name` (a second name for the entry), which other readers skip.
 */
import { CpansecError } from '../../errors.js';
import { tryDecodeUtf8 } from '../bytes.js';

export interface PaxRecord {
  key: string;
  /** The value's bytes as a byte string (one char per byte). */
  value: string;
}

/** Keywords we read, pass through, or write (POSIX.1-2001 pax, plus what GNU tar and bsdtar write). */
const KNOWN = new Set([
  'path',
  'linkpath',
  'size',
  'uid',
  'gid',
  'uname',
  'gname',
  'mtime',
  'atime',
  'ctime',
  'comment',
  'charset',
  'hdrcharset',
  'SCHILY.dev',
  'SCHILY.ino',
  'SCHILY.nlink',
  'SCHILY.fflags',
  'LIBARCHIVE.creationtime',
]);
/** Extended attributes and ACLs (macOS bsdtar writes them): data about the file, never about the archive. */
const KNOWN_PREFIXES = ['SCHILY.xattr.', 'LIBARCHIVE.xattr.', 'SCHILY.acl.'];

const UTF8_KEYS = new Set(['path', 'linkpath', 'uname', 'gname']);
const TIME_RE = /^-?\d{1,19}(?:\.\d{1,19})?$/;
const ID_RE = /^\d{1,15}$/;

function refuse(reason: string, message: string, details: Record<string, unknown> = {}): CpansecError {
  return new CpansecError('UNSAFE_ENTRY', message, {
    hint: 'the archive uses tar extension headers in a way tar readers disagree on; it was refused',
    details: { reason, ...details },
  });
}

function bytesOf(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * Parses the records of one pax header (its payload, `size` bytes).
 * @throws CpansecError TARBALL_INVALID (malformed records), UNSAFE_ENTRY
 *   (a keyword twice), TARBALL_UNSUPPORTED (unknown or sparse keywords,
 *   non-UTF-8 names)
 */
export function parsePaxRecords(payload: string, what = 'pax header'): PaxRecord[] {
  const records: PaxRecord[] = [];
  const seen = new Set<string>();
  let at = 0;
  while (at < payload.length) {
    const space = payload.indexOf(' ', at);
    const lengthText = space < 0 ? '' : payload.slice(at, space);
    if (!/^[1-9]\d{0,9}$/.test(lengthText)) {
      throw new CpansecError('TARBALL_INVALID', `${what}: malformed record length at byte ${at}`, {
        details: { reason: 'pax-record', offset: at },
      });
    }
    const length = Number(lengthText);
    const end = at + length;
    if (end > payload.length || payload[end - 1] !== '\n' || end <= space + 1) {
      throw new CpansecError('TARBALL_INVALID', `${what}: a record overruns the header or lacks its newline`, {
        details: { reason: 'pax-record', offset: at },
      });
    }
    const body = payload.slice(space + 1, end - 1);
    const eq = body.indexOf('=');
    if (eq <= 0) {
      throw new CpansecError('TARBALL_INVALID', `${what}: a record has no keyword`, {
        details: { reason: 'pax-record', offset: at },
      });
    }
    const key = body.slice(0, eq);
    const value = body.slice(eq + 1);
    if (seen.has(key)) {
      throw refuse('pax-duplicate', `${what}: keyword "${printable(key)}" is given twice`, { key: printable(key) });
    }
    seen.add(key);
    checkRecord(key, value, what);
    records.push({ key, value });
    at = end;
  }
  return records;
}

function printable(s: string): string {
  return s.replace(/[^\u0020-\u007e]/g, '?').slice(0, 80);
}

function checkRecord(key: string, value: string, what: string): void {
  if (key.startsWith('GNU.sparse') || key === 'SCHILY.realsize' || key === 'SCHILY.sparse') {
    throw new CpansecError('TARBALL_UNSUPPORTED', `${what}: sparse files are not supported`, {
      details: { reason: 'sparse', key },
    });
  }
  if (!KNOWN.has(key) && !KNOWN_PREFIXES.some((p) => key.startsWith(p))) {
    throw new CpansecError('TARBALL_UNSUPPORTED', `${what}: unknown keyword "${printable(key)}"`, {
      hint: 'readers act on extension keywords differently; we only pass through the ones we understand',
      details: { reason: 'pax-keyword', key: printable(key) },
    });
  }
  if (UTF8_KEYS.has(key) && tryDecodeUtf8(bytesOf(value)) === undefined) {
    throw new CpansecError('TARBALL_UNSUPPORTED', `${what}: ${key} is not UTF-8`, {
      details: { reason: 'pax-encoding', key },
    });
  }
  if (key === 'hdrcharset' && value !== 'ISO-IR 10646 2000 UTF-8') {
    throw new CpansecError('TARBALL_UNSUPPORTED', `${what}: binary (non-UTF-8) names are not supported`, {
      details: { reason: 'pax-encoding', key },
    });
  }
  const bad =
    ((key === 'size' || key === 'uid' || key === 'gid') && !ID_RE.test(value)) ||
    ((key === 'mtime' || key === 'atime' || key === 'ctime') && !TIME_RE.test(value)) ||
    ((key === 'path' || key === 'linkpath') && (value === '' || value.includes('\0')));
  if (bad) {
    throw new CpansecError('TARBALL_INVALID', `${what}: malformed ${key} value`, {
      details: { reason: 'pax-value', key },
    });
  }
}

/** The value of a keyword, or undefined. */
export function paxValue(records: readonly PaxRecord[], key: string): string | undefined {
  return records.find((r) => r.key === key)?.value;
}

/** Formats records: each "%d %s=%s\n" with the length that counts its own digits. */
export function formatPaxRecords(records: readonly PaxRecord[]): string {
  let out = '';
  for (const { key, value } of records) {
    const body = ` ${key}=${value}\n`;
    let length = body.length + 1;
    while (String(length).length + body.length !== length) length = String(length).length + body.length;
    out += `${length}${body}`;
  }
  return out;
}
