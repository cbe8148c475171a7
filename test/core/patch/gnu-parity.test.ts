/**
 * Property tests against the real tools: patches made by GNU diff -u, git
 * diff --no-index and our makeDiff, applied by GNU patch 2.7.6 and by
 * planPatch to the original file and to shifted and edited copies of it, at
 * fuzz 0, 1 and 2. Outcome, every reported hunk line/offset/fuzz and the
 * resulting bytes must be the same. Texts mix CRLF and LF lines, lack final
 * newlines and repeat lines, which is where offset search and fuzz differ.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planPatch } from '../../../src/core/patch/apply.js';
import { makeDiff } from '../../../src/core/patch/make.js';
import { parseDiff } from '../../../src/core/patch/parse.js';
import { HAVE_DIFF, HAVE_GIT, HAVE_GNU_PATCH, diffU, gitDiff, gnuPatch } from './gnu-harness.js';
import type { PatchPlan } from '../../../src/core/patch/apply.js';
import type { GnuHunk, GnuResult } from './gnu-harness.js';

const RUNS = Number(process.env['CPANSEC_PROPERTY_RUNS'] ?? 60);

// Few distinct lines, so that hunks match in several places.
const LINES = ['a', 'b', 'c', 'foo', 'bar();', '', '  x', '{', '}', 'a\r', 'b\r', '#x', '-y', '+z', ' ', '\\q', '\t}'];
const lineArb = fc.constantFrom(...LINES);

/** A file: up to 30 lines, with or without a final newline. */
const fileArb = fc
  .record({ lines: fc.array(lineArb, { maxLength: 30 }), eol: fc.boolean() })
  .map(({ lines, eol }) => (lines.length === 0 ? '' : lines.join('\n') + (eol ? '\n' : '')));

type Edit = { kind: 'insert' | 'delete' | 'replace'; at: number; line: string };
const editsArb = fc.array(
  fc.record({
    kind: fc.constantFrom('insert', 'delete', 'replace') as fc.Arbitrary<Edit['kind']>,
    at: fc.nat(40),
    line: lineArb,
  }),
  { minLength: 1, maxLength: 6 },
);

function splitFile(text: string): { lines: string[]; eol: boolean } {
  if (text === '') return { lines: [], eol: true };
  const eol = text.endsWith('\n');
  return { lines: (eol ? text.slice(0, -1) : text).split('\n'), eol };
}

/** Apply random line edits to a text (keeps its final-newline state). */
function edit(text: string, edits: readonly Edit[]): string {
  const { lines, eol } = splitFile(text);
  for (const e of edits) {
    const at = lines.length === 0 ? 0 : e.at % (lines.length + (e.kind === 'insert' ? 1 : 0));
    if (e.kind === 'insert') lines.splice(at, 0, e.line);
    else if (lines.length > 0 && e.kind === 'delete') lines.splice(at, 1);
    else if (lines.length > 0) lines[at] = e.line;
  }
  return lines.length === 0 ? '' : lines.join('\n') + (eol ? '\n' : '');
}

/** The case: an original, its edited version, and the file the patch meets (the original, shifted or drifted). */
const caseArb = fc.record({
  a: fileArb,
  edits: editsArb,
  drift: fc.array(
    fc.record({
      kind: fc.constantFrom('insert', 'delete', 'replace') as fc.Arbitrary<Edit['kind']>,
      at: fc.nat(40),
      line: lineArb,
    }),
    { maxLength: 3 },
  ),
  fuzz: fc.constantFrom(0, 1, 2),
});

/** What GNU prints about hunks, from our plan. */
function printed(plan: PatchPlan): GnuHunk[] {
  return plan.files.flatMap((f) =>
    f.hunks.flatMap((h): GnuHunk[] => {
      if (h.status === 'failed')
        return [{ file: f.path, hunk: h.hunk, status: 'failed', line: h.line, offset: 0, fuzz: 0 }];
      if (h.status === 'applied' && (h.offset !== 0 || h.fuzz > 0)) {
        return [{ file: f.path, hunk: h.hunk, status: 'applied', line: h.line, offset: h.offset, fuzz: h.fuzz }];
      }
      return [];
    }),
  );
}

/** Compare our plan with GNU's run on the same single-file tree. */
function expectSame(plan: PatchPlan, gnu: GnuResult, before: string): void {
  const context = { gnuOutput: gnu.output, ours: plan.outcome, files: plan.files };
  expect(gnu.exit === 2, JSON.stringify(context)).toBe(false);
  const oursApplied = plan.outcome !== 'fail' && plan.outcome !== 'already-applied';
  expect({ applied: oursApplied, ...context }).toMatchObject({ applied: gnu.exit === 0 });
  expect(printed(plan), JSON.stringify(context)).toEqual(gnu.hunks);
  const reversed = plan.files.some((f) => f.hunks[0]?.reason === 'reversed');
  expect(reversed, JSON.stringify(context)).toBe(gnu.reversed);
  if (gnu.exit === 0) {
    const change = plan.changes.get('f');
    const ours = change === undefined ? before : change === null ? undefined : change.content;
    expect(ours, JSON.stringify(context)).toBe(gnu.files['f']);
  }
}

function plan(patch: string, target: string, fuzz: number, reverse = false): PatchPlan {
  const files = new Map([['f', { content: target }]]);
  return planPatch(parseDiff(patch), files, { fuzz, reverse, removeEmptyFiles: true });
}

describe('planPatch (parity with GNU patch 2.7.6)', () => {
  describe.skipIf(!HAVE_GNU_PATCH || !HAVE_DIFF)('when the patch comes from GNU diff -u', () => {
    it('agrees with GNU patch on outcome, hunk lines, offsets, fuzz and bytes', () => {
      fc.assert(
        fc.property(caseArb, ({ a, edits, drift, fuzz }) => {
          const b = edit(a, edits);
          if (a === b) return;
          const patch = diffU('f', a, b);
          const target = drift.length === 0 ? a : edit(a, drift);
          expectSame(plan(patch, target, fuzz), gnuPatch({ f: target }, patch, { fuzz }), target);
        }),
        { numRuns: RUNS },
      );
    });

    it('agrees with GNU patch -R when undoing the patch', () => {
      fc.assert(
        fc.property(caseArb, ({ a, edits, drift, fuzz }) => {
          const b = edit(a, edits);
          if (a === b) return;
          const patch = diffU('f', a, b);
          const target = drift.length === 0 ? b : edit(b, drift);
          expectSame(plan(patch, target, fuzz, true), gnuPatch({ f: target }, patch, { fuzz, reverse: true }), target);
        }),
        { numRuns: RUNS },
      );
    });

    it('agrees on patches with one line of context (more places to match)', () => {
      fc.assert(
        fc.property(caseArb, ({ a, edits, drift, fuzz }) => {
          const b = edit(a, edits);
          if (a === b) return;
          const patch = diffU('f', a, b, 1);
          const target = edit(a, drift);
          expectSame(plan(patch, target, fuzz), gnuPatch({ f: target }, patch, { fuzz }), target);
        }),
        { numRuns: RUNS },
      );
    });
  });

  describe.skipIf(!HAVE_GNU_PATCH || !HAVE_DIFF)('when the patch has several hunks and the file has moved on', () => {
    // Long files of repeated blocks, edits spaced apart (one hunk each), and
    // lines inserted or removed between them: cumulative offsets, fuzz at
    // every hunk, hunks that match in several places.
    const block = fc.array(lineArb, { minLength: 4, maxLength: 10 });
    const spacedArb = fc.record({
      blocks: fc.array(block, { minLength: 3, maxLength: 8 }),
      edits: fc.array(fc.record({ block: fc.nat(7), at: fc.nat(9), line: lineArb }), { minLength: 2, maxLength: 6 }),
      drift: fc.array(fc.record({ block: fc.nat(7), at: fc.nat(9), line: lineArb, insert: fc.boolean() }), {
        maxLength: 5,
      }),
      fuzz: fc.constantFrom(0, 1, 2),
      context: fc.constantFrom(1, 2, 3),
      eol: fc.boolean(),
    });
    const join = (blocks: string[][], eol: boolean): string => {
      const lines = blocks.flat();
      return lines.length === 0 ? '' : lines.join('\n') + (eol ? '\n' : '');
    };
    it('agrees with GNU patch on every hunk', () => {
      fc.assert(
        fc.property(spacedArb, ({ blocks, edits, drift, fuzz, context, eol }) => {
          const a = join(blocks, eol);
          const edited = blocks.map((b) => [...b]);
          for (const e of edits) {
            const b = edited[e.block % edited.length] as string[];
            b[e.at % b.length] = e.line;
          }
          const b = join(edited, eol);
          if (a === b) return;
          const drifted = blocks.map((x) => [...x]);
          for (const d of drift) {
            const x = drifted[d.block % drifted.length] as string[];
            if (d.insert) x.splice(d.at % (x.length + 1), 0, d.line, d.line);
            else x.splice(d.at % x.length, 1);
          }
          const target = join(drifted, eol);
          const patch = diffU('f', a, b, context);
          expectSame(plan(patch, target, fuzz), gnuPatch({ f: target }, patch, { fuzz }), target);
        }),
        { numRuns: RUNS },
      );
    });
  });

  describe.skipIf(!HAVE_GNU_PATCH || !HAVE_DIFF)('when thousands of lines were added before the hunks', () => {
    // Far offsets: the search runs past the string probes into the line-id
    // comparison of locate.ts, which must pick the same place as GNU.
    it('agrees with GNU patch on where each hunk lands', () => {
      fc.assert(
        fc.property(
          caseArb,
          fc.array(lineArb, { minLength: 1, maxLength: 5 }),
          fc.integer({ min: 2500, max: 6000 }),
          ({ a, edits, drift, fuzz }, filler, count) => {
            const b = edit(a, edits);
            if (a === b) return;
            const patch = diffU('f', a, b);
            const padding = Array.from({ length: count }, (_, i) => filler[i % filler.length]).join('\n') + '\n';
            const target = padding + edit(a, drift);
            expectSame(plan(patch, target, fuzz), gnuPatch({ f: target }, patch, { fuzz }), target);
          },
        ),
        { numRuns: Math.ceil(RUNS / 2) },
      );
    });
  });

  describe.skipIf(!HAVE_GNU_PATCH || !HAVE_DIFF)(
    'when blank context lines were chopped off the end of the patch',
    () => {
      it('agrees with GNU patch, which supplies up to three of them', () => {
        fc.assert(
          fc.property(caseArb, fc.integer({ min: 1, max: 4 }), ({ a, edits, drift, fuzz }, chop) => {
            const b = edit(a, edits);
            if (a === b) return;
            const full = diffU('f', `${a}\n\n\n\n`, `${b}\n\n\n\n`);
            const lines = full.split('\n');
            let cut = 0;
            while (cut < chop && lines.length > 1 && lines[lines.length - 2] === ' ') {
              lines.splice(lines.length - 2, 1);
              cut++;
            }
            const patch = lines.join('\n');
            const target = `${edit(a, drift)}\n\n\n\n`;
            let ours: PatchPlan;
            try {
              ours = plan(patch, target, fuzz);
            } catch {
              // We refuse only what GNU patch cannot read either ("unexpected end of file").
              expect(gnuPatch({ f: target }, patch, { fuzz }).exit).toBe(2);
              return;
            }
            expectSame(ours, gnuPatch({ f: target }, patch, { fuzz }), target);
          }),
          { numRuns: RUNS },
        );
      });
    },
  );

  describe.skipIf(!HAVE_GNU_PATCH || !HAVE_GIT)('when the patch comes from git diff --no-index', () => {
    it('agrees with GNU patch on outcome, hunk lines and bytes', () => {
      fc.assert(
        fc.property(caseArb, ({ a, edits, drift, fuzz }) => {
          const b = edit(a, edits);
          if (a === b) return;
          const patch = gitDiff('f', a, b);
          const target = drift.length === 0 ? a : edit(a, drift);
          expectSame(plan(patch, target, fuzz), gnuPatch({ f: target }, patch, { fuzz }), target);
        }),
        { numRuns: RUNS },
      );
    });
  });

  describe.skipIf(!HAVE_GNU_PATCH)('when the patch comes from makeDiff (jsdiff)', () => {
    it('is applied by GNU patch exactly as by planPatch, missing final newlines included', () => {
      fc.assert(
        fc.property(caseArb, ({ a, edits, drift, fuzz }) => {
          const b = edit(a, edits);
          const patch = makeDiff('f', 'f', a, b);
          if (patch === '') return;
          const target = drift.length === 0 ? a : edit(a, drift);
          expectSame(plan(patch, target, fuzz), gnuPatch({ f: target }, patch, { fuzz }), target);
          if (drift.length === 0) expect(gnuPatch({ f: a }, patch).files['f'] ?? '').toBe(b);
        }),
        { numRuns: RUNS },
      );
    });
  });

  describe.skipIf(!HAVE_GNU_PATCH || !HAVE_DIFF)('when the patch creates or deletes the file', () => {
    it('agrees with GNU patch whether or not the file is there', () => {
      fc.assert(
        fc.property(fileArb, fileArb, fc.boolean(), (content, existing, creates) => {
          if (content === '') return;
          const patch = creates ? diffU('f', null, content) : diffU('f', content, null);
          const tree: Record<string, string> = existing === '' ? {} : { f: existing };
          const ours = planPatch(parseDiff(patch), new Map(Object.entries(tree).map(([k, v]) => [k, { content: v }])), {
            removeEmptyFiles: true,
          });
          const gnu = gnuPatch(tree, patch);
          const applied = ours.outcome !== 'fail' && ours.outcome !== 'already-applied';
          expect(applied, JSON.stringify({ gnu: gnu.output, ours: ours.files })).toBe(gnu.exit === 0);
          if (gnu.exit === 0) {
            const change = ours.changes.get('f');
            expect(change === undefined ? tree['f'] : (change?.content ?? undefined)).toBe(gnu.files['f']);
          }
        }),
        { numRuns: Math.ceil(RUNS / 2) },
      );
    });
  });
});
