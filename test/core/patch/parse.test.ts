import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CpansecError } from '../../../src/errors.js';
import { parseDiff } from '../../../src/core/patch/parse.js';
import { PROJECT_ROOT } from '../../helpers/shared.js';
import type { ErrorCode } from '../../../src/errors.js';

/** A fixture from test/fixtures/patches (see PROVENANCE.md), as a byte string. */
function fixture(name: string): string {
  return readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', 'patches', name)).toString('latin1');
}

function refusal(text: string): { code: ErrorCode; details: Record<string, unknown> | undefined } {
  try {
    parseDiff(text);
  } catch (err) {
    if (err instanceof CpansecError) return { code: err.code, details: err.details };
    throw err;
  }
  throw new Error('parseDiff accepted the text');
}

const SIMPLE = '--- a/lib/Foo.pm\n+++ b/lib/Foo.pm\n@@ -1,3 +1,3 @@\n package Foo;\n-my $x = 1;\n+my $x = 2;\n 1;\n';

describe('parseDiff', () => {
  describe('when given a plain unified diff', () => {
    it('returns one modify section with its hunk', () => {
      const d = parseDiff(SIMPLE);
      expect(d.format).toBe('unified');
      expect(d.preamble).toBe('');
      expect(d.files).toHaveLength(1);
      const f = d.files[0];
      expect(f).toMatchObject({ type: 'modify', oldName: 'a/lib/Foo.pm', newName: 'b/lib/Foo.pm', git: false });
      expect(f?.hunks[0]).toEqual({
        oldStart: 1,
        oldLines: 3,
        newStart: 1,
        newLines: 3,
        section: '',
        patchLine: 3,
        lines: [
          { op: ' ', text: 'package Foo;', eol: true },
          { op: '-', text: 'my $x = 1;', eol: true },
          { op: '+', text: 'my $x = 2;', eol: true },
          { op: ' ', text: '1;', eol: true },
        ],
      });
    });
    it('takes a missing ",N" in the hunk header as 1 and keeps the section text', () => {
      const d = parseDiff('--- a/x\n+++ b/x\n@@ -2 +2 @@ sub foo {\n-a\n+b\n');
      expect(d.files[0]?.hunks[0]).toMatchObject({ oldStart: 2, oldLines: 1, newLines: 1, section: 'sub foo {' });
    });
    it('separates names from timestamps, keeping spaces in names followed by a tab', () => {
      const d = parseDiff(
        '--- a/my file.txt\t2020-01-01 00:00:00 +0000\n+++ b/my file.txt\t2020-01-02\n@@ -1 +1 @@\n-a\n+b\n',
      );
      expect(d.files[0]).toMatchObject({
        oldName: 'a/my file.txt',
        newName: 'b/my file.txt',
        oldTimestamp: '2020-01-01 00:00:00 +0000',
      });
    });
    it('reads a name up to the first blank when no tab follows', () => {
      const d = parseDiff('--- a/x junk\n+++ b/x junk\n@@ -1 +1 @@\n-a\n+b\n');
      expect(d.files[0]).toMatchObject({ oldName: 'a/x', newName: 'b/x' });
    });
    it('keeps text before the first section as the preamble, byte for byte', () => {
      const d = parseDiff(fixture('junk-between.patch'));
      expect(d.preamble).toBe('Some description text.\n\ndiff -ruN Foo-1.0.orig/lib/Foo.pm Foo-1.0/lib/Foo.pm\n');
      expect(d.files.map((f) => f.type)).toEqual(['modify', 'create']);
    });
    it('skips junk between file sections', () => {
      expect(parseDiff(fixture('junk-between.patch')).files[1]?.newName).toBe('Foo-1.0/t/basic.t');
    });
  });

  describe('when a section creates or deletes a file', () => {
    it('takes /dev/null with an empty range as absent', () => {
      const c = parseDiff('--- /dev/null\n+++ b/new.t\n@@ -0,0 +1 @@\n+x\n').files[0];
      expect(c).toMatchObject({ type: 'create', oldName: null, oldState: 'absent', newState: 'exists' });
      const d = parseDiff('--- a/old.t\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n').files[0];
      expect(d).toMatchObject({ type: 'delete', newName: null, newState: 'absent' });
    });
    it('takes an epoch timestamp as absent (diff -N)', () => {
      const c = parseDiff(
        '--- a/n.t\t1970-01-01 00:00:00.000000000 +0000\n+++ b/n.t\t2024-01-01 10:00:00 +0000\n@@ -0,0 +1 @@\n+x\n',
      );
      expect(c.files[0]).toMatchObject({ type: 'create', oldState: 'absent' });
    });
    it('takes an empty range under a real name as an empty file, not a creation (GNU patch)', () => {
      const c = parseDiff('--- a/n.t\n+++ b/n.t\n@@ -0,0 +1 @@\n+x\n');
      expect(c.files[0]).toMatchObject({ type: 'modify', oldState: 'empty' });
    });
  });

  describe('when given a git diff', () => {
    it('reads new, deleted and mode-change sections', () => {
      const text = [
        'diff --git a/t/new.t b/t/new.t',
        'new file mode 100644',
        'index 0000000..e69de29',
        'diff --git a/old.txt b/old.txt',
        'deleted file mode 100755',
        'index 83db48f..0000000',
        '--- a/old.txt',
        '+++ /dev/null',
        '@@ -1 +0,0 @@',
        '-x',
        'diff --git a/bin/run b/bin/run',
        'old mode 100644',
        'new mode 100755',
        '',
      ].join('\n');
      const d = parseDiff(text);
      expect(d.format).toBe('git-diff');
      expect(d.files[0]).toMatchObject({
        type: 'create',
        newMode: '100644',
        oldState: 'absent',
        newState: 'empty',
        hunks: [],
      });
      expect(d.files[1]).toMatchObject({
        type: 'delete',
        oldMode: '100755',
        oldName: 'a/old.txt',
        newName: 'b/old.txt',
      });
      expect(d.files[2]).toMatchObject({ type: 'modify', oldMode: '100644', newMode: '100755', hunks: [] });
    });
    it('reads renames and copies with their similarity', () => {
      const text =
        'diff --git a/lib/A.pm b/lib/B.pm\nsimilarity index 90%\nrename from lib/A.pm\nrename to lib/B.pm\n--- a/lib/A.pm\n+++ b/lib/B.pm\n@@ -1 +1 @@\n-package A;\n+package B;\ndiff --git a/x b/y\ncopy from x\ncopy to y\n';
      const d = parseDiff(text);
      expect(d.files[0]).toMatchObject({ type: 'rename', from: 'lib/A.pm', to: 'lib/B.pm', similarity: 90 });
      expect(d.files[1]).toMatchObject({ type: 'copy', from: 'x', to: 'y' });
    });
    it('decodes C-quoted names to bytes', () => {
      const d = parseDiff(fixture('quoted-name.patch'));
      expect(d.files[0]?.oldName).toBe('a/lib/Caf\xc3\xa9.pm');
    });
    it('reads index hashes and the mode on the index line', () => {
      const d = parseDiff(fixture('format-patch.patch'));
      expect(d.files[0]).toMatchObject({
        oldHash: '83db48f',
        newHash: 'bf269f4',
        oldMode: '100644',
        newMode: '100644',
      });
    });
  });

  describe('when given a git format-patch mail', () => {
    it('classifies it, keeps the mail as preamble and stops the hunk before the signature', () => {
      const d = parseDiff(fixture('format-patch.patch'));
      expect(d.format).toBe('git-format-patch');
      expect(d.preamble).toMatch(/^From 0123456789abcdef/);
      expect(d.preamble).toMatch(/1 file changed/);
      expect(d.files[0]?.hunks[0]?.lines).toHaveLength(4);
    });
  });

  describe('when given an Index: style diff', () => {
    it('records the Index name and classifies the format', () => {
      const d = parseDiff(fixture('index-style.patch'));
      expect(d.format).toBe('unified-with-index');
      expect(d.files[0]).toMatchObject({ indexName: 'Foo-1.0/lib/Foo.pm', oldName: 'Foo-1.0.orig/lib/Foo.pm' });
      expect(d.preamble).toBe('Description: old-style patch with Index lines\n');
    });
  });

  describe('when lines end in CRLF', () => {
    it('strips one CR per line when the headers end in CRLF, as GNU patch does', () => {
      const f = parseDiff(fixture('crlf-patch.patch')).files[0];
      expect(f?.crStripped).toBe(true);
      expect(f?.hunks[0]?.lines[1]).toEqual({ op: '-', text: 'my $x = 1;', eol: true });
    });
    it('keeps the CR as part of the line when only the content has CRLF', () => {
      const f = parseDiff(fixture('crlf-content.patch')).files[0];
      expect(f?.crStripped).toBe(false);
      expect(f?.hunks[0]?.lines[1]).toEqual({ op: '-', text: 'my $x = 1;\r', eol: true });
    });
  });

  describe('when a line has no final newline', () => {
    it('marks the line before "\\ No newline at end of file"', () => {
      const lines = parseDiff(fixture('no-newline.patch')).files[0]?.hunks[0]?.lines;
      expect(lines?.[2]).toEqual({ op: '-', text: '1;', eol: false });
      expect(lines?.[3]).toEqual({ op: '+', text: '1;', eol: true });
    });
    it('refuses the marker in the middle of a hunk', () => {
      expect(refusal('--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-a\n\\ No newline at end of file\n-b\n+c\n+d\n').code).toBe(
        'PATCH_PARSE',
      );
    });
  });

  describe('when a hunk has GNU patch leniencies', () => {
    it('takes a blank line as an empty context line', () => {
      const h = parseDiff('--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n\n-b\n+c\n').files[0]?.hunks[0];
      expect(h?.lines[1]).toEqual({ op: ' ', text: '', eol: true });
    });
    it('supplies up to three blank context lines missing at the very end, as GNU patch does', () => {
      const h = parseDiff(fixture('chopped-blank-context.patch')).files[0]?.hunks[0];
      expect(h?.lines.at(-1)).toEqual({ op: ' ', text: '', eol: true });
      expect(h?.lines).toHaveLength(5);
      expect(refusal('--- a/x\n+++ b/x\n@@ -1,6 +1,6 @@\n a\n-b\n+c\n').details?.['reason']).toBe('truncated');
    });
    it('skips "#" comment lines inside a hunk', () => {
      const h = parseDiff('--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n# a comment\n-b\n+c\n').files[0]?.hunks[0];
      expect(h?.lines.map((l) => l.op)).toEqual([' ', '-', '+']);
    });
  });

  describe('when the patch is malformed', () => {
    it.each([
      ['truncated-hunk.patch', 'truncated'],
      ['wrong-counts.patch', 'count'],
      ['orphan-hunk.patch', 'orphan-hunk'],
      ['no-diff.patch', 'no-diff'],
      ['nul-byte.patch', 'nul'],
      ['u2028-header.patch', 'header-line-separator'],
      ['bare-cr-header.patch', 'header-line-separator'],
    ])('refuses %s with PATCH_PARSE (%s)', (name, reason) => {
      const r = refusal(fixture(name));
      expect(r.code).toBe('PATCH_PARSE');
      expect(r.details?.['reason']).toBe(reason);
    });
    it('names the patch line of a truncated hunk', () => {
      expect(refusal(fixture('truncated-hunk.patch')).details?.['line']).toBe(6);
      expect(refusal('--- a/x\n+++ b/x\n@@ -1,5 +1,5 @@\n a\n-b\n').details?.['reason']).toBe('truncated');
      expect(refusal(fixture('wrong-counts.patch')).details?.['line']).toBe(7);
    });
    it('refuses a hunk without a change, a header without a hunk and a mangled hunk header', () => {
      expect(refusal('--- a/x\n+++ b/x\n@@ -1 +1 @@\n a\n').details?.['reason']).toBe('no-change');
      expect(refusal('--- a/x\n+++ b/x\nsome text\n').details?.['reason']).toBe('no-hunk');
      expect(refusal('--- a/x\n+++ b/x\n@@ -1 +1 @\n-a\n+b\n').details?.['reason']).toBe('hunk-header');
    });
    it('refuses a patch that ends in the middle of a hunk line (GNU would drop that line)', () => {
      expect(refusal('--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b').details?.['reason']).toBe('truncated');
    });
    it('refuses text that is not a byte string', () => {
      expect(refusal('--- a/x\u2028\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n').details?.['reason']).toBe('not-bytes');
    });
    it('refuses git headers that contradict each other or the names', () => {
      expect(refusal('diff --git a/x b/y\nrename from x\nrename to z\n').code).toBe('PATCH_PARSE');
      expect(refusal('diff --git a/x b/y\nrename from x\n').code).toBe('PATCH_PARSE');
      expect(refusal('diff --git a/x b/x\nnew file mode 100644\ndeleted file mode 100644\n').code).toBe('PATCH_PARSE');
      expect(refusal('diff --git a/x b/x\nold mode 10064\n').code).toBe('PATCH_PARSE');
      expect(refusal('diff --git a/x b/x\n').details?.['reason']).toBe('empty');
    });
  });

  describe('when the patch is of a kind we refuse', () => {
    it.each([
      ['ed-script.patch', 'PATCH_UNSUPPORTED'],
      ['normal-diff.patch', 'PATCH_UNSUPPORTED'],
      ['context-diff.patch', 'PATCH_UNSUPPORTED'],
      ['git-binary.patch', 'PATCH_UNSUPPORTED'],
      ['binary-files-differ.patch', 'PATCH_UNSUPPORTED'],
      ['submodule.patch', 'PATCH_UNSUPPORTED'],
      ['symlink-write-through.patch', 'UNSAFE_PATH'],
    ])('refuses %s with %s', (name, code) => {
      expect(refusal(fixture(name)).code).toBe(code);
    });
    it('refuses an ed script with no unified header at all', () => {
      expect(refusal('1a\nr !true\n.\nw\n').details?.['kind']).toBe('ed');
    });
    it('refuses an ed script hidden after a complete unified section (GNU would still run it)', () => {
      expect(refusal(`${SIMPLE}\n--- x\n1a\nhello\n.\n`).details?.['kind']).toBe('ed');
    });
    it('refuses a context diff that follows a unified one', () => {
      expect(refusal(SIMPLE + fixture('context-diff.patch')).details?.['kind']).toBe('context');
    });
    it('refuses symlink modes wherever they appear', () => {
      expect(refusal('diff --git a/l b/l\nold mode 100644\nnew mode 120000\n').code).toBe('UNSAFE_PATH');
      expect(
        refusal('diff --git a/l b/l\nindex 1234567..89abcde 120000\n--- a/l\n+++ b/l\n@@ -1 +1 @@\n-a\n+b\n').code,
      ).toBe('UNSAFE_PATH');
    });
  });

  describe('when the patch exceeds a limit', () => {
    it('throws LIMIT_EXCEEDED for size, files, hunks, hunk lines and line length', () => {
      const two = `${SIMPLE}${SIMPLE.replaceAll('Foo', 'Bar')}`;
      const code = (text: string, limits: object): ErrorCode => {
        try {
          parseDiff(text, { limits });
        } catch (err) {
          return (err as CpansecError).code;
        }
        return 'INTERNAL';
      };
      expect(code(SIMPLE, { maxPatchBytes: 10 })).toBe('LIMIT_EXCEEDED');
      expect(code(two, { maxFilesPerPatch: 1 })).toBe('LIMIT_EXCEEDED');
      expect(code(two, { maxHunksPerPatch: 1 })).toBe('LIMIT_EXCEEDED');
      expect(code(SIMPLE, { maxLinesPerHunk: 5 })).toBe('LIMIT_EXCEEDED');
      expect(code(SIMPLE, { maxLineBytes: 10 })).toBe('LIMIT_EXCEEDED');
      expect(code('--- a/x\n+++ b/x\n@@ -1,999999999 +1,999999999 @@\n-a\n', {})).toBe('LIMIT_EXCEEDED');
    });
  });
});
