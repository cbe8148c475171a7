/**
 * The Affected-Versions language of our patch headers. It has to read what
 * CPANSA advisories write: their `affected_versions` is a list of CPAN::Meta
 * ranges, any of which may match (">= 3.81, <= 3.83" or "< 1.5" and
 * ">= 2.0, < 2.3"). In a header that list becomes alternatives separated by
 * ";" or by line breaks (RFC 822 continuation lines), so commas keep their
 * CPAN::Meta meaning (AND) inside one alternative. See docs/versions.md.
 */
import { CpansecError } from '../../errors.js';
import { compareVersions, parseVersion } from './cpan-version.js';
import type { CpanVersion } from './cpan-version.js';
import { formatRange, parseRange, rangeAccepts } from './range.js';
import type { VersionRange } from './range.js';

export interface AffectedVersions {
  /** Any one matching makes a version affected (OR); each is a CMR range (comma = AND). */
  readonly alternatives: readonly VersionRange[];
}

/** More alternatives than any advisory lists; bounds the work on a hostile header. */
const MAX_ALTERNATIVES = 256;

const trimSpace = (s: string): string => s.replace(/^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g, '');

/**
 * Parse "< 1.5; >= 2.0, < 2.3" (or one alternative per line). Whitespace
 * around separators belongs to the separator, so a folded header line's
 * indentation and a trailing space never reach CMR (which would reject "2 ").
 * Empty alternatives (a trailing ";", a blank line) are ignored.
 * @throws CpansecError RANGE_INVALID naming the alternative that failed, or when there is none.
 */
export function parseAffectedVersions(text: string): AffectedVersions {
  const pieces = text.split(/[;\r\n]/).map(trimSpace);
  const texts = pieces.filter((p) => p !== '');
  if (texts.length === 0) {
    throw new CpansecError('RANGE_INVALID', 'Affected-Versions is empty', {
      hint: 'List the affected versions as CPAN::Meta ranges, e.g. "< 1.5; >= 2.0, < 2.3".',
      details: { text },
    });
  }
  if (texts.length > MAX_ALTERNATIVES) {
    throw new CpansecError('RANGE_INVALID', `Affected-Versions has more than ${MAX_ALTERNATIVES} alternatives`, {
      details: { count: texts.length },
    });
  }
  const alternatives = texts.map((alt, i) => {
    try {
      return parseRange(alt);
    } catch (err) {
      if (!(err instanceof CpansecError)) throw err;
      const which =
        texts.length === 1 ? 'Affected-Versions' : `Affected-Versions alternative ${i + 1} of ${texts.length}`;
      throw new CpansecError('RANGE_INVALID', `${which}: ${err.message}`, {
        hint: `${err.hint ?? ''} Separate alternatives (OR) with ";" or a new line; a comma means AND.`.trim(),
        details: { ...err.details, alternative: i + 1, alternativeText: alt },
        cause: err,
      });
    }
  });
  return Object.freeze({ alternatives: Object.freeze(alternatives) });
}

/** The canonical header value: each alternative in CMR normal form, joined with "; ". */
export function formatAffectedVersions(affected: AffectedVersions): string {
  return affected.alternatives.map(formatRange).join('; ');
}

/**
 * Exact versions separated by commas and/or whitespace ("3.84, 3.85"), as in
 * Fixed-Versions. An empty or blank text is an empty list.
 * @throws CpansecError VERSION_INVALID naming the item that is not a version.
 */
export function parseVersionList(text: string): CpanVersion[] {
  const items = text.split(/[ \t\n\r\f\v,]+/).filter((s) => s !== '');
  return items.map((item, i) => {
    try {
      return parseVersion(item);
    } catch (err) {
      if (!(err instanceof CpansecError)) throw err;
      throw new CpansecError('VERSION_INVALID', `item ${i + 1} ${JSON.stringify(item)}: ${err.message}`, {
        hint: 'List exact versions separated by commas, e.g. "3.84, 3.85". A -TRIAL suffix is not part of the version.',
        details: { ...err.details, item: i + 1, list: text },
        cause: err,
      });
    }
  });
}

const isFixed = (v: CpanVersion, fixed: readonly CpanVersion[]): boolean =>
  fixed.some((f) => compareVersions(f, v) === 0);

/**
 * Is `version` affected? A version listed as fixed never is, whatever the
 * ranges say (an advisory range may be written loosely around a backport).
 * @throws CpansecError VERSION_INVALID when a string version does not parse (strip -TRIAL first).
 */
export function isAffected(
  affected: AffectedVersions,
  version: CpanVersion | string,
  fixed: readonly CpanVersion[] = [],
): boolean {
  const v = typeof version === 'string' ? parseVersion(version) : version;
  if (isFixed(v, fixed)) return false;
  return affected.alternatives.some((range) => rangeAccepts(range, v));
}

/**
 * Could any version at all be affected? False only when every alternative is
 * empty once the fixed versions are taken out; the linter reports that as
 * "the range is empty". Between two different versions there are always
 * infinitely many (append a component), so only a single-point range, or one
 * capped at version 0 (nothing is below 0), can be emptied by finite lists.
 */
export function canBeAffected(affected: AffectedVersions, fixed: readonly CpanVersion[] = []): boolean {
  return affected.alternatives.some((range) => !isEmptyRange(range, fixed));
}

function isEmptyRange(range: VersionRange, fixed: readonly CpanVersion[]): boolean {
  if (range.exact) return isFixed(range.exact, fixed);
  const { minimum: min, maximum: max } = range;
  if (!max) return false;
  // No version is below 0, so a missing minimum is an inclusive minimum of 0.
  const c = compareVersions(min?.version ?? '0', max.version);
  if (c !== 0) return c > 0;
  const v = max.version;
  const excluded = isFixed(v, fixed) || range.exclusions.some((e) => compareVersions(e, v) === 0);
  return !((min?.inclusive ?? true) && max.inclusive) || excluded;
}
