/**
 * Which git tag is a CPAN release. Authors tag releases in a few ways:
 * "v1.23" (Dist::Zilla's Git::Tag default), "1.23" (Minilla, many hand-made
 * tags), "Dist-Name-1.23" (ShipIt, some org-wide conventions), "release-1.23",
 * "Dist-Name-v1.23". We try those spellings first, in that order, then any tag
 * whose version part equals the release's version as version.pm compares
 * them ("1.230" is "1.23"), behind one of the same prefixes. Pure.
 */
import { compareVersions, tryParseVersion } from '../version/cpan-version.js';

export interface ReleaseTag {
  tag: string;
  version: string;
  how: 'exact' | 'same-version';
}

/** The spellings tried first, most common first. */
export function releaseTagCandidates(dist: string, version: string): string[] {
  return [
    `v${version}`,
    version,
    `${dist}-${version}`,
    `${dist}-v${version}`,
    `release-${version}`,
    `release/${version}`,
    `rel-${version}`,
    `version-${version}`,
    `${dist.toLowerCase()}-${version}`,
  ];
}

function prefixes(dist: string): string[] {
  return ['', 'v', `${dist}-`, `${dist}-v`, 'release-', 'release/', 'rel-', 'version-'].map((p) => p.toLowerCase());
}

/** The version a tag names behind one of the known prefixes, when it is one. */
function tagVersion(tag: string, dist: string): string | undefined {
  const lower = tag.toLowerCase();
  // Longest prefix first, so "Dist-v1.2" is not read as "Dist-" + "v1.2".
  for (const p of prefixes(dist).sort((a, b) => b.length - a.length)) {
    if (!lower.startsWith(p)) continue;
    const rest = tag.slice(p.length);
    if (/^\d[\d._]*$/.test(rest)) return rest;
  }
  return undefined;
}

/**
 * The tag of `version` among `tags`, or undefined.
 * @param versions the release's versions to try, in order (the first found wins)
 */
export function findReleaseTag(
  tags: readonly string[],
  dist: string,
  versions: readonly string[],
): ReleaseTag | undefined {
  const set = new Set(tags);
  for (const version of versions) {
    for (const candidate of releaseTagCandidates(dist, version)) {
      if (set.has(candidate)) return { tag: candidate, version, how: 'exact' };
    }
  }
  for (const version of versions) {
    const wanted = tryParseVersion(version);
    if (wanted === undefined) continue;
    const same = tags
      .filter((t) => {
        const v = tagVersion(t, dist);
        const parsed = v === undefined ? undefined : tryParseVersion(v);
        return parsed !== undefined && compareVersions(parsed, wanted) === 0;
      })
      .sort();
    if (same[0] !== undefined) return { tag: same[0], version, how: 'same-version' };
  }
  return undefined;
}
