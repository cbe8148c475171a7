/**
 * planPatch, case by case. Where GNU patch 2.7.6 is installed, every case is
 * also run through it and must give the same outcome, hunk lines and bytes.
 */
import { describe, expect, it } from 'vitest';
import { candidatePaths, planPatch } from '../../../src/core/patch/apply.js';
import { parseDiff } from '../../../src/core/patch/parse.js';
import { HAVE_GNU_PATCH, gnuPatch } from './gnu-harness.js';
import type { ApplyOptions, FileEntry, PatchPlan } from '../../../src/core/patch/apply.js';

type Tree = Record<string, string>;

function plan(tree: Tree, patch: string, options: ApplyOptions = {}): PatchPlan {
  const files = new Map<string, FileEntry>(Object.entries(tree).map(([p, content]) => [p, { content }]));
  return planPatch(parseDiff(patch), files, options);
}

/** The tree after the plan (unchanged when the plan failed). */
function after(tree: Tree, p: PatchPlan): Tree {
  const out = { ...tree };
  for (const [path, e] of p.changes) {
    if (e === null) delete out[path];
    else out[path] = e.content;
  }
  return out;
}

/** Plan, and check GNU patch (with --forward --batch) does the same. */
function planLikeGnu(tree: Tree, patch: string, options: ApplyOptions = {}): PatchPlan {
  const p = plan(tree, patch, { removeEmptyFiles: true, ...options });
  if (HAVE_GNU_PATCH) {
    const gnu = gnuPatch(tree, patch, {
      fuzz: options.fuzz ?? 0,
      strip: options.strip ?? 1,
      reverse: options.reverse ?? false,
    });
    const ok = p.outcome !== 'fail' && p.outcome !== 'already-applied';
    expect(ok, gnu.output.join('\n')).toBe(gnu.exit === 0);
    const ours = p.files.flatMap((f) =>
      f.hunks
        .filter((h) => h.status === 'failed' || (h.status === 'applied' && (h.offset !== 0 || h.fuzz > 0)))
        .map((h) => ({
          file: f.path,
          hunk: h.hunk,
          status: h.status,
          line: h.line,
          offset: h.status === 'failed' ? 0 : h.offset,
          fuzz: h.fuzz,
        })),
    );
    expect(ours, gnu.output.join('\n')).toEqual(gnu.hunks);
    if (gnu.exit === 0) expect(after(tree, p)).toEqual(gnu.files);
  }
  return p;
}

const FOO = 'package Foo;\nmy $x = 1;\n1;\n';
const FOO_PATCH = '--- a/lib/Foo.pm\n+++ b/lib/Foo.pm\n@@ -1,3 +1,3 @@\n package Foo;\n-my $x = 1;\n+my $x = 2;\n 1;\n';
const TEN = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';

describe('planPatch', () => {
  describe('when the patch applies at its line', () => {
    it('reports clean and returns the new file', () => {
      const p = planLikeGnu({ 'lib/Foo.pm': FOO }, FOO_PATCH);
      expect(p.outcome).toBe('clean');
      expect(p.failReasons).toEqual([]);
      expect(p.changes.get('lib/Foo.pm')).toEqual({ content: 'package Foo;\nmy $x = 2;\n1;\n' });
      expect(p.files[0]).toMatchObject({ path: 'lib/Foo.pm', change: 'modified', status: 'ok' });
      expect(p.files[0]?.hunks[0]).toEqual({ hunk: 1, status: 'applied', line: 1, offset: 0, fuzz: 0 });
    });
  });

  describe('when the file has moved on', () => {
    it('finds the hunk at an offset and reports GNU line numbers', () => {
      const p = planLikeGnu({ 'lib/Foo.pm': `# a\n# b\n${FOO}` }, FOO_PATCH);
      expect(p.outcome).toBe('offset');
      expect(p.files[0]?.hunks[0]).toMatchObject({ status: 'applied', line: 3, offset: 2 });
    });
    it('carries the offset over to later hunks of the same file', () => {
      const patch =
        '--- a/f\n+++ b/f\n@@ -2,3 +2,3 @@\n line 2\n-line 3\n+LINE 3\n line 4\n@@ -8,3 +8,4 @@\n line 8\n line 9\n+new\n line 10\n';
      const p = planLikeGnu({ f: `top\ntop\n${TEN}` }, patch);
      expect(p.files[0]?.hunks.map((h) => [h.line, h.offset])).toEqual([
        [4, 2],
        [10, 2],
      ]);
    });
    it("needs fuzz when a context line changed, and keeps the file's version of it", () => {
      const patch = '--- a/f\n+++ b/f\n@@ -3,5 +3,5 @@\n line 3\n line 4\n-line 5\n+LINE 5\n line 6\n line 7\n';
      const drifted = TEN.replace('line 3\n', 'line three\n');
      expect(planLikeGnu({ f: drifted }, patch).outcome).toBe('fail');
      const p = planLikeGnu({ f: drifted }, patch, { fuzz: 1 });
      expect(p.outcome).toBe('fuzz');
      expect(p.files[0]?.hunks[0]).toMatchObject({ fuzz: 1, line: 3 });
      expect(p.changes.get('f')?.content).toContain('line three\nline 4\nLINE 5\n');
    });
    it('lets a hunk with short leading context match only at the start of the file', () => {
      const patch = '--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n-line 1\n+LINE 1\n line 2\n line 3\n';
      const shifted = `extra\n${TEN}`;
      expect(planLikeGnu({ f: shifted }, patch).outcome).toBe('fail');
      expect(planLikeGnu({ f: shifted }, patch, { fuzz: 2 }).outcome).toBe('fuzz');
    });
    it('lets a hunk with short trailing context match only at the end of the file', () => {
      const patch = '--- a/f\n+++ b/f\n@@ -8,3 +8,3 @@\n line 8\n line 9\n-line 10\n+LINE 10\n';
      expect(planLikeGnu({ f: `${TEN}trailer\n` }, patch).outcome).toBe('fail');
      expect(planLikeGnu({ f: `head\n${TEN}` }, patch).outcome).toBe('offset');
    });
    it('fails a hunk that can only match below an earlier one ("misordered hunks")', () => {
      const file = ['x1', 'x2', 'P', 'Q', 'R', 'x6', 'P', 'Q', 'R', 'x10', 'x11', 'x12'].join('\n') + '\n';
      const patch = '--- a/f\n+++ b/f\n@@ -5,3 +5,3 @@\n R\n-x6\n+X6\n P\n@@ -5,3 +5,3 @@\n P\n-Q\n+Q2\n R\n';
      const p = planLikeGnu({ f: file }, patch);
      expect(p.files[0]?.hunks[1]).toMatchObject({ status: 'failed', line: 3, reason: 'misordered hunks' });
    });
  });

  describe('when the patch is already applied', () => {
    it('reports already-applied and skips the file like GNU --forward', () => {
      const p = planLikeGnu({ 'lib/Foo.pm': 'package Foo;\nmy $x = 2;\n1;\n' }, FOO_PATCH);
      expect(p.outcome).toBe('already-applied');
      expect(p.failReasons).toEqual(['hunks-failed', 'reversed-or-already-applied']);
      expect(p.files[0]).toMatchObject({ status: 'failed', reason: 'reversed-or-already-applied' });
      expect(p.files[0]?.hunks[0]).toMatchObject({ status: 'ignored', reason: 'reversed' });
      expect(p.changes.size).toBe(0);
    });
    it('reports fail when only part of the patch is in', () => {
      const second = FOO_PATCH.replaceAll('Foo', 'Bar');
      const p = planLikeGnu(
        { 'lib/Foo.pm': 'package Foo;\nmy $x = 2;\n1;\n', 'lib/Bar.pm': FOO.replace('Foo', 'Bar') },
        FOO_PATCH + second,
      );
      expect(p.outcome).toBe('fail');
      expect(p.failReasons).toContain('reversed-or-already-applied');
    });
    it('fails the first hunk instead when detection is off', () => {
      const p = plan({ 'lib/Foo.pm': 'package Foo;\nmy $x = 2;\n1;\n' }, FOO_PATCH, { detectApplied: false });
      expect(p.outcome).toBe('fail');
      expect(p.files[0]?.hunks[0]).toMatchObject({ status: 'failed', reason: 'no match' });
    });
  });

  describe('when files are missing or present against the patch', () => {
    it('reports file-not-found for a missing file to modify', () => {
      const p = planLikeGnu({}, FOO_PATCH);
      expect(p.outcome).toBe('fail');
      expect(p.failReasons).toEqual(['file-not-found', 'hunks-failed']);
      expect(p.files[0]?.hunks[0]?.status).toBe('ignored');
    });
    it('creates a new file', () => {
      const p = planLikeGnu({}, '--- /dev/null\n+++ b/t/new.t\n@@ -0,0 +1,2 @@\n+use Test::More;\n+ok 1;\n');
      expect(p.changes.get('t/new.t')).toEqual({ content: 'use Test::More;\nok 1;\n' });
      expect(p.files[0]?.change).toBe('created');
    });
    it('reports file-already-exists when the new file is there with other content', () => {
      const p = planLikeGnu({ 't/new.t': 'other\n' }, '--- /dev/null\n+++ b/t/new.t\n@@ -0,0 +1 @@\n+x\n');
      expect(p.outcome).toBe('fail');
      expect(p.failReasons).toEqual(['file-already-exists', 'hunks-failed']);
    });
    it('reports already-applied when the new file is there with the same content', () => {
      expect(plan({ 't/new.t': 'x\n' }, '--- /dev/null\n+++ b/t/new.t\n@@ -0,0 +1 @@\n+x\n').outcome).toBe(
        'already-applied',
      );
    });
    it('deletes a file whose content matches', () => {
      const p = planLikeGnu({ 'old.txt': 'a\nb\n' }, '--- a/old.txt\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n');
      expect(p.changes.get('old.txt')).toBeNull();
      expect(p.files[0]?.change).toBe('deleted');
    });
    it('refuses to delete a file with more content than the patch removes', () => {
      const p = planLikeGnu({ 'old.txt': 'a\nb\nc\n' }, '--- a/old.txt\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n');
      expect(p.outcome).toBe('fail');
      expect(p.files[0]?.reason).toBe('content-differs');
    });
    it('removes a file the patch empties only with removeEmptyFiles (patch -E)', () => {
      const patch = '--- a/f\n+++ b/f\n@@ -1 +0,0 @@\n-only\n';
      expect(plan({ f: 'only\n' }, patch).changes.get('f')).toEqual({ content: '' });
      expect(plan({ f: 'only\n' }, patch, { removeEmptyFiles: true }).changes.get('f')).toBeNull();
    });
  });

  describe('when one file of the patch fails', () => {
    it('returns no changes at all', () => {
      const second = '--- a/lib/Bar.pm\n+++ b/lib/Bar.pm\n@@ -1 +1 @@\n-nothing like this\n+x\n';
      const p = planLikeGnu({ 'lib/Foo.pm': FOO, 'lib/Bar.pm': 'bar\n' }, FOO_PATCH + second);
      expect(p.outcome).toBe('fail');
      expect(p.files.map((f) => f.status)).toEqual(['ok', 'failed']);
      expect(p.changes.size).toBe(0);
    });
  });

  describe('when two sections patch the same file', () => {
    it('applies the second to the result of the first, as GNU patch does', () => {
      const first = '--- a/f\n+++ b/f\n@@ -1,3 +1,4 @@\n line 1\n+inserted\n line 2\n line 3\n';
      const second = '--- a/f\n+++ b/f\n@@ -2,3 +2,3 @@\n inserted\n-line 2\n+LINE 2\n line 3\n';
      const p = planLikeGnu({ f: TEN }, first + second);
      expect(p.changes.get('f')?.content).toBe(TEN.replace('line 2\n', 'inserted\nLINE 2\n'));
    });
  });

  describe('when a git diff renames, copies or changes modes', () => {
    it('renames with hunks', () => {
      const patch =
        'diff --git a/lib/A.pm b/lib/B.pm\nsimilarity index 80%\nrename from lib/A.pm\nrename to lib/B.pm\n--- a/lib/A.pm\n+++ b/lib/B.pm\n@@ -1,2 +1,2 @@\n-package A;\n+package B;\n 1;\n';
      const p = planLikeGnu({ 'lib/A.pm': 'package A;\n1;\n' }, patch);
      expect(p.files[0]).toMatchObject({ path: 'lib/B.pm', oldPath: 'lib/A.pm', change: 'renamed' });
      expect(p.changes.get('lib/A.pm')).toBeNull();
      expect(p.changes.get('lib/B.pm')?.content).toBe('package B;\n1;\n');
    });
    it('copies', () => {
      const p = plan({ x: 'same\n' }, 'diff --git a/x b/y\nsimilarity index 100%\ncopy from x\ncopy to y\n');
      expect(p.changes.get('y')?.content).toBe('same\n');
      expect(p.changes.has('x')).toBe(false);
    });
    it('records a mode change', () => {
      const p = plan(
        { 'bin/run': '#!/bin/sh\n' },
        'diff --git a/bin/run b/bin/run\nold mode 100644\nnew mode 100755\n',
      );
      expect(p.files[0]).toMatchObject({ change: 'mode-changed', mode: '100755' });
      expect(p.changes.get('bin/run')).toEqual({ content: '#!/bin/sh\n', mode: '100755' });
    });
    it('creates a file with its mode', () => {
      const p = plan(
        {},
        'diff --git a/bin/x b/bin/x\nnew file mode 100755\n--- /dev/null\n+++ b/bin/x\n@@ -0,0 +1 @@\n+#!/bin/sh\n',
      );
      expect(p.changes.get('bin/x')).toEqual({ content: '#!/bin/sh\n', mode: '100755' });
    });
  });

  describe('when the old and new names differ (not git)', () => {
    it('patches the existing one, as GNU patch picks it', () => {
      const patch =
        '--- lib/Foo.pm.orig\n+++ lib/Foo.pm\n@@ -1,3 +1,3 @@\n package Foo;\n-my $x = 1;\n+my $x = 2;\n 1;\n';
      const p = planLikeGnu({ 'lib/Foo.pm': FOO }, patch, { strip: 0 });
      expect(p.files[0]?.path).toBe('lib/Foo.pm');
    });
    it('prefers the name with fewer components, then the shorter base name', () => {
      const patch =
        '--- Foo-1.0.orig/lib/Foo.pm\n+++ Foo-1.0/lib/Foo.pm\n@@ -1,3 +1,3 @@\n package Foo;\n-my $x = 1;\n+my $x = 2;\n 1;\n';
      const p = planLikeGnu({ 'Foo-1.0.orig/lib/Foo.pm': FOO, 'Foo-1.0/lib/Foo.pm': FOO }, patch, { strip: 0 });
      expect(p.files[0]?.path).toBe('Foo-1.0/lib/Foo.pm');
    });
  });

  describe('when line endings differ', () => {
    it('applies a patch whose every line ends in CRLF to an LF file (GNU strips the CRs)', () => {
      const crlf = FOO_PATCH.replaceAll('\n', '\r\n');
      expect(planLikeGnu({ 'lib/Foo.pm': FOO }, crlf).outcome).toBe('clean');
    });
    it('fails an LF patch on a CRLF file, saying why', () => {
      const p = planLikeGnu({ 'lib/Foo.pm': FOO.replaceAll('\n', '\r\n') }, FOO_PATCH);
      expect(p.files[0]?.hunks[0]).toMatchObject({ status: 'failed', reason: 'different line endings' });
    });
    it('applies a diff of a CRLF file to that file', () => {
      const patch = '--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\r\n-b\r\n+c\r\n';
      expect(planLikeGnu({ f: 'a\r\nb\r\n' }, patch).changes.get('f')?.content).toBe('a\r\nc\r\n');
    });
  });

  describe('when a file lacks its final newline', () => {
    it('adds and removes the final newline as the patch says', () => {
      const add = '--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n';
      expect(planLikeGnu({ f: 'a\nb' }, add).changes.get('f')?.content).toBe('a\nb\n');
      const remove = '--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n+b\n\\ No newline at end of file\n';
      expect(planLikeGnu({ f: 'a\nb\n' }, remove).changes.get('f')?.content).toBe('a\nb');
    });
    it('does not match a context line with newline against a last line without', () => {
      const patch = '--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n-a\n+A\n b\n';
      expect(planLikeGnu({ f: 'a\nb' }, patch).outcome).toBe('fail');
    });
  });

  describe('when the patch leans on GNU patch leniencies', () => {
    it.each([
      ['a blank line for an empty context line', '--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n\n-b\n+B\n', 'a\n\nb\n'],
      ['a tab-led line for context', '--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n\tx\n-b\n+B\n', '\tx\nb\n'],
      [
        '"#" comment lines in and between hunks',
        '--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n#c\n-b\n+B\n c\n#c\n@@ -4 +4 @@\n-d\n+D\n',
        'a\nb\nc\nd\n',
      ],
      ['"=" for context', '--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n=a\n-b\n+B\n', 'a\nb\n'],
      [
        'a localised no-newline marker',
        '--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n\\ Kein Zeilenumbruch am Dateiende.\n+A\n',
        'a',
      ],
      [
        'names with timestamps and spaces',
        '--- a/f\t2024-01-01 00:00:00 +0000\n+++ b/f\t2024-01-02 00:00:00 +0000\n@@ -1 +1 @@\n-a\n+A\n',
        'a\n',
      ],
      ['an insertion with no context', '--- a/f\n+++ b/f\n@@ -1,0 +2 @@\n+X\n', 'a\nb\n'],
      ['a "+0,0" deletion to a named file', '--- a/f\n+++ b/f\n@@ -1 +0,0 @@\n-a\n', 'a\n'],
    ])('applies %s like GNU patch', (_, patch, content) => {
      const p = planLikeGnu({ f: content }, patch);
      expect(p.outcome).not.toBe('fail');
    });
    it('applies a hunk whose last blank context lines were chopped off the patch', () => {
      const patch = '--- a/f\n+++ b/f\n@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n';
      expect(planLikeGnu({ f: 'a\nb\nc\n\n\n' }, patch).outcome).toBe('clean');
      expect(planLikeGnu({ f: 'a\nb\nc\nd\ne\n' }, patch).outcome).toBe('fail');
      expect(planLikeGnu({ f: 'a\nb\nc\nd\ne\n' }, patch, { fuzz: 2 }).outcome).toBe('fuzz');
    });
    it('prepends when "@@ -0,0" names an existing file (GNU does)', () => {
      const p = planLikeGnu({ f: 'old\n' }, '--- a/f\n+++ b/f\n@@ -0,0 +1 @@\n+new\n');
      expect(p.changes.get('f')?.content).toBe('new\nold\n');
    });
  });

  describe('when asked to reverse', () => {
    it('undoes the patch', () => {
      const p = planLikeGnu({ 'lib/Foo.pm': 'package Foo;\nmy $x = 2;\n1;\n' }, FOO_PATCH, { reverse: true });
      expect(p.changes.get('lib/Foo.pm')?.content).toBe(FOO);
    });
  });

  describe('when the input is unsafe', () => {
    it('refuses names outside the root', () => {
      expect(() => plan({}, '--- a/../x\n+++ b/../x\n@@ -0,0 +1 @@\n+x\n')).toThrowCode('UNSAFE_PATH');
    });
    it('refuses to patch a symlink or a path behind one', () => {
      const files = new Map([['lib/Foo.pm', { content: 'target', mode: '120000' }]]);
      expect(() => planPatch(parseDiff(FOO_PATCH), files)).toThrowCode('UNSAFE_PATH');
      const dir = new Map([['lib', { content: '/etc', mode: '120000' }]]);
      expect(() => planPatch(parseDiff(FOO_PATCH), dir)).toThrowCode('UNSAFE_PATH');
    });
    it('refuses two paths that collide on a case-insensitive file system', () => {
      const patch = `${FOO_PATCH}--- /dev/null\n+++ b/LIB/foo.pm\n@@ -0,0 +1 @@\n+x\n`;
      expect(() => plan({ 'lib/Foo.pm': FOO }, patch)).toThrowCode('UNSAFE_PATH');
    });
    it('refuses fuzz above the limit', () => {
      expect(() => plan({ 'lib/Foo.pm': FOO }, FOO_PATCH, { fuzz: 4 })).toThrowCode('USAGE');
    });
    it('refuses files over the size limit', () => {
      expect(() => plan({ 'lib/Foo.pm': FOO }, FOO_PATCH, { limits: { maxFileBytes: 10 } })).toThrowCode(
        'LIMIT_EXCEEDED',
      );
    });
    it('reports a path below an existing file as not found', () => {
      const p = plan({ lib: 'a file\n' }, '--- /dev/null\n+++ b/lib/x\n@@ -0,0 +1 @@\n+x\n');
      expect(p.outcome).toBe('fail');
    });
  });
});

describe('candidatePaths', () => {
  describe('when names differ', () => {
    it('lists every stripped name once, without an Index name the headers override', () => {
      const d = parseDiff('Index: lib/Foo.pm\n--- lib/Foo.pm.orig\n+++ lib/Foo.pm\n@@ -1 +1 @@\n-a\n+b\n');
      expect(candidatePaths(d, 0)).toEqual(['lib/Foo.pm.orig', 'lib/Foo.pm']);
      expect(candidatePaths(d, 1)).toEqual(['Foo.pm.orig', 'Foo.pm']);
    });
  });
  describe('when a name is unsafe', () => {
    it('throws UNSAFE_PATH, for either name of a rename', () => {
      const d = parseDiff(
        'diff --git a/lib/Foo.pm b/../../etc/x\nsimilarity index 100%\nrename from lib/Foo.pm\nrename to ../../etc/x\n',
      );
      expect(() => candidatePaths(d, 1)).toThrowCode('UNSAFE_PATH');
    });
  });
});
