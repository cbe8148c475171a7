/**
 * Crashes, concurrent runs, read-only trees and a full disk, with real
 * processes (the built dist/: npm test builds first). A handful of kill -9
 * trials per step here; test/bench/tree-faults.ts runs hundreds.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  APPLY_CLI,
  runApply,
  FAULT_STEPS,
  makeFaultFixture,
  namedTrial,
  run,
  timedTrial,
  wholeState,
} from '../helpers/tree-faults.js';
import { snapshot } from '../helpers/tree.js';

const fixture = makeFaultFixture();
afterAll(() => fixture.cleanup());

describe('kill -9 during apply and revert', () => {
  for (const op of ['apply', 'revert'] as const) {
    for (const [step, count] of Object.entries(FAULT_STEPS[op])) {
      // First and last occurrence of each step: the boundaries of the commit.
      for (const n of [...new Set([1, count])].filter((k) => k >= 1)) {
        it(`${op} killed at ${step} #${n}: recover leaves it whole and status agrees`, () => {
          const r = namedTrial(fixture, op, step, n);
          expect(r).toMatchObject({ ok: true, killed: true });
        });
      }
    }
  }

  it('a kill from outside at a random moment, a few times each way', async () => {
    for (const delay of [30, 90, 150, 220]) {
      for (const op of ['apply', 'revert'] as const) {
        expect(await timedTrial(fixture, op, delay), `${op} after ${delay} ms`).toMatchObject({ ok: true });
      }
    }
  });
});

describe('two runs on one tree', () => {
  it('the second fails cleanly with LOCKED (exit 8) without --wait, and waits with it', async () => {
    const tree = fixture.fresh();
    const args = ['--tree', tree, '--patch', fixture.patch, '--allow-unsigned'];
    const first = spawn(process.execPath, [...APPLY_CLI, ...args, '--wait', '0'], {
      env: { ...process.env, CPANSEC_TEST_FAULT: 'lock-taken:1:sleep=1500' },
      stdio: 'ignore',
    });
    await new Promise((r) => setTimeout(r, 500));
    const second = runApply([...args, '--wait', '0'], {});
    expect(second.code).toBe(8);
    expect(second.json?.error?.code).toBe('LOCKED');
    const third = runApply([...args, '--wait', '20'], {});
    expect(third.code).toBe(0);
    await new Promise((r) => first.on('exit', r));
    expect(
      (third.json?.result as { patches: { installs: { outcome: string }[] }[] }).patches[0]?.installs[0]?.outcome,
    ).toBe('already-applied');
    expect(wholeState(fixture, tree)).toBe('patched');
  });
});

const isRoot = process.getuid?.() === 0;
const hasSetpriv = spawnSync('setpriv', ['--version']).status === 0;

describe.skipIf(!isRoot || !hasSetpriv)('a tree the user cannot write', () => {
  it('apply fails with READ_ONLY (exit 8) and changes nothing', () => {
    const tree = fixture.fresh();
    execFileSync('chmod', ['-R', 'a+rX', fixture.dir]);
    const before = snapshot(tree, '');
    const r = spawnSync(
      'setpriv',
      [
        '--reuid=nobody',
        '--regid=nogroup',
        '--clear-groups',
        process.execPath,
        ...APPLY_CLI,
        '--tree',
        tree,
        '--patch',
        fixture.patch,
        '--allow-unsigned',
      ],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(8);
    expect(JSON.parse(r.stdout).error.code).toBe('READ_ONLY');
    expect(snapshot(tree, '')).toEqual(before);
  });
});

function tryMountTmpfs(dir: string, size: string): boolean {
  if (!isRoot) return false;
  return spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).status === 0;
}

describe('a full disk (a small tmpfs)', () => {
  it('fails with IO and loses nothing, whatever room is left', (ctx) => {
    const mnt = join(fixture.dir, 'mnt');
    mkdirSync(mnt);
    if (!tryMountTmpfs(mnt, '2m')) {
      console.warn(
        'skipping the tmpfs test: cannot mount tmpfs here (not root, or no permission); the in-process ENOSPC test in transaction.test.ts covers the same paths',
      );
      ctx.skip();
      return;
    }
    try {
      for (const room of [0, 2_000, 4_000, 8_000, 12_000, 24_000]) {
        const tree = join(mnt, `t${room}`);
        execFileSync('cp', ['-a', join(fixture.dir, 'template'), tree]);
        const before = snapshot(tree);
        // Fill the file system, then give back `room` bytes.
        const filler = join(mnt, 'filler');
        spawnSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k'], { stdio: 'ignore' });
        spawnSync('truncate', ['-s', `-${room}`, filler]);
        const r = runApply(['--tree', tree, '--patch', fixture.patch, '--allow-unsigned', '--wait', '0'], {});
        rmSync(filler, { force: true });
        if (r.code === 0) {
          expect(wholeState(fixture, tree), `room ${room}`).toBe('patched');
        } else {
          expect([r.code, r.json?.error?.code], `room ${room}`).toEqual([8, 'IO']);
          // Whatever the run could not finish, recover can (now that there is room again).
          run(['recover', '--tree', tree, '--wait', '0']);
          expect(['original', 'patched'], `room ${room}`).toContain(wholeState(fixture, tree));
          if (wholeState(fixture, tree) === 'original') expect(snapshot(tree)).toEqual(before);
        }
        rmSync(tree, { recursive: true, force: true });
      }
    } finally {
      spawnSync('umount', [mnt]);
    }
  });
});

it('status, recover and revert run without a journal or lock lying around afterwards', () => {
  const tree = fixture.fresh();
  writeFileSync(join(tree, 'x'), '');
  expect(run(['recover', '--tree', tree, '--json']).json?.result).toMatchObject({ recovered: false });
});
