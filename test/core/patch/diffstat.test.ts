import { describe, expect, it } from 'vitest';
import { diffstat } from '../../../src/core/patch/diffstat.js';
import { parseDiff } from '../../../src/core/patch/parse.js';

describe('diffstat', () => {
  describe('when given a multi-file git diff', () => {
    it('counts insertions and deletions per file, with stripped names and change kinds', () => {
      const d = parseDiff(
        [
          'diff --git a/lib/Foo.pm b/lib/Foo.pm',
          '--- a/lib/Foo.pm',
          '+++ b/lib/Foo.pm',
          '@@ -1,3 +1,4 @@',
          ' package Foo;',
          '-my $x = 1;',
          '+my $x = 2;',
          '+my $y = 3;',
          ' 1;',
          'diff --git a/t/new.t b/t/new.t',
          'new file mode 100644',
          '--- /dev/null',
          '+++ b/t/new.t',
          '@@ -0,0 +1 @@',
          '+ok 1;',
          'diff --git a/old b/old',
          'deleted file mode 100644',
          '--- a/old',
          '+++ /dev/null',
          '@@ -1,2 +0,0 @@',
          '-a',
          '-b',
          'diff --git a/A b/B',
          'similarity index 100%',
          'rename from A',
          'rename to B',
          'diff --git a/bin/x b/bin/x',
          'old mode 100644',
          'new mode 100755',
          '',
        ].join('\n'),
      );
      expect(diffstat(d)).toEqual({
        files: [
          { path: 'lib/Foo.pm', change: 'modified', insertions: 2, deletions: 1 },
          { path: 't/new.t', change: 'created', insertions: 1, deletions: 0 },
          { path: 'old', change: 'deleted', insertions: 0, deletions: 2 },
          { path: 'B', oldPath: 'A', change: 'renamed', insertions: 0, deletions: 0 },
          { path: 'bin/x', change: 'mode-changed', insertions: 0, deletions: 0 },
        ],
        insertions: 3,
        deletions: 3,
      });
    });
  });
  describe('when names have too few components for the strip level', () => {
    it('shows them as they are', () => {
      expect(diffstat(parseDiff('--- x\n+++ x\n@@ -1 +1 @@\n-a\n+b\n')).files[0]?.path).toBe('x');
      expect(diffstat(parseDiff('--- x\n+++ x\n@@ -1 +1 @@\n-a\n+b\n'), 0).files[0]?.path).toBe('x');
    });
  });
});
