/**
 * `repo verify [DIR|URL]`: everything a client would check, with public keys
 * only, reporting every problem rather than the first: the TUF chain from the
 * trusted root (by default the repository's own 1.root.json: this checks the
 * repository is whole and self-consistent; pass the root you trust to check
 * it is the one you expect), every target's length and hash, every patch's
 * minisign signature and trusted comment, every header; and for a directory,
 * what a client never sees: files nobody lists, key files, the revocation
 * list, an unfinished publish.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveLimits } from '../core/limits.js';
import { parsePatchFile, validatePatchFile } from '../core/patch/patch-file.js';
import { CpansecError } from '../errors.js';
import { parsePublicKey } from '../sign/key-format.js';
import { readCachedEntries, pullRepository } from './pull.js';
import { roleKeys } from './keys.js';
import { HASHED_NAME_RE, JOURNAL_FILE, KEYS_DIR, METADATA_DIR, REVOCATIONS_FILE, TARGETS_DIR } from './layout.js';
import { DEFAULT_REPO_LIMITS } from './limits.js';
import { listInside, readInside } from './repo-fs.js';
import { syncGitCheckout } from './git.js';
import type { PatchCrypto } from './patch-check.js';
import type { Problem, PullResult } from './pull.js';
import type { RepoSource } from './source.js';
import type { RoleName } from './tuf-model.js';

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

async function firstRoot(source: RepoSource): Promise<Uint8Array> {
  if (source.kind === 'http') {
    const res = await fetch(`${source.url}${METADATA_DIR}/1.root.json`, { redirect: 'error' });
    const body = new Uint8Array(await res.arrayBuffer());
    if (!res.ok || body.length > DEFAULT_REPO_LIMITS.rootMaxBytes) {
      throw new CpansecError('NETWORK', `cannot read ${source.url}${METADATA_DIR}/1.root.json (HTTP ${res.status})`);
    }
    return body;
  }
  const dir = (source as { dir: string }).dir;
  const bytes = await readInside(dir, `${METADATA_DIR}/1.root.json`, DEFAULT_REPO_LIMITS.rootMaxBytes);
  if (bytes === undefined) throw new CpansecError('FILE_NOT_FOUND', `${dir} has no ${METADATA_DIR}/1.root.json`);
  return bytes;
}

/** Checks of a repository directory that no client makes (it never lists directories). */
async function checkDirectory(
  dir: string,
  listed: Set<string>,
  pulled: PullResult,
  cacheDir: string,
): Promise<Problem[]> {
  const problems: Problem[] = [];
  const add = (target: string, code: string, message: string): void => {
    problems.push({ target, code, message });
  };
  if ((await readInside(dir, `${METADATA_DIR}/${JOURNAL_FILE}`, 1_000_000)) !== undefined) {
    add(`${METADATA_DIR}/${JOURNAL_FILE}`, 'IO', 'a publish was interrupted; run "repo publish" to finish it');
  }
  for (const d of (await listInside(dir, TARGETS_DIR)).dirs) {
    const l = await listInside(dir, `${TARGETS_DIR}/${d}`);
    for (const name of [...l.dirs, ...l.other])
      add(`${TARGETS_DIR}/${d}/${name}`, 'UNSAFE_ENTRY', 'not a regular file');
    for (const name of l.files) {
      if (HASHED_NAME_RE.test(name)) continue;
      if (!listed.has(`${d}/${name}`))
        add(
          `${TARGETS_DIR}/${d}/${name}`,
          'REPO_TRUST',
          'in the folder but not in the signed targets (run "repo publish", or remove it)',
        );
    }
  }
  const cached = await readCachedEntries(cacheDir, Date.now());
  if (cached !== undefined) {
    const root = cached.set.root.signed;
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
    // Every listed patch's header, in full (publishing refuses incomplete headers).
    for (const e of cached.entries) {
      const bytes = await readInside(join(cacheDir, cached.generation, 'targets'), e.path, e.length);
      if (bytes === undefined) continue;
      const issues = validatePatchFile(parsePatchFile(bytes, { limits: resolveLimits() })).issues.filter(
        (i) => i.severity === 'error',
      );
      for (const i of issues) add(e.path, 'HEADER_INVALID', `line ${i.line || '-'}: ${i.message}`);
    }
    const local = await readInside(dir, REVOCATIONS_FILE, 16 * 1024 * 1024);
    let ids: string[] = [];
    try {
      const list: unknown = local === undefined ? [] : JSON.parse(new TextDecoder().decode(local));
      ids = Array.isArray(list) ? list.map((r: { patchId?: unknown }) => String(r?.patchId)) : [];
    } catch {
      add(REVOCATIONS_FILE, 'CONFIG_INVALID', 'not valid JSON');
    }
    const signed = pulled.revoked.map((r) => r.patchId);
    for (const id of ids)
      if (!signed.includes(id))
        add(
          REVOCATIONS_FILE,
          'REPO_TRUST',
          `${id} is revoked here but not yet in the signed targets (run "repo publish")`,
        );
  }
  return problems;
}

export async function verifyRepository(options: VerifyRepositoryOptions): Promise<VerifyRepositoryResult> {
  const temp = await mkdtemp(join(tmpdir(), 'cpansec-verify-'));
  try {
    let source = options.source;
    if (source.kind === 'git') {
      const dir = join(temp, 'checkout');
      await syncGitCheckout(source.url, dir);
      source = { kind: 'dir', dir, display: source.display };
    }
    const trustRoot = options.trustRoot ?? (await firstRoot(source));
    const cacheDir = join(temp, 'cache');
    let pulled: PullResult;
    try {
      pulled = await pullRepository({
        source,
        cacheDir,
        trustRoot,
        collect: true,
        ...(options.now === undefined ? {} : { now: options.now }),
        ...(options.crypto ? { crypto: options.crypto } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      });
    } catch (err) {
      if (!(err instanceof CpansecError)) throw err;
      return {
        ok: false,
        source: options.source.display,
        patches: 0,
        revoked: 0,
        problems: [{ target: 'metadata', code: err.code, message: err.message }],
      };
    }
    const problems = [...pulled.problems];
    if (source.kind === 'dir' && problems.length === 0) {
      const cached = await readCachedEntries(cacheDir, options.now ?? Date.now());
      const listed = new Set(cached?.entries.flatMap((e) => [e.path, e.signaturePath]) ?? []);
      problems.push(...(await checkDirectory(source.dir, listed, pulled, cacheDir)));
    }
    return {
      ok: problems.length === 0,
      source: options.source.display,
      versions: pulled.versions,
      expires: pulled.expires,
      patches: pulled.patches,
      revoked: pulled.revoked.length,
      problems,
    };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
