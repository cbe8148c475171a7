/**
 * `cpansec-patch repo init|add|publish|rotate-key|revoke`: the authoring side
 * of a patch repository (docs/repository-format.md). Secret keys are read and
 * unlocked here, with the password sources of `sign`; the repository adapter
 * gets opened keys. node:crypto does the hashing.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { nodeBlake2b512, nodeEd25519 } from '../crypto/node-ed25519.js';
import { resolveLimits } from '../core/limits.js';
import { formatPatchFile, parsePatchFile } from '../core/patch/patch-file.js';
import { applyFieldEdits } from '../core/upstream/retire.js';
import { CpansecError, inContext } from '../errors.js';
import { readFileLimited } from '../files/read.js';
import {
  addPatch,
  findPatchFile,
  initRepository,
  loadRepoState,
  parseExpirySpec,
  publishRepository,
  repoSigner,
  revokePatch,
  rotateKey,
} from '../repo/index.js';
import { openSecretKey, readKeyBytes } from './key-files.js';
import { parseKeyFile } from '../sign/key-format.js';
import type { FieldEdit } from '../core/upstream/retire.js';
import type { AddResult, PublishResult } from '../repo/index.js';
export type { AddResult, PublishResult } from '../repo/index.js';
import type { RevokedEntry } from '../repo/index.js';
import type { PublicKey, SecretKey } from '../sign/key-format.js';
import type { PasswordSource } from './key-files.js';

const CRYPTO = { verifier: nodeEd25519, hasher: nodeBlake2b512 };
type Role = 'root' | 'targets' | 'snapshot' | 'timestamp';

interface KeyOptions {
  password?: PasswordSource;
  onNote?: (message: string) => void;
  /** Clock, for tests; default now. */
  now?: number;
}

const list = (v: string | readonly string[] | undefined): string[] =>
  v === undefined ? [] : typeof v === 'string' ? [v] : [...v];

async function openKeys(paths: readonly string[], options: KeyOptions): Promise<SecretKey[]> {
  const keys: SecretKey[] = [];
  for (const p of paths) keys.push(await openSecretKey(p, options.password, options.onNote));
  return keys;
}

export interface RepoInitOptions extends KeyOptions {
  dir: string;
  rootKey: string | readonly string[];
  publisherKey: string | readonly string[];
  threshold?: number;
  publisherThreshold?: number;
  consistentSnapshot?: boolean;
  /** "30d" or "timestamp=1d,snapshot=7d" (repeatable). */
  expires?: readonly string[];
}

export type RepoInitResult = PublishResult & { dir: string; keys: Record<string, string> };

/** @throws CpansecError FILE_EXISTS, USAGE, KEY_NOT_FOUND, KEY_INVALID, KEY_PASSWORD, IO */
export async function repoInit(options: RepoInitOptions): Promise<RepoInitResult> {
  const roots = await openKeys(list(options.rootKey), options);
  const pubs = await openKeys(list(options.publisherKey), options);
  if (roots.length === 0 || pubs.length === 0) {
    throw new CpansecError('USAGE', 'repo init needs --root-key and --publisher-key');
  }
  const dir = resolve(options.dir);
  const result = await initRepository({
    dir,
    rootKeys: roots.map(repoSigner),
    publisherKeys: pubs.map(repoSigner),
    ...(options.threshold === undefined ? {} : { threshold: options.threshold }),
    ...(options.publisherThreshold === undefined ? {} : { publisherThreshold: options.publisherThreshold }),
    consistentSnapshot: options.consistentSnapshot === true,
    expires: parseExpirySpec(options.expires ?? []),
    now: options.now ?? Date.now(),
  });
  return { dir, ...result };
}

export interface RepoAddOptions extends KeyOptions {
  repo: string;
  patch: string;
  key: string;
  replace?: boolean;
}

/** @throws CpansecError HEADER_INVALID, PATCH_PARSE, FILE_EXISTS, KEY_UNTRUSTED, KEY_*, IO */
export async function repoAdd(options: RepoAddOptions): Promise<AddResult & { repo: string }> {
  const [key] = await openKeys([options.key], options);
  const repo = resolve(options.repo);
  const result = await addPatch({
    dir: repo,
    patch: options.patch,
    key: key as SecretKey,
    replace: options.replace === true,
    now: options.now ?? Date.now(),
    hasher: nodeBlake2b512,
  });
  return { repo, ...result };
}

export interface RepoPublishOptions extends KeyOptions {
  repo: string;
  /** Secret keys of the targets, snapshot and timestamp roles. */
  key: string | readonly string[];
  expires?: readonly string[];
}

/** @throws CpansecError KEY_UNTRUSTED (missing role keys), HEADER_INVALID, UNSIGNED, SIGNATURE_*, IO */
export async function repoPublish(options: RepoPublishOptions): Promise<PublishResult & { repo: string }> {
  const repo = resolve(options.repo);
  const keys = await openKeys(list(options.key), options);
  const state = await loadRepoState(repo);
  const result = await publishRepository(state, {
    signers: keys.map(repoSigner),
    expires: parseExpirySpec(options.expires ?? []),
    now: options.now ?? Date.now(),
    crypto: CRYPTO,
  });
  return { repo, ...result };
}

export interface RepoRotateKeyOptions extends KeyOptions {
  repo: string;
  role: Role;
  /** The new secret key. */
  newKey: string;
  /** The key to take out (public or secret key file); default every current key of the role. */
  oldKey?: string;
  /** Current root secret key(s), to sign the new root. */
  rootKey: string | readonly string[];
  /** Secret keys of the other roles, to publish with. */
  key?: string | readonly string[];
  expires?: readonly string[];
}

async function readAnyPublicKey(path: string): Promise<PublicKey> {
  const parsed = parseKeyFile(await readKeyBytes(path, 'key'), 'key');
  if (parsed.kind === 'public') return parsed.key;
  throw new CpansecError('USAGE', `${path}: name the key to take out by its public key file (.pub)`);
}

/** @throws CpansecError KEY_UNTRUSTED (not enough root keys), KEY_NOT_FOUND, KEY_*, IO */
export async function repoRotateKey(
  options: RepoRotateKeyOptions,
): Promise<PublishResult & { repo: string; role: Role; removed: string[]; added: string }> {
  if (!['root', 'targets', 'snapshot', 'timestamp'].includes(options.role)) {
    throw new CpansecError('USAGE', `--role must be root, targets, snapshot or timestamp, not ${options.role}`);
  }
  const repo = resolve(options.repo);
  const [newSecret] = await openKeys([options.newKey], options);
  const signers = [
    ...(await openKeys(list(options.rootKey), options)),
    ...(await openKeys(list(options.key), options)),
  ];
  const oldKey = options.oldKey === undefined ? undefined : await readAnyPublicKey(options.oldKey);
  const result = await rotateKey({
    dir: repo,
    role: options.role,
    newKey: repoSigner(newSecret as SecretKey),
    newSecret: newSecret as SecretKey,
    ...(oldKey ? { oldKey } : {}),
    signers: signers.map(repoSigner),
    expires: parseExpirySpec(options.expires ?? []),
    now: options.now ?? Date.now(),
    hasher: nodeBlake2b512,
  });
  return { repo, role: options.role, ...result };
}

export interface RepoRevokeOptions {
  repo: string;
  patchId: string;
  reason: string;
  now?: number;
}

/** @throws CpansecError PATCH_NOT_FOUND, USAGE (no reason), IO */
export async function repoRevoke(
  options: RepoRevokeOptions,
): Promise<RevokedEntry & { repo: string; alreadyRevoked: boolean }> {
  const repo = resolve(options.repo);
  const result = await revokePatch({
    dir: repo,
    patchId: options.patchId,
    reason: options.reason,
    now: options.now ?? Date.now(),
  });
  return { repo, ...result };
}

export interface RepoEditPatchOptions extends KeyOptions {
  repo: string;
  patchId: string;
  /** Header fields to set; each rewrites only its own lines (setField). */
  fields: readonly FieldEdit[];
  /**
   * Secret keys: the first signs the patch (a publisher key); all of them sign the
   * metadata at publish (the targets, snapshot and timestamp roles).
   */
  key: string | readonly string[];
  expires?: readonly string[];
  /** New fields go after this one when it is present (default: at the end of the header). */
  after?: string;
  /** Also set Last-Update to today when something changes (default true). */
  touchLastUpdate?: boolean;
}

export interface RepoEditPatchResult {
  repo: string;
  patchId: string;
  /** patches/<Dist>/<Patch-Id>.patch */
  path: string;
  /** The fields that changed; empty when the header already said all of it (nothing re-signed). */
  changed: string[];
  add?: AddResult;
  publish?: PublishResult;
}

/**
 * Edits header fields of a patch already in a repository working copy, then
 * re-signs it (as `repo add --replace`) and publishes (as `repo publish`).
 * Nothing is written when every field already has its value.
 * @throws CpansecError PATCH_NOT_FOUND, HEADER_INVALID (the edited header), KEY_*, IO
 */
export async function repoEditPatch(options: RepoEditPatchOptions): Promise<RepoEditPatchResult> {
  const repo = resolve(options.repo);
  const rel = await findPatchFile(repo, options.patchId);
  if (rel === undefined) {
    throw new CpansecError('PATCH_NOT_FOUND', `no patch ${options.patchId} in ${repo}`, {
      hint: 'the Patch-Id must be in the repository working copy (--repo DIR)',
      details: { patchId: options.patchId, repo },
    });
  }
  const limits = resolveLimits();
  const bytes = await readFileLimited(join(repo, rel), limits.maxPatchBytes, 'patch file');
  let file;
  try {
    file = parsePatchFile(bytes, { limits });
  } catch (err) {
    throw inContext(err, rel, 'PATCH_PARSE', { file: rel });
  }
  const now = options.now ?? Date.now();
  const edited = applyFieldEdits(
    file.header,
    options.fields,
    options.after === undefined ? {} : { after: options.after },
  );
  if (edited.changed.length === 0) return { repo, patchId: options.patchId, path: rel, changed: [] };
  const header =
    options.touchLastUpdate === false
      ? edited.header
      : applyFieldEdits(edited.header, [{ name: 'Last-Update', value: new Date(now).toISOString().slice(0, 10) }])
          .header;
  const keys = list(options.key);
  if (keys.length === 0) throw new CpansecError('USAGE', 'editing a published patch needs the publisher key (--key)');
  const scratch = await mkdtemp(join(tmpdir(), 'cpansec-edit-'));
  try {
    const path = join(scratch, `${options.patchId}.patch`);
    await writeFile(path, formatPatchFile({ ...file, header }));
    const add = await repoAdd({ ...options, repo, patch: path, key: keys[0] as string, replace: true, now });
    const publish = await repoPublish({ ...options, repo, key: keys, now });
    const { repo: _r1, ...addResult } = add;
    const { repo: _r2, ...publishResult } = publish;
    return {
      repo,
      patchId: options.patchId,
      path: rel,
      changed: edited.changed,
      add: addResult,
      publish: publishResult,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
