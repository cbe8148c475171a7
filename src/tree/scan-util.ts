/** Helpers shared by the discovery modules: bounded reads, limited concurrency, module paths. */
import { join } from 'node:path';
import { bytesToBinary } from '../core/bytes.js';
import { extractModuleVersion } from '../core/tree/module-version.js';
import { readFileHeadSync } from '../files/read.js';
import type { EntryBudget } from './walk.js';
import type { LibSet, TreeLayout } from './layout.js';

export interface ScanLimits {
  maxTreeEntries: number;
  maxMetaFileBytes: number;
  maxVersionScanBytes: number;
}

export const decoder = new TextDecoder('utf-8', { fatal: false });

export async function readSmall(path: string, max: number): Promise<Uint8Array | undefined> {
  const head = readFileHeadSync(path, max);
  return head?.complete ? head.bytes : undefined;
}

/** Runs `fn` over `items` with at most `width` in flight (file reads: keep the thread pool busy, not flooded). */
export async function mapLimited<T, R>(items: readonly T[], width: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return out;
}

export const modulePath = (module: string): string => `${module.split('::').join('/')}.pm`;
export const inDir = (dir: string, rel: string): string => (dir === '' ? rel : `${dir}/${rel}`);

export interface Ctx {
  layout: TreeLayout;
  limits: ScanLimits;
  budget: EntryBudget;
}

export async function staticVersion(ctx: Ctx, rel: string): Promise<string | undefined> {
  const head = readFileHeadSync(join(ctx.layout.root, rel), ctx.limits.maxVersionScanBytes);
  if (head === undefined) return undefined;
  return extractModuleVersion(bytesToBinary(head.bytes), head.complete).version;
}

export function homeOf(
  set: LibSet,
  mainModule: string | undefined,
  files: readonly string[] | undefined,
): string | undefined {
  if (mainModule === undefined) return undefined;
  const rel = modulePath(mainModule);
  return set.libDirs.find((d) => files?.includes(inDir(d, rel)));
}

export function isXs(set: LibSet, files: readonly string[] | undefined, home: string | undefined): boolean {
  if (files?.some((f) => /\.(?:so|bs|bundle|dll)$/.test(f))) return true;
  return home !== undefined && home !== set.libDirs[set.libDirs.length - 1];
}

export async function findModuleFile(ctx: Ctx, set: LibSet, module: string): Promise<string | undefined> {
  for (const d of set.libDirs) {
    const rel = inDir(d, modulePath(module));
    if (readFileHeadSync(join(ctx.layout.root, rel), 0) !== undefined) return rel;
  }
  return undefined;
}
