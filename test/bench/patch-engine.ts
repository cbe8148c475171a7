/**
 * Diff engine benchmarks (issue 2):
 *  1. the whole GNU patch corpus: our engine vs GNU patch on the same trees;
 *  2. a large synthetic patch (≥ 10,000 hunks on a ≥ 5 MB file): ours vs
 *     GNU patch and git apply.
 * Baselines run in the same process run, on the same inputs; medians.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { bytesToBinary } from '../../src/core/bytes.js';
import { planPatch } from '../../src/core/patch/apply.js';
import { parseDiff } from '../../src/core/patch/parse.js';
import { listEntries, readExpected, readSeries, readTarball } from '../conformance/corpus.js';
import { PROJECT_ROOT, sharedPath } from '../helpers/shared.js';
import { fmt, stats, timeCommand, timeFn } from './lib.js';
import type { FileEntry } from '../../src/core/patch/apply.js';

const BIN = join(PROJECT_ROOT, 'bin', 'cpansec-patch.js');

interface Series {
  entry: string;
  files: Map<string, FileEntry>;
  patches: { path: string; text: string; strip: number }[];
}

async function loadCorpus(): Promise<Series[]> {
  const root = sharedPath('corpus');
  const out: Series[] = [];
  for (const entry of listEntries(root)) {
    const expected = readExpected(root, entry);
    const series = readSeries(readFileSync(join(root, entry, expected.gnu_patch.series), 'utf8'));
    out.push({
      entry,
      files: await readTarball(join(root, entry, expected.cpan.tarball)),
      patches: series.map((s) => {
        const path = join(root, entry, dirname(expected.gnu_patch.series), s.name);
        return { path, text: readFileSync(path, 'latin1'), strip: s.strip };
      }),
    });
  }
  return out;
}

/** Applies every series in memory as the conformance suite does (fuzz 2, a failed patch leaves no trace). */
function runSeriesInMemory(corpus: Series[]): number {
  let applied = 0;
  for (const s of corpus) {
    const files = new Map(s.files);
    for (const p of s.patches) {
      const plan = planPatch(parseDiff(p.text), files, { strip: p.strip, fuzz: 2 });
      for (const [path, entry] of plan.changes) {
        if (entry === null) files.delete(path);
        else files.set(path, entry);
      }
      if (plan.changes.size > 0) applied++;
    }
  }
  return applied;
}

function writeTree(files: Map<string, FileEntry>, root: string): void {
  for (const [path, f] of files) {
    if (f.mode === '120000') continue;
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), Buffer.from(f.content, 'latin1'), { mode: f.mode === '100755' ? 0o755 : 0o644 });
  }
}

/**
 * Runs `tool` over every corpus series on real trees, timing only the tool's
 * own invocations (copying the pristine tree is not timed). A patch the tool
 * rejects is reverted by re-copying, as quilt would.
 */
function runSeriesWithTool(
  corpus: Series[],
  pristine: Map<string, string>,
  work: string,
  tool: 'gnu' | 'ours',
): number {
  let total = 0;
  for (const s of corpus) {
    const tree = join(work, s.entry);
    rmSync(tree, { recursive: true, force: true });
    cpSync(pristine.get(s.entry) as string, tree, { recursive: true });
    for (const p of s.patches) {
      const args =
        tool === 'gnu'
          ? [
              'patch',
              [
                `-p${p.strip}`,
                '--batch',
                '--forward',
                '-E',
                '--no-backup-if-mismatch',
                '--reject-file=-',
                '-s',
                '-d',
                tree,
                '-i',
                p.path,
              ],
            ]
          : [
              process.execPath,
              [BIN, 'apply', p.path, '--dir', tree, '--strip', String(p.strip), '--fuzz', '2', '--quiet'],
            ];
      const t0 = process.hrtime.bigint();
      spawnSync(args[0] as string, args[1] as string[], { stdio: 'ignore' });
      total += Number(process.hrtime.bigint() - t0) / 1e6;
    }
  }
  return total;
}

export async function benchCorpus(runs = 5): Promise<Record<string, string>> {
  const corpus = await loadCorpus();
  const patchCount = corpus.reduce((n, s) => n + s.patches.length, 0);
  const engine = await timeFn(() => runSeriesInMemory(corpus), runs);
  const work = mkdtempSync(join(tmpdir(), 'cpansec-bench-'));
  try {
    const pristine = new Map<string, string>();
    for (const s of corpus) {
      const dir = join(work, 'pristine', s.entry);
      writeTree(s.files, dir);
      pristine.set(s.entry, dir);
    }
    const gnuRuns: number[] = [];
    const cliRuns: number[] = [];
    for (let i = 0; i < 3; i++) {
      gnuRuns.push(runSeriesWithTool(corpus, pristine, join(work, 'run'), 'gnu'));
      cliRuns.push(runSeriesWithTool(corpus, pristine, join(work, 'run'), 'ours'));
    }
    const gnu = stats(gnuRuns);
    const cli = stats(cliRuns);
    return {
      corpus: `${corpus.length} entries, ${patchCount} patches`,
      'our engine, in memory (parse + plan, all series)': `${fmt(engine.median)} median of ${engine.runs} (min ${fmt(engine.min)})`,
      'GNU patch 2.7.6, one process per patch': `${fmt(gnu.median)} median of ${gnu.runs} (min ${fmt(gnu.min)})`,
      'cpansec-patch apply --dir, one process per patch': `${fmt(cli.median)} median of ${cli.runs} (min ${fmt(cli.min)})`,
      'ratio engine / GNU patch': `${(engine.median / gnu.median).toFixed(3)}× (${(gnu.median / engine.median).toFixed(0)}× faster)`,
      'ratio CLI / GNU patch': `${(cli.median / gnu.median).toFixed(2)}×`,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A ≥ 5 MB file and a patch with ≥ 10,000 hunks made by the real `diff -u`. */
function makeLargeCase(dir: string): { lines: number; bytes: number; hunks: number; patchBytes: number } {
  const lines: string[] = [];
  for (let i = 0; i < 130_000; i++) lines.push(`line ${i.toString().padStart(6, '0')}: ${'abcdefghij'.repeat(4)}`);
  const changed = lines.map((l, i) => (i % 12 === 5 ? `${l} changed` : l));
  // A few insertions and deletions too, not only replacements.
  for (let i = changed.length - 100; i > 0; i -= 997) changed.splice(i, 0, `inserted before ${i}`);
  mkdirSync(join(dir, 'a'), { recursive: true });
  mkdirSync(join(dir, 'b'), { recursive: true });
  const before = `${lines.join('\n')}\n`;
  writeFileSync(join(dir, 'a', 'big.txt'), before);
  writeFileSync(join(dir, 'b', 'big.txt'), `${changed.join('\n')}\n`);
  const res = spawnSync('diff', ['-u', 'a/big.txt', 'b/big.txt'], { cwd: dir, maxBuffer: 1 << 30 });
  if (res.status !== 1) throw new Error(`diff -u failed: ${res.stderr.toString()}`);
  writeFileSync(join(dir, 'big.patch'), res.stdout);
  const hunks = (res.stdout.toString('latin1').match(/^@@ /gm) ?? []).length;
  return { lines: lines.length, bytes: Buffer.byteLength(before), hunks, patchBytes: res.stdout.length };
}

export async function benchLargePatch(runs = 7): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'cpansec-bench-large-'));
  try {
    const shape = makeLargeCase(dir);
    const patchPath = join(dir, 'big.patch');
    const target = join(dir, 'target');
    const fresh = (): void => {
      rmSync(target, { recursive: true, force: true });
      mkdirSync(target);
      cpSync(join(dir, 'a', 'big.txt'), join(target, 'big.txt'));
    };
    const text = readFileSync(patchPath, 'latin1');
    const original = bytesToBinary(new Uint8Array(readFileSync(join(dir, 'a', 'big.txt'))));
    const engine = await timeFn(() => planPatch(parseDiff(text), new Map([['big.txt', { content: original }]])), runs);
    const cli = timeCommand(process.execPath, [BIN, 'apply', patchPath, '--dir', target, '--quiet'], runs, {
      before: fresh,
    });
    const gnu = timeCommand('patch', ['-p1', '--batch', '-s', '-d', target, '-i', patchPath], runs, { before: fresh });
    const git = timeCommand('git', ['apply', patchPath], runs, { before: fresh, cwd: target });
    // Correctness of what was timed: our output equals GNU's.
    fresh();
    spawnSync(process.execPath, [BIN, 'apply', patchPath, '--dir', target, '--quiet']);
    const ours = readFileSync(join(target, 'big.txt'));
    const expected = readFileSync(join(dir, 'b', 'big.txt'));
    if (Buffer.compare(ours, expected) !== 0) throw new Error('our result differs from the expected file');
    return {
      input: `${shape.lines} lines, ${(shape.bytes / 1e6).toFixed(1)} MB file; patch ${(shape.patchBytes / 1e6).toFixed(1)} MB with ${shape.hunks} hunks (made by diff -u)`,
      'our engine, in memory (parse + plan)': `${fmt(engine.median)} (min ${fmt(engine.min)})`,
      'cpansec-patch apply --dir (process, read + plan + atomic write)': `${fmt(cli.median)} (min ${fmt(cli.min)})`,
      'GNU patch 2.7.6 -p1': `${fmt(gnu.median)} (min ${fmt(gnu.min)})`,
      'git apply': `${fmt(git.median)} (min ${fmt(git.min)})`,
      'ratio CLI / GNU patch': `${(cli.median / gnu.median).toFixed(2)}×`,
      'ratio CLI / git apply': `${(cli.median / git.median).toFixed(2)}×`,
      runs: String(runs),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
