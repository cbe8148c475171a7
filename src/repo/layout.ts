/**
 * Where things are in a repository directory (docs/repository-format.md)
 * and how long metadata stays valid. Pure.
 */
import { CpansecError } from '../errors.js';
import type { RoleName } from './tuf-model.js';

export const METADATA_DIR = 'metadata';
export const TARGETS_DIR = 'patches';
export const KEYS_DIR = 'keys';
/** Authoring settings (expiry periods); not trusted by clients. */
export const CONFIG_FILE = 'cpansec-repo.json';
/** Authoring input of `repo publish`: the revocations; clients read the signed copy in targets.json. */
export const REVOCATIONS_FILE = 'revocations.json';
/** Present only while a publish is renaming files into place (docs/repository-format.md#publishing). */
export const JOURNAL_FILE = '.publish-journal.json';

const DAY = 86_400_000;
/** Defaults for a repository served over HTTP: short timestamp and snapshot lives (freeze attacks). */
export const DEFAULT_EXPIRY: Readonly<Record<RoleName, string>> = Object.freeze({
  root: '365d',
  targets: '365d',
  snapshot: '7d',
  timestamp: '1d',
});

/** Parses "90d", "12h", "2w", "1y" into milliseconds. @throws CpansecError USAGE */
export function parseDuration(text: string): number {
  const m = /^(\d{1,5})([hdwy])$/.exec(text.trim());
  if (!m) throw new CpansecError('USAGE', `"${text}" is not a duration like 12h, 7d, 2w or 1y`);
  const n = Number(m[1]);
  const unit = { h: DAY / 24, d: DAY, w: 7 * DAY, y: 365 * DAY }[m[2] as 'h' | 'd' | 'w' | 'y'];
  if (n === 0) throw new CpansecError('USAGE', `expiry ${text} is zero`);
  return n * unit;
}

/**
 * Reads `--expires` values: "30d" (every role being signed), or "timestamp=1d,snapshot=7d".
 * @throws CpansecError USAGE
 */
export function parseExpirySpec(specs: readonly string[]): Partial<Record<RoleName, string>> {
  const out: Partial<Record<RoleName, string>> = {};
  for (const spec of specs) {
    for (const part of spec.split(',')) {
      const [left, right] = part.includes('=') ? part.split('=', 2) : [undefined, part];
      const value = (right ?? '').trim();
      parseDuration(value);
      if (left === undefined) {
        for (const role of ['root', 'targets', 'snapshot', 'timestamp'] as const) out[role] = value;
      } else {
        const role = left.trim();
        if (!['root', 'targets', 'snapshot', 'timestamp'].includes(role)) {
          throw new CpansecError('USAGE', `--expires: unknown role "${role}" (root, targets, snapshot, timestamp)`);
        }
        out[role as RoleName] = value;
      }
    }
  }
  return out;
}

/** File name of a role's metadata for a version (consistent snapshots prefix targets and snapshot). */
export function metadataName(role: RoleName, version: number, consistent: boolean): string {
  if (role === 'root') return `${version}.root.json`;
  if (role === 'timestamp' || !consistent) return `${role}.json`;
  return `${version}.${role}.json`;
}

/** The name a consistent-snapshot repository serves a target under: `<dir>/<sha256>.<base>`. */
export function hashedTargetPath(path: string, sha256: string): string {
  const slash = path.lastIndexOf('/');
  return `${path.slice(0, slash + 1)}${sha256}.${path.slice(slash + 1)}`;
}

export const HASHED_NAME_RE = /^[0-9a-f]{64}\./;
