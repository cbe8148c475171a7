/**
 * Installed-tree benchmarks (issue 5 §7):
 *
 * - scan and status over a generated local::lib with 2,000 distributions,
 *   each as cpanm leaves one (.meta/<Dist-Ver>/install.json + MYMETA.json,
 *   a .packlist, the module with its $VERSION), 20 of them patched; goal:
 *   under 1 s median for scan + status;
 * - apply of a 10-file patch set (ten patches, one module of ~24 KiB each) and
 *   its revert, with fsync and with fsync switched off, and the time spent in
 *   fsync itself (summed from a timing FsOps wrapper).
 *
 * Run alone: `npx tsx test/bench/tree.ts` (or import the functions).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { applyPatchesToTree } from '../../src/api/apply-tree.js';
import { revertTree } from '../../src/api/revert.js';
import { scanTrees } from '../../src/api/scan.js';
import { statusOfTrees } from '../../src/api/status.js';
import { nodeFsOps } from '../../src/files/ops.js';
import { fmt, machine, stats, timeCommand, timeFn } from './lib.js';
import type { FsOps } from '../../src/files/ops.js';

const ARCH = 'lib/perl5/x86_64-linux-gnu-thread-multi';

function mymeta(dist: string, version: string): string {
  // The shape of a real MYMETA.json (cpanm copies it into .meta), about 1 KiB.
  return JSON.stringify(
    {
      abstract: `${dist} does things`,
      author: ['A. U. Thor <author@example.org>'],
      dynamic_config: 0,
      generated_by: 'ExtUtils::MakeMaker version 7.64, CPAN::Meta::Converter version 2.150010',
      license: ['perl_5'],
      'meta-spec': { url: 'http://search.cpan.org/perldoc?CPAN::Meta::Spec', version: 2 },
      name: dist,
      no_index: { directory: ['t', 'inc'] },
      prereqs: {
        build: { requires: { 'ExtUtils::MakeMaker': '0' } },
        configure: { requires: { 'ExtUtils::MakeMaker': '0' } },
        runtime: { requires: { perl: '5.008', 'Scalar::Util': '0', 'List::Util': '1.45' } },
      },
      release_status: 'stable',
      resources: { repository: { url: `https://github.com/example/${dist}.git`, type: 'git' } },
      version,
      x_serialization_backend: 'JSON::PP version 4.07',
    },
    null,
    3,
  );
}

/** A local::lib with `n` cpanm-installed dists (Bench-Dist-<i>, module Bench::Dist<i>, 3 files each). */
export function makeBigTree(n: number): string {
  const root = join(mkdtempSync(join(tmpdir(), 'cpansec-bench-tree-')), 'local');
  for (let i = 0; i < n; i++) {
    const dist = `Bench-Dist${i}`;
    const mod = `Bench/Dist${i}`;
    const version = `1.${String(i % 1000).padStart(3, '0')}`;
    const meta = join(root, ARCH, '.meta', `${dist}-${version}`);
    mkdirSync(meta, { recursive: true });
    writeFileSync(
      join(meta, 'install.json'),
      `{"target":"Bench::Dist${i}","version":${version},"provides":{"Bench::Dist${i}":{"version":${version},"file":"lib/${mod}.pm"}},"name":"Bench::Dist${i}","pathname":"B/BE/BENCH/${dist}-${version}.tar.gz","dist":"${dist}-${version}"}`,
    );
    writeFileSync(join(meta, 'MYMETA.json'), mymeta(dist, version));
    mkdirSync(join(root, ARCH, 'auto', mod), { recursive: true });
    writeFileSync(
      join(root, ARCH, 'auto', mod, '.packlist'),
      [`${root}/lib/perl5/${mod}.pm`, `${root}/lib/perl5/${mod}/Util.pm`, `${root}/bin/bench-${i}`].join('\n') + '\n',
    );
    mkdirSync(join(root, 'lib/perl5', mod), { recursive: true });
    writeFileSync(
      join(root, 'lib/perl5', `${mod}.pm`),
      `package Bench::Dist${i};\nour $VERSION = '${version}';\n1;\n`,
      {
        mode: 0o444,
      },
    );
    writeFileSync(join(root, 'lib/perl5', mod, 'Util.pm'), `package Bench::Dist${i}::Util;\n1;\n`, { mode: 0o444 });
  }
  return root;
}

function modulePatch(dir: string, i: number, lines: number): string {
  const body = Array.from(
    { length: lines },
    (_, k) => `sub f${k} { return ${k} } # some code of the module, line ${k}`,
  );
  const path = join(dir, `Bench-Dist${i}-fix.patch`);
  const mid = Math.floor(lines / 2);
  writeFileSync(
    path,
    `Distribution: Bench-Dist${i}\nPatch-Id: Bench-Dist${i}-fix\n\n--- a/lib/Bench/Dist${i}.pm\n+++ b/lib/Bench/Dist${i}.pm\n` +
      `@@ -${mid + 1},7 +${mid + 1},7 @@\n` +
      [
        ` ${body[mid - 2]}`,
        ` ${body[mid - 1]}`,
        ` ${body[mid]}`,
        `-${body[mid + 1]}`,
        `+${body[mid + 1]} # fixed`,
        ` ${body[mid + 2]}`,
        ` ${body[mid + 3]}`,
        ` ${body[mid + 4]}`,
      ].join('\n') +
      '\n',
  );
  return path;
}

/** Gives the modules of dists 0..count-1 a realistic size, and returns one patch per module. */
function prepareModules(root: string, count: number, lines: number): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'cpansec-bench-patches-'));
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const body = Array.from(
      { length: lines },
      (_, k) => `sub f${k} { return ${k} } # some code of the module, line ${k}`,
    );
    const file = join(root, 'lib/perl5/Bench', `Dist${i}.pm`);
    rmSync(file, { force: true });
    writeFileSync(
      file,
      `package Bench::Dist${i};\nour $VERSION = '1.${String(i).padStart(3, '0')}';\n${body.join('\n')}\n`,
      { mode: 0o444 },
    );
    // Line numbers in the patch are of the dist file, which has the two header lines too.
    out.push(modulePatch(dir, i, lines));
  }
  return out;
}

export async function benchTreeScan(n = 2000, runs = 7): Promise<Record<string, string>> {
  const root = makeBigTree(n);
  try {
    const patches = prepareModules(root, 20, 40);
    await applyPatchesToTree({ tree: root, patches, allowUnsigned: true, waitMs: 0 });
    let count = 0;
    const scan = await timeFn(async () => {
      count = (await scanTrees({ trees: [root] })).count;
    }, runs);
    const status = await timeFn(() => statusOfTrees({ trees: [root], repo: false }), runs);
    const both = await timeFn(async () => {
      await scanTrees({ trees: [root] });
      await statusOfTrees({ trees: [root], repo: false });
    }, runs);
    const withRepo = await timeFn(() => statusOfTrees({ trees: [root] }), 3);
    // The same through the CLI, as a user runs it: a process each, cold start included.
    const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'cpansec-patch.js');
    const cliScan = timeCommand(process.execPath, [bin, 'scan', '--tree', root, '--json'], 5);
    const cliStatus = timeCommand(process.execPath, [bin, 'status', '--tree', root, '--no-repo', '--json'], 5);
    return {
      'distributions in the tree': String(count),
      'patches applied (status checks their files)': '20',
      'scan, median': `${fmt(scan.median)} (min ${fmt(scan.min)}, max ${fmt(scan.max)}, ${scan.runs} runs)`,
      'status (no repository), median': `${fmt(status.median)} (min ${fmt(status.min)}, max ${fmt(status.max)})`,
      'scan + status, median (goal < 1 s)': `${fmt(both.median)} (min ${fmt(both.min)}, max ${fmt(both.max)})`,
      'status with the embedded repository (opens and verifies it), median': fmt(withRepo.median),
      'CLI processes (npm run build first): scan --json / status --no-repo --json, median': `${fmt(cliScan.median)} / ${fmt(cliStatus.median)}`,
    };
  } finally {
    rmSync(join(root, '..'), { recursive: true, force: true });
  }
}

/** Times every fsync (files and directories) passing through. */
function timingOps(): FsOps & { syncMs(): number; syncs(): number } {
  let ms = 0;
  let n = 0;
  const timed = async (f: () => Promise<void>): Promise<void> => {
    const t0 = process.hrtime.bigint();
    await f();
    ms += Number(process.hrtime.bigint() - t0) / 1e6;
    n++;
  };
  return {
    ...nodeFsOps,
    async openNew(path, mode) {
      const h = await nodeFsOps.openNew(path, mode);
      return { write: (d, o, l) => h.write(d, o, l), sync: () => timed(() => h.sync()), close: () => h.close() };
    },
    syncDir: (dir) => timed(() => nodeFsOps.syncDir(dir)),
    syncMs: () => ms,
    syncs: () => n,
  };
}

/** No fsync at all: what the run costs without durability (the benchmark's comparison only). */
const noSyncOps: FsOps = {
  ...nodeFsOps,
  async openNew(path, mode) {
    const h = await nodeFsOps.openNew(path, mode);
    return { write: (d, o, l) => h.write(d, o, l), sync: async () => undefined, close: () => h.close() };
  },
  syncDir: async () => undefined,
};

export async function benchTreeApply(runs = 9): Promise<Record<string, string>> {
  const root = makeBigTree(50);
  try {
    const patches = prepareModules(root, 10, 600);
    const timed: number[] = [];
    const plain: number[] = [];
    const reverts: number[] = [];
    const syncShare: number[] = [];
    let syncs = 0;
    for (let i = 0; i < runs + 1; i++) {
      const ops = timingOps();
      let t0 = process.hrtime.bigint();
      const r = await applyPatchesToTree({ tree: root, patches, allowUnsigned: true, waitMs: 0, fsOps: ops });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.patches.some((p) => p.installs[0]?.outcome !== 'applied')) throw new Error('bench: a patch did not apply');
      t0 = process.hrtime.bigint();
      await revertTree({ tree: root, all: true, waitMs: 0 });
      const rv = Number(process.hrtime.bigint() - t0) / 1e6;
      t0 = process.hrtime.bigint();
      await applyPatchesToTree({ tree: root, patches, allowUnsigned: true, waitMs: 0, fsOps: noSyncOps });
      const nosync = Number(process.hrtime.bigint() - t0) / 1e6;
      await revertTree({ tree: root, all: true, waitMs: 0, fsOps: noSyncOps });
      if (i === 0) continue; // warm-up
      timed.push(ms);
      plain.push(nosync);
      reverts.push(rv);
      syncShare.push(ops.syncMs());
      syncs = ops.syncs();
    }
    const a = stats(timed);
    const b = stats(plain);
    const s = stats(syncShare);
    return {
      'patch set': '10 patches, one module each (~24 KiB, 600 lines), one run',
      'apply with fsync, median': `${fmt(a.median)} (min ${fmt(a.min)}, max ${fmt(a.max)}, ${a.runs} runs)`,
      'of which in fsync (files and directories)': `${fmt(s.median)} (${((100 * s.median) / a.median).toFixed(0)} %, ${syncs} fsync calls)`,
      'apply without fsync, median': `${fmt(b.median)} (min ${fmt(b.min)}, max ${fmt(b.max)})`,
      'revert of the 10 patches, with fsync, median': fmt(stats(reverts).median),
    };
  } finally {
    rmSync(join(root, '..'), { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(`Machine: ${machine()}\nDate: ${new Date().toISOString().slice(0, 10)}\n`);
  for (const [title, fn] of [
    ['Installed tree: scan and status, 2,000 distributions', () => benchTreeScan()],
    ['Installed tree: apply of a 10-file patch set', () => benchTreeApply()],
  ] as const) {
    const rows = await fn();
    console.log(`### ${title}\n\n| measure | value |\n| --- | --- |`);
    for (const [k, v] of Object.entries(rows)) console.log(`| ${k} | ${v} |`);
    console.log('');
  }
}
