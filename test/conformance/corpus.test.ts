import { describe, expect, it } from 'vitest';
import { hasShared, sharedPath } from '../helpers/shared.js';
import { checkEntry, listEntries } from './corpus.js';
import { loadXfails } from './xfails.js';

// The corpus lives in ../shared (read-only, 18.6 MB); a plain clone may not have it.
const present = hasShared('corpus');
const root = sharedPath('corpus');

describe.skipIf(!present)('checkEntry (GNU patch 2.7.6 conformance corpus)', () => {
  const xfails = loadXfails();
  const entries = present ? listEntries(root) : [];

  it('finds the 52 entries of the corpus', () => {
    expect(entries.length).toBe(52);
  });

  describe.each(entries)('when the series of %s is applied', (entry) => {
    it('agrees with GNU patch on every patch and on the final tree', async () => {
      const verdict = await checkEntry(root, entry);
      const problems = [
        ...verdict.patches
          .filter((p) => !p.agree && xfails[`${entry}/${p.name}`] === undefined)
          .map((p) => `${p.name}: ${p.problems.join('; ')}`),
        ...(xfails[entry] === undefined ? verdict.treeProblems : []),
      ];
      expect(problems).toEqual([]);
    });
  });
});
