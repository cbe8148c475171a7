/**
 * The layout CPANSec publishes its patches in (security.metacpan.org,
 * folder patches/): `<Initial>/<Dist>/<Version>/<CVE-ID>-r<N>.patch`, and the
 * Patch-Ids an import gives them. Pure.
 */
import { CVE_RE, DIST_RE } from '../patch/metadata.js';
import { tryParseVersion } from '../version/cpan-version.js';

export interface ImportPath {
  /** The path below the tree's patches/ folder, as found. */
  rel: string;
  initial: string;
  distribution: string;
  version: string;
  cve: string;
  revision: number;
}

export type ImportPathResult = { ok: true; path: ImportPath } | { ok: false; rel: string; reason: string };

const FILE_RE = /^(CVE-\d{4}-\d{4,})-r([1-9]\d{0,3})\.patch$/;

/** Reads one relative path (below patches/); says why when it is not in the layout. */
export function parseImportPath(rel: string): ImportPathResult {
  const parts = rel.split('/');
  const bad = (reason: string): ImportPathResult => ({ ok: false, rel, reason });
  if (parts.length !== 4) return bad('expected <Initial>/<Dist>/<Version>/<CVE-ID>-r<N>.patch');
  const [initial, distribution, version, file] = parts as [string, string, string, string];
  if (!DIST_RE.test(distribution)) return bad(`"${distribution}" is not a distribution name`);
  if (initial !== distribution.charAt(0).toUpperCase()) {
    return bad(`the initial folder "${initial}" does not match the distribution "${distribution}"`);
  }
  if (tryParseVersion(version) === undefined) return bad(`"${version}" is not a CPAN version`);
  const m = FILE_RE.exec(file);
  if (!m || !CVE_RE.test(m[1] as string)) return bad(`"${file}" is not named <CVE-ID>-r<N>.patch`);
  return {
    ok: true,
    path: { rel, initial, distribution, version, cve: m[1] as string, revision: Number(m[2]) },
  };
}

/**
 * Patch-Ids for a set of imported files: `<Dist>-<CVE>`, with `-r<N>` for a
 * later revision (docs/patch-format.md), and the version inserted when one
 * (dist, CVE, revision) was published for several versions (CPANSec's
 * HTML-Bare 0.02 and 0.03 carry the same CVE-2026-57073-r1). Deterministic:
 * the same input gives the same ids, whatever the order.
 */
export function planPatchIds(paths: readonly ImportPath[]): Map<string, string> {
  const key = (p: ImportPath): string => `${p.distribution}\0${p.cve}\0${p.revision}`;
  const count = new Map<string, number>();
  for (const p of paths) count.set(key(p), (count.get(key(p)) ?? 0) + 1);
  const ids = new Map<string, string>();
  for (const p of paths) {
    const shared = (count.get(key(p)) ?? 0) > 1;
    const base = `${p.distribution}-${p.cve}${shared ? `-${p.version}` : ''}`;
    ids.set(p.rel, p.revision > 1 ? `${base}-r${p.revision}` : base);
  }
  return ids;
}
