/**
 * Repository benchmarks (issue 3 §6), on a generated repository of 10,000
 * signed patches (1,000 distributions × 10), cached in .cache/bench-repo-N:
 *  - `repo verify` of the whole repository (TUF chain, every target's hash,
 *    every minisign signature and header) vs a shell loop of `minisign -V`
 *    over the same files; medians; and our end-to-end Ed25519 rate against
 *    `openssl speed ed25519` (raw rates: test/bench/verify-rate.ts);
 *  - `pull` of the repository from a loopback HTTP server: time and peak
 *    memory of the process (/usr/bin/time -v), then a pull with nothing new
 *    and the requests it made.
 *
 * Standalone: npx tsx test/bench/repo.ts [patches [verify|pull]]   (BENCH_RUNS=n, default 3)
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { nodeBlake2b512, nodeEd25519 } from '../../src/crypto/node-ed25519.js';
import { initRepository, loadRepoState, publishRepository, repoSigner } from '../../src/repo/index.js';
import { formatPublicKey, generateKeyPair, parseSecretKeyFile, unlockSecretKey } from '../../src/sign/key-format.js';
import { signFile } from '../../src/sign/sign.js';
import { formatPatchTrustedComment } from '../../src/sign/trusted-comment.js';
import { seededRandom } from '../helpers/minisign.js';
import { PROJECT_ROOT, sharedPath } from '../helpers/shared.js';
import { patchText, serveForBench } from './repo-server.js';
import { fmt, machine, stats, timeCommand } from './lib.js';
import type { SecretKey } from '../../src/sign/key-format.js';

const BIN = join(PROJECT_ROOT, 'bin', 'cpansec-patch.js');

async function devKey(name: 'root' | 'publisher'): Promise<SecretKey> {
  const file = sharedPath('keys', `${name}.key`);
  if (existsSync(file)) return unlockSecretKey(parseSecretKeyFile(readFileSync(file)), undefined);
  return (await generateKeyPair(seededRandom(`bench/${name}`))).secretKey;
}

/** A published repository of `n` signed patches (made once, then reused). */
export async function benchRepository(n = 10_000): Promise<{ dir: string; pub: string; made: boolean }> {
  const dir = join(PROJECT_ROOT, '.cache', `bench-repo-${n}`);
  const pub = join(dir, 'keys', 'bench-publisher.pub');
  if (existsSync(join(dir, 'metadata', 'timestamp.json')) && existsSync(pub)) return { dir, pub, made: false };
  rmSync(dir, { recursive: true, force: true });
  const root = await devKey('root');
  const publisher = await devKey('publisher');
  const now = Date.now();
  await initRepository({
    dir,
    rootKeys: [repoSigner(root)],
    publisherKeys: [repoSigner(publisher)],
    now,
    expires: { timestamp: '30d', snapshot: '30d' },
  });
  writeFileSync(pub, formatPublicKey(publisher));
  for (let i = 0; i < n; i++) {
    const dist = `Bench-Dist${String(Math.floor(i / 10)).padStart(4, '0')}`;
    const id = `${dist}-CVE-2099-${String(10000 + i)}`;
    const bytes = new TextEncoder().encode(patchText(dist, id, i));
    const name = `${id}.patch`;
    const tc = formatPatchTrustedComment({ timestamp: Math.floor(now / 1000), file: name, patchId: id, dist });
    const sig = signFile(bytes, publisher, tc, undefined, { hasher: nodeBlake2b512 });
    mkdirSync(join(dir, 'patches', dist), { recursive: true });
    writeFileSync(join(dir, 'patches', dist, name), bytes);
    writeFileSync(join(dir, 'patches', dist, `${name}.minisig`), sig.text);
  }
  await publishRepository(await loadRepoState(dir), {
    signers: [repoSigner(publisher)],
    now,
    crypto: { verifier: nodeEd25519, hasher: nodeBlake2b512 },
  });
  return { dir, pub, made: true };
}

function opensslVerifyRate(): number | undefined {
  const res = spawnSync('openssl', ['speed', '-seconds', '3', 'ed25519'], { encoding: 'utf8' });
  const line = res.stdout?.split('\n').find((l) => /EdDSA \(Ed25519\)/.test(l));
  const v = line?.trim().split(/\s+/).at(-1);
  return v === undefined ? undefined : Number(v);
}

export async function benchRepoVerify(
  options: { patches?: number; runs?: number } = {},
): Promise<Record<string, string>> {
  const n = options.patches ?? 10_000;
  const runs = options.runs ?? Number(process.env['BENCH_RUNS'] ?? 3);
  const { dir, pub } = await benchRepository(n);
  // No warm-up run for ours: one run is long enough to be its own measure.
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const res = spawnSync(process.execPath, [BIN, 'repo', 'verify', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    if (res.status !== 0) throw new Error(`repo verify failed: ${res.stderr.toString().slice(0, 500)}`);
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const ours = stats(samples);
  const rows: Record<string, string> = {};
  rows[`cpansec-patch repo verify (${n.toLocaleString('en-US')} patches: TUF + hashes + signatures + headers)`] =
    `${fmt(ours.median)} (min ${fmt(ours.min)}, max ${fmt(ours.max)})`;
  const hasMinisign = spawnSync('minisign', ['-v']).status === 0;
  if (hasMinisign) {
    const loop = `for f in "${dir}"/patches/*/*.patch; do minisign -Vq -p "${pub}" -m "$f" || exit 1; done`;
    const theirs = timeCommand('sh', ['-c', loop], Math.max(1, runs - 1));
    rows['shell loop of minisign -Vq over the same patches'] =
      `${fmt(theirs.median)} (min ${fmt(theirs.min)}, max ${fmt(theirs.max)})`;
    rows['minisign loop / ours'] = `${(theirs.median / ours.median).toFixed(1)}×`;
  } else rows['shell loop of minisign -Vq'] = 'minisign not available';
  // Two Ed25519 verifications per patch (file + trusted comment), plus BLAKE2b and the rest.
  const rate = (2 * n) / (ours.median / 1000);
  rows['our end-to-end Ed25519 rate (2 per patch, whole command)'] = `${Math.round(rate).toLocaleString('en-US')}/s`;
  const native = opensslVerifyRate();
  if (native !== undefined) {
    rows['openssl speed ed25519 (native, one core)'] = `${Math.round(native).toLocaleString('en-US')}/s`;
    rows['end-to-end / native raw verify rate'] = `${((100 * rate) / native).toFixed(0)}%`;
  }
  return rows;
}

interface Timed {
  ms: number;
  maxRssKb: number | undefined;
  code: number;
  stdout: string;
}

function timedCli(args: string[]): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-v', process.execPath, BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(err)?.[1];
      resolve({
        ms: Number(process.hrtime.bigint() - t0) / 1e6,
        maxRssKb: rss === undefined ? undefined : Number(rss),
        code: code ?? -1,
        stdout: out,
      });
    });
  });
}

export async function benchPull(options: { patches?: number; runs?: number } = {}): Promise<Record<string, string>> {
  const n = options.patches ?? 10_000;
  const runs = options.runs ?? Number(process.env['BENCH_RUNS'] ?? 3);
  const { dir } = await benchRepository(n);
  const server = await serveForBench(dir);
  const cacheBase = join(PROJECT_ROOT, '.cache', 'bench-pull');
  const trust = ['--trust-root', join(dir, 'metadata', '1.root.json')];
  const full: Timed[] = [];
  const again: Timed[] = [];
  let requests = 0;
  let fullRequests = 0;
  try {
    for (let i = 0; i < runs; i++) {
      const cache = join(cacheBase, `run-${i}`);
      rmSync(cache, { recursive: true, force: true });
      server.log.length = 0;
      const first = await timedCli(['pull', '--from', server.url, '--cache', cache, ...trust, '--json']);
      if (first.code !== 0) throw new Error(`pull failed: ${first.stdout.slice(0, 500)}`);
      fullRequests = server.log.length;
      full.push(first);
      server.log.length = 0;
      const second = await timedCli(['pull', '--from', server.url, '--cache', cache, ...trust, '--json']);
      if (second.code !== 0) throw new Error(`no-change pull failed: ${second.stdout.slice(0, 500)}`);
      requests = server.log.length;
      again.push(second);
      rmSync(cache, { recursive: true, force: true });
    }
  } finally {
    await server.close();
  }
  const med = (xs: number[]) => stats(xs).median;
  const rss = (ts: Timed[]) => `${(Math.max(...ts.map((t) => t.maxRssKb ?? 0)) / 1024).toFixed(0)} MiB`;
  return {
    [`pull of ${n.toLocaleString('en-US')} patches (${2 * n} targets) from 127.0.0.1, new cache`]: `${fmt(med(full.map((t) => t.ms)))} (min ${fmt(Math.min(...full.map((t) => t.ms)))})`,
    'requests of that pull': `${fullRequests}`,
    'peak RSS of that pull (max over runs)': rss(full),
    'pull with nothing new': `${fmt(med(again.map((t) => t.ms)))}`,
    'requests of a pull with nothing new': `${requests} (${server.lastLog.join(', ')})`,
    'peak RSS of a pull with nothing new': rss(again),
    runs: `${runs}, median`,
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = Number(process.argv[2] ?? 10_000);
  console.log(`Machine: ${machine()}\n`);
  const t0 = Date.now();
  const made = await benchRepository(n);
  console.log(`repository: ${made.dir} (${made.made ? `made in ${fmt(Date.now() - t0)}` : 'reused'})\n`);
  const only = process.argv[3];
  const parts: [string, () => Promise<Record<string, string>>][] = [
    ['repo verify', () => benchRepoVerify({ patches: n })],
    ['pull', () => benchPull({ patches: n })],
  ];
  for (const [title, run] of parts) {
    if (only !== undefined && !title.includes(only)) continue;
    const rows = await run();
    console.log(`### ${title}\n\n| measure | value |\n| --- | --- |`);
    for (const [k, v] of Object.entries(rows)) console.log(`| ${k} | ${v} |`);
    console.log('');
  }
}
