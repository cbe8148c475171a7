import { describe, expect, it } from 'vitest';
import { planDiffHeader } from '../../../src/core/authoring/header.js';
import { parseHeader } from '../../../src/core/patch/header.js';

const base = {
  distribution: 'HTTP-Daemon',
  version: '6.16',
  today: '2026-11-26',
  gitAuthor: 'Jane Doe <jane@example.org>',
};
const fields = (r: ReturnType<typeof planDiffHeader>): Record<string, string> => Object.fromEntries(r.fields);

describe('planDiffHeader', () => {
  describe('when nothing is known but the workspace', () => {
    it('prefills distribution, a guessed range, the verified version, the author and the date; marks the rest', () => {
      const r = planDiffHeader(base);
      expect(fields(r)).toMatchObject({
        'Patch-Id': '[TODO]',
        Distribution: 'HTTP-Daemon',
        'Affected-Versions': '<= 6.16',
        'Verified-Versions': '6.16',
        CVE: '[TODO]',
        Severity: '[TODO]',
        Author: 'Jane Doe <jane@example.org>',
        Forwarded: '[TODO]',
        'Last-Update': '2026-11-26',
      });
      expect(r.todo).toEqual(['Patch-Id', 'CVE', 'Severity', 'Description', 'Forwarded']);
      expect(r.patchId).toBeUndefined();
    });
  });

  describe('when an upstream fix was the starting point', () => {
    it("keeps its author first, its subject as the description, and records the backport's origin", () => {
      const r = planDiffHeader({
        ...base,
        from: {
          author: 'Up Stream <up@example.org>',
          subject: 'Use 3-arg open',
          body: ['Details.'],
          origin: 'https://github.com/o/r/commit/abc1234',
        },
      });
      expect(r.fields.filter(([n]) => n === 'Author').map(([, v]) => v)).toEqual([
        'Up Stream <up@example.org>',
        'Jane Doe <jane@example.org>',
      ]);
      expect(fields(r)).toMatchObject({
        Description: 'Use 3-arg open\nDetails.',
        Origin: 'backport, https://github.com/o/r/commit/abc1234',
        Forwarded: 'not-needed',
      });
    });
  });

  describe('when the previous patch file has the author’s edits', () => {
    it('keeps them (and unknown fields), refreshes Distribution and Last-Update, and derives the Patch-Id from the CVE', () => {
      const existing = parseHeader(
        'Patch-Id: [TODO]\nDistribution: Old\nCVE: CVE-2026-8450\nSeverity: critical\nDescription: Mine\n more\nForwarded: no\nLast-Update: 2020-01-01\nX-Note: kept\n\n',
      );
      const r = planDiffHeader({ ...base, existing, set: [['Severity', 'high']] });
      expect(fields(r)).toMatchObject({
        'Patch-Id': 'HTTP-Daemon-CVE-2026-8450',
        Distribution: 'HTTP-Daemon',
        Severity: 'high',
        Description: 'Mine\nmore',
        Forwarded: 'no',
        'Last-Update': '2026-11-26',
        'X-Note': 'kept',
      });
      expect(r.todo).toEqual([]);
      expect(r.patchId).toBe('HTTP-Daemon-CVE-2026-8450');
    });
  });

  it('drops an unfilled CVE when a CPANSA id is given, and names the patch after it', () => {
    const r = planDiffHeader({ ...base, set: [['CPANSA', 'CPANSA-HTTP-Daemon-2026-01']] });
    expect(r.fields.some(([n]) => n === 'CVE')).toBe(false);
    expect(r.patchId).toBe('HTTP-Daemon-CPANSA-HTTP-Daemon-2026-01');
  });
});
