import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { recountHunks } from '../../../src/core/import/recount.js';
import { parseDiff } from '../../../src/core/patch/parse.js';
import { hasShared, sharedPath } from '../../helpers/shared.js';

const PUBLISHED = hasShared('cpansec-published');
const CATALYST = 'patches/C/Catalyst-Plugin-Authentication/0.10026/CVE-2009-10007-r1.patch';

describe('recountHunks', () => {
  it('fixes a hunk that claims more lines than it has, and leaves correct ones alone', () => {
    const text = [
      'diff --git a/x b/x',
      '--- a/x',
      '+++ b/x',
      '@@ -1,2 +1,4 @@ sub f {',
      ' a',
      '+b',
      ' c',
      '@@ -10,2 +11,2 @@',
      ' d',
      '-e',
      '+E',
      '',
    ].join('\n');
    expect(() => parseDiff(text)).toThrowCode('PATCH_PARSE');
    const r = recountHunks(text);
    expect(r.repairs).toEqual([{ line: 4, from: '@@ -1,2 +1,4 @@ sub f {', to: '@@ -1,2 +1,3 @@ sub f {' }]);
    expect(parseDiff(r.text).files[0]?.hunks).toHaveLength(2);
  });

  it('writes a count of 1 the short way, and stops at a format-patch signature', () => {
    const text = 'diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n-a\n+b\n-- \n2.50.1\n\n';
    const r = recountHunks(text);
    expect(r.repairs[0]?.to).toBe('@@ -1 +1 @@');
    expect(parseDiff(r.text).files).toHaveLength(1);
  });

  it('changes nothing in a correct patch', () => {
    const text = 'diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n';
    expect(recountHunks(text)).toEqual({ text, repairs: [] });
  });

  it.skipIf(!PUBLISHED)(
    "repairs CPANSec's Catalyst-Plugin-Authentication CVE-2009-10007-r1 (hunk 1 claims 71 new lines, has 70)",
    () => {
      const text = readFileSync(sharedPath('cpansec-published', CATALYST)).toString('latin1');
      expect(() => parseDiff(text)).toThrowCode('PATCH_PARSE');
      const r = recountHunks(text);
      expect(r.repairs).toEqual([
        {
          line: 11,
          from: '@@ -30,9 +30,71 @@ sub set_authenticated {',
          to: '@@ -30,9 +30,70 @@ sub set_authenticated {',
        },
      ]);
      expect(parseDiff(r.text).files[0]?.hunks).toHaveLength(2);
    },
  );
});
