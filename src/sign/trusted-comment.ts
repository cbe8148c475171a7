/**
 * What our trusted comments say, and the check that binds a signature to
 * the patch it is presented with.
 *
 * minisign: the untrusted comment is not signed; the trusted comment is (by
 * the global signature), and its man page says it exists so that signed
 * metadata cannot be swapped (downgrades). minisign's own default is
 * "timestamp:<unix time>\tfile:<basename>\thashed"; we keep that
 * TAB-separated key:value style and add the patch identity:
 *
 *   timestamp:1764115200\tfile:HTTP-Daemon-CVE-2026-8450.patch\tpatch-id:HTTP-Daemon-CVE-2026-8450\tdist:HTTP-Daemon\thashed
 *
 * Without `file`, `patch-id` and `dist`, a valid signature of one patch
 * could be presented next to another name (a renamed file, a repository
 * entry for another dist): the file signature alone says "these bytes were
 * signed", not "these bytes are the fix for X".
 */
import { CpansecError } from '../errors.js';

/** A trusted comment split into `key:value` fields and bare flags (such as minisign's `hashed`). */
export interface TrustedComment {
  text: string;
  /** Every value of each key, in order; a key given twice has two values (and fails any binding on it). */
  fields: Record<string, string[]>;
  /** Items without a `key:` prefix. */
  flags: string[];
}

/** What a patch signature claims, read from its trusted comment. */
export interface PatchClaims {
  /** Unix time of signing (informational: freshness is the repository's job). */
  timestamp: number | undefined;
  file: string | undefined;
  patchId: string | undefined;
  dist: string | undefined;
  /** minisign's marker for a pre-hashed (ED) signature. */
  hashed: boolean;
}

/** What the patch being verified is: each given value must equal the signed one. */
export interface PatchBinding {
  file?: string;
  patchId?: string;
  dist?: string;
}

const KEY_RE = /^[a-z][a-z0-9-]*$/;
const FIELD_OF: Record<keyof PatchBinding, string> = { file: 'file', patchId: 'patch-id', dist: 'dist' };

/** Never throws: any printable text is a trusted comment; items that are not `key:value` become flags. */
export function parseTrustedComment(text: string): TrustedComment {
  const fields: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  const flags: string[] = [];
  if (text === '') return { text, fields, flags };
  for (const item of text.split('\t')) {
    const colon = item.indexOf(':');
    const key = colon > 0 ? item.slice(0, colon) : '';
    if (KEY_RE.test(key)) (fields[key] ??= []).push(item.slice(colon + 1));
    else flags.push(item);
  }
  return { text, fields, flags };
}

function single(tc: TrustedComment, key: string): string | undefined {
  const values = tc.fields[key];
  return values !== undefined && values.length === 1 ? values[0] : undefined;
}

export function readPatchClaims(tc: TrustedComment): PatchClaims {
  const ts = single(tc, 'timestamp');
  return {
    timestamp: ts !== undefined && /^\d{1,15}$/.test(ts) ? Number(ts) : undefined,
    file: single(tc, 'file'),
    patchId: single(tc, 'patch-id'),
    dist: single(tc, 'dist'),
    hashed: tc.flags.includes('hashed'),
  };
}

function checkValue(name: string, value: string): void {
  // Our parser splits on TAB; minisign refuses control characters anywhere in the comment.
  if (value === '' || [...value].some((ch) => ch < ' ' || (ch >= '\u007f' && ch <= '\u009f'))) {
    throw new CpansecError(
      'USAGE',
      `the ${name} for a trusted comment must be non-empty text without TAB or control characters`,
      {
        details: { [name]: value },
      },
    );
  }
}

/**
 * Formats the trusted comment of a patch signature.
 * @throws CpansecError USAGE (a value that would not read back as itself)
 */
export function formatPatchTrustedComment(claims: {
  timestamp: number;
  file: string;
  patchId: string;
  dist: string;
}): string {
  if (!Number.isSafeInteger(claims.timestamp) || claims.timestamp < 0) {
    throw new CpansecError('USAGE', `timestamp must be a whole number of seconds, got ${claims.timestamp}`);
  }
  checkValue('file', claims.file);
  checkValue('patch-id', claims.patchId);
  checkValue('dist', claims.dist);
  if (/[/\\]/.test(claims.file)) throw new CpansecError('USAGE', `file must be a base name, got "${claims.file}"`);
  return `timestamp:${claims.timestamp}\tfile:${claims.file}\tpatch-id:${claims.patchId}\tdist:${claims.dist}\thashed`;
}

/**
 * Checks the signed claims against the patch being verified; reports every mismatch at once.
 * @throws CpansecError SIGNATURE_MISMATCH
 */
export function checkPatchBinding(tc: TrustedComment, expected: PatchBinding): void {
  const mismatches: { field: string; expected: string; signed: string[] }[] = [];
  for (const name of ['file', 'patchId', 'dist'] as const) {
    const want = expected[name];
    if (want === undefined) continue;
    const key = FIELD_OF[name];
    const signed = tc.fields[key] ?? [];
    if (signed.length !== 1 || signed[0] !== want) mismatches.push({ field: key, expected: want, signed });
  }
  if (mismatches.length === 0) return;
  const what = mismatches
    .map((m) =>
      m.signed.length === 0
        ? `it names no ${m.field} (expected ${JSON.stringify(m.expected)})`
        : m.signed.length > 1
          ? `it names ${m.field} ${m.signed.length} times`
          : `${m.field} is ${JSON.stringify(m.signed[0])}, expected ${JSON.stringify(m.expected)}`,
    )
    .join('; ');
  throw new CpansecError('SIGNATURE_MISMATCH', `the signature does not belong to this patch: ${what}`, {
    hint: 'a valid signature of one patch cannot vouch for another; get the signature that belongs to this patch',
    details: { mismatches, trustedComment: tc.text },
  });
}
