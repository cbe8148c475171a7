/**
 * `--limit name=value` flags: overrides of core/limits.ts bounds from the
 * command line, for the rare real distribution that is larger than the
 * defaults allow. Sizes take K, M and G suffixes (powers of 1024).
 */
import { DEFAULT_LIMITS } from '../core/limits.js';
import { CpansecError } from '../errors.js';
import type { Limits } from '../core/limits.js';

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** @throws CpansecError USAGE for an unknown name or a malformed value */
export function parseLimitFlags(flags: readonly string[]): Partial<Limits> {
  const out: Partial<Record<keyof Limits, number>> = {};
  for (const flag of flags) {
    const m = /^([A-Za-z]+)=(\d+)([KMG]?)$/.exec(flag);
    const name = m?.[1] as keyof Limits | undefined;
    if (m === null || name === undefined || !(name in DEFAULT_LIMITS)) {
      throw new CpansecError('USAGE', `--limit ${flag}: expected NAME=NUMBER[K|M|G] with NAME one of core/limits.ts`, {
        hint: `names: ${Object.keys(DEFAULT_LIMITS).join(', ')}`,
      });
    }
    const value = Number(m[2]) * (UNITS[m[3] ?? ''] ?? 1);
    if (!Number.isSafeInteger(value)) throw new CpansecError('USAGE', `--limit ${flag}: value too large`);
    out[name] = value;
  }
  return out as Partial<Limits>;
}
