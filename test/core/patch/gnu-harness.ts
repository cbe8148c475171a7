/**
 * The real tools as oracles: GNU patch 2.7.6 (/usr/bin/patch), GNU diff -u
 * and git diff --no-index, run on files in a temp directory. Byte strings in
 * and out (latin1), like the engine.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const HAVE_GNU_PATCH = /GNU patch 2\.7\.6/.test(
  spawnSync('patch', ['--version'], { encoding: 'utf8' }).stdout ?? '',
);
export const HAVE_DIFF = spawnSync('diff', ['--version']).status === 0;
export const HAVE_GIT = spawnSync('git', ['--version']).status === 0;

const ENV = { ...process.env, LC_ALL: 'C', TZ: 'UTC' };

function withDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'cpansec-gnu-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function writeTree(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, Buffer.from(content, 'latin1'));
  }
}

function readTree(root: string, base = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(join(root, base))) {
    const rel = base === '' ? name : `${base}/${name}`;
    const full = join(root, rel);
    if (statSync(full).isDirectory()) Object.assign(out, readTree(root, rel));
    else out[rel] = readFileSync(full).toString('latin1');
  }
  return out;
}

export interface GnuHunk {
  file: string;
  hunk: number;
  status: 'applied' | 'failed';
  line: number;
  offset: number;
  fuzz: number;
}

export interface GnuResult {
  exit: number;
  output: string[];
  hunks: GnuHunk[];
  reversed: boolean;
  /** The tree after the run (GNU writes partial results even when it fails). */
  files: Record<string, string>;
}

/**
 * Run GNU patch like the corpus oracle does (--forward --batch -E, rejects to
 * stdout), with the given strip level and fuzz factor.
 */
export function gnuPatch(
  files: Record<string, string>,
  patch: string,
  options: { strip?: number; fuzz?: number; reverse?: boolean; removeEmpty?: boolean } = {},
): GnuResult {
  return withDir((dir) => {
    const tree = join(dir, 'tree');
    mkdirSync(tree);
    writeTree(tree, files);
    const patchFile = join(dir, 'p.diff');
    writeFileSync(patchFile, Buffer.from(patch, 'latin1'));
    const args = [
      `-p${options.strip ?? 1}`,
      '--batch',
      '--forward',
      '--no-backup-if-mismatch',
      '--reject-file=-',
      '--quoting-style=literal',
      `--fuzz=${options.fuzz ?? 0}`,
      ...(options.removeEmpty === false ? [] : ['-E']),
      ...(options.reverse === true ? ['-R'] : []),
      '-d',
      tree,
      '-i',
      patchFile,
    ];
    const r = spawnSync('patch', args, { env: ENV });
    const text = Buffer.concat([r.stdout, r.stderr]).toString('latin1');
    const output = text.split('\n').filter((l) => l.trim() !== '');
    const hunks: GnuHunk[] = [];
    let file = '';
    let reversed = false;
    for (const line of output) {
      let m = /^(?:patching|checking) file (.+?)(?: \((?:renamed|copied|read) from .+\))?$/.exec(line);
      if (m) {
        file = m[1] as string;
        continue;
      }
      m = /^Hunk #(\d+) succeeded at (\d+)(?: with fuzz (\d+))?(?: \(offset (-?\d+) lines?\))?\.$/.exec(line);
      if (m) {
        hunks.push({
          file,
          hunk: Number(m[1]),
          status: 'applied',
          line: Number(m[2]),
          fuzz: Number(m[3] ?? 0),
          offset: Number(m[4] ?? 0),
        });
        continue;
      }
      m = /^Hunk #(\d+) FAILED at (\d+)(?: \(different line endings\))?\.$/.exec(line);
      if (m) hunks.push({ file, hunk: Number(m[1]), status: 'failed', line: Number(m[2]), offset: 0, fuzz: 0 });
      if (/(?:Reversed \(or previously applied\)|Unreversed) patch detected/.test(line)) reversed = true;
    }
    return { exit: r.status ?? -1, output, hunks, reversed, files: existsSync(tree) ? readTree(tree) : {} };
  });
}

/** GNU diff -u between two byte strings, labelled a/NAME and b/NAME (null = no such file, as with -N). */
export function diffU(name: string, a: string | null, b: string | null, context = 3): string {
  return withDir((dir) => {
    const fa = join(dir, 'a');
    const fb = join(dir, 'b');
    if (a !== null) writeFileSync(fa, Buffer.from(a, 'latin1'));
    if (b !== null) writeFileSync(fb, Buffer.from(b, 'latin1'));
    const args = [
      `-U${context}`,
      '-N',
      '--label',
      a === null ? '/dev/null' : `a/${name}`,
      '--label',
      b === null ? '/dev/null' : `b/${name}`,
      fa,
      fb,
    ];
    const r = spawnSync('diff', args, { env: ENV });
    if (r.status !== 0 && r.status !== 1) throw new Error(`diff failed: ${r.stderr.toString()}`);
    return r.stdout.toString('latin1');
  });
}

/** git diff --no-index between two byte strings; the headers read a/NAME and b/NAME (strip 1). */
export function gitDiff(name: string, a: string, b: string, context = 3): string {
  return withDir((dir) => {
    mkdirSync(join(dir, 'a'));
    mkdirSync(join(dir, 'b'));
    writeFileSync(join(dir, 'a', name), Buffer.from(a, 'latin1'));
    writeFileSync(join(dir, 'b', name), Buffer.from(b, 'latin1'));
    const r = spawnSync(
      'git',
      [
        '-c',
        'core.autocrlf=false',
        'diff',
        '--no-index',
        '--no-color',
        '--no-prefix',
        `-U${context}`,
        `a/${name}`,
        `b/${name}`,
      ],
      { cwd: dir, env: { ...ENV, GIT_CONFIG_NOSYSTEM: '1', HOME: dir } },
    );
    if (r.status !== 0 && r.status !== 1) throw new Error(`git diff failed: ${r.stderr.toString()}`);
    return r.stdout.toString('latin1');
  });
}
