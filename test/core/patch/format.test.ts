import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiff } from '../../../src/core/patch/format.js';
import { parseDiff } from '../../../src/core/patch/parse.js';
import { hasShared, sharedPath } from '../../helpers/shared.js';
import { tempDir } from '../../helpers/tmp.js';
import { HAVE_GIT, HAVE_GNU_PATCH, gnuPatch } from './gnu-harness.js';
import type { Diff } from '../../../src/core/patch/model.js';

function model(d: Diff): unknown {
  return d.files.map((f) => ({ ...f, patchLine: 0, hunks: f.hunks.map((h) => ({ ...h, patchLine: 0 })) }));
}

const GIT_PATCH = [
  'diff --git a/lib/A.pm b/lib/B.pm',
  'similarity index 80%',
  'rename from lib/A.pm',
  'rename to lib/B.pm',
  'index 1111111..2222222 100644',
  '--- a/lib/A.pm',
  '+++ b/lib/B.pm',
  '@@ -1,2 +1,2 @@',
  '-package A;',
  '+package B;',
  ' 1;',
  'diff --git a/bin/run b/bin/run',
  'old mode 100644',
  'new mode 100755',
  'diff --git a/t/new.t b/t/new.t',
  'new file mode 100644',
  'index 0000000..3333333',
  '--- /dev/null',
  '+++ b/t/new.t',
  '@@ -0,0 +1 @@',
  '+ok 1;',
  '\\ No newline at end of file',
  'diff --git a/old.txt b/old.txt',
  'deleted file mode 100644',
  'index 4444444..0000000',
  '--- a/old.txt',
  '+++ /dev/null',
  '@@ -1 +0,0 @@',
  '-gone',
  'diff --git "a/lib/Caf\\303\\251.pm" "b/lib/Caf\\303\\251.pm"',
  'index 5555555..6666666 100644',
  '--- "a/lib/Caf\\303\\251.pm"',
  '+++ "b/lib/Caf\\303\\251.pm"',
  '@@ -1 +1 @@',
  '-a',
  '+b',
  '',
].join('\n');

describe('formatDiff', () => {
  describe('when given a parsed git diff', () => {
    it('writes it back unchanged', () => {
      expect(formatDiff(parseDiff(GIT_PATCH))).toBe(GIT_PATCH);
    });
  });

  describe('when given a parsed unified diff with Index lines and timestamps', () => {
    it('writes text that parses back to the same model', () => {
      const text =
        'Index: lib/Foo.pm\n===================================================================\n--- lib/Foo.pm.orig\t2024-01-01 00:00:00 +0000\n+++ lib/Foo.pm\t2024-01-02 00:00:00 +0000\n@@ -1 +1 @@ sub x\n-a\n+b\n';
      const d = parseDiff(text);
      expect(formatDiff(d)).toBe(text);
      expect(model(parseDiff(formatDiff(d)))).toEqual(model(d));
    });
    it('includes the preamble only when asked', () => {
      const d = parseDiff('Subject: fix\n\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n');
      expect(formatDiff(d)).toMatch(/^--- a\/x/);
      expect(formatDiff(d, { preamble: true })).toMatch(/^Subject: fix\n\n--- a\/x/);
    });
  });

  describe('when the patch had CRLF headers', () => {
    it('writes the GNU reading of it (CRs stripped) with LF lines', () => {
      const d = parseDiff('--- a/x\r\n+++ b/x\r\n@@ -1 +1 @@\r\n-a\r\n+b\r\n');
      expect(formatDiff(d)).toBe('--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n');
    });
  });

  describe('when names need quoting', () => {
    it('C-quotes control bytes, spaces and high bytes', () => {
      const d = parseDiff('--- "a/x y\\tz"\n+++ "b/x y\\tz"\n@@ -1 +1 @@\n-a\n+b\n');
      expect(formatDiff(d)).toBe('--- "a/x y\\tz"\n+++ "b/x y\\tz"\n@@ -1 +1 @@\n-a\n+b\n');
    });
  });

  describe.skipIf(!HAVE_GIT)('when git apply reads the output', () => {
    it('accepts it and makes the same tree', () => {
      const dir = tempDir();
      const files: Record<string, string> = {
        'lib/A.pm': 'package A;\n1;\n',
        'bin/run': '#!/bin/sh\n',
        'old.txt': 'gone\n',
        'lib/Caf\xc3\xa9.pm': 'a\n',
      };
      for (const [p, c] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, Buffer.from(p, 'latin1').toString())), { recursive: true });
        writeFileSync(join(dir, Buffer.from(p, 'latin1').toString()), Buffer.from(c, 'latin1'));
      }
      const patchFile = join(dir, '..', `${dir.split('/').pop() ?? 'x'}.diff`);
      const text = formatDiff(parseDiff(GIT_PATCH));
      writeFileSync(patchFile, Buffer.from(text, 'latin1'));
      const r = spawnSync('git', ['apply', '--unsafe-paths', patchFile], { cwd: dir, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(readFileSync(join(dir, 'lib/B.pm'), 'utf8')).toBe('package B;\n1;\n');
      expect(readFileSync(join(dir, 't/new.t'), 'utf8')).toBe('ok 1;');
    });
  });

  describe.skipIf(!HAVE_GNU_PATCH || !hasShared('corpus'))('when given every patch of the corpus', () => {
    it('writes text that parses to the same model and that GNU patch applies like the original', () => {
      const root = sharedPath('corpus');
      const index = JSON.parse(readFileSync(join(root, 'index.json'), 'utf8')) as { entries: { entry: string }[] };
      let checked = 0;
      for (const { entry } of index.entries) {
        const expected = JSON.parse(readFileSync(join(root, entry, 'expected.json'), 'utf8')) as {
          patches: { path: string }[];
        };
        for (const p of expected.patches) {
          const d = parseDiff(readFileSync(join(root, entry, p.path)).toString('latin1'));
          expect(model(parseDiff(formatDiff(d)))).toEqual(model(d));
          checked++;
        }
      }
      expect(checked).toBe(150);
    });
    it('makes a formatted patch that GNU patch applies to the same bytes', () => {
      const original = '--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\r\n-b\r\n+c\r\n d\r\n';
      const formatted = formatDiff(parseDiff(original));
      const tree = { f: 'a\r\nb\r\nd\r\n' };
      expect(gnuPatch(tree, formatted).files).toEqual(gnuPatch(tree, original).files);
    });
  });
});
