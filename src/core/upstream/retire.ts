/**
 * Tracking a forwarded fix to its end. A pull request is open, merged, or
 * declined (closed without merging); once a release that contains the fix is
 * on CPAN, the patch is retired: its header gains `Applied-Upstream: <v>`, `v`
 * joins Fixed-Versions, and Affected-Versions is bounded below `v`, so
 * clients stop offering the patch for `v` and later and tell users of older
 * releases to upgrade to `v`. Pure: versions and dates in, header edits out.
 */
import { CpansecError } from '../../errors.js';
import { getField, getFields, setField } from '../patch/header.js';
import { parseAffectedVersions } from '../version/affected.js';
import { compareVersions, tryParseVersion } from '../version/cpan-version.js';
import { formatRange, intersectRanges, parseRange } from '../version/range.js';
import type { Header } from '../patch/header.js';

export type PullState = 'open' | 'merged' | 'declined';

/** A release on the mirror. */
export interface Release {
  version: string;
  /** authors/id path. */
  path: string;
  /** YYYY-MM-DD from the author directory's CHECKSUMS mtime, when known. */
  uploaded?: string;
}

export interface FieldEdit {
  name: string;
  value: string;
}

/** The field that records where a forwarded fix stands (Yocto's Upstream-Status idea, our words). */
export const UPSTREAM_STATUS_FIELD = 'Upstream-Status';

export function formatUpstreamStatus(state: PullState, date?: string): string {
  const when = date === undefined ? '' : ` ${date.slice(0, 10)}`;
  switch (state) {
    case 'open':
      return `submitted${when}`;
    case 'merged':
      return `merged${when}`;
    case 'declined':
      return `declined${when} (closed without merging; never reopened by cpansec-patch)`;
  }
}

/** The first word of an Upstream-Status value. */
export function readUpstreamStatus(value: string | undefined): PullState | undefined {
  const word = value?.trim().split(/\s+/)[0]?.toLowerCase();
  if (word === 'submitted') return 'open';
  if (word === 'merged' || word === 'declined') return word;
  return undefined;
}

const alternativesOf = (text: string): string[] =>
  text
    .split(/[;\r\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');

/**
 * Affected-Versions with every alternative bounded below `fixed`; undefined when nothing changes.
 * An alternative that lies wholly at or above `fixed` is dropped; when every one would be, the
 * text is left as it is (undefined) — the caller reports that the range and the release disagree.
 * @throws CpansecError RANGE_INVALID, VERSION_INVALID
 */
export function boundAffectedVersions(text: string, fixed: string): string | undefined {
  parseAffectedVersions(text);
  const below = parseRange(`< ${fixed}`);
  const fixedVersion = tryParseVersion(fixed);
  if (fixedVersion === undefined) throw new CpansecError('VERSION_INVALID', `${fixed} is not a version`);
  let changed = false;
  const out: string[] = [];
  for (const alt of alternativesOf(text)) {
    const range = parseRange(alt);
    const max = range.exact === undefined ? range.maximum : { version: range.exact, inclusive: true };
    const c = max === undefined ? 1 : compareVersions(max.version, fixedVersion);
    if (c < 0 || (c === 0 && !(max?.inclusive ?? true))) {
      out.push(alt);
      continue;
    }
    changed = true;
    try {
      // ">= 0" holds for every version; CMR's normal form keeps it, a reader does not need it.
      out.push(formatRange(intersectRanges(range, below)).replace(/^>= 0, /, ''));
    } catch (err) {
      if (!(err instanceof CpansecError) || err.code !== 'RANGE_INVALID') throw err;
    }
  }
  if (!changed || out.length === 0) return undefined;
  return out.join('; ');
}

export interface FixedReleaseInput {
  fixedVersions: readonly string[];
  verifiedVersions: readonly string[];
  affectedVersions: string | undefined;
  pull?: { state: PullState; mergedAt?: string };
  releases: readonly Release[];
}

export interface FixedRelease {
  release: Release;
  why: string;
}

const byVersion = (a: Release, b: Release): number => compareVersions(a.version, b.version);
const parsable = (r: Release): boolean => tryParseVersion(r.version) !== undefined;

/**
 * The first release on the mirror that contains the fix, or undefined:
 * - with Fixed-Versions, the lowest release at or above the lowest of them;
 * - else, when the pull request was merged, the lowest release above every verified version that
 *   was uploaded on or after the merge day (when the upload day is known). Affected-Versions is
 *   not consulted: it was written before the fix existed, often open-ended (">= 6.00").
 */
export function chooseFixedRelease(input: FixedReleaseInput): FixedRelease | undefined {
  const releases = input.releases.filter(parsable).sort(byVersion);
  const fixed = input.fixedVersions.filter((v) => tryParseVersion(v) !== undefined).sort(compareVersions);
  if (fixed[0] !== undefined) {
    const lowest = fixed[0];
    const release = releases.find((r) => compareVersions(r.version, lowest) >= 0);
    return release === undefined ? undefined : { release, why: `Fixed-Versions names ${lowest}` };
  }
  if (input.pull?.state !== 'merged') return undefined;
  const verified = input.verifiedVersions.filter((v) => tryParseVersion(v) !== undefined).sort(compareVersions);
  const newestVerified = verified[verified.length - 1];
  const mergedDay = input.pull.mergedAt?.slice(0, 10);
  const release = releases.find(
    (r) =>
      (newestVerified === undefined || compareVersions(r.version, newestVerified) > 0) &&
      (mergedDay === undefined || r.uploaded === undefined || r.uploaded >= mergedDay),
  );
  if (release === undefined) return undefined;
  const when = release.uploaded === undefined ? '' : ` (uploaded ${release.uploaded})`;
  const merged =
    mergedDay === undefined ? 'the pull request was merged' : `the pull request was merged on ${mergedDay}`;
  return { release, why: `${merged}; ${release.version}${when} is the first later release` };
}

export interface HeaderNow {
  affectedVersions: string | undefined;
  fixedVersions: readonly string[];
  appliedUpstream: string | undefined;
}

/** The header edits that retire a patch once `version` is on CPAN (none when it already says so). */
export function planRetirement(now: HeaderNow, version: string): FieldEdit[] {
  const edits: FieldEdit[] = [];
  if (now.appliedUpstream?.trim() !== version) edits.push({ name: 'Applied-Upstream', value: version });
  if (!now.fixedVersions.some((v) => tryParseVersion(v) !== undefined && compareVersions(v, version) === 0)) {
    edits.push({ name: 'Fixed-Versions', value: [...now.fixedVersions, version].join(', ') });
  }
  if (now.affectedVersions !== undefined) {
    const bounded = boundAffectedVersions(now.affectedVersions, version);
    if (bounded !== undefined) edits.push({ name: 'Affected-Versions', value: bounded });
  }
  return edits;
}

/**
 * Sets each field whose value differs (header.ts setField: only its lines change, every other
 * byte stays). New fields go after `after` when given. Returns the names that changed.
 */
export function applyFieldEdits(
  header: Header,
  edits: readonly FieldEdit[],
  options: { after?: string } = {},
): { header: Header; changed: string[] } {
  let out = header;
  const changed: string[] = [];
  for (const edit of edits) {
    const current = getField(out, edit.name)?.value.trim();
    if (current === edit.value.trim() && getFields(out, edit.name).length === 1) continue;
    out = setField(out, edit.name, edit.value, options.after === undefined ? {} : { after: options.after });
    changed.push(edit.name);
  }
  return { header: out, changed };
}

/**
 * What `apply` says when it applies a patch whose fix is already in a release: the lowest
 * Fixed-Versions or Applied-Upstream version above the one being patched. Undefined when there
 * is none (no release has the fix yet, as far as the patch says).
 */
export function upgradeAdvice(
  entry: {
    patchId: string;
    distribution: string;
    appliedUpstream?: string | undefined;
    fixedVersions: readonly string[];
  },
  version: string,
): string | undefined {
  const current = tryParseVersion(version);
  if (current === undefined) return undefined;
  const fixes = [...entry.fixedVersions, ...(entry.appliedUpstream === undefined ? [] : [entry.appliedUpstream.trim()])]
    .filter((v) => {
      const parsed = tryParseVersion(v);
      return parsed !== undefined && compareVersions(parsed, current) > 0;
    })
    .sort(compareVersions);
  const fix = fixes[0];
  if (fix === undefined) return undefined;
  return `${entry.patchId}: ${entry.distribution} ${fix} has this fix upstream; upgrade to ${fix} (the patch protects ${entry.distribution} ${version} until you can)`;
}
