/**
 * Canonical JSON as TUF signs it: the OLPC dialect that securesystemslib's
 * encode_canonical and @tufjs/canonical-json implement (research note §2.2).
 * Keys sorted, no whitespace, integers only, and only `\` and `"` escaped in
 * strings (control characters and non-ASCII are written raw, UTF-8). It is
 * NOT RFC 8785 (JCS), which escapes control characters.
 *
 * @tufjs/canonical-json is what tuf-js itself canonicalises with, so using it
 * for signing guarantees byte agreement with the client; we import it here
 * only, and refuse values it would encode ambiguously before handing them
 * over (floats, undefined, non-plain objects, non-ASCII keys whose order
 * differs between UTF-16 and code-point sorting).
 */
import { canonicalize } from '@tufjs/canonical-json';
import { CpansecError } from '../errors.js';

function check(value: unknown, path: string): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new CpansecError('METADATA_INVALID', `canonical JSON allows only integers, found ${value} at ${path}`);
    }
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => check(item, `${path}[${i}]`));
    return;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [key, item] of Object.entries(value)) {
      // JS sorts by UTF-16 code units, Python by code points: they agree on ASCII only.
      if (!/^[\x20-\x7e]*$/.test(key)) {
        throw new CpansecError(
          'METADATA_INVALID',
          `canonical JSON keys must be printable ASCII, found ${JSON.stringify(key)} at ${path}`,
        );
      }
      check(item, `${path}.${key}`);
    }
    return;
  }
  throw new CpansecError('METADATA_INVALID', `canonical JSON cannot encode the ${typeof value} at ${path}`);
}

/** The canonical JSON text of `value`. @throws CpansecError METADATA_INVALID */
export function canonicalJson(value: unknown): string {
  check(value, '$');
  return canonicalize(value);
}

/** The canonical JSON bytes of `value` (UTF-8): what a TUF signature covers. */
export function canonicalBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalJson(value));
}
