/**
 * `repo verify [DIR|URL]`: everything a client checks, with public keys only,
 * reporting every problem rather than the first. It is our own verifier
 * (tuf-trust.ts), independent of tuf-js, which is the client: a repository
 * is only published when both accept it (the tests pull every repository
 * they make through tuf-js).
 *
 * From the trusted root (by default the repository's own 1.root.json: this
 * proves the repository whole and self-consistent; pass the root you trust
 * to check whose it is): the root chain, timestamp, snapshot and targets;
 * every target's length and hash (under its hash name too, with consistent
 * snapshots); every patch's minisign signature, trusted comment, signer and
 * full header; and for a folder what no client sees: files nobody lists, key
 * files, unpublished revocations, an unfinished publish.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { validatePatchFile } from '../core/patch/patch-file.js';
import { CpansecError } from '../errors.js';
import { parsePublicKey } from '../sign/key-format.js';
import { readEntries } from './entries.js';
import { CpansecFetcher, directorySource, httpSource } from './fetchers.js';
import { syncGitCheckout } from './git.js';
import { roleKeys } from './keys.js';
import {
  HASHED_NAME_RE,
  JOURNAL_FILE,
  KEYS_DIR,
  METADATA_DIR,
  REVOCATIONS_FILE,
  TARGETS_DIR,
  hashedTargetPath,
  metadataName,
} from './layout.js';
import { DEFAULT_REPO_LIMITS } from './limits.js';
import { verifyPatchBytes } from './patch-check.js';
import { listInside, readInside } from './repo-fs.js';
import { TrustTracker } from './tuf-trust.js';
import { sha256Hex } from './tuf-model.js';
import type { PatchEntry } from './entries.js';
import type { PatchCrypto } from './patch-check.js';
import type { Problem } from './pull.js';
import type { RepoSource } from './source.js';
import type { RoleName, RootSigned, TargetInfo } from './tuf-model.js';

export interface VerifyRepositoryOptions {
  source: RepoSource;
  /** The root to start from; default the repository's own metadata/1.root.json. */
  trustRoot?: Uint8Array;
  now?: number;
  crypto?: PatchCrypto;
  onProgress?: (message: string) => void;
}

export interface VerifyRepositoryResult {
  ok: boolean;
  source: string;
  versions?: Record<RoleName, number>;
  expires?: Record<RoleName, string>;
  patches: number;
  revoked: number;
  problems: Problem[];
}

/** Reads one file of the repository (path relative to its top), or undefined when it is not there. */
type Reader = (path: string, maxBytes: number) => Promise<Uint8Array | undefined>;

function readerFor(source: RepoSource & { kind: 'dir' | 'embedded' | 'http' }, tempDir: string): Reader {
  const base = source.kind === 'http' ? source.url : `${pathToFileURL(source.dir).href}/`;
  const fetcher = new CpansecFetcher(
    source.kind === 'http' ? httpSource('cpansec-patch') : directorySource(source.dir),
    base,
    DEFAULT_REPO_LIMITS,
    tempDir,
  );
  return async (path, maxBytes) => {
    try {
      return await fetcher.downloadBytes(`${base}${path.split('/').map(encodeURIComponent).join('/')}`, maxBytes);
    } catch (err) {
      if (err instanceof Error && err.constructor.name === 'DownloadHTTPError') return undefined;
      throw err;
    }
  };
}

const L = DEFAULT_REPO_LIMITS;

/** The TUF chain, as a client walks it; throws at the first problem (nothing after it can be checked). */
async function verifyMetadata(read: Reader, trustRoot: Uint8Array | undefined, now: number, crypto: PatchCrypto) {
  const first = trustRoot ?? (await read(`${METADATA_DIR}/1.root.json`, L.rootMaxBytes));
  if (first === undefined) throw new CpansecError('FILE_NOT_FOUND', `no ${METADATA_DIR}/1.root.json`);
  const tracker = new TrustTracker({ root: TrustTracker.trustedRoot(first, crypto.verifier) }, now, crypto.verifier);
  for (let i = 0; i < L.maxRootRotations; i++) {
    const next = await read(`${METADATA_DIR}/${tracker.root.signed.version + 1}.root.json`, L.rootMaxBytes);
    if (next === undefined) break;
    tracker.updateRoot(next);
  }
  const need = async (name: string, max: number): Promise<Uint8Array> => {
    const bytes = await read(`${METADATA_DIR}/${name}`, max);
    if (bytes === undefined) throw new CpansecError('REPO_TRUST', `${METADATA_DIR}/${name} is missing`);
    return bytes;
  };
  const consistent = tracker.root.signed.consistent_snapshot;
  tracker.updateTimestamp(await need('timestamp.json', L.timestampMaxBytes));
  const snap = tracker.timestamp?.signed.meta['snapshot.json'];
  tracker.updateSnapshot(
    await need(metadataName('snapshot', snap?.version ?? 0, consistent), snap?.length ?? L.snapshotMaxBytes),
  );
  const tgt = tracker.snapshot?.signed.meta['targets.json'];
  tracker.updateTargets(
    await need(metadataName('targets', tgt?.version ?? 0, consistent), tgt?.length ?? L.targetsMaxBytes),
  );
  return tracker.final();
}

async function verifyTargets(
  read: Reader,
  entries: PatchEntry[],
  root: RootSigned,
  targets: Record<string, TargetInfo>,
  crypto: PatchCrypto,
  progress: (m: string) => void,
): Promise<Problem[]> {
  const problems: Problem[] = [];
  const consistent = root.consistent_snapshot;
  // A client downloads each target by its signed length and hash (under its hash name with consistent snapshots).
  const fetchTarget = async (path: string): Promise<Uint8Array> => {
    const info = targets[path] as TargetInfo;
    const sha256 = info.hashes['sha256'] as string;
    const bytes = await read(`${TARGETS_DIR}/${consistent ? hashedTargetPath(path, sha256) : path}`, info.length);
    if (bytes === undefined) throw new CpansecError('FILE_NOT_FOUND', `${path} is listed but missing`);
    if (bytes.length !== info.length || sha256Hex(bytes) !== sha256) {
      throw new CpansecError('CHECKSUM_MISMATCH', `${path} does not match its signed length and hash`);
    }
    return bytes;
  };
  let done = 0;
  // Reads overlap (a folder or a server answers several at once); the checks are CPU.
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < entries.length) {
      const e = entries[next++] as PatchEntry;
      try {
        const [bytes, signature] = await Promise.all([fetchTarget(e.path), fetchTarget(e.signaturePath)]);
        const verified = verifyPatchBytes(e, bytes, signature, root, crypto);
        for (const i of validatePatchFile(verified.file).issues) {
          if (i.severity === 'error') {
            problems.push({ target: e.path, code: 'HEADER_INVALID', message: `line ${i.line || '-'}: ${i.message}` });
          }
        }
      } catch (err) {
        if (!(err instanceof CpansecError)) throw err;
        problems.push({ target: e.path, code: err.code, message: err.message });
      }
      if (++done % 500 === 0) progress(`patches ${done}/${entries.length}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return problems.sort((x, y) => (x.target < y.target ? -1 : x.target > y.target ? 1 : 0));
}

/** Checks of a repository folder that no client makes (it never lists folders). */
async function checkDirectory(
  dir: string,
  listed: Set<string>,
  root: RootSigned,
  revoked: string[],
): Promise<Problem[]> {
  const problems: Problem[] = [];
  const add = (target: string, code: string, message: string): void => void problems.push({ target, code, message });
  if ((await readInside(dir, `${METADATA_DIR}/${JOURNAL_FILE}`, 1_000_000)) !== undefined) {
    add(`${METADATA_DIR}/${JOURNAL_FILE}`, 'IO', 'a publish was interrupted; run "repo publish" to finish it');
  }
  for (const d of (await listInside(dir, TARGETS_DIR)).dirs) {
    const l = await listInside(dir, `${TARGETS_DIR}/${d}`);
    for (const name of [...l.dirs, ...l.other])
      add(`${TARGETS_DIR}/${d}/${name}`, 'UNSAFE_ENTRY', 'not a regular file');
    for (const name of l.files) {
      if (!HASHED_NAME_RE.test(name) && !listed.has(`${d}/${name}`)) {
        add(
          `${TARGETS_DIR}/${d}/${name}`,
          'REPO_TRUST',
          'in the folder but not in the signed targets (run "repo publish", or remove it)',
        );
      }
    }
  }
  const trusted = new Set(
    (['root', 'targets', 'snapshot', 'timestamp'] as const).flatMap((r) =>
      roleKeys(root, r).map((k) => k.minisign.keyIdHex),
    ),
  );
  for (const name of (await listInside(dir, KEYS_DIR)).files) {
    try {
      const key = parsePublicKey((await readInside(dir, `${KEYS_DIR}/${name}`, 4096)) as Uint8Array);
      const match = Object.values(root.keys).some((k) => k.keyval.public === Buffer.from(key.key).toString('hex'));
      if (!match || !trusted.has(key.keyIdHex))
        add(`${KEYS_DIR}/${name}`, 'KEY_UNTRUSTED', 'a key the root does not list');
    } catch (err) {
      add(`${KEYS_DIR}/${name}`, err instanceof CpansecError ? err.code : 'KEY_INVALID', (err as Error).message);
    }
  }
  const local = await readInside(dir, REVOCATIONS_FILE, 16 * 1024 * 1024);
  try {
    const list: unknown = local === undefined ? [] : JSON.parse(new TextDecoder().decode(local));
    const ids = Array.isArray(list) ? list.map((r: { patchId?: unknown }) => String(r?.patchId)) : [];
    for (const id of ids) {
      if (!revoked.includes(id))
        add(
          REVOCATIONS_FILE,
          'REPO_TRUST',
          `${id} is revoked here but not yet in the signed targets (run "repo publish")`,
        );
    }
  } catch {
    add(REVOCATIONS_FILE, 'CONFIG_INVALID', 'not valid JSON');
  }
  return problems;
}

export async function verifyRepository(options: VerifyRepositoryOptions): Promise<VerifyRepositoryResult> {
  const temp = await mkdtemp(join(tmpdir(), 'cpansec-verify-'));
  const crypto = options.crypto ?? {};
  const progress = options.onProgress ?? (() => undefined);
  try {
    let source = options.source;
    if (source.kind === 'git') {
      const dir = join(temp, 'checkout');
      await syncGitCheckout(source.url, dir);
      source = { kind: 'dir', dir, display: source.display };
    }
    const read = readerFor(source, temp);
    const fail = (err: unknown): VerifyRepositoryResult => {
      if (!(err instanceof CpansecError)) throw err;
      return {
        ok: false,
        source: options.source.display,
        patches: 0,
        revoked: 0,
        problems: [{ target: 'metadata', code: err.code, message: err.message }],
      };
    };
    let set;
    let listing;
    try {
      progress('checking metadata');
      set = await verifyMetadata(read, options.trustRoot, options.now ?? Date.now(), crypto);
      listing = readEntries(set.targets.signed);
    } catch (err) {
      return fail(err);
    }
    const { entries, revoked } = listing;
    const problems = await verifyTargets(read, entries, set.root.signed, set.targets.signed.targets, crypto, progress);
    if (source.kind === 'dir' || source.kind === 'embedded') {
      const listed = new Set(entries.flatMap((e) => [e.path, e.signaturePath]));
      problems.push(
        ...(await checkDirectory(
          source.dir,
          listed,
          set.root.signed,
          revoked.map((r) => r.patchId),
        )),
      );
    }
    const signed = (r: RoleName) => set[r].signed;
    return {
      ok: problems.length === 0,
      source: options.source.display,
      versions: {
        root: signed('root').version,
        timestamp: signed('timestamp').version,
        snapshot: signed('snapshot').version,
        targets: signed('targets').version,
      },
      expires: {
        root: signed('root').expires,
        timestamp: signed('timestamp').expires,
        snapshot: signed('snapshot').expires,
        targets: signed('targets').expires,
      },
      patches: entries.length,
      revoked: revoked.length,
      problems,
    };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
