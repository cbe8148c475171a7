/**
 * `cpansec-patch list [--dist D] [--cve ID]`: the patches a repository
 * offers, from its signed targets metadata (no patch is downloaded), and the
 * ones it revoked. --dist takes a distribution (HTTP-Daemon) or a module
 * name (HTTP::Daemon); --cve takes a CVE or a CPANSA id.
 */
import { openReadRepository, summarize } from './repo-read.js';
import type { PatchSummary, RepoReadOptions, RevokedEntry } from './repo-read.js';

export interface ListOptions extends RepoReadOptions {
  dist?: string;
  cve?: string;
}

export interface ListResult {
  repository: string;
  chosenBy: 'option' | 'config' | 'embedded';
  config: string | null;
  filters: { dist?: string; cve?: string };
  patches: PatchSummary[];
  revoked: RevokedEntry[];
}

export const distKey = (name: string): string => name.trim().replace(/::/g, '-').toLowerCase();

/** @throws CpansecError CONFIG_INVALID, and the repository's trust errors */
export async function listPatches(options: ListOptions = {}): Promise<ListResult> {
  const { repo, chosenBy, config } = await openReadRepository(options);
  const dist = options.dist === undefined ? undefined : distKey(options.dist);
  const cve = options.cve?.trim().toUpperCase();
  const patches = repo
    .patches()
    .filter((e) => dist === undefined || e.distribution.toLowerCase() === dist)
    .filter((e) => cve === undefined || [...e.cve, ...e.cpansa].some((id) => id.toUpperCase() === cve))
    .sort((a, b) => a.distribution.localeCompare(b.distribution) || a.patchId.localeCompare(b.patchId))
    .map(summarize);
  const revoked = repo
    .revoked()
    .filter((r) => dist === undefined || r.distribution.toLowerCase() === dist)
    .filter((r) => cve === undefined || r.patchId.toUpperCase().includes(cve));
  return {
    repository: repo.source,
    chosenBy,
    config,
    filters: {
      ...(options.dist === undefined ? {} : { dist: options.dist }),
      ...(options.cve === undefined ? {} : { cve: options.cve }),
    },
    patches,
    revoked,
  };
}
