/**
 * The client: update a cache from a source following the TUF client
 * workflow with tuf-js's Updater (unmodified), then download every target,
 * then check every patch's minisign signature with the keys the verified
 * root authorises. Our own checks run on the same bytes before tuf-js
 * (fetcher hook) and after it (the final set), see tuf-trust.ts.
 */
import { link, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Updater } from 'tuf-js';
import { CpansecError } from '../errors.js';
import { readEntries } from './entries.js';
import { CpansecFetcher, directorySource, httpSource } from './fetchers.js';
import { ROLE_FILES, localTrusted, mapUpdateError, sameBytes, unchangedSince } from './update-check.js';
import { syncGitCheckout } from './git.js';
import { METADATA_DIR, TARGETS_DIR } from './layout.js';
import { resolveRepoLimits } from './limits.js';
import { commitGeneration, currentGeneration, newWorkDir } from './cache.js';
import { readInside } from './repo-fs.js';
import { TrustTracker, verifyTrustedSet } from './tuf-trust.js';
import { sha256Hex } from './tuf-model.js';
import { checkPatchFiles } from './patch-check.js';
import type { Blake2b512, Ed25519Verifier } from '../sign/ed25519.js';
import type { PatchEntry, RevokedEntry } from './entries.js';
import type { RepoLimits } from './limits.js';
import type { RepoSource } from './source.js';
import type { RoleName } from './tuf-model.js';
import type { Source } from './fetchers.js';
import type { TrustedSet } from './tuf-trust.js';

export interface PullOptions {
  source: RepoSource;
  cacheDir: string;
  /** The root to trust when the cache has none yet (the shipped root, or --trust-root). */
  trustRoot: Uint8Array;
  /** Use only what the cache holds: re-verify it, fetch nothing. */
  offline?: boolean;
  /** Collect problems with single targets instead of stopping at the first (repo verify). */
  collect?: boolean;
  gitRef?: string;
  now?: number;
  limits?: Partial<RepoLimits>;
  crypto?: { verifier?: Ed25519Verifier; hasher?: Blake2b512 };
  onProgress?: (message: string) => void;
}

export interface Problem {
  target: string;
  code: string;
  message: string;
}

export interface PullResult {
  source: string;
  cacheDir: string;
  generation: string;
  /** False when the source had nothing new (the cache was left as it was). */
  changed: boolean;
  versions: Record<RoleName, number>;
  expires: Record<RoleName, string>;
  consistentSnapshot: boolean;
  patches: number;
  revoked: RevokedEntry[];
  downloaded: number;
  reused: number;
  /** Requests made to the source (HTTP requests, or files read). */
  requests: number;
  git?: { commit: string };
  problems: Problem[];
}

async function readMeta(dir: string, role: RoleName): Promise<Uint8Array | undefined> {
  return readInside(dir, `${METADATA_DIR}/${role}.json`, resolveRepoLimits().targetsMaxBytes);
}

async function pool<T>(items: readonly T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(size, items.length) }, async () => {
    while (next < items.length) await fn(items[next++] as T);
  });
  await Promise.all(workers);
}

/** @throws CpansecError REPO_TRUST, REPO_ROLLBACK, REPO_EXPIRED, METADATA_INVALID, CHECKSUM_MISMATCH, LIMIT_EXCEEDED, NETWORK, SIGNATURE_*, KEY_UNTRUSTED */
export async function pullRepository(options: PullOptions): Promise<PullResult> {
  const limits = resolveRepoLimits(options.limits);
  const now = options.now ?? Date.now();
  const verifier = options.crypto?.verifier;
  const progress = options.onProgress ?? (() => undefined);
  const previous = await currentGeneration(options.cacheDir);
  const prevDir = previous === undefined ? undefined : join(options.cacheDir, previous);
  const prevFiles: Partial<Record<RoleName, Uint8Array>> = {};
  if (prevDir !== undefined) {
    for (const role of ROLE_FILES) {
      const bytes = await readMeta(prevDir, role);
      if (bytes !== undefined) prevFiles[role] = bytes;
    }
  }
  const work = await newWorkDir(options.cacheDir);
  try {
    const rootBytes = prevFiles.root ?? options.trustRoot;
    const root = TrustTracker.trustedRoot(rootBytes, verifier);
    await writeFile(join(work, METADATA_DIR, 'root.json'), rootBytes);
    for (const role of ['timestamp', 'snapshot', 'targets'] as const) {
      const bytes = prevFiles[role];
      if (bytes !== undefined) await writeFile(join(work, METADATA_DIR, `${role}.json`), bytes);
    }
    const tracker = new TrustTracker({ root, ...localTrusted(root, prevFiles) }, now, verifier);

    // Where the bytes come from.
    let base: { metadata: string; targets: string };
    let source: Source;
    let gitInfo: { commit: string } | undefined;
    const src = options.source;
    if (options.offline) {
      base = { metadata: 'offline:/metadata/', targets: 'offline:/targets/' };
      source = async () => 'missing' as const;
    } else if (src.kind === 'http') {
      base = { metadata: `${src.url}${METADATA_DIR}/`, targets: `${src.url}${TARGETS_DIR}/` };
      source = httpSource('cpansec-patch');
    } else {
      let dir: string;
      if (src.kind === 'git') {
        progress(`git: fetching ${src.display}`);
        dir = join(options.cacheDir, 'git');
        gitInfo = await syncGitCheckout(src.url, dir, options.gitRef);
      } else dir = src.dir;
      base = {
        metadata: pathToFileURL(join(dir, METADATA_DIR)).href + '/',
        targets: pathToFileURL(join(dir, TARGETS_DIR)).href + '/',
      };
      source = directorySource(dir);
    }
    const fetcher = new CpansecFetcher(source, base.metadata, limits, join(work, 'tmp'), {
      onMetadata: (name, bytes) => {
        if (/^\d+\.root\.json$/.test(name)) tracker.updateRoot(bytes);
        else if (name === 'timestamp.json') tracker.updateTimestamp(bytes);
        else if (/^(\d+\.)?snapshot\.json$/.test(name)) tracker.updateSnapshot(bytes);
        else if (/^(\d+\.)?targets\.json$/.test(name)) tracker.updateTargets(bytes);
        else throw new CpansecError('REPO_TRUST', `tuf-js asked for unexpected metadata ${name}`);
      },
    });
    const updater = new Updater({
      metadataDir: join(work, METADATA_DIR),
      metadataBaseUrl: base.metadata,
      targetBaseUrl: base.targets,
      targetDir: join(work, 'targets'),
      fetcher,
      forceCache: options.offline === true,
      config: {
        maxRootRotations: limits.maxRootRotations,
        rootMaxLength: limits.rootMaxBytes,
        timestampMaxLength: limits.timestampMaxBytes,
        snapshotMaxLength: limits.snapshotMaxBytes,
        targetsMaxLength: limits.targetsMaxBytes,
        maxDelegations: 1,
      },
    });
    progress('checking metadata');
    // Nothing new (the common case) is decided by spec 5.3-5.4 alone, see unchangedSince.
    const quick =
      prevDir !== undefined && !options.offline && !options.collect
        ? await unchangedSince({ source, base, limits, tempDir: join(work, 'tmp'), prevFiles, root, now, verifier })
        : undefined;
    let set: Required<TrustedSet>;
    let unchanged: boolean;
    if (quick !== undefined) {
      set = quick.set;
      unchanged = true;
    } else {
      try {
        await updater.refresh();
      } catch (err) {
        throw mapUpdateError(err, fetcher.lastError);
      }
      // After tuf-js: our strict checks on exactly what it persisted.
      const files: Partial<Record<RoleName, Uint8Array>> = {};
      for (const role of ROLE_FILES) files[role] = await readMeta(work, role);
      set = verifyTrustedSet(files as Record<RoleName, Uint8Array>, now, verifier);
      // What tuf-js kept must be what our tracker accepted, file for file (offline: nothing was fetched).
      const ours = {
        root: tracker.root,
        timestamp: tracker.timestamp,
        snapshot: tracker.snapshot,
        targets: tracker.targets,
      };
      if (!options.offline && ROLE_FILES.some((r) => !sameBytes(files[r], ours[r]?.bytes))) {
        throw new CpansecError('REPO_TRUST', 'tuf-js and our own checks ended on different metadata', {
          hint: 'nothing was trusted; please report this',
        });
      }
      unchanged = prevDir !== undefined && ROLE_FILES.every((r) => sameBytes(files[r], prevFiles[r]));
    }
    const { entries, revoked } = readEntries(set.targets.signed);
    const problems: Problem[] = [];
    let downloaded = 0;
    let reused = 0;
    const result = (generation: string, changed: boolean): PullResult => ({
      source: options.source.display,
      cacheDir: options.cacheDir,
      generation,
      changed,
      versions: {
        root: set.root.signed.version,
        timestamp: set.timestamp.signed.version,
        snapshot: set.snapshot.signed.version,
        targets: set.targets.signed.version,
      },
      expires: {
        root: set.root.signed.expires,
        timestamp: set.timestamp.signed.expires,
        snapshot: set.snapshot.signed.expires,
        targets: set.targets.signed.expires,
      },
      consistentSnapshot: set.root.signed.consistent_snapshot,
      patches: entries.length,
      revoked,
      downloaded,
      reused,
      requests: (quick?.requests ?? 0) + fetcher.requests,
      ...(gitInfo ? { git: gitInfo } : {}),
      problems,
    });
    // Nothing new: the current generation stays (its targets were verified when it was made).
    if (unchanged && previous !== undefined && !options.collect) return result(previous, false);

    // Targets: reuse what the current generation holds (same hash), download the rest.
    const paths = entries.flatMap((e) => [e.path, e.signaturePath]);
    let done = 0;
    await pool(paths, limits.downloadConcurrency, async (path) => {
      const dest = join(work, 'targets', ...path.split('/'));
      try {
        await mkdir(dirname(dest), { recursive: true });
        const info = set.targets.signed.targets[path];
        const old =
          prevDir === undefined
            ? undefined
            : await readInside(prevDir, `targets/${path}`, info?.length ?? 0).catch(() => undefined);
        if (
          old !== undefined &&
          info !== undefined &&
          old.length === info.length &&
          sha256Hex(old) === info.hashes['sha256']
        ) {
          await link(join(prevDir as string, 'targets', ...path.split('/')), dest).catch(() => writeFile(dest, old));
          reused++;
        } else {
          const tinfo = await updater.getTargetInfo(path);
          if (tinfo === undefined) throw new CpansecError('REPO_TRUST', `${path} vanished from the targets`);
          try {
            await updater.downloadTarget(tinfo, dest);
          } catch (err) {
            throw mapUpdateError(err, undefined);
          }
          downloaded++;
        }
      } catch (err) {
        const e = mapUpdateError(err, undefined);
        if (!options.collect) throw e;
        problems.push({ target: path, code: e.code, message: e.message });
      }
      if (++done % 200 === 0 || done === paths.length) progress(`targets ${done}/${paths.length}`);
    });

    // Patches: minisign signatures by keys the verified root gives the targets role.
    progress('checking patch signatures');
    const bad = new Set(problems.map((p) => p.target.replace(/\.minisig$/, '')));
    problems.push(
      ...(await checkPatchFiles(
        join(work, 'targets'),
        entries.filter((e) => !bad.has(e.path)),
        set.root.signed,
        {
          ...(options.crypto ?? {}),
          collect: options.collect === true,
        },
      )),
    );
    if (problems.length > 0) return result(previous ?? '', false);
    const state = { source: options.source.display, pulledAt: new Date(now).toISOString(), patches: entries.length };
    await writeFile(join(work, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
    const generation = await commitGeneration(options.cacheDir, work);
    return result(generation, true);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Reads the verified entries of the current generation of a cache (no network, re-verified). */
export async function readCachedEntries(
  cacheDir: string,
  now: number,
  verifier?: Ed25519Verifier,
): Promise<
  | { generation: string; entries: PatchEntry[]; revoked: RevokedEntry[]; set: ReturnType<typeof verifyTrustedSet> }
  | undefined
> {
  const generation = await currentGeneration(cacheDir);
  if (generation === undefined) return undefined;
  const dir = join(cacheDir, generation);
  const files: Partial<Record<RoleName, Uint8Array>> = {};
  for (const role of ROLE_FILES) files[role] = await readMeta(dir, role);
  if (ROLE_FILES.some((r) => files[r] === undefined)) return undefined;
  const set = verifyTrustedSet(files as Record<RoleName, Uint8Array>, now, verifier);
  return { generation, ...readEntries(set.targets.signed), set };
}
