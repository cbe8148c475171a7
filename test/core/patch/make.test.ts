import { describe, expect, it } from 'vitest';
import { makeDiff } from '../../../src/core/patch/make.js';
import { parseDiff } from '../../../src/core/patch/parse.js';
import { HAVE_DIFF, HAVE_GNU_PATCH, diffU, gnuPatch } from './gnu-harness.js';

describe('makeDiff', () => {
  describe('when the texts are equal', () => {
    it('returns an empty string', () => {
      expect(makeDiff('f', 'f', 'a\n', 'a\n')).toBe('');
      expect(makeDiff('f', 'f', 'a\n', 'a\n', { git: true })).toBe('');
    });
  });

  describe.skipIf(!HAVE_DIFF)('when one line changes', () => {
    it('writes what GNU diff -u writes', () => {
      const a = 'one\ntwo\nthree\nfour\nfive\n';
      const b = 'one\ntwo\nTHREE\nfour\nfive\n';
      expect(makeDiff('f', 'f', a, b)).toBe(diffU('f', a, b));
    });
    it('writes the diff -u ranges for insertions at the top and empty files', () => {
      expect(makeDiff('f', 'f', 'a\nb\n', 'X\na\nb\n', { context: 0 })).toBe(diffU('f', 'a\nb\n', 'X\na\nb\n', 0));
      expect(makeDiff('f', 'f', 'a\nb\n', 'a\nX\nb\n', { context: 0 })).toBe(diffU('f', 'a\nb\n', 'a\nX\nb\n', 0));
      expect(makeDiff('f', 'f', null, 'x\n')).toBe(diffU('f', null, 'x\n'));
      expect(makeDiff('f', 'f', 'x\n', null)).toBe(diffU('f', 'x\n', null));
    });
    it('marks a missing final newline like diff -u', () => {
      expect(makeDiff('f', 'f', 'a\nb', 'a\nc')).toBe(diffU('f', 'a\nb', 'a\nc'));
      expect(makeDiff('f', 'f', 'a\nb', 'a\nb\n')).toBe(diffU('f', 'a\nb', 'a\nb\n'));
    });
  });

  describe('when asked for a git diff', () => {
    it('writes diff --git headers for creations, deletions and renames', () => {
      expect(makeDiff('t/new.t', 't/new.t', null, 'ok\n', { git: true })).toBe(
        'diff --git a/t/new.t b/t/new.t\nnew file mode 100644\n--- /dev/null\n+++ b/t/new.t\n@@ -0,0 +1 @@\n+ok\n',
      );
      expect(makeDiff('x', 'x', 'gone\n', null, { git: true, oldMode: '100755' })).toBe(
        'diff --git a/x b/x\ndeleted file mode 100755\n--- a/x\n+++ /dev/null\n@@ -1 +0,0 @@\n-gone\n',
      );
      const rename = parseDiff(makeDiff('lib/A.pm', 'lib/B.pm', 'a\n', 'a\n', { git: true })).files[0];
      expect(rename).toMatchObject({ type: 'rename', from: 'lib/A.pm', to: 'lib/B.pm', hunks: [] });
      expect(makeDiff('bin/x', 'bin/x', 'a\n', 'a\n', { git: true, newMode: '100755' })).toBe(
        'diff --git a/bin/x b/bin/x\nold mode 100644\nnew mode 100755\n',
      );
    });
  });

  describe.skipIf(!HAVE_GNU_PATCH)('when GNU patch applies the result', () => {
    it('gives the new text, CRLF and missing newlines included', () => {
      const cases: [string, string][] = [
        ['a\r\nb\r\n', 'a\r\nc\r\n'],
        ['a\nb', 'a\nb\n'],
        ['a\nb\n', 'a\nb'],
        ['', 'x'],
        ['x', ''],
        ['same\nlines\nsame\nlines\n', 'same\nlines\nsame\nLINES\n'],
      ];
      for (const [a, b] of cases) {
        const patch = makeDiff('f', 'f', a, b);
        expect(gnuPatch({ f: a }, patch, { removeEmpty: false }).files['f'], JSON.stringify(patch)).toBe(b);
      }
    });
  });
});
