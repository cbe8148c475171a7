/**
 * The GNU patch conformance check, as a library: for one corpus entry
 * (../shared/corpus/<entry>, see its README), unpack the tarball in memory,
 * apply the quilt series with our engine under the corpus' policy (fuzz 2,
 * -E, a failed patch leaves no trace and the series goes on), and compare
 * with the ground truth GNU patch 2.7.6 produced (expected.json): each
 * patch's outcome, failure reasons and the hunk lines GNU printed, then every
 * changed file's sha256 and mode, and that nothing else changed.
 *
 * Used by corpus.test.ts (vitest) and run.ts (the command-line runner).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CpansecError } from '../../src/errors.js';
import { planPatch } from '../../src/core/patch/apply.js';
import { parseDiff } from '../../src/core/patch/parse.js';
import { readTarball } from './tarball.js';

export { readTarball };
import type { PatchPlan } from '../../src/core/patch/apply.js';

export interface ExpectedHunk {
  file: string;
  hunk: number;
  result: 'offset' | 'fuzz' | 'failed' | 'ignored';
  at_line: number;
  offset: number | null;
  fuzz: number | null;
}

export interface ExpectedPatch {
  index: number;
  name: string;
  path: string;
  strip: number;
  reverse: boolean;
  format: string;
  outcome: 'clean' | 'offset' | 'fuzz' | 'fail';
  applied: boolean;
  fail_reasons: string[];
  hunks_reported: ExpectedHunk[];
  files: { path: string; change: string }[];
}

export interface ExpectedChangedFile {
  path: string;
  sha256_after_series: string | null;
  mode_after_series: string | null;
}

export interface Expected {
  entry: string;
  cpan: { tarball: string; top_dir: string };
  gnu_patch: { series: string };
  pristine_file_count: number;
  final_file_count: number;
  patches: ExpectedPatch[];
  result: { changed_files: ExpectedChangedFile[] };
}

export interface PatchVerdict {
  index: number;
  name: string;
  expected: ExpectedPatch['outcome'];
  /** Our outcome in the corpus vocabulary ("already-applied" counts as "fail"). */
  actual: ExpectedPatch['outcome'];
  /** Our outcome as planPatch gave it, or the error code it threw. */
  detail: string;
  problems: string[];
  agree: boolean;
}

export interface EntryVerdict {
  entry: string;
  patches: PatchVerdict[];
  /** Problems with the tree after the series (bytes, modes, file count). */
  treeProblems: string[];
  /** Every patch agrees and the final tree is GNU's, byte for byte. */
  agree: boolean;
  ms: number;
}

/** Entry folders of the corpus (those with an expected.json), sorted. */
export function listEntries(root: string): string[] {
  return readdirSync(root)
    .filter((e) => existsSync(join(root, e, 'expected.json')))
    .sort();
}

export function readExpected(root: string, entry: string): Expected {
  return JSON.parse(readFileSync(join(root, entry, 'expected.json'), 'utf8')) as Expected;
}

/** quilt's series rules: '#' starts a comment; "NAME [-pN] [-R]". */
export function readSeries(text: string): { name: string; strip: number; reverse: boolean }[] {
  const out: { name: string; strip: number; reverse: boolean }[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim().replace(/(^|\s+)#.*$/, '');
    if (line === '') continue;
    const [name, ...opts] = line.split(/\s+/);
    let strip = 1;
    let reverse = false;
    for (const o of opts) {
      const m = /^-p(\d+)$/.exec(o);
      if (m) strip = Number(m[1]);
      else if (o === '-R') reverse = true;
    }
    out.push({ name: name as string, strip, reverse });
  }
  return out;
}

function sha256(content: string): string {
  return createHash('sha256').update(Buffer.from(content, 'latin1')).digest('hex');
}

/** Paths in expected.json are UTF-8 text; ours are byte strings. */
function utf8(path: string): string {
  return Buffer.from(path, 'latin1').toString('utf8');
}

/** The hunk lines GNU patch prints (and the oracle parses) for a plan. */
export function reportedHunks(plan: PatchPlan): ExpectedHunk[] {
  const out: ExpectedHunk[] = [];
  for (const f of plan.files) {
    for (const h of f.hunks) {
      if (h.status === 'applied' && (h.offset !== 0 || h.fuzz > 0)) {
        out.push({
          file: utf8(f.path),
          hunk: h.hunk,
          result: h.fuzz > 0 ? 'fuzz' : 'offset',
          at_line: h.line,
          offset: h.offset,
          fuzz: h.fuzz,
        });
      } else if (h.status === 'failed' && h.reason !== 'different line endings') {
        // GNU appends " (different line endings)", which the oracle's pattern does not read.
        out.push({ file: utf8(f.path), hunk: h.hunk, result: 'failed', at_line: h.line, offset: null, fuzz: null });
      }
    }
  }
  return out;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Run one entry and compare it with its ground truth. */
export async function checkEntry(root: string, entry: string): Promise<EntryVerdict> {
  const started = performance.now();
  const expected = readExpected(root, entry);
  const dir = join(root, entry);
  const pristine = await readTarball(join(dir, expected.cpan.tarball));
  const treeProblems: string[] = [];
  if (pristine.size !== expected.pristine_file_count) {
    treeProblems.push(`pristine file count ${pristine.size}, expected ${expected.pristine_file_count}`);
  }
  const series = readSeries(readFileSync(join(dir, expected.gnu_patch.series), 'utf8'));
  let state = new Map(pristine);
  const patches: PatchVerdict[] = [];
  series.forEach((s, k) => {
    const exp = expected.patches[k];
    if (exp === undefined || exp.name !== s.name) {
      treeProblems.push(`series line ${k + 1} (${s.name}) has no ground truth`);
      return;
    }
    const problems: string[] = [];
    let actual: ExpectedPatch['outcome'];
    let detail: string;
    const text = readFileSync(join(dir, exp.path)).toString('latin1');
    try {
      const plan = planPatch(parseDiff(text), state, {
        strip: s.strip,
        reverse: s.reverse,
        fuzz: 2,
        removeEmptyFiles: true,
      });
      detail = plan.outcome;
      actual = plan.outcome === 'already-applied' ? 'fail' : plan.outcome;
      const reasons = [...plan.failReasons].filter((r) => r !== 'content-differs');
      if (!same(reasons, [...exp.fail_reasons].sort())) {
        problems.push(`fail reasons ${JSON.stringify(reasons)}, GNU ${JSON.stringify(exp.fail_reasons)}`);
      }
      const hunks = reportedHunks(plan);
      if (!same(hunks, exp.hunks_reported)) {
        problems.push(
          `hunk reports differ:\n    ours ${JSON.stringify(hunks)}\n    GNU  ${JSON.stringify(exp.hunks_reported)}`,
        );
      }
      if (plan.changes.size > 0) {
        state = new Map(state);
        for (const [path, e] of plan.changes) {
          if (e === null) state.delete(path);
          else state.set(path, e);
        }
      }
    } catch (err) {
      if (!(err instanceof CpansecError)) throw err;
      detail = `${err.code}: ${err.message}`;
      actual = 'fail';
      if (!exp.fail_reasons.includes('malformed')) problems.push(`refused: ${detail}`);
    }
    if (actual !== exp.outcome) problems.push(`outcome ${detail}, GNU ${exp.outcome}`);
    patches.push({
      index: exp.index,
      name: exp.name,
      expected: exp.outcome,
      actual,
      detail,
      problems,
      agree: problems.length === 0,
    });
  });
  const listed = new Set(expected.result.changed_files.map((c) => c.path));
  for (const c of expected.result.changed_files) {
    const ours = [...state].find(([p]) => utf8(p) === c.path)?.[1];
    const hash = ours === undefined ? null : sha256(ours.content);
    // A file created without a mode gets the adapter's default, as GNU patch's umask gives 0644.
    const mode = ours === undefined ? null : (ours.mode ?? '100644');
    if (hash !== c.sha256_after_series || mode !== c.mode_after_series) {
      treeProblems.push(
        `${c.path}: ours ${hash ?? 'absent'} ${mode ?? ''}, GNU ${c.sha256_after_series ?? 'absent'} ${c.mode_after_series ?? ''}`,
      );
    }
  }
  for (const path of new Set([...pristine.keys(), ...state.keys()])) {
    const a = pristine.get(path);
    const b = state.get(path);
    const changed = a?.content !== b?.content || (a?.mode ?? '100644') !== (b?.mode ?? '100644');
    if (changed && !listed.has(utf8(path))) treeProblems.push(`${utf8(path)} changed, GNU left it alone`);
  }
  // A file whose bytes or mode differ after the series is charged to every
  // applied patch that changed it, so the per-patch figure covers bytes too.
  for (const problem of treeProblems) {
    for (const p of patches) {
      const exp = expected.patches.find((e) => e.index === p.index);
      const hit =
        exp?.applied === true &&
        exp.files.some((f) => problem.startsWith(`${f.path}:`) || problem.startsWith(`${f.path} `));
      if (hit) {
        p.problems.push(`after the series: ${problem}`);
        p.agree = false;
      }
    }
  }
  if (state.size !== expected.final_file_count) {
    treeProblems.push(`final file count ${state.size}, GNU ${expected.final_file_count}`);
  }
  return {
    entry,
    patches,
    treeProblems,
    agree: treeProblems.length === 0 && patches.every((p) => p.agree),
    ms: performance.now() - started,
  };
}
