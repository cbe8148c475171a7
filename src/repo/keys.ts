/**
 * One Ed25519 key, two worlds: a minisign key (which signs patches; its key
 * id is 8 random bytes stored in the key file) and a TUF key (which signs
 * metadata; its keyid is the SHA-256 of its canonical JSON). Root records the
 * minisign key id of each key in its signed `x-cpansec` field, so a client
 * can rebuild the minisign public key of every key root trusts. Pure.
 */
import { CpansecError } from '../errors.js';
import { ed25519Sign } from '../sign/ed25519.js';
import { toHex } from '../sign/text.js';
import { canonicalBytes } from './canonical-json.js';
import { EXT, tufKey } from './tuf-model.js';
import type { PublicKey, SecretKey } from '../sign/key-format.js';
import type { Envelope, RoleName, RootSigned, TufKey } from './tuf-model.js';

/** A key that can sign TUF metadata (and patches): the secret half of a minisign key. */
export interface RepoSigner {
  keyid: string;
  key: TufKey;
  minisign: PublicKey;
  sign(message: Uint8Array): Uint8Array;
}

/** A public key of the repository: TUF keyid and the minisign key it also is. */
export interface RepoPublicKey {
  keyid: string;
  key: TufKey;
  minisign: PublicKey;
}

export function repoPublicKey(minisign: PublicKey): RepoPublicKey {
  const { keyid, key } = tufKey(minisign.key);
  return { keyid, key, minisign: { keyId: minisign.keyId, keyIdHex: minisign.keyIdHex, key: minisign.key } };
}

export function repoSigner(secret: SecretKey): RepoSigner {
  return { ...repoPublicKey(secret), sign: (message) => ed25519Sign(message, secret.seed) };
}

/** The 8 key id bytes of a minisign key id as minisign prints it (%016X of a little-endian u64). */
export function minisignKeyIdBytes(hex: string): Uint8Array {
  const out = new Uint8Array(8);
  for (let i = 0; i < 8; i++) out[7 - i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** The keys root trusts for `role`, as minisign public keys (keys without a recorded minisign id are left out). */
export function roleKeys(root: RootSigned, role: RoleName): RepoPublicKey[] {
  const ids = root[EXT]?.['minisign-keyids'] ?? {};
  return root.roles[role].keyids.flatMap((keyid) => {
    const key = root.keys[keyid];
    const hex = ids[keyid];
    if (key === undefined || hex === undefined) return [];
    const bytes = Uint8Array.from(Buffer.from(key.keyval.public, 'hex'));
    return [{ keyid, key, minisign: { keyId: minisignKeyIdBytes(hex), keyIdHex: hex, key: bytes } }];
  });
}

/** The keys allowed to sign patches: those of the targets role (docs/trust-model.md). */
export function publisherKeys(root: RootSigned): PublicKey[] {
  return roleKeys(root, 'targets').map((k) => k.minisign);
}

/** Signs `signed` (canonical JSON) with each signer; signatures sorted by keyid. */
export function signEnvelope<T>(signed: T, signers: readonly RepoSigner[]): Envelope<T> {
  if (signers.length === 0) throw new CpansecError('INTERNAL', 'no key to sign metadata with');
  const bytes = canonicalBytes(signed);
  const unique = [...new Map(signers.map((s) => [s.keyid, s])).values()].sort((a, b) => (a.keyid < b.keyid ? -1 : 1));
  return { signed, signatures: unique.map((s) => ({ keyid: s.keyid, sig: toHex(s.sign(bytes)) })) };
}
