import { describe, expect, it } from 'vitest';
import { formatDiff } from '../../../src/core/patch/format.js';
import { parseDiff } from '../../../src/core/patch/parse.js';
import { reverseDiff } from '../../../src/core/patch/reverse.js';

describe('reverseDiff', () => {
  describe('when given a modification', () => {
    it('swaps the sides and puts removed lines first in each change', () => {
      const d = parseDiff('--- a/x\n+++ b/x\n@@ -1,3 +1,4 @@\n a\n-b\n+B\n+C\n c\n');
      expect(formatDiff(reverseDiff(d))).toBe('--- b/x\n+++ a/x\n@@ -1,4 +1,3 @@\n a\n-B\n-C\n+b\n c\n');
    });
    it('keeps the no-newline markers with their lines', () => {
      const d = parseDiff('--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+a\n');
      expect(formatDiff(reverseDiff(d))).toBe('--- b/x\n+++ a/x\n@@ -1 +1 @@\n-a\n+a\n\\ No newline at end of file\n');
    });
  });
  describe('when given a creation, deletion or rename', () => {
    it('turns creation into deletion and back, and renames the other way', () => {
      const c = parseDiff(
        'diff --git a/n b/n\nnew file mode 100755\nindex 0000000..1234567\n--- /dev/null\n+++ b/n\n@@ -0,0 +1 @@\n+x\n',
      );
      const r = reverseDiff(c).files[0];
      expect(r).toMatchObject({
        type: 'delete',
        oldMode: '100755',
        oldState: 'exists',
        newState: 'absent',
        oldHash: '1234567',
      });
      const m = parseDiff('diff --git a/A b/B\nsimilarity index 100%\nrename from A\nrename to B\n');
      expect(reverseDiff(m).files[0]).toMatchObject({
        type: 'rename',
        from: 'B',
        to: 'A',
        oldName: 'b/B',
        newName: 'a/A',
      });
    });
  });
  describe('when given a copy', () => {
    it("throws PATCH_UNSUPPORTED (undoing it needs the copy's content)", () => {
      const d = parseDiff('diff --git a/A b/B\nsimilarity index 100%\ncopy from A\ncopy to B\n');
      expect(() => reverseDiff(d)).toThrowCode('PATCH_UNSUPPORTED');
    });
  });
});
