/**
 * Tarball benchmarks (issue 4). Run alone: `npx tsx test/bench/tarball.ts`
 * (builds nothing: run `npm run build` first, the CLI runs from dist/).
 *
 *  1. On the three largest Debian entries of the corpus (the largest whose
 *     series applies: PDF-API2, DBD-SQLite, DateTime-TimeZone), end to end:
 *     `cpansec-patch apply X --patch … --allow-unsigned` (a fresh process),
 *     against the shell pipeline `tar xzf X && patch -p1 < p && tar czf`,
 *     and against the floor `gzip -dc X | gzip -6 > /dev/null`.
 *  2. Peak memory (max RSS) of `apply` on synthetic tarballs of 10 and 100 MB
 *     (generated here in a temp folder, never committed): it must stay flat.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyPatchesToTarball } from '../../src/api/apply-tarball.js';
import { makeDiff } from '../../src/core/patch/make.js';
import { PROJECT_ROOT, sharedPath } from '../helpers/shared.js';
import { fmt, machine, stats, timeCommand, timeFn } from './lib.js';

const BIN = join(PROJECT_ROOT, 'bin', 'cpansec-patch.js');
export const LARGEST = ['PDF-API2-2.044', 'DBD-SQLite-1.72', 'DateTime-TimeZone-2.60'];

function series(entry: string): { tarball: string; patches: string[]; top: string } {
  const dir = sharedPath('corpus', entry);
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as {
    cpan: { tarball: string; top_dir: string };
  };
  const names = readFileSync(join(dir, 'debian', 'patches', 'series'), 'utf8')
    .trim()
    .split('\n');
  return {
    tarball: join(dir, expected.cpan.tarball),
    patches: names.map((n) => join(dir, 'debian', 'patches', n.trim())),
    top: expected.cpan.top_dir,
  };
}

function shellPipeline(tarball: string, patches: string[], top: string, work: string): string {
  const p = patches.map((x) => `patch -s -p1 < '${x}'`).join(' && ');
  return `cd '${work}' && rm -rf x && mkdir x && cd x && tar xzf '${tarball}' && (cd '${top}' && ${p}) && tar czf ../out.tar.gz '${top}'`;
}

/** End-to-end `apply` vs the shell pipeline vs the gzip floor, on the three largest corpus tarballs. */
export async function benchCorpusTarballs(runs = 7): Promise<Record<string, string>> {
  const rows: Record<string, string> = {};
  const work = mkdtempSync(join(tmpdir(), 'cpansec-bench-tar-'));
  try {
    for (const entry of LARGEST) {
      const s = series(entry);
      const out = join(work, 'ours.tar.gz');
      const args = [
        BIN,
        'apply',
        s.tarball,
        ...s.patches.flatMap((p) => ['--patch', p]),
        '--allow-unsigned',
        '--out',
        out,
        '--quiet',
      ];
      const ours = timeCommand(process.execPath, args, runs, { before: () => rmSync(out, { force: true }) });
      const inProcess = await timeFn(
        () => applyPatchesToTarball({ input: s.tarball, patches: s.patches, allowUnsigned: true, out }),
        runs,
      );
      const shell = timeCommand('sh', ['-c', shellPipeline(s.tarball, s.patches, s.top, work)], runs);
      const floor = timeCommand('sh', ['-c', `gzip -dc '${s.tarball}' | gzip -6 > /dev/null`], runs);
      const size = `${(statSync(s.tarball).size / 1024 / 1024).toFixed(1)} MB`;
      rows[`${entry} (${size}, ${s.patches.length} patch(es)): cpansec-patch apply, new process`] =
        `${fmt(ours.median)} (min ${fmt(ours.min)})`;
      rows[`${entry}: applyPatchesToTarball in process`] = `${fmt(inProcess.median)} (min ${fmt(inProcess.min)})`;
      rows[`${entry}: tar xzf && patch -p1 && tar czf`] = `${fmt(shell.median)} (min ${fmt(shell.min)})`;
      rows[`${entry}: floor gzip -dc | gzip -6`] = `${fmt(floor.median)} (min ${fmt(floor.min)})`;
      rows[`${entry}: ratios`] =
        `apply/shell ${(ours.median / shell.median).toFixed(2)}×, apply/floor ${(ours.median / floor.median).toFixed(2)}×, in-process/floor ${(inProcess.median / floor.median).toFixed(2)}×`;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

/** Text that compresses like source code (about 4:1), from a fixed seed. */
function pseudoText(bytes: number, seed: number): Buffer {
  const words = [
    'sub',
    'my',
    '$self',
    'return',
    'if',
    'unless',
    'package',
    'use',
    'strict;',
    'warnings;',
    '=>',
    '{',
    '}',
    'foreach',
    '@list',
    '%hash',
    'shift;',
    '# comment',
    'die',
    'croak',
  ];
  let x = seed >>> 0;
  const parts: string[] = [];
  let n = 0;
  while (n < bytes) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const line = `${'  '.repeat(x % 4)}${words[x % words.length]} ${words[(x >>> 8) % words.length]} ${(x >>> 12).toString(36)};\n`;
    parts.push(line);
    n += line.length;
  }
  return Buffer.from(parts.join('').slice(0, bytes));
}

/** A synthetic distribution of about `mb` MB (tar size) with one patch, made with GNU tar. */
export function makeSyntheticTarball(dir: string, mb: number): { tarball: string; patch: string } {
  const top = `Synthetic-Dist-${mb}`;
  const root = join(dir, `src-${mb}`, top);
  const files = Math.max(4, Math.round(mb * 2));
  let last = '';
  for (let i = 0; i < files; i++) {
    const path = join(root, 'lib', 'Synthetic', `Part${i}.pm`);
    mkdirSync(dirname(path), { recursive: true });
    last = `package Synthetic::Part${i};\nour $VERSION = '1.00';\n${pseudoText(512 * 1024, i + 1).toString('latin1')}`;
    writeFileSync(path, last, 'latin1');
  }
  writeFileSync(join(root, 'META.json'), `{\n   "name" : "Synthetic-Dist",\n   "version" : "${mb}"\n}\n`);
  const tarball = join(dir, `${top}.tar.gz`);
  spawnSync('tar', ['czf', tarball, '-C', dirname(root), top]);
  const patch = join(dir, `synthetic-${mb}.patch`);
  const name = `lib/Synthetic/Part${files - 1}.pm`;
  writeFileSync(
    patch,
    makeDiff(name, name, last, last.replace("our $VERSION = '1.00';", "our $VERSION = '1.00_01';")),
    'latin1',
  );
  rmSync(join(dir, `src-${mb}`), { recursive: true, force: true });
  return { tarball, patch };
}

function maxRss(args: string[]): { kb: number; ms: number } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...args], { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`apply failed: ${r.stderr}`);
  return { kb: Number(r.stderr.trim().split('\n').pop()), ms };
}

/** Peak RSS of `apply` on 10 MB and 100 MB synthetic tarballs (3 runs each, median). */
export function benchMemory(sizes: number[] = [10, 100]): Record<string, string> {
  const rows: Record<string, string> = {};
  const work = mkdtempSync(join(tmpdir(), 'cpansec-bench-mem-'));
  try {
    for (const mb of sizes) {
      const { tarball, patch } = makeSyntheticTarball(work, mb);
      const out = join(work, 'out.tar.gz');
      const samples = [0, 1, 2].map(() => {
        rmSync(out, { force: true });
        return maxRss([BIN, 'apply', tarball, '--patch', patch, '--allow-unsigned', '--out', out, '--quiet']);
      });
      const rss = stats(samples.map((s) => s.kb));
      const ms = stats(samples.map((s) => s.ms));
      const tarMb =
        Number(spawnSync('sh', ['-c', `gzip -dc '${tarball}' | wc -c`], { encoding: 'utf8' }).stdout) / 1024 / 1024;
      const floor = timeCommand('sh', ['-c', `gzip -dc '${tarball}' | gzip -6 > /dev/null`], 3);
      rows[`synthetic ${tarMb.toFixed(0)} MB tar (${(statSync(tarball).size / 1024 / 1024).toFixed(1)} MB .tar.gz)`] =
        `peak RSS ${(rss.median / 1024).toFixed(1)} MiB (min ${(rss.min / 1024).toFixed(1)}, max ${(rss.max / 1024).toFixed(1)}); ${fmt(ms.median)} vs floor ${fmt(floor.median)} (${(ms.median / floor.median).toFixed(2)}×)`;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(`Machine: ${machine()}\nDate: ${new Date().toISOString().slice(0, 10)}\n`);
  for (const [title, run] of [
    ['Three largest corpus tarballs', () => benchCorpusTarballs()],
    ['Peak memory on synthetic tarballs', () => benchMemory()],
  ] as const) {
    const rows = await run();
    console.log(`### ${title}\n\n| measure | value |\n| --- | --- |`);
    for (const [k, v] of Object.entries(rows)) console.log(`| ${k} | ${v} |`);
    console.log('');
  }
}
