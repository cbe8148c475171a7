/**
 * Authoring a repository directory: init, add, revoke and rotate-key (publish
 * is publish.ts). Secret keys come in already opened (the api layer reads
 * them through src/sign, with the password sources of `sign`).
 */
import { mkdir, readdir } from 'node:fs/promises';
import { basename } from 'node:path';
import { resolveLimits } from '../core/limits.js';
import { parsePatchFile, requireValidMetadata } from '../core/patch/patch-file.js';
import { CpansecError, inContext } from '../errors.js';
import { readFileLimited } from '../files/read.js';
import { formatPublicKey } from '../sign/key-format.js';
import { signFile } from '../sign/sign.js';
import { formatPatchTrustedComment } from '../sign/trusted-comment.js';
import { publisherKeys, signEnvelope } from './keys.js';
import {
  CONFIG_FILE,
  DEFAULT_EXPIRY,
  HASHED_NAME_RE,
  KEYS_DIR,
  METADATA_DIR,
  REVOCATIONS_FILE,
  TARGETS_DIR,
  parseDuration,
} from './layout.js';
import { listInside, readInside, removeInside, writeInside } from './repo-fs.js';
import { publishRepository } from './publish.js';
import { loadRepoState, recoverPublish } from './state.js';
import { EXT, SPEC_VERSION, formatExpires, formatMetadata } from './tuf-model.js';
import type { Blake2b512 } from '../sign/ed25519.js';
import type { PublicKey, SecretKey } from '../sign/key-format.js';
import type { RepoPublicKey, RepoSigner } from './keys.js';
import type { PublishResult } from './publish.js';
import type { RepoState } from './state.js';
import type { Envelope, RevokedRecord, RoleName, RootSigned } from './tuf-model.js';

const json = (value: unknown): Uint8Array => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);

async function writeKeyFiles(dir: string, root: RootSigned, keys: readonly RepoPublicKey[]): Promise<void> {
  const roleOf = (keyid: string): string => (root.roles.root.keyids.includes(keyid) ? 'root' : 'publisher');
  for (const k of keys) {
    if (root.keys[k.keyid] === undefined) continue;
    await writeInside(
      dir,
      `${KEYS_DIR}/${roleOf(k.keyid)}-${k.minisign.keyIdHex}.pub`,
      new TextEncoder().encode(formatPublicKey(k.minisign)),
    );
  }
  // Keys root no longer lists are taken away (they stay in the git history and in old roots).
  const ids = new Set(Object.values(root[EXT]?.['minisign-keyids'] ?? {}));
  for (const name of (await listInside(dir, KEYS_DIR)).files) {
    const m = /-([0-9A-F]{16})\.pub$/.exec(name);
    if (m && !ids.has(m[1] as string)) await removeInside(dir, `${KEYS_DIR}/${name}`);
  }
}

export interface InitOptions {
  dir: string;
  rootKeys: readonly RepoSigner[];
  publisherKeys: readonly RepoSigner[];
  threshold?: number;
  publisherThreshold?: number;
  consistentSnapshot?: boolean;
  expires?: Partial<Record<RoleName, string>>;
  now: number;
}

/** `repo init`: an empty repository signed with the given keys. */
export async function initRepository(options: InitOptions): Promise<PublishResult & { keys: Record<string, string> }> {
  const existing = await readdir(options.dir).catch(() => [] as string[]);
  if (existing.some((n) => [METADATA_DIR, KEYS_DIR, TARGETS_DIR, CONFIG_FILE].includes(n))) {
    throw new CpansecError('FILE_EXISTS', `${options.dir} already holds a repository`, {
      hint: 'initialise an empty directory; to change keys use "repo rotate-key"',
      details: { path: options.dir },
    });
  }
  await mkdir(options.dir, { recursive: true, mode: 0o755 });
  const threshold = options.threshold ?? 1;
  const pubThreshold = options.publisherThreshold ?? 1;
  if (options.rootKeys.length < threshold || options.publisherKeys.length < pubThreshold) {
    throw new CpansecError('USAGE', `a threshold of ${threshold} needs at least that many keys`);
  }
  const expires = { ...DEFAULT_EXPIRY, ...options.expires };
  const all = [...options.rootKeys, ...options.publisherKeys];
  const ids = (ks: readonly RepoSigner[]): string[] => [...new Set(ks.map((k) => k.keyid))];
  const rootSigned: RootSigned = {
    _type: 'root',
    spec_version: SPEC_VERSION,
    version: 1,
    expires: formatExpires(options.now + parseDuration(expires.root)),
    consistent_snapshot: options.consistentSnapshot === true,
    keys: Object.fromEntries(all.map((k) => [k.keyid, k.key])),
    roles: {
      root: { keyids: ids(options.rootKeys), threshold },
      targets: { keyids: ids(options.publisherKeys), threshold: pubThreshold },
      snapshot: { keyids: ids(options.publisherKeys), threshold: pubThreshold },
      timestamp: { keyids: ids(options.publisherKeys), threshold: pubThreshold },
    },
    [EXT]: { 'minisign-keyids': Object.fromEntries(all.map((k) => [k.keyid, k.minisign.keyIdHex])) },
  };
  const root = signEnvelope(rootSigned, options.rootKeys);
  const rootBytes = formatMetadata(root);
  await writeInside(options.dir, `${METADATA_DIR}/1.root.json`, rootBytes);
  await writeInside(options.dir, `${METADATA_DIR}/root.json`, rootBytes);
  await writeInside(options.dir, CONFIG_FILE, json({ format: 1, expires }));
  await writeInside(options.dir, `${TARGETS_DIR}/.keep`, new Uint8Array());
  await removeInside(options.dir, `${TARGETS_DIR}/.keep`);
  await writeKeyFiles(options.dir, rootSigned, all);
  const state = await loadRepoState(options.dir);
  const result = await publishRepository(state, { signers: options.publisherKeys, now: options.now });
  return { ...result, keys: Object.fromEntries(all.map((k) => [k.minisign.keyIdHex, k.keyid])) };
}

export interface AddOptions {
  dir: string;
  patch: string;
  key: SecretKey;
  replace?: boolean;
  now: number;
  hasher?: Blake2b512;
}

export interface AddResult {
  patchId: string;
  distribution: string;
  path: string;
  signature: string;
  keyId: string;
  replaced: boolean;
}

/** Where a Patch-Id lives in patches/, if anywhere. */
async function findPatch(dir: string, patchId: string): Promise<string | undefined> {
  for (const dist of (await listInside(dir, TARGETS_DIR)).dirs) {
    if ((await listInside(dir, `${TARGETS_DIR}/${dist}`)).files.includes(`${patchId}.patch`)) return dist;
  }
  return undefined;
}

/** `repo add`: validate, sign and copy one patch into patches/<Dist>/<Patch-Id>.patch. */
export async function addPatch(options: AddOptions): Promise<AddResult> {
  await recoverPublish(options.dir);
  const state = await loadRepoState(options.dir);
  const limits = resolveLimits();
  const bytes = await readFileLimited(options.patch, limits.maxPatchBytes, 'patch file');
  let file;
  try {
    file = parsePatchFile(bytes, { limits });
  } catch (err) {
    throw inContext(err, options.patch, 'PATCH_PARSE', { file: options.patch });
  }
  const meta = requireValidMetadata(file, options.patch);
  const patchId = meta.patchId as string;
  const dist = meta.distribution as string;
  if (basename(options.patch) !== `${patchId}.patch`) {
    throw new CpansecError(
      'HEADER_INVALID',
      `${options.patch}: the file must be named ${patchId}.patch (its Patch-Id)`,
      {
        hint: 'rename the file or fix the Patch-Id header',
        details: { file: options.patch, patchId },
      },
    );
  }
  if (state.revocations.some((r) => r.patchId === patchId)) {
    throw new CpansecError('FILE_EXISTS', `Patch-Id ${patchId} was revoked; a revoked id is never reused`, {
      hint: 'give the new fix a new Patch-Id (for example with an -r2 suffix)',
    });
  }
  const where = await findPatch(options.dir, patchId);
  if (where !== undefined && options.replace !== true) {
    throw new CpansecError(
      'FILE_EXISTS',
      `Patch-Id ${patchId} is already in the repository (${TARGETS_DIR}/${where})`,
      {
        hint: 'Patch-Ids are unique; pass --replace to publish a new revision of the same patch',
      },
    );
  }
  if (!publisherKeys(state.root.signed).some((k) => k.keyIdHex === options.key.keyIdHex)) {
    throw new CpansecError(
      'KEY_UNTRUSTED',
      `key ${options.key.keyIdHex} is not a publisher (targets) key of this repository`,
      {
        hint: 'sign with the publisher key; the keys are listed in keys/ and metadata/root.json',
      },
    );
  }
  const name = `${patchId}.patch`;
  const tc = formatPatchTrustedComment({ timestamp: Math.floor(options.now / 1000), file: name, patchId, dist });
  const signed = signFile(bytes, options.key, tc, undefined, options.hasher ? { hasher: options.hasher } : {});
  if (where !== undefined && where !== dist) {
    await removeInside(options.dir, `${TARGETS_DIR}/${where}/${name}`);
    await removeInside(options.dir, `${TARGETS_DIR}/${where}/${name}.minisig`);
  }
  const rel = `${TARGETS_DIR}/${dist}/${name}`;
  await writeInside(options.dir, rel, bytes);
  await writeInside(options.dir, `${rel}.minisig`, new TextEncoder().encode(signed.text));
  return {
    patchId,
    distribution: dist,
    path: rel,
    signature: `${rel}.minisig`,
    keyId: options.key.keyIdHex,
    replaced: where !== undefined,
  };
}

export interface RevokeOptions {
  dir: string;
  patchId: string;
  reason: string;
  now: number;
}

/** `repo revoke`: takes the patch out of patches/ and records it in revocations.json (signed at the next publish). */
export async function revokePatch(options: RevokeOptions): Promise<RevokedRecord & { alreadyRevoked: boolean }> {
  await recoverPublish(options.dir);
  const state = await loadRepoState(options.dir);
  const previous = state.revocations.find((r) => r.patchId === options.patchId);
  if (previous) return { ...previous, alreadyRevoked: true };
  if (options.reason.trim() === '') throw new CpansecError('USAGE', 'repo revoke needs a --reason');
  const dist = await findPatch(options.dir, options.patchId);
  if (dist === undefined) {
    throw new CpansecError('PATCH_NOT_FOUND', `no patch ${options.patchId} in ${options.dir}/${TARGETS_DIR}`, {
      details: { patchId: options.patchId },
    });
  }
  const rel = `${TARGETS_DIR}/${dist}/${options.patchId}.patch`;
  const bytes = (await readInside(options.dir, rel, resolveLimits().maxPatchBytes)) as Uint8Array;
  const { sha256Hex } = await import('./tuf-model.js');
  const record: RevokedRecord = {
    patchId: options.patchId,
    distribution: dist,
    reason: options.reason.trim(),
    date: new Date(options.now).toISOString().slice(0, 10),
    sha256: sha256Hex(bytes),
  };
  await writeInside(options.dir, REVOCATIONS_FILE, json([...state.revocations, record]));
  for (const name of (await listInside(options.dir, `${TARGETS_DIR}/${dist}`)).files) {
    const plain = name.replace(HASHED_NAME_RE, '');
    if (plain === `${options.patchId}.patch` || plain === `${options.patchId}.patch.minisig`) {
      await removeInside(options.dir, `${TARGETS_DIR}/${dist}/${name}`);
    }
  }
  return { ...record, alreadyRevoked: false };
}

export interface RotateOptions {
  dir: string;
  role: RoleName;
  newKey: RepoSigner;
  /** The key to take out; default: every current key of the role. */
  oldKey?: PublicKey;
  /** Every secret key at hand: current root keys (to sign the new root), publisher keys (to publish). */
  signers: readonly RepoSigner[];
  expires?: Partial<Record<RoleName, string>>;
  now: number;
  /** For re-signing patches when the targets key changes. */
  newSecret?: SecretKey;
  hasher?: Blake2b512;
}

/**
 * `repo rotate-key`: writes root N+1 with the new key in the role, signed by a threshold of the
 * old root keys and of the new ones (spec 5.3.4-5.3.5), then republishes.
 */
export async function rotateKey(options: RotateOptions): Promise<PublishResult & { removed: string[]; added: string }> {
  await recoverPublish(options.dir);
  const state = await loadRepoState(options.dir);
  const old = state.root.signed;
  const role = old.roles[options.role];
  const removed = options.oldKey
    ? role.keyids.filter((id) => old.keys[id]?.keyval.public === Buffer.from(options.oldKey?.key ?? []).toString('hex'))
    : [...role.keyids];
  if (options.oldKey && removed.length === 0) {
    throw new CpansecError('KEY_NOT_FOUND', `key ${options.oldKey.keyIdHex} is not a key of the ${options.role} role`);
  }
  const keyids = [...role.keyids.filter((id) => !removed.includes(id)), options.newKey.keyid].filter(
    (v, i, a) => a.indexOf(v) === i,
  );
  const roles = { ...old.roles, [options.role]: { keyids, threshold: Math.min(role.threshold, keyids.length) } };
  const used = new Set(Object.values(roles).flatMap((r) => r.keyids));
  const keys = Object.fromEntries(
    Object.entries({ ...old.keys, [options.newKey.keyid]: options.newKey.key }).filter(([id]) => used.has(id)),
  );
  const minisignIds = Object.fromEntries(
    Object.entries({
      ...old[EXT]?.['minisign-keyids'],
      [options.newKey.keyid]: options.newKey.minisign.keyIdHex,
    }).filter(([id]) => used.has(id)),
  );
  const expires = { ...state.config.expires, ...options.expires };
  const signed: RootSigned = {
    ...old,
    version: old.version + 1,
    expires: formatExpires(options.now + parseDuration(expires.root)),
    keys,
    roles,
    [EXT]: { ...old[EXT], 'minisign-keyids': minisignIds },
  };
  const all = [...options.signers, options.newKey];
  const byOld = all.filter((s) => old.roles.root.keyids.includes(s.keyid));
  const byNew = all.filter((s) => roles.root.keyids.includes(s.keyid));
  if (
    new Set(byOld.map((s) => s.keyid)).size < old.roles.root.threshold ||
    new Set(byNew.map((s) => s.keyid)).size < roles.root.threshold
  ) {
    throw new CpansecError(
      'KEY_UNTRUSTED',
      'the new root must be signed by a threshold of the current root keys and of the new ones',
      {
        hint: 'pass the current root secret key(s) with --root-key',
      },
    );
  }
  const newRoot: Envelope<RootSigned> = signEnvelope(signed, [...byOld, ...byNew]);
  // Patch signatures are made by the targets keys: a new targets key re-signs every patch.
  if (options.role === 'targets') {
    if (options.newSecret === undefined)
      throw new CpansecError('INTERNAL', 'rotating the targets key needs its secret');
    await resignPatches(state, options.newSecret, options.now, options.hasher);
  }
  const result = await publishRepository(state, {
    signers: all,
    newRoot,
    now: options.now,
    ...(options.expires ? { expires: options.expires } : {}),
  });
  await writeKeyFiles(options.dir, signed, [options.newKey, ...all]);
  return { ...result, removed, added: options.newKey.keyid };
}

async function resignPatches(state: RepoState, key: SecretKey, now: number, hasher?: Blake2b512): Promise<void> {
  for (const dist of (await listInside(state.dir, TARGETS_DIR)).dirs) {
    for (const name of (await listInside(state.dir, `${TARGETS_DIR}/${dist}`)).files) {
      if (HASHED_NAME_RE.test(name) || !name.endsWith('.patch')) continue;
      const rel = `${TARGETS_DIR}/${dist}/${name}`;
      const bytes = (await readInside(state.dir, rel, resolveLimits().maxPatchBytes)) as Uint8Array;
      const patchId = name.slice(0, -'.patch'.length);
      const tc = formatPatchTrustedComment({ timestamp: Math.floor(now / 1000), file: name, patchId, dist });
      const signed = signFile(bytes, key, tc, undefined, hasher ? { hasher } : {});
      await writeInside(state.dir, `${rel}.minisig`, new TextEncoder().encode(signed.text));
    }
  }
}
