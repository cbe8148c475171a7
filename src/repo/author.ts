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
import { EXT, SPEC_VERSION, formatExpires, formatMetadata, sha256Hex } from './tuf-model.js';
import type { Blake2b512 } from '../sign/ed25519.js';
import type { SecretKey } from '../sign/key-format.js';
import type { RepoPublicKey, RepoSigner } from './keys.js';
import type { PublishResult } from './publish.js';
import type { RevokedRecord, RoleName, RootSigned } from './tuf-model.js';

const json = (value: unknown): Uint8Array => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);

export async function writeKeyFiles(dir: string, root: RootSigned, keys: readonly RepoPublicKey[]): Promise<void> {
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

/**
 * Where a Patch-Id's file is in a repository directory ("patches/<Dist>/<Patch-Id>.patch"),
 * or undefined. Used by callers that edit a published patch (then `addPatch` with `replace`).
 */
export async function findPatchFile(dir: string, patchId: string): Promise<string | undefined> {
  const dist = await findPatch(dir, patchId);
  return dist === undefined ? undefined : `${TARGETS_DIR}/${dist}/${patchId}.patch`;
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
