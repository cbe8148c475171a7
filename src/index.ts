/**
 * The public library API of cpansec-patch. Every CLI command is one of the
 * api functions below; the pure core is exported for tools that work on
 * patches in memory. Re-exports only.
 */
export { CpansecError, EXIT, EXIT_CODES, isCpansecError } from './errors.js';
export type { CpansecErrorOptions, ErrorCode, ExitCode } from './errors.js';
export { TOOL_VERSION } from './version.js';

// Commands as functions.
export { showPatch } from './api/show.js';
export type { ShowOptions, ShowResult } from './api/show.js';
export { checkPatch } from './api/check.js';
export type { CheckOptions, CheckResult } from './api/check.js';
export { applyPatchToDir } from './api/apply-dir.js';
export type { ApplyDirOptions, ApplyDirResult } from './api/apply-dir.js';
export type { DirPatchOptions, DirPatchReport } from './api/dir-plan.js';
export { loadPatch } from './api/load-patch.js';
export type { LoadedPatch } from './api/load-patch.js';

// Pure core: patches.
export { parsePatchFile, formatPatchFile, validatePatchFile, requireValidMetadata } from './core/patch/patch-file.js';
export type { PatchFile, PatchValidation } from './core/patch/patch-file.js';
export { parseHeader, formatHeader, getField, getFields, setField, removeField } from './core/patch/header.js';
export type { Header, HeaderField } from './core/patch/header.js';
export { readPatchMetadata, SEVERITIES } from './core/patch/metadata.js';
export type { HeaderIssue, PatchMetadata, Severity } from './core/patch/metadata.js';
export { parseDiff } from './core/patch/parse.js';
export { planPatch, candidatePaths } from './core/patch/apply.js';
export type {
  ApplyOptions,
  FileEntry,
  FileMap,
  FileReport,
  HunkReport,
  PatchOutcome,
  PatchPlan,
} from './core/patch/apply.js';
export { reverseDiff } from './core/patch/reverse.js';
export { formatDiff } from './core/patch/format.js';
export { makeDiff } from './core/patch/make.js';
export { diffstat } from './core/patch/diffstat.js';
export type { Diff, DiffFormat, FilePatch, Hunk, HunkLine } from './core/patch/model.js';
export { bytesToBinary, binaryToBytes } from './core/bytes.js';
export { DEFAULT_LIMITS, resolveLimits } from './core/limits.js';
export type { Limits } from './core/limits.js';

// Pure core: versions and names.
export {
  parseVersion,
  tryParseVersion,
  compareVersions,
  numifyVersion,
  normalVersion,
  stringifyVersion,
} from './core/version/cpan-version.js';
export type { CpanVersion } from './core/version/cpan-version.js';
export { parseRange, formatRange, rangeAccepts, intersectRanges } from './core/version/range.js';
export type { VersionRange } from './core/version/range.js';
export {
  parseAffectedVersions,
  formatAffectedVersions,
  isAffected,
  canBeAffected,
  parseVersionList,
} from './core/version/affected.js';
export type { AffectedVersions } from './core/version/affected.js';
export { parseDistname, versionForMatching } from './core/dist/distname.js';
export type { DistnameInfo } from './core/dist/distname.js';
