/**
 * `cpansec-patch search <text>`: patches whose distribution, module names
 * (from the files each patch changes: lib/Foo/Bar.pm is Foo::Bar), CVE or
 * CPANSA id, Patch-Id or summary contain the text (case-insensitively). The
 * module names need the patch files, which are read through the repository
 * (hash and signature checked on every read).
 */
import { moduleNames } from '../core/authoring/modules.js';
import { diffstat } from '../core/patch/diffstat.js';
import { CpansecError } from '../errors.js';
import { openReadRepository, summarize } from './repo-read.js';
import type { PatchSummary, RepoReadOptions } from './repo-read.js';

export interface SearchOptions extends RepoReadOptions {
  text: string;
}

export interface SearchHit extends PatchSummary {
  modules: string[];
  /** What matched: "distribution", "module Foo::Bar", "CVE-…", "summary"… */
  matched: string[];
}

export interface SearchResult {
  repository: string;
  query: string;
  hits: SearchHit[];
}

/** @throws CpansecError USAGE (empty text), CONFIG_INVALID, and the repository's trust errors */
export async function searchPatches(options: SearchOptions): Promise<SearchResult> {
  const query = options.text.trim();
  if (query === '')
    throw new CpansecError('USAGE', 'search needs some text (a distribution, module, CVE or CPANSA id)');
  const q = query.toLowerCase();
  const has = (s: string | undefined): boolean => s !== undefined && s.toLowerCase().includes(q);
  const { repo } = await openReadRepository(options);
  const hits: SearchHit[] = [];
  for (const e of repo.patches()) {
    const verified = await repo.readPatch(e);
    const modules = moduleNames(
      e.distribution,
      diffstat(verified.file.diff).files.map((f) => f.path),
    );
    const matched = [
      ...(has(e.distribution) ? ['distribution'] : []),
      ...modules.filter(has).map((m) => `module ${m}`),
      ...[...e.cve, ...e.cpansa].filter(has),
      ...(has(e.patchId) ? ['patch id'] : []),
      ...(has(e.summary) ? ['summary'] : []),
    ];
    if (matched.length > 0) hits.push({ ...summarize(e), modules, matched });
  }
  hits.sort((a, b) => a.distribution.localeCompare(b.distribution) || a.patchId.localeCompare(b.patchId));
  return { repository: repo.source, query, hits };
}
