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
export { applyPatchesToTarball } from './api/apply-tarball.js';
export type { ApplyTarballOptions, ApplyTarballResult } from './api/apply-tarball.js';
export { applyPatchesToTree } from './api/apply-tree.js';
export type { ApplyTreeOptions, TreeApplyResult, TreeInstallResult, TreePatchResult } from './api/apply-tree.js';
export { scanTrees } from './api/scan.js';
export type { ScanOptions, ScanResult } from './api/scan.js';
export { statusOfTrees } from './api/status.js';
export type { StatusOptions, StatusResult } from './api/status.js';
export { revertTree } from './api/revert.js';
export type { RevertOptions, RevertResult } from './api/revert.js';
export { recoverTree } from './api/recover.js';
export type { RecoverOptions, RecoverResult } from './api/recover.js';
export type { TreePatchSource } from './api/tree-patches.js';
export { openTreePatchSource } from './api/tree-repo.js';
export { generateKey, showKey } from './api/key.js';
export type { GenerateKeyOptions, GenerateKeyResult, ShowKeyOptions, ShowKeyResult } from './api/key.js';
export { signPatch } from './api/sign.js';
export type { SignPatchOptions, SignPatchResult } from './api/sign.js';
export { verifyPatch } from './api/verify.js';
export type { VerifyPatchOptions, VerifyPatchResult } from './api/verify.js';
export { pullPatches } from './api/pull.js';
export type { PullOptions } from './api/pull.js';
export { repoInit, repoAdd, repoPublish, repoRotateKey, repoRevoke } from './api/repo-author.js';
export type {
  RepoInitOptions,
  RepoAddOptions,
  RepoPublishOptions,
  RepoRotateKeyOptions,
  RepoRevokeOptions,
} from './api/repo-author.js';
export { repoVerify } from './api/repo-verify.js';
export type { RepoVerifyOptions } from './api/repo-verify.js';
// Authoring and reading the repository.
export { newWorkspace } from './api/new.js';
export type { NewOptions, NewResult } from './api/new.js';
export { diffPatch } from './api/diff.js';
export type { DiffOptions, DiffResult } from './api/diff.js';
export { lintPatches } from './api/lint.js';
export type { LintOptions, LintResult } from './api/lint.js';
export { testPatch } from './api/test-patch.js';
export type { TestPatchOptions, TestPatchResult } from './api/test-patch.js';
export { importPatches } from './api/import.js';
export type { ImportOptions, ImportResult } from './api/import.js';
export { listPatches } from './api/list.js';
export type { ListOptions, ListResult } from './api/list.js';
export { searchPatches } from './api/search.js';
export type { SearchOptions, SearchResult } from './api/search.js';
export { patchInfo } from './api/info.js';
export type { InfoOptions, InfoResult } from './api/info.js';
export { readConfig } from './api/config.js';
export type { CpansecConfig } from './api/config.js';
// Forwarding fixes upstream.
export { upstreamOpen } from './api/upstream-open.js';
export type { UpstreamOpenOptions, UpstreamOpenResult } from './api/upstream-open.js';
export { upstreamStatus } from './api/upstream-status.js';
export type { UpstreamStatusOptions, UpstreamStatusResult } from './api/upstream-status.js';
export { upstreamMail } from './api/upstream-mail.js';
export type { UpstreamMailOptions, UpstreamMailResult } from './api/upstream-mail.js';
export { repoEditPatch } from './api/repo-author.js';
// The repository read API (what apply/status use to choose verified patches).
export { openRepository, EMBEDDED_REPOSITORY } from './repo/index.js';
export type { OpenRepositoryOptions, Repository, PatchEntry, VerifiedPatch } from './repo/index.js';
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
