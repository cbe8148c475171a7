export {
  compareVersions,
  isLaxVersion,
  isStrictVersion,
  normalVersion,
  numifyVersion,
  parseVersion,
  stringifyVersion,
  tryParseVersion,
} from './cpan-version.js';
export type { CpanVersion } from './cpan-version.js';
export { formatRange, intersectRanges, parseRange, rangeAccepts } from './range.js';
export type { RangeBound, VersionRange } from './range.js';
export {
  canBeAffected,
  formatAffectedVersions,
  isAffected,
  parseAffectedVersions,
  parseVersionList,
} from './affected.js';
export type { AffectedVersions } from './affected.js';
