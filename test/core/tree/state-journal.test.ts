import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JOURNAL_FORMAT, formatJournal, parseJournal, planRecovery } from '../../../src/core/tree/journal.js';
import { lockStaleness, parseLock, formatLock } from '../../../src/core/tree/lock.js';
import {
  emptyState,
  fileCondition,
  formatState,
  laterOverlaps,
  parseState,
  referencedObjects,
} from '../../../src/core/tree/state.js';
import type { Journal, Observed } from '../../../src/core/tree/journal.js';
import type { AppliedPatch, FileImage, TreeState } from '../../../src/core/tree/state.js';

const sha = (c: string): string => c.repeat(64).slice(0, 64);
const img = (c: string, mode = 0o444): FileImage => ({ sha256: sha(c), size: 1, mode });

function record(id: string, files: [string, string | null, string | null][]): AppliedPatch {
  return {
    patchId: id,
    dist: 'Foo',
    location: 'lib/perl5',
    patchSha256: sha('f'),
    source: 'file',
    appliedAt: '2026-11-26T00:00:00Z',
    transaction: 't1',
    outcome: 'clean',
    files: files.map(([path, b, a]) => ({ path, distPath: path, before: b ? img(b) : null, after: a ? img(a) : null })),
  };
}

describe('state file', () => {
  const state: TreeState = {
    ...emptyState(),
    applied: [
      record('A', [['lib/perl5/Foo.pm', 'a', 'b']]),
      record('B', [
        ['lib/perl5/Foo.pm', 'b', 'c'],
        ['lib/perl5/New.pm', null, 'd'],
      ]),
    ],
  };

  it('round-trips through parse and format', () => {
    expect(parseState(formatState(state))).toEqual(state);
  });

  it('refuses damaged or hostile content with METADATA_INVALID', () => {
    const bad = [
      '{',
      '{"format":"other","applied":[]}',
      JSON.stringify({
        ...state,
        applied: [
          { ...state.applied[0], files: [{ path: '../../etc/passwd', distPath: 'x', before: null, after: img('a') }] },
        ],
      }),
      JSON.stringify({
        ...state,
        applied: [
          {
            ...state.applied[0],
            files: [{ path: 'x', distPath: 'x', before: { sha256: 'nothex', size: 1, mode: 1 }, after: null }],
          },
        ],
      }),
      JSON.stringify({
        ...state,
        applied: [{ ...state.applied[0], files: [{ path: 'x', distPath: 'x', before: null, after: null }] }],
      }),
    ];
    for (const text of bad) expect(() => parseState(text), text.slice(0, 60)).toThrowCode('METADATA_INVALID');
  });

  it('knows which objects it needs and which patches stack on others', () => {
    expect(referencedObjects(state)).toEqual(new Set([sha('a'), sha('b'), sha('c'), sha('d')]));
    expect(laterOverlaps(state, 0).map((a) => a.patchId)).toEqual(['B']);
    expect(laterOverlaps(state, 1)).toEqual([]);
  });

  it('classifies a recorded file against what is on disk', () => {
    const f = state.applied[0]?.files[0];
    if (!f) throw new Error('no file');
    expect(fileCondition(f, { sha256: sha('b') })).toBe('applied');
    expect(fileCondition(f, { sha256: sha('a') })).toBe('original');
    expect(fileCondition(f, { sha256: sha('z') })).toBe('drifted');
    expect(fileCondition(f, null)).toBe('missing');
  });
});

/** A tiny file system that runs a recovery plan, to check where each file ends up. */
function runPlan(journal: Journal, observed: Map<string, Observed>, want: 'finish' | 'rollback', disk = emptyState()) {
  const fs = new Map<string, string | null>();
  const temps = new Map<string, string | null>();
  for (const f of journal.files) {
    fs.set(f.path, observed.get(f.path)?.target ?? null);
    if (f.temp) temps.set(f.temp, observed.get(f.path)?.temp ?? null);
  }
  const plan = planRecovery(journal, disk, observed, want);
  for (const a of plan.actions) {
    if (a.kind === 'rename-temp') {
      expect(temps.get(a.temp)).not.toBeNull();
      fs.set(a.path, temps.get(a.temp) ?? null);
      temps.set(a.temp, null);
    } else if (a.kind === 'write-object') fs.set(a.path, a.image.sha256);
    else if (a.kind === 'delete') fs.set(a.path, null);
    else if (a.kind === 'remove-temp') temps.set(a.temp, null);
  }
  return { plan, fs, temps };
}

describe('planRecovery', () => {
  const journal = (n: number, phase: Journal['phase']): Journal => ({
    format: JOURNAL_FORMAT,
    id: 'tx1',
    op: 'apply',
    phase,
    pid: 1,
    startedAt: '',
    files: Array.from({ length: n }, (_, i) => ({
      path: `lib/F${i}.pm`,
      before: i % 5 === 4 ? null : img(String(i % 6)),
      after: i % 7 === 6 ? null : img('abcdef'[i % 6] as string),
      temp: i % 7 === 6 ? null : `lib/.F${i}.pm.tmp`,
      mkdirs: [],
      rmdirs: [],
    })).filter((f) => f.before !== null || f.after !== null),
    state: { ...emptyState(), lastTransaction: 'tx1' },
  });

  it('round-trips a journal through format and parse', () => {
    const j = journal(8, 'committing');
    expect(parseJournal(formatJournal(j))).toEqual(j);
    expect(() =>
      parseJournal(formatJournal({ ...j, files: [{ ...(j.files[0] as Journal['files'][number]), temp: '../x' }] })),
    ).toThrowCode('METADATA_INVALID');
  });

  it('leaves every file entirely before or entirely after, wherever the run stopped (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        fc.boolean(),
        fc.boolean(),
        (n, renamed, committing, rollback) => {
          const j = journal(n, committing ? 'committing' : 'staging');
          const observed = new Map<string, Observed>();
          j.files.forEach((f, i) => {
            // A kill leaves each file renamed (after, temp gone) or not yet (before, temp present when staged).
            const done = committing && renamed[i] === true;
            observed.set(f.path, {
              target: done ? (f.after?.sha256 ?? null) : (f.before?.sha256 ?? null),
              temp: done || f.temp === null ? null : (f.after?.sha256 ?? null),
            });
          });
          const want = rollback ? 'rollback' : 'finish';
          const { plan, fs, temps } = runPlan(j, observed, want);
          const direction = committing ? want : 'rollback';
          expect(plan.outcome).toBe(direction);
          for (const f of j.files) {
            const end = direction === 'finish' ? f.after : f.before;
            expect(fs.get(f.path)).toBe(end?.sha256 ?? null);
          }
          expect([...temps.values()].every((t) => t === null)).toBe(true);
          expect(plan.foreign).toEqual([]);
          expect(plan.state === undefined).toBe(direction === 'rollback');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('leaves files someone else changed after the crash alone, and lists them', () => {
    const j = journal(2, 'committing');
    const observed = new Map<string, Observed>([
      ['lib/F0.pm', { target: sha('9'), temp: sha('a') }],
      ['lib/F1.pm', { target: sha('1'), temp: sha('b') }],
    ]);
    const { plan, fs } = runPlan(j, observed, 'finish');
    expect(plan.foreign).toEqual(['lib/F0.pm']);
    expect(fs.get('lib/F0.pm')).toBe(sha('9'));
    expect(fs.get('lib/F1.pm')).toBe(sha('b'));
  });

  it('only removes the journal when the state already records the run', () => {
    const j = journal(3, 'committing');
    const observed = new Map<string, Observed>(
      j.files.map((f) => [f.path, { target: f.after?.sha256 ?? null, temp: null }]),
    );
    const { plan } = runPlan(j, observed, 'rollback', { ...emptyState(), lastTransaction: 'tx1' });
    expect(plan.outcome).toBe('complete');
    expect(plan.actions).toEqual([]);
  });
});

describe('lockStaleness', () => {
  const info = { pid: 4242, host: 'h', startTicks: 100, bootId: 'b1', startedAt: '', command: 'apply', token: 't' };

  it('is stale only for a dead or reused pid on this host, or after a reboot', () => {
    expect(lockStaleness(info, { host: 'h', alive: false, bootId: 'b1' }).stale).toBe(true);
    expect(lockStaleness(info, { host: 'h', alive: true, startTicks: 999, bootId: 'b1' }).stale).toBe(true);
    expect(lockStaleness(info, { host: 'h', alive: true, startTicks: 100, bootId: 'b2' }).stale).toBe(true);
    expect(lockStaleness(info, { host: 'h', alive: true, startTicks: 100, bootId: 'b1' }).stale).toBe(false);
    expect(lockStaleness(info, { host: 'other', alive: false }).stale).toBe(false);
  });

  it('reads back what it writes, and nothing from a half-written file', () => {
    expect(parseLock(formatLock(info))).toEqual(info);
    expect(parseLock('{"pid":12')).toBeUndefined();
    expect(parseLock('')).toBeUndefined();
  });
});
