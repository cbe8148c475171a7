/**
 * Keeping GitHub tokens out of everything we print. Every message, hint,
 * detail, note and result of the upstream commands passes through a
 * redactor before it leaves the library (npm's habit with @npmcli/redact):
 * the tokens in use are replaced wherever they appear (also base64-encoded,
 * as in an HTTP Basic header), and so is anything that looks like a GitHub
 * token, credentials in URLs and Authorization header values. Pure.
 */

export const REDACTED = '***';

export type Redactor = (text: string) => string;

// Shapes of GitHub tokens: classic and OAuth (ghp_, gho_, ghu_, ghs_, ghr_) and fine-grained (github_pat_).
const TOKEN_SHAPES = /\b(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{20,})\b/g;
// https://user:password@host or https://token@host (ssh://git@host names a user, not a secret)
const URL_CREDENTIALS = /\b(https?:\/\/)[^\s/@'"<>]+@/gi;
// "Authorization: token X", and the same as a JSON member
const AUTH_HEADER = /\b(authorization"?\s*[:=]\s*"?)(?:(?:token|bearer|basic)\s+)?[^\s,'"}]+/gi;

function base64(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** A redactor for these secrets (empty and very short ones are ignored: they would eat ordinary words). */
export function createRedactor(secrets: readonly (string | undefined)[]): Redactor {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (s === undefined || s.length < 8) continue;
    forms.add(s);
    forms.add(base64(s));
    forms.add(base64(`x-access-token:${s}`));
    forms.add(encodeURIComponent(s));
  }
  // Longest first, so a form that contains another is replaced whole.
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  return (text: string): string => {
    let out = text;
    for (const form of ordered) out = out.split(form).join(REDACTED);
    return out
      .replace(TOKEN_SHAPES, REDACTED)
      .replace(URL_CREDENTIALS, `$1${REDACTED}@`)
      .replace(AUTH_HEADER, `$1${REDACTED}`);
  };
}

/** Applies a redactor to every string inside a JSON-like value (objects, arrays), returning a copy. */
export function redactDeep<T>(value: T, redact: Redactor, depth = 0): T {
  if (typeof value === 'string') return redact(value) as T;
  if (depth > 32 || value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map((v: unknown) => redactDeep(v, redact, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = redactDeep(v, redact, depth + 1);
  return out as T;
}
