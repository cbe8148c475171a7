/**
 * One run at a time per tree: `<tree>/.cpansec/lock`, created with O_EXCL.
 * A second run polls until `waitMs` is over, then fails with LOCKED. A lock
 * whose holder is dead (same host, pid gone or reused, or a reboot since) is
 * broken, under a second lock (`lock.break`, also O_EXCL) so that two
 * waiters cannot both break it and then remove each other's fresh lock; the
 * breaker re-reads the lock and removes it only if it is still the same one.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { formatLock, lockStaleness, parseLock } from '../core/tree/lock.js';
import { CpansecError } from '../errors.js';
import { ioError } from '../files/atomic.js';
import { faultPoint } from './fault.js';
import type { HostFacts, LockInfo } from '../core/tree/lock.js';

export interface HeldLock {
  info: LockInfo;
  release(): Promise<void>;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, { encoding: 'utf8', flag: constants.O_RDONLY | constants.O_NOFOLLOW });
  } catch {
    return undefined;
  }
}

async function startTicks(pid: number): Promise<number | undefined> {
  const stat = await readText(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // Field 22 (starttime) comes after the command name, which may contain spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[19]);
  return Number.isFinite(ticks) ? ticks : undefined;
}

let bootIdCache: string | undefined | null = null;
async function bootId(): Promise<string | undefined> {
  if (bootIdCache === null) bootIdCache = (await readText('/proc/sys/kernel/random/boot_id'))?.trim();
  return bootIdCache;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, owned by someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function factsFor(info: LockInfo): Promise<HostFacts> {
  const isAlive = alive(info.pid);
  const ticks = isAlive ? await startTicks(info.pid) : undefined;
  const boot = await bootId();
  return {
    host: hostname(),
    alive: isAlive,
    ...(ticks === undefined ? {} : { startTicks: ticks }),
    ...(boot ? { bootId: boot } : {}),
  };
}

async function createExclusive(path: string, text: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw ioError(err, `cannot create the lock ${path}`);
  }
  try {
    await handle.writeFile(text);
  } catch (err) {
    // A lock we could not fill (a full disk) must not stay behind as an empty lock.
    await handle.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw ioError(err, `cannot write the lock ${path}`);
  }
  await handle.close();
  return true;
}

/** A lock.break left by a breaker that died is removed after this long. */
const BREAK_GRACE_MS = 30_000;
/** A lock file still empty after this long was left by a process that died between create and write. */
const EMPTY_GRACE_MS = 5_000;

async function ageMs(path: string): Promise<number | undefined> {
  try {
    return Date.now() - (await lstat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Tries to remove a stale lock; true when it did (or the lock was gone already). */
async function breakIfStale(lockPath: string): Promise<{ broken: boolean; holder?: LockInfo; reason: string }> {
  const text = await readText(lockPath);
  if (text === undefined) return { broken: true, reason: 'gone' };
  const info = parseLock(text);
  if (info === undefined) {
    const age = await ageMs(lockPath);
    if (age === undefined || age < EMPTY_GRACE_MS) return { broken: false, reason: 'being written' };
  } else {
    const verdict = lockStaleness(info, await factsFor(info));
    if (!verdict.stale) return { broken: false, holder: info, reason: verdict.reason };
  }
  const breakPath = `${lockPath}.break`;
  if (!(await createExclusive(breakPath, `${process.pid}\n`))) {
    const age = await ageMs(breakPath);
    if (age !== undefined && age > BREAK_GRACE_MS) await unlink(breakPath).catch(() => undefined);
    return { broken: false, reason: 'another process is breaking a stale lock' };
  }
  try {
    // Still the same lock? Between our read and now another waiter may have broken it and taken a fresh one.
    if ((await readText(lockPath)) === text) await unlink(lockPath).catch(() => undefined);
  } finally {
    await unlink(breakPath).catch(() => undefined);
  }
  return { broken: true, reason: 'stale' };
}

/**
 * Takes the tree lock in `storeDir` (which must exist).
 * @throws CpansecError LOCKED when another live run holds it past `waitMs`
 */
export async function acquireLock(storeDir: string, command: string, waitMs: number): Promise<HeldLock> {
  const lockPath = join(storeDir, 'lock');
  const ticks = await startTicks(process.pid);
  const boot = await bootId();
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    ...(ticks === undefined ? {} : { startTicks: ticks }),
    ...(boot ? { bootId: boot } : {}),
    startedAt: new Date().toISOString(),
    command,
    token: randomBytes(8).toString('hex'),
  };
  const text = formatLock(info);
  const deadline = Date.now() + Math.max(0, waitMs);
  let delay = 25;
  for (;;) {
    if (await createExclusive(lockPath, text)) {
      await faultPoint('lock-taken');
      return {
        info,
        release: async () => {
          if ((await readText(lockPath)) === text) await unlink(lockPath).catch(() => undefined);
        },
      };
    }
    const attempt = await breakIfStale(lockPath);
    if (attempt.broken) continue;
    if (Date.now() >= deadline) {
      throw new CpansecError('LOCKED', `the tree is locked: ${attempt.reason}`, {
        hint: `another cpansec-patch run is changing this tree; wait for it, or pass --wait SECONDS. A lock left by a crash on another host must be removed by hand: ${lockPath}`,
        details: { lock: lockPath, ...(attempt.holder ? { holder: attempt.holder } : {}) },
      });
    }
    await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(1, deadline - Date.now()))));
    delay = Math.min(delay * 2, 250);
  }
}

/** Who holds the lock now, and whether that holder is gone (status shows it; nothing is changed). */
export async function inspectLock(
  storeDir: string,
): Promise<{ holder?: LockInfo; stale: boolean; reason: string } | undefined> {
  const text = await readText(join(storeDir, 'lock'));
  if (text === undefined) return undefined;
  const info = parseLock(text);
  if (info === undefined) return { stale: false, reason: 'being written' };
  const verdict = lockStaleness(info, await factsFor(info));
  return { holder: info, stale: verdict.stale, reason: verdict.reason };
}
