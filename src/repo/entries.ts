/**
 * What the targets metadata says about each patch (the `custom` object of
 * its target), read into typed entries, and the revocation list. A client
 * chooses patches from these without downloading any. Pure.
 *
 * Target paths are exactly `<Distribution>/<Patch-Id>.patch` and the same
 * with `.minisig`; anything else in a targets file is refused, so a path can
 * never name a file outside the cache's target folder.
 */
import { CpansecError } from '../errors.js';
import { DIST_RE, PATCH_ID_RE, SEVERITIES } from '../core/patch/metadata.js';
import { isAffected, parseAffectedVersions, parseVersionList } from '../core/version/affected.js';
import { tryParseVersion } from '../core/version/cpan-version.js';
import { EXT } from './tuf-model.js';
import type { Severity } from '../core/patch/metadata.js';
import type { AffectedVersions } from '../core/version/affected.js';
import type { CpanVersion } from '../core/version/cpan-version.js';
import type { RevokedRecord, TargetInfo, TargetsSigned } from './tuf-model.js';

/** One patch as the repository's signed targets metadata describes it. */
export interface PatchEntry {
  patchId: string;
  distribution: string;
  /** The Affected-Versions text of the header. */
  affectedVersions: string;
  fixedVersions: string[];
  cve: string[];
  cpansa: string[];
  severity: Severity;
  /** Applied-Upstream of the header, when given. */
  appliedUpstream?: string;
  summary?: string;
  revision: number;
  /** SHA-256 (hex) and length of the patch file, from the TUF target. */
  sha256: string;
  length: number;
  /** minisign key id (as minisign prints it) of the key that signed the patch. */
  signer: string;
  /** TUF target paths of the patch and its signature. */
  path: string;
  signaturePath: string;
}

export type RevokedEntry = RevokedRecord;

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const KEYID_RE = /^[0-9A-F]{16}$/;

export function patchTargetPath(distribution: string, patchId: string): string {
  return `${distribution}/${patchId}.patch`;
}

function invalid(path: string, message: string): CpansecError {
  return new CpansecError('METADATA_INVALID', `targets metadata: ${path}: ${message}`, {
    hint: 'the signed targets metadata does not describe this patch the way cpansec-patch writes it',
    details: { role: 'targets', target: path },
  });
}

const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

/** The `custom` object of a patch target. */
export function formatPatchCustom(e: Omit<PatchEntry, 'path' | 'signaturePath' | 'length'>): Record<string, unknown> {
  return {
    kind: 'patch',
    patchId: e.patchId,
    distribution: e.distribution,
    affectedVersions: e.affectedVersions,
    fixedVersions: e.fixedVersions,
    cve: e.cve,
    cpansa: e.cpansa,
    severity: e.severity,
    ...(e.appliedUpstream === undefined ? {} : { appliedUpstream: e.appliedUpstream }),
    ...(e.summary === undefined ? {} : { summary: e.summary }),
    revision: e.revision,
    sha256: e.sha256,
    signer: e.signer,
  };
}

function readEntry(path: string, info: TargetInfo): PatchEntry {
  const c = info.custom ?? {};
  const m = /^([^/]+)\/([^/]+)\.patch$/.exec(path);
  if (!m || !DIST_RE.test(m[1] as string) || !PATCH_ID_RE.test(m[2] as string))
    throw invalid(path, 'not <Distribution>/<Patch-Id>.patch');
  if (c['kind'] !== 'patch') throw invalid(path, 'custom.kind must be "patch"');
  if (c['patchId'] !== m[2] || c['distribution'] !== m[1])
    throw invalid(path, 'custom patchId/distribution do not match the path');
  const text = c['affectedVersions'];
  if (typeof text !== 'string') throw invalid(path, 'custom.affectedVersions is missing');
  try {
    parseAffectedVersions(text);
    if (!strings(c['fixedVersions'])) throw new Error('fixedVersions must be a list');
    parseVersionList(c['fixedVersions'].join(' '));
  } catch (err) {
    throw invalid(path, `custom versions: ${(err as Error).message}`);
  }
  if (!strings(c['cve']) || !strings(c['cpansa'])) throw invalid(path, 'custom cve/cpansa must be lists');
  if (!(SEVERITIES as readonly unknown[]).includes(c['severity']))
    throw invalid(path, 'custom.severity is not a severity');
  if (c['sha256'] !== info.hashes['sha256']) throw invalid(path, 'custom.sha256 differs from the target hash');
  if (typeof c['signer'] !== 'string' || !KEYID_RE.test(c['signer']))
    throw invalid(path, 'custom.signer is not a minisign key id');
  if (!Number.isSafeInteger(c['revision']) || (c['revision'] as number) < 1)
    throw invalid(path, 'custom.revision must be ≥ 1');
  for (const opt of ['appliedUpstream', 'summary'] as const) {
    if (c[opt] !== undefined && typeof c[opt] !== 'string') throw invalid(path, `custom.${opt} must be text`);
  }
  return {
    patchId: m[2] as string,
    distribution: m[1] as string,
    affectedVersions: text,
    fixedVersions: c['fixedVersions'] as string[],
    cve: c['cve'],
    cpansa: c['cpansa'],
    severity: c['severity'] as Severity,
    ...(typeof c['appliedUpstream'] === 'string' ? { appliedUpstream: c['appliedUpstream'] } : {}),
    ...(typeof c['summary'] === 'string' ? { summary: c['summary'] } : {}),
    revision: c['revision'] as number,
    sha256: info.hashes['sha256'] as string,
    length: info.length,
    signer: c['signer'],
    path,
    signaturePath: `${path}.minisig`,
  };
}

function readRevoked(targets: TargetsSigned): RevokedEntry[] {
  const list = targets[EXT]?.revoked ?? [];
  return list.map((r, i) => {
    const ok =
      typeof r === 'object' &&
      r !== null &&
      typeof r.patchId === 'string' &&
      PATCH_ID_RE.test(r.patchId) &&
      typeof r.distribution === 'string' &&
      DIST_RE.test(r.distribution) &&
      typeof r.reason === 'string' &&
      typeof r.date === 'string' &&
      DATE_RE.test(r.date) &&
      (r.sha256 === undefined || (typeof r.sha256 === 'string' && /^[0-9a-f]{64}$/.test(r.sha256)));
    if (!ok) throw invalid(`${EXT}.revoked[${i}]`, 'must be {patchId, distribution, reason, date[, sha256]}');
    return { ...r };
  });
}

/** Every patch and revocation in a (verified) targets metadata. @throws CpansecError METADATA_INVALID */
export function readEntries(targets: TargetsSigned): { entries: PatchEntry[]; revoked: RevokedEntry[] } {
  const entries: PatchEntry[] = [];
  const paths = Object.keys(targets.targets);
  for (const path of paths) {
    const info = targets.targets[path] as TargetInfo;
    if (path.endsWith('.patch')) {
      const entry = readEntry(path, info);
      const sig = targets.targets[entry.signaturePath];
      if (sig === undefined) throw invalid(path, 'has no .minisig target');
      if (sig.custom?.['kind'] !== 'signature' || sig.custom['patchId'] !== entry.patchId) {
        throw invalid(entry.signaturePath, 'custom must be {kind: "signature", patchId}');
      }
      entries.push(entry);
    } else if (!path.endsWith('.patch.minisig') || targets.targets[path.slice(0, -'.minisig'.length)] === undefined) {
      throw invalid(path, 'is neither a patch nor the signature of a listed patch');
    }
  }
  const revoked = readRevoked(targets);
  const ids = new Set<string>();
  for (const e of entries) {
    if (ids.has(e.patchId)) throw invalid(e.path, 'Patch-Id listed twice');
    ids.add(e.patchId);
  }
  for (const r of revoked) {
    if (ids.has(r.patchId)) throw invalid(r.patchId, 'is listed and revoked at once');
  }
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { entries, revoked };
}

/** The fixed versions of an entry, with Applied-Upstream when it is a version. */
function fixedOf(entry: PatchEntry): CpanVersion[] {
  const fixed = parseVersionList(entry.fixedVersions.join(' '));
  const upstream = entry.appliedUpstream === undefined ? undefined : tryParseVersion(entry.appliedUpstream.trim());
  return upstream === undefined ? fixed : [...fixed, upstream];
}

const affectedCache = new WeakMap<PatchEntry, AffectedVersions>();

/**
 * The patches for `distribution` at `version`: affected per Affected-Versions, not a fixed
 * version, not revoked. @throws CpansecError VERSION_INVALID when `version` does not parse
 */
export function selectPatches(
  entries: readonly PatchEntry[],
  revoked: readonly RevokedEntry[],
  distribution: string,
  version: string | CpanVersion,
): PatchEntry[] {
  const gone = new Set(revoked.map((r) => r.patchId));
  return entries.filter((e) => {
    if (e.distribution !== distribution || gone.has(e.patchId)) return false;
    let affected = affectedCache.get(e);
    if (affected === undefined) {
      affected = parseAffectedVersions(e.affectedVersions);
      affectedCache.set(e, affected);
    }
    return isAffected(affected, version, fixedOf(e));
  });
}
