/**
 * Properties of the engine on its own: a diff made by makeDiff applies to its
 * old text and gives the new one, its reverse gives the old one back, and
 * formatDiff(parseDiff(p)) reads back to the same model. Texts mix CRLF and
 * LF, lack final newlines and repeat lines.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planPatch } from '../../../src/core/patch/apply.js';
import { formatDiff } from '../../../src/core/patch/format.js';
import { makeDiff } from '../../../src/core/patch/make.js';
import { parseDiff } from '../../../src/core/patch/parse.js';
import { reverseDiff } from '../../../src/core/patch/reverse.js';
import type { Diff } from '../../../src/core/patch/model.js';

const RUNS = Number(process.env['CPANSEC_PROPERTY_RUNS'] ?? 200);

const lineArb = fc.oneof(
  fc.constantFrom(
    'a',
    'b',
    'c',
    '',
    ' ',
    'x\r',
    '\r',
    '\\ x',
    '--- a',
    '+++ b',
    '@@ -1 +1 @@',
    '#c',
    'é\xff',
    'x\ry',
    '\t\t',
  ),
  fc.string({ maxLength: 6 }).map((s) => s.replace(/[\n\u0100-\uffff]/g, '')),
);
const textArb = fc
  .record({ lines: fc.array(lineArb, { maxLength: 40 }), eol: fc.boolean() })
  .map(({ lines, eol }) => (lines.length === 0 ? '' : lines.join('\n') + (eol ? '\n' : '')));

function apply(patch: string, before: string, reverse = false): string | null | undefined {
  const plan = planPatch(parseDiff(patch), new Map([['f', { content: before }]]), { reverse });
  expect(['clean', 'offset']).toContain(plan.outcome);
  const change = plan.changes.get('f');
  return change === undefined ? before : change === null ? null : change.content;
}

function withoutLines(d: Diff): unknown {
  return d.files.map((f) => ({ ...f, patchLine: 0, hunks: f.hunks.map((h) => ({ ...h, patchLine: 0 })) }));
}

describe('makeDiff then planPatch', () => {
  describe('when applied to the old text', () => {
    it('gives the new text, and the reverse gives the old text back', () => {
      fc.assert(
        fc.property(textArb, textArb, fc.constantFrom(0, 1, 3), fc.boolean(), (a, b, context, git) => {
          const patch = makeDiff('f', 'f', a, b, { context, git });
          if (patch === '') {
            expect(a).toBe(b);
            return;
          }
          expect(apply(patch, a)).toBe(b);
          expect(apply(patch, b, true)).toBe(a);
        }),
        { numRuns: RUNS },
      );
    });
  });
  describe('when the diff creates or deletes the file', () => {
    it('creates it from nothing and deletes it back', () => {
      fc.assert(
        fc.property(textArb, fc.boolean(), (text, git) => {
          if (text === '') return;
          const patch = makeDiff('f', 'f', null, text, { git });
          const created = planPatch(parseDiff(patch), new Map());
          expect(created.changes.get('f')?.content).toBe(text);
          const deleted = planPatch(parseDiff(patch), new Map([['f', { content: text }]]), { reverse: true });
          expect(deleted.changes.get('f')).toBeNull();
        }),
        { numRuns: Math.ceil(RUNS / 2) },
      );
    });
  });
});

describe('formatDiff', () => {
  describe('when given a parsed diff', () => {
    it('writes text that parses back to the same model', () => {
      fc.assert(
        fc.property(textArb, textArb, fc.boolean(), (a, b, git) => {
          const patch = makeDiff('f', 'f', a, b, { git });
          if (patch === '') return;
          const d = parseDiff(patch);
          expect(formatDiff(d)).toBe(patch);
          expect(withoutLines(parseDiff(formatDiff(d)))).toEqual(withoutLines(d));
        }),
        { numRuns: RUNS },
      );
    });
  });
});

describe('reverseDiff', () => {
  describe('when applied twice', () => {
    it('gives the original hunks back', () => {
      fc.assert(
        fc.property(textArb, textArb, (a, b) => {
          const patch = makeDiff('f', 'f', a, b);
          if (patch === '') return;
          const d = parseDiff(patch);
          expect(withoutLines(reverseDiff(reverseDiff(d)))).toEqual(withoutLines(d));
        }),
        { numRuns: RUNS },
      );
    });
  });
});
