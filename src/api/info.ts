/**
 * `cpansec-patch info <patch-id>`: everything about one patch of the
 * repository — its header, the versions it is for, whether its signature
 * verifies (and by which key), and where the fix stands upstream
 * (Forwarded, Applied-Upstream, Fixed-Versions). A revoked patch shows its
 * revocation. A patch whose file fails verification is reported as such
 * (signature.status "invalid" with the error), not hidden.
 */
import { diffstat } from '../core/patch/diffstat.js';
import { readPatchMetadata } from '../core/patch/metadata.js';
import { stringifyVersion } from '../core/version/cpan-version.js';
import { CpansecError } from '../errors.js';
import { openReadRepository, summarize } from './repo-read.js';
import type { PatchSummary, RepoReadOptions, RevokedEntry } from './repo-read.js';

export interface InfoOptions extends RepoReadOptions {
  patchId: string;
}

export interface InfoResult {
  repository: string;
  patchId: string;
  revoked: RevokedEntry | null;
  entry: PatchSummary | null;
  header: { name: string; value: string }[];
  versions: { affected: string; fixed: string[]; verified: string[] };
  signature: {
    status: 'verified' | 'invalid';
    signer?: string;
    trustedComment?: string;
    error?: { code: string; message: string };
  };
  upstream: { forwarded?: string; appliedUpstream?: string; fixedVersions: string[]; origin?: string; bugs: string[] };
  authors: string[];
  description?: string;
  files: { path: string; change: string; insertions: number; deletions: number }[];
}

/** @throws CpansecError PATCH_NOT_FOUND, CONFIG_INVALID, and the repository's trust errors */
export async function patchInfo(options: InfoOptions): Promise<InfoResult> {
  const { repo } = await openReadRepository(options);
  const revocation = repo.revocation(options.patchId) ?? null;
  const entry = repo.get(options.patchId);
  const empty = { affected: '', fixed: [], verified: [] };
  if (entry === undefined) {
    if (revocation === null) {
      throw new CpansecError('PATCH_NOT_FOUND', `${options.patchId} is not in ${repo.source}`, {
        hint: 'see "cpansec-patch list" or "cpansec-patch search <text>"',
        details: { patchId: options.patchId },
      });
    }
    return {
      repository: repo.source,
      patchId: options.patchId,
      revoked: revocation,
      entry: null,
      header: [],
      versions: empty,
      signature: { status: 'invalid', error: { code: 'PATCH_REVOKED', message: revocation.reason } },
      upstream: { fixedVersions: [], bugs: [] },
      authors: [],
      files: [],
    };
  }
  const base = {
    repository: repo.source,
    patchId: entry.patchId,
    revoked: revocation,
    entry: summarize(entry),
    versions: { affected: entry.affectedVersions, fixed: entry.fixedVersions, verified: [] as string[] },
  };
  let verified;
  try {
    verified = await repo.readPatch(entry);
  } catch (err) {
    if (!(err instanceof CpansecError)) throw err;
    return {
      ...base,
      header: [],
      signature: { status: 'invalid', error: { code: err.code, message: err.message } },
      upstream: {
        fixedVersions: entry.fixedVersions,
        bugs: [],
        ...(entry.appliedUpstream ? { appliedUpstream: entry.appliedUpstream } : {}),
      },
      authors: [],
      files: [],
    };
  }
  const { metadata: m } = readPatchMetadata(verified.file.header);
  const stat = diffstat(verified.file.diff);
  const description = [m.summary, m.longDescription].filter((s) => s !== undefined && s !== '').join('\n');
  return {
    ...base,
    header: verified.file.header.fields.map((f) => ({ name: f.name, value: f.value })),
    versions: { ...base.versions, verified: m.verifiedVersions.map((v) => stringifyVersion(v)) },
    signature: { status: 'verified', signer: verified.signer, trustedComment: verified.trustedComment },
    upstream: {
      ...(m.forwarded === undefined ? {} : { forwarded: m.forwarded }),
      ...(m.appliedUpstream === undefined ? {} : { appliedUpstream: m.appliedUpstream }),
      fixedVersions: m.fixedVersions.map((v) => stringifyVersion(v)),
      ...(m.origin === undefined ? {} : { origin: m.origin }),
      bugs: m.bugs,
    },
    authors: m.authors,
    ...(description === '' ? {} : { description }),
    files: stat.files,
  };
}
