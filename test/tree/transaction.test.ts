/**
 * The journaled transaction and the lock, in-process: a disk that fills up at
 * every possible point of a run, stale and live locks, recovery of journals
 * left in each phase. Kill -9 at named points is in faults.test.ts and in
 * test/bench/tree-faults.ts.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyState } from '../../src/core/tree/state.js';
import { acquireLock } from '../../src/tree/lock.js';
import { ensureStore, readJournal, readState, storeOf } from '../../src/tree/store.js';
import { recoverFromJournal, runTransaction } from '../../src/tree/transaction.js';
import { tempDir } from '../helpers/tmp.js';
import { fullDiskOps, sha256, snapshot, writeTree } from '../helpers/tree.js';
import type { Transaction } from '../../src/tree/transaction.js';

function setup() {
  const root = join(tempDir(), 'tree');
  writeTree(root, {
    'lib/perl5/A.pm': ['package A; 1;\n', 0o444],
    'lib/perl5/B.pm': ['package B; 1;\n', 0o444],
    'lib/perl5/Gone.pm': ['package Gone; 1;\n', 0o444],
  });
  const image = (text: string, mode = 0o444) => ({ sha256: sha256(text), size: text.length, mode });
  const bytes = (text: string) => new TextEncoder().encode(text);
  const tx: Transaction = {
    op: 'apply',
    files: [
      {
        path: 'lib/perl5/A.pm',
        before: image('package A; 1;\n'),
        after: image('package A; 2;\n'),
        beforeBytes: bytes('package A; 1;\n'),
        afterBytes: bytes('package A; 2;\n'),
      },
      {
        path: 'lib/perl5/B.pm',
        before: image('package B; 1;\n'),
        after: image('package B; 2;\n'),
        beforeBytes: bytes('package B; 1;\n'),
        afterBytes: bytes('package B; 2;\n'),
      },
      {
        path: 'lib/perl5/New/C.pm',
        before: null,
        after: image('package C; 1;\n'),
        afterBytes: bytes('package C; 1;\n'),
        mkdirs: ['lib/perl5/New'],
      },
      {
        path: 'lib/perl5/Gone.pm',
        before: image('package Gone; 1;\n'),
        after: null,
        beforeBytes: bytes('package Gone; 1;\n'),
      },
    ],
    state: emptyState(),
  };
  return { root, tx };
}

describe('runTransaction', () => {
  it('changes every file, keeps modes, records the state and leaves no journal or temp', async () => {
    const { root, tx } = setup();
    const store = storeOf(root);
    await ensureStore(store);
    const id = await runTransaction(store, tx);
    const snap = snapshot(root);
    expect(snap['lib/perl5/A.pm']).toBe(`${sha256('package A; 2;\n')} 444`);
    expect(snap['lib/perl5/New/C.pm']).toBe(`${sha256('package C; 1;\n')} 444`);
    expect(snap['lib/perl5/Gone.pm']).toBeUndefined();
    expect(Object.keys(snap).filter((p) => p.includes('cpansec-'))).toEqual([]);
    expect((await readState(store)).lastTransaction).toBe(id);
    expect(await readJournal(store)).toBeUndefined();
  });

  describe('when the disk fills up', () => {
    it('loses nothing, wherever in the run the disk fills', async () => {
      const { root: probeRoot, tx: probeTx } = setup();
      const probe = fullDiskOps(Number.MAX_SAFE_INTEGER);
      const probeStore = storeOf(probeRoot, probe);
      await ensureStore(probeStore);
      await runTransaction(probeStore, probeTx);
      const total = probe.written();
      // Sixty budgets spread over the whole run, so the disk fills inside every write: objects, journal, temps, state.
      const step = Math.max(1, Math.floor(total / 60));
      const budgets = Array.from({ length: Math.ceil(total / step) }, (_, i) => i * step);
      for (const budget of budgets) {
        const { root, tx } = setup();
        const before = snapshot(root);
        const store = storeOf(root, fullDiskOps(budget));
        await ensureStore(store);
        await expect(runTransaction(store, tx), `budget ${budget}`).rejects.toMatchObject({ code: 'IO' });
        // Either the run rolled itself back, or it left a journal that recover settles.
        const rec = await recoverFromJournal(storeOf(root), 'finish');
        const after = snapshot(root);
        const patched = snapshot(probeRoot);
        if (rec === undefined || rec.outcome === 'rollback') expect(after, `budget ${budget}`).toEqual(before);
        else expect(after, `budget ${budget}`).toEqual(patched);
        // No backup is left behind that nothing refers to.
        const objects = Object.keys(snapshot(join(root, '.cpansec'), 'x')).filter((p) => p.startsWith('objects/'));
        const live = (await readState(storeOf(root))).applied.length > 0 || rec?.outcome === 'finish';
        if (!live) expect(objects, `budget ${budget}`).toEqual([]);
      }
    });
  });

  it('refuses with DRIFT, changing nothing, when a target changed after planning', async () => {
    const { root, tx } = setup();
    writeFileSync(join(root, 'lib/perl5/B.pm'), 'edited meanwhile\n');
    const before = snapshot(root);
    const store = storeOf(root);
    await ensureStore(store);
    await expect(runTransaction(store, tx)).rejects.toMatchObject({ code: 'DRIFT' });
    expect(snapshot(root)).toEqual(before);
    expect(await readJournal(store)).toBeUndefined();
  });
});

describe('acquireLock', () => {
  it('fails with LOCKED while a live process holds the lock, after waiting', async () => {
    const { root } = setup();
    const store = storeOf(root);
    await ensureStore(store);
    const held = await acquireLock(store.dir, 'apply', 0);
    const t0 = Date.now();
    await expect(acquireLock(store.dir, 'apply', 300)).rejects.toMatchObject({ code: 'LOCKED' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    await held.release();
    const again = await acquireLock(store.dir, 'apply', 0);
    await again.release();
    expect(existsSync(join(store.dir, 'lock'))).toBe(false);
  });

  it('breaks the lock of a process that died (kill -9 leaves it behind)', async () => {
    const { root } = setup();
    const store = storeOf(root);
    await ensureStore(store);
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    const pid = child.pid as number;
    writeFileSync(
      join(store.dir, 'lock'),
      JSON.stringify({ pid, host: (await import('node:os')).hostname(), startedAt: '', command: 'apply', token: 'x' }),
    );
    await expect(acquireLock(store.dir, 'apply', 0)).rejects.toMatchObject({ code: 'LOCKED' });
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const lock = await acquireLock(store.dir, 'apply', 0);
    expect(JSON.parse(readFileSync(join(store.dir, 'lock'), 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('never breaks a lock from another host', async () => {
    const { root } = setup();
    const store = storeOf(root);
    await ensureStore(store);
    writeFileSync(
      join(store.dir, 'lock'),
      JSON.stringify({ pid: 999999, host: 'elsewhere.example', startedAt: '', command: 'apply', token: 'x' }),
    );
    await expect(acquireLock(store.dir, 'apply', 0)).rejects.toMatchObject({
      code: 'LOCKED',
      details: { holder: { host: 'elsewhere.example' } },
    });
  });

  it('lets exactly one of many concurrent takers have a stale lock', async () => {
    const { root } = setup();
    const store = storeOf(root);
    await ensureStore(store);
    writeFileSync(
      join(store.dir, 'lock'),
      JSON.stringify({
        pid: 2 ** 22 + 7,
        host: (await import('node:os')).hostname(),
        startedAt: '',
        command: 'apply',
        token: 'x',
      }),
    );
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => acquireLock(store.dir, 'apply', 0)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });
});
