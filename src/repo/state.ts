/**
 * The current state of a repository directory, as its author sees it: the
 * latest root, the current timestamp, snapshot and targets (found the way a
 * client finds them), the authoring settings and revocations. Also the
 * publish journal: a publish that died half-way is finished here first.
 */
import { rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CpansecError } from '../errors.js';
import { readFileLimited } from '../files/read.js';
import { CONFIG_FILE, DEFAULT_EXPIRY, JOURNAL_FILE, METADATA_DIR, REVOCATIONS_FILE, metadataName } from './layout.js';
import { DEFAULT_REPO_LIMITS } from './limits.js';
import { readInside } from './repo-fs.js';
import { parseMetadata } from './tuf-model.js';
import type { Parsed, RevokedRecord, RoleName } from './tuf-model.js';

export interface RepoConfig {
  format: 1;
  expires: Record<RoleName, string>;
}

export interface RepoState {
  dir: string;
  root: Parsed<'root'>;
  consistent: boolean;
  timestamp: Parsed<'timestamp'> | undefined;
  snapshot: Parsed<'snapshot'> | undefined;
  targets: Parsed<'targets'> | undefined;
  config: RepoConfig;
  revocations: RevokedRecord[];
}

function parseJsonFile(bytes: Uint8Array | undefined, what: string): unknown {
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new CpansecError('CONFIG_INVALID', `${what} is not valid JSON`, { details: { file: what } });
  }
}

/** Finishes the renames of an interrupted publish (roll forward). Returns true when there was one. */
export async function recoverPublish(dir: string): Promise<boolean> {
  const journalPath = join(dir, METADATA_DIR, JOURNAL_FILE);
  const bytes = await readInside(dir, `${METADATA_DIR}/${JOURNAL_FILE}`, 1_000_000);
  if (bytes === undefined) return false;
  const journal = parseJsonFile(bytes, JOURNAL_FILE) as { renames?: [string, string][] };
  for (const [from, to] of journal.renames ?? []) {
    // Names were written by us, inside metadata/; refuse anything else.
    if (![from, to].every((n) => typeof n === 'string' && /^[A-Za-z0-9._-]+$/.test(n))) {
      throw new CpansecError('CONFIG_INVALID', `${journalPath} names a file outside metadata/`);
    }
    await rename(join(dir, METADATA_DIR, from), join(dir, METADATA_DIR, to)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
  await unlink(journalPath);
  return true;
}

async function readRole<R extends RoleName>(dir: string, role: R, name: string): Promise<Parsed<R> | undefined> {
  const max = role === 'targets' ? DEFAULT_REPO_LIMITS.targetsMaxBytes : DEFAULT_REPO_LIMITS.snapshotMaxBytes;
  const bytes = await readInside(dir, `${METADATA_DIR}/${name}`, max);
  return bytes === undefined ? undefined : parseMetadata(role, bytes);
}

/** @throws CpansecError FILE_NOT_FOUND (not a repository), METADATA_INVALID, CONFIG_INVALID */
export async function loadRepoState(dir: string): Promise<RepoState> {
  const rootBytes = await readInside(dir, `${METADATA_DIR}/root.json`, DEFAULT_REPO_LIMITS.rootMaxBytes);
  if (rootBytes === undefined) {
    throw new CpansecError(
      'FILE_NOT_FOUND',
      `${dir} is not a cpansec-patch repository (no ${METADATA_DIR}/root.json)`,
      {
        hint: 'create one with "cpansec-patch repo init", or pass --repo DIR',
        details: { path: dir },
      },
    );
  }
  const root = parseMetadata('root', rootBytes);
  const consistent = root.signed.consistent_snapshot;
  const timestamp = await readRole(dir, 'timestamp', 'timestamp.json');
  let snapshot: Parsed<'snapshot'> | undefined;
  let targets: Parsed<'targets'> | undefined;
  if (timestamp !== undefined) {
    const sv = timestamp.signed.meta['snapshot.json'].version;
    snapshot = await readRole(dir, 'snapshot', metadataName('snapshot', sv, consistent));
    const tv = snapshot?.signed.meta['targets.json']?.version;
    if (tv !== undefined) targets = await readRole(dir, 'targets', metadataName('targets', tv, consistent));
  }
  const rawConfig = parseJsonFile(await readInside(dir, CONFIG_FILE, 100_000), CONFIG_FILE) as
    Partial<RepoConfig> | undefined;
  const config: RepoConfig = { format: 1, expires: { ...DEFAULT_EXPIRY, ...(rawConfig?.expires ?? {}) } };
  const revocations = (parseJsonFile(await readInside(dir, REVOCATIONS_FILE, 16 * 1024 * 1024), REVOCATIONS_FILE) ??
    []) as RevokedRecord[];
  if (!Array.isArray(revocations)) throw new CpansecError('CONFIG_INVALID', `${REVOCATIONS_FILE} must be a JSON list`);
  return { dir, root, consistent, timestamp, snapshot, targets, config, revocations };
}

/** Reads a file the caller names on the command line (a trust root), bounded. */
export async function readRootFile(path: string): Promise<Uint8Array> {
  return readFileLimited(path, DEFAULT_REPO_LIMITS.rootMaxBytes, 'trusted root');
}
