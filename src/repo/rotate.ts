/**
 * `repo rotate-key`: root N+1 with a new key in a role, signed by a threshold
 * of the current root keys and of the new root's (spec 5.3.4-5.3.5), then a
 * publish. A new targets key re-signs every patch, since the targets keys are
 * the keys allowed to sign patches.
 */
import { resolveLimits } from '../core/limits.js';
import { CpansecError } from '../errors.js';
import { signFile } from '../sign/sign.js';
import { formatPatchTrustedComment } from '../sign/trusted-comment.js';
import { writeKeyFiles } from './author.js';
import { signEnvelope } from './keys.js';
import { HASHED_NAME_RE, TARGETS_DIR, parseDuration } from './layout.js';
import { publishRepository } from './publish.js';
import { listInside, readInside, writeInside } from './repo-fs.js';
import { loadRepoState, recoverPublish } from './state.js';
import { EXT, formatExpires } from './tuf-model.js';
import type { Blake2b512 } from '../sign/ed25519.js';
import type { PublicKey, SecretKey } from '../sign/key-format.js';
import type { RepoSigner } from './keys.js';
import type { PublishResult } from './publish.js';
import type { RepoState } from './state.js';
import type { Envelope, RoleName, RootSigned } from './tuf-model.js';

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
