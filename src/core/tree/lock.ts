/**
 * The lock file of a tree (`<tree>/.cpansec/lock`): who holds it, and when a
 * holder is gone for sure. A lock is stale only when it names this host and
 * a process that no longer exists, or a process id now used by a younger
 * process (the kernel's start time differs). A lock from another host (a
 * tree on NFS) is never broken automatically: we cannot see its processes.
 */

export interface LockInfo {
  pid: number;
  host: string;
  /** Process start time in clock ticks since boot (/proc/<pid>/stat field 22), when known. */
  startTicks?: number;
  /** Boot id (/proc/sys/kernel/random/boot_id): a reboot makes every lock stale. */
  bootId?: string;
  startedAt: string;
  command: string;
  /** Random; the break protocol re-reads the lock and compares it before removing. */
  token: string;
}

export function formatLock(info: LockInfo): string {
  return `${JSON.stringify(info)}\n`;
}

/** Undefined for a lock file that is empty or half-written (its writer may be mid-write). */
export function parseLock(text: string): LockInfo | undefined {
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    if (typeof o['pid'] !== 'number' || !Number.isSafeInteger(o['pid']) || o['pid'] <= 0) return undefined;
    if (typeof o['host'] !== 'string' || typeof o['token'] !== 'string') return undefined;
    return {
      pid: o['pid'],
      host: o['host'],
      ...(typeof o['startTicks'] === 'number' ? { startTicks: o['startTicks'] } : {}),
      ...(typeof o['bootId'] === 'string' ? { bootId: o['bootId'] } : {}),
      startedAt: typeof o['startedAt'] === 'string' ? o['startedAt'] : '',
      command: typeof o['command'] === 'string' ? o['command'] : '',
      token: o['token'],
    };
  } catch {
    return undefined;
  }
}

/** What the adapter knows about this machine and the holder's pid. */
export interface HostFacts {
  host: string;
  bootId?: string;
  /** Does a process with the lock's pid exist? */
  alive: boolean;
  /** Its start time, when it exists and /proc says. */
  startTicks?: number;
}

export type Staleness = { stale: true; reason: string } | { stale: false; reason: string };

export function lockStaleness(info: LockInfo, facts: HostFacts): Staleness {
  if (info.host !== facts.host) return { stale: false, reason: `held on another host (${info.host})` };
  if (info.bootId !== undefined && facts.bootId !== undefined && info.bootId !== facts.bootId) {
    return { stale: true, reason: 'taken before the last reboot' };
  }
  if (!facts.alive) return { stale: true, reason: `process ${info.pid} is gone` };
  if (info.startTicks !== undefined && facts.startTicks !== undefined && info.startTicks !== facts.startTicks) {
    return { stale: true, reason: `process id ${info.pid} now belongs to another process` };
  }
  return { stale: false, reason: `held by process ${info.pid} (${info.command || 'cpansec-patch'})` };
}
