/**
 * JSON-friendly projection of patch metadata, shared by show/list/info so
 * every command prints versions and ranges the same way.
 */
import { formatAffectedVersions } from '../core/version/affected.js';
import { stringifyVersion } from '../core/version/cpan-version.js';
import type { PatchMetadata } from '../core/patch/metadata.js';

export interface MetadataView {
  patchId?: string;
  distribution?: string;
  affectedVersions?: string;
  fixedVersions: string[];
  verifiedVersions: string[];
  cve: string[];
  cpansa: string[];
  severity?: string;
  summary?: string;
  description?: string;
  authors: string[];
  origin?: string;
  bugs: string[];
  forwarded?: string;
  appliedUpstream?: string;
  reviewedBy: string[];
  lastUpdate?: string;
  upstreamRepository?: string;
  revision?: number;
}

function defined<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

export function viewMetadata(m: PatchMetadata): MetadataView {
  return defined({
    patchId: m.patchId,
    distribution: m.distribution,
    affectedVersions: m.affectedVersions ? formatAffectedVersions(m.affectedVersions) : m.affectedVersionsText,
    fixedVersions: m.fixedVersions.map(stringifyVersion),
    verifiedVersions: m.verifiedVersions.map(stringifyVersion),
    cve: m.cve,
    cpansa: m.cpansa,
    severity: m.severity,
    summary: m.summary,
    description: m.longDescription,
    authors: m.authors,
    origin: m.origin,
    bugs: m.bugs,
    forwarded: m.forwarded,
    appliedUpstream: m.appliedUpstream,
    reviewedBy: m.reviewedBy,
    lastUpdate: m.lastUpdate,
    upstreamRepository: m.upstreamRepository,
    revision: m.revision,
  });
}
