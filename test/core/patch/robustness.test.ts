/**
 * Hostile input: valid patches, mutated and truncated, and diff-flavoured
 * noise. parseDiff and planPatch may refuse, but only with a CpansecError:
 * never a TypeError or RangeError, never a hang (CVE-2014-9637,
 * CVE-2018-6951/6952 in GNU patch; CVE-2026-24001 in jsdiff).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CpansecError } from '../../../src/errors.js';
import { candidatePaths, planPatch } from '../../../src/core/patch/apply.js';
import { diffstat } from '../../../src/core/patch/diffstat.js';
import { formatDiff } from '../../../src/core/patch/format.js';
import { parseDiff } from '../../../src/core/patch/parse.js';
import { reverseDiff } from '../../../src/core/patch/reverse.js';
import { PROJECT_ROOT } from '../../helpers/shared.js';

const RUNS = Number(process.env['CPANSEC_PROPERTY_RUNS'] ?? 300);
const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures', 'patches');
const SEEDS = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.patch'))
  .map((f) => readFileSync(join(FIXTURES, f)).toString('latin1'));
const FILE = 'package Foo;\nmy $x = 1;\n1;\n';

/** Run everything on a text; anything thrown must be a CpansecError. */
function exercise(text: string): void {
  const started = performance.now();
  try {
    const diff = parseDiff(text, { limits: { maxLinesPerHunk: 10_000 } });
    diffstat(diff);
    formatDiff(diff);
    for (const strip of [0, 1]) {
      const paths = candidatePaths(diff, strip);
      const files = new Map(paths.map((p) => [p, { content: FILE }]));
      planPatch(diff, files, { strip, fuzz: 2 });
      planPatch(diff, new Map(), { strip });
    }
    reverseDiff(diff);
  } catch (err) {
    if (!(err instanceof CpansecError)) throw err;
  }
  expect(performance.now() - started).toBeLessThan(2000);
}

const TOKENS = [
  '--- a/lib/Foo.pm\n',
  '+++ b/lib/Foo.pm\n',
  '--- /dev/null\n',
  '+++ /dev/null\n',
  'diff --git a/x b/y\n',
  'rename from x\n',
  'rename to y\n',
  'copy from x\n',
  'new file mode 100644\n',
  'deleted file mode 100755\n',
  'old mode 100644\n',
  'new mode 100755\n',
  'index 0000000..e69de29\n',
  'Index: lib/Foo.pm\n',
  '@@ -1,3 +1,3 @@\n',
  '@@ -0,0 +1 @@\n',
  '@@ -1 +0,0 @@\n',
  '@@ -99999999999999 +1 @@\n',
  ' package Foo;\n',
  '-my $x = 1;\n',
  '+my $x = 2;\n',
  ' 1;\n',
  '\\ No newline at end of file\n',
  '\n',
  '\r\n',
  '#\n',
  '-- \n',
  '1a\n',
  '.\n',
  '*** 1,3 ****\n',
  '***************\n',
  '"a/\\303\\251"',
  '"a/\\777"',
  '\t',
  ' ',
  '\r',
];

describe('parseDiff and planPatch on hostile input', () => {
  describe('when a valid patch is mutated', () => {
    it('refuse only with CpansecError, quickly', () => {
      const mutation = fc.record({
        seed: fc.nat(SEEDS.length - 1),
        ops: fc.array(
          fc.record({
            kind: fc.constantFrom('truncate', 'delete-line', 'duplicate-line', 'insert', 'flip-digit', 'swap-lines'),
            at: fc.nat(),
            token: fc.constantFrom(...TOKENS),
          }),
          { minLength: 1, maxLength: 4 },
        ),
      });
      fc.assert(
        fc.property(mutation, ({ seed, ops }) => {
          let text = SEEDS[seed] as string;
          for (const op of ops) {
            const lines = text.split('\n');
            const at = op.at % Math.max(lines.length, 1);
            const pos = op.at % Math.max(text.length, 1);
            switch (op.kind) {
              case 'truncate':
                text = text.slice(0, pos);
                break;
              case 'delete-line':
                lines.splice(at, 1);
                text = lines.join('\n');
                break;
              case 'duplicate-line':
                lines.splice(at, 0, lines[at] ?? '');
                text = lines.join('\n');
                break;
              case 'insert':
                text = text.slice(0, pos) + op.token + text.slice(pos);
                break;
              case 'flip-digit':
                text = text.replace(/\d/g, (d, i: number) =>
                  i === pos || i % 7 === at % 7 ? String((Number(d) + 1) % 10) : d,
                );
                break;
              case 'swap-lines': {
                const b = (at + 1) % Math.max(lines.length, 1);
                [lines[at], lines[b]] = [lines[b] ?? '', lines[at] ?? ''];
                text = lines.join('\n');
                break;
              }
            }
          }
          exercise(text);
        }),
        { numRuns: RUNS },
      );
    });
  });

  describe('when the text is diff-flavoured noise', () => {
    it('refuse only with CpansecError, quickly', () => {
      fc.assert(
        fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }), (tokens) => exercise(tokens.join(''))),
        { numRuns: RUNS },
      );
    });
  });

  describe('when the text is arbitrary bytes', () => {
    it('refuse only with CpansecError', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => exercise(Buffer.from(bytes).toString('latin1'))),
        { numRuns: RUNS },
      );
    });
  });

  describe('when a hunk header announces a huge hunk', () => {
    it('refuses before allocating it', () => {
      expect(() => parseDiff('--- a/x\n+++ b/x\n@@ -1,500000000 +1,500000000 @@\n-a\n')).toThrowCode('LIMIT_EXCEEDED');
    });
  });

  describe('when a file is large and the hunk does not match', () => {
    it('searches every offset and fuzz level without taking long', () => {
      const big = Array.from({ length: 200_000 }, (_, i) => `line ${i % 50}`).join('\n') + '\n';
      const patch =
        '--- a/f\n+++ b/f\n@@ -100000,7 +100000,7 @@\n line 1\n line 2\n line 3\n-nowhere\n+x\n line 5\n line 6\n line 7\n';
      const started = performance.now();
      const plan = planPatch(parseDiff(patch), new Map([['f', { content: big }]]), { fuzz: 2 });
      expect(plan.outcome).toBe('fail');
      expect(performance.now() - started).toBeLessThan(5000);
    });
  });
});
