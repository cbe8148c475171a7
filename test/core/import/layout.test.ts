import { describe, expect, it } from 'vitest';
import { parseImportPath, planPatchIds } from '../../../src/core/import/layout.js';
import type { ImportPath } from '../../../src/core/import/layout.js';

describe('parseImportPath', () => {
  it('reads <Initial>/<Dist>/<Version>/<CVE>-r<N>.patch', () => {
    expect(parseImportPath('H/HTML-Bare/0.04/CVE-2026-57073-r2.patch')).toEqual({
      ok: true,
      path: {
        rel: 'H/HTML-Bare/0.04/CVE-2026-57073-r2.patch',
        initial: 'H',
        distribution: 'HTML-Bare',
        version: '0.04',
        cve: 'CVE-2026-57073',
        revision: 2,
      },
    });
  });

  describe('when the path is not in the layout', () => {
    it.each([
      ['patches/H/HTML-Bare/0.04/CVE-2026-57073-r2.patch', 'expected'],
      ['X/HTML-Bare/0.04/CVE-2026-57073-r2.patch', 'initial'],
      ['H/HTML::Bare/0.04/CVE-2026-57073-r2.patch', 'distribution'],
      ['H/HTML-Bare/not-a-version/CVE-2026-57073-r2.patch', 'version'],
      ['H/HTML-Bare/0.04/fix.patch', 'named'],
      ['H/HTML-Bare/0.04/CVE-26-1-r1.patch', 'named'],
      ['H/HTML-Bare/0.04/CVE-2026-57073-r0.patch', 'named'],
    ])('%s is refused (%s)', (rel, why) => {
      const r = parseImportPath(rel);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toContain(why);
    });
  });
});

describe('planPatchIds', () => {
  const p = (dist: string, version: string, cve: string, revision: number): ImportPath => ({
    rel: `${dist[0]}/${dist}/${version}/${cve}-r${revision}.patch`,
    initial: dist[0] as string,
    distribution: dist,
    version,
    cve,
    revision,
  });

  it('names patches <Dist>-<CVE>, -r<N> for later revisions, and the version when one CVE was published for several', () => {
    const paths = [
      p('HTML-Bare', '0.02', 'CVE-2026-57073', 1),
      p('HTML-Bare', '0.03', 'CVE-2026-57073', 1),
      p('HTML-Bare', '0.04', 'CVE-2026-57073', 2),
      p('XML-Bare', '0.53', 'CVE-2026-13401', 1),
    ];
    expect([...planPatchIds(paths).values()]).toEqual([
      'HTML-Bare-CVE-2026-57073-0.02',
      'HTML-Bare-CVE-2026-57073-0.03',
      'HTML-Bare-CVE-2026-57073-r2',
      'XML-Bare-CVE-2026-13401',
    ]);
    expect(planPatchIds([...paths].reverse())).toEqual(planPatchIds(paths));
  });
});
