/**
 * The TUF 1.0 metadata we write and read (spec "Document formats"; research
 * note §2.1-2.3), as plain JSON types, with a strict parser. Pure: bytes in,
 * values out. Everything fetched is hostile until a signature says otherwise,
 * so the parser checks shapes before anyone looks at a field, and refuses
 * what our repositories never contain (delegations, other key types), so that
 * the code after it has one shape to think about.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { CpansecError } from '../errors.js';
import { toHex } from '../sign/text.js';
import { canonicalBytes } from './canonical-json.js';

export const SPEC_VERSION = '1.0.31';
export const ROLES = ['root', 'targets', 'snapshot', 'timestamp'] as const;
export type RoleName = (typeof ROLES)[number];
/** Our extension field in `signed` of root and targets (kept and signed like every field). */
export const EXT = 'x-cpansec';

export interface TufKey {
  keytype: 'ed25519';
  scheme: 'ed25519';
  keyval: { public: string };
}
export interface RoleKeys {
  keyids: string[];
  threshold: number;
}
export interface TufSignature {
  keyid: string;
  sig: string;
}
export interface MetaInfo {
  version: number;
  length?: number;
  hashes?: Record<string, string>;
}
export interface TargetInfo {
  length: number;
  hashes: Record<string, string>;
  custom?: Record<string, unknown>;
}
interface Common {
  spec_version: string;
  version: number;
  expires: string;
}
export interface RootSigned extends Common {
  _type: 'root';
  consistent_snapshot: boolean;
  keys: Record<string, TufKey>;
  roles: Record<RoleName, RoleKeys>;
  /** minisign key ids (as minisign prints them) of the Ed25519 keys, by TUF keyid. */
  [EXT]?: { 'minisign-keyids'?: Record<string, string> };
}
export interface RevokedRecord {
  patchId: string;
  distribution: string;
  reason: string;
  /** YYYY-MM-DD */
  date: string;
  sha256?: string;
}
export interface TargetsSigned extends Common {
  _type: 'targets';
  targets: Record<string, TargetInfo>;
  [EXT]?: { revoked?: RevokedRecord[] };
}
export interface SnapshotSigned extends Common {
  _type: 'snapshot';
  meta: Record<string, MetaInfo>;
}
export interface TimestampSigned extends Common {
  _type: 'timestamp';
  meta: { 'snapshot.json': MetaInfo };
}
export interface SignedOf {
  root: RootSigned;
  targets: TargetsSigned;
  snapshot: SnapshotSigned;
  timestamp: TimestampSigned;
}
export interface Envelope<T> {
  signed: T;
  signatures: TufSignature[];
}
/** A parsed metadata file with the bytes it came from and the canonical bytes its signatures cover. */
export interface Parsed<R extends RoleName> {
  role: R;
  signed: SignedOf[R];
  signatures: TufSignature[];
  bytes: Uint8Array;
  canonical: Uint8Array;
}

const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;
/** TUF's date format: no fractions, always UTC (Date#toISOString adds milliseconds). */
const EXPIRES_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

export function sha256Hex(data: Uint8Array): string {
  return toHex(sha256(data));
}

/**
 * Parses a TUF `expires` strictly (tuf-js 5 takes an unparsable one for "never expires").
 * @returns milliseconds since the epoch, or undefined when malformed
 */
export function parseExpires(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = EXPIRES_RE.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined;
  if (h > 23 || mi > 59 || s > 59) return undefined;
  return t;
}

export function formatExpires(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** The TUF key object of a raw Ed25519 public key, and its keyid (SHA-256 of its canonical JSON). */
export function tufKey(publicKey: Uint8Array): { keyid: string; key: TufKey } {
  const key: TufKey = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: toHex(publicKey) } };
  return { keyid: sha256Hex(canonicalBytes(key)), key };
}

function invalid(role: string, message: string, field?: string): CpansecError {
  return new CpansecError('METADATA_INVALID', `${role} metadata: ${message}`, {
    hint: 'the repository served metadata that is not TUF 1.0 as cpansec-patch writes it; nothing was trusted',
    details: { role, ...(field === undefined ? {} : { field }) },
  });
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function checkMetaInfo(role: string, field: string, v: unknown): void {
  if (!isObj(v) || !isCount(v['version']) || (v['version'] as number) < 1)
    throw invalid(role, `${field} needs a version ≥ 1`, field);
  if (v['length'] !== undefined && !isCount(v['length'])) throw invalid(role, `${field}.length must be a count`, field);
  if (v['hashes'] !== undefined) checkHashes(role, `${field}.hashes`, v['hashes']);
}

function checkHashes(role: string, field: string, v: unknown): void {
  if (!isObj(v) || Object.keys(v).length === 0) throw invalid(role, `${field} must be a non-empty object`, field);
  for (const [alg, value] of Object.entries(v)) {
    if (typeof value !== 'string') throw invalid(role, `${field}.${alg} must be a string`, field);
    if (alg === 'sha256' && !HEX64.test(value)) throw invalid(role, `${field}.sha256 must be 64 hex digits`, field);
  }
}

function checkRoot(s: Obj): void {
  if (typeof s['consistent_snapshot'] !== 'boolean') throw invalid('root', 'consistent_snapshot must be true or false');
  const keys = s['keys'];
  if (!isObj(keys)) throw invalid('root', 'keys must be an object', 'keys');
  for (const [keyid, key] of Object.entries(keys)) {
    if (!isObj(key) || key['keytype'] !== 'ed25519' || key['scheme'] !== 'ed25519' || !isObj(key['keyval'])) {
      throw invalid('root', `key ${keyid} is not an ed25519 key`, `keys.${keyid}`);
    }
    const pub = key['keyval']['public'];
    if (
      typeof pub !== 'string' ||
      !HEX64.test(pub) ||
      Object.keys(key).length !== 3 ||
      Object.keys(key['keyval']).length !== 1
    ) {
      throw invalid(
        'root',
        `key ${keyid} must be exactly {keytype, scheme, keyval: {public: 64 hex digits}}`,
        `keys.${keyid}`,
      );
    }
    // Spec: clients MUST recompute keyids (tuf-js trusts the declared one).
    if (tufKey(Uint8Array.from(Buffer.from(pub, 'hex'))).keyid !== keyid) {
      throw invalid('root', `keyid ${keyid} is not the SHA-256 of its key's canonical JSON`, `keys.${keyid}`);
    }
  }
  const roles = s['roles'];
  if (!isObj(roles)) throw invalid('root', 'roles must be an object', 'roles');
  for (const name of Object.keys(roles)) {
    if (!(ROLES as readonly string[]).includes(name)) throw invalid('root', `unknown role ${name}`, `roles.${name}`);
  }
  for (const name of ROLES) {
    const r = roles[name];
    if (!isObj(r) || !Array.isArray(r['keyids']) || !isCount(r['threshold']) || (r['threshold'] as number) < 1) {
      throw invalid('root', `role ${name} needs keyids and a threshold ≥ 1`, `roles.${name}`);
    }
    const ids = r['keyids'] as unknown[];
    if (new Set(ids).size !== ids.length) throw invalid('root', `role ${name} lists a keyid twice`, `roles.${name}`);
    for (const id of ids) {
      if (typeof id !== 'string' || !isObj(keys[id]))
        throw invalid('root', `role ${name} names an unknown key`, `roles.${name}`);
    }
    if ((r['threshold'] as number) > ids.length) {
      throw invalid(
        'root',
        `role ${name} has threshold ${r['threshold']} but only ${ids.length} key(s)`,
        `roles.${name}`,
      );
    }
  }
  const ext = s[EXT];
  if (ext !== undefined) {
    const ids = isObj(ext) ? ext['minisign-keyids'] : undefined;
    if (!isObj(ext) || (ids !== undefined && !isObj(ids))) throw invalid('root', `${EXT} is malformed`, EXT);
    for (const [keyid, hex] of Object.entries(ids ?? {})) {
      if (typeof hex !== 'string' || !/^[0-9A-F]{16}$/.test(hex) || !isObj(keys[keyid])) {
        throw invalid('root', `${EXT}.minisign-keyids.${keyid} must be a key of root and 16 hex digits`, EXT);
      }
    }
  }
}

function checkTargets(s: Obj): void {
  // We use no delegations: tuf-js 5 re-uses cached delegated roles without re-checking the parent.
  if (s['delegations'] !== undefined) throw invalid('targets', 'delegations are not supported', 'delegations');
  const targets = s['targets'];
  if (!isObj(targets)) throw invalid('targets', 'targets must be an object', 'targets');
  for (const [path, t] of Object.entries(targets)) {
    if (!isObj(t) || !isCount(t['length']))
      throw invalid('targets', `target ${path} needs a length`, `targets.${path}`);
    checkHashes('targets', `targets.${path}.hashes`, t['hashes']);
    if (!(typeof (t['hashes'] as Obj)['sha256'] === 'string')) throw invalid('targets', `target ${path} has no sha256`);
    if (t['custom'] !== undefined && !isObj(t['custom']))
      throw invalid('targets', `target ${path}: custom must be an object`);
  }
  const ext = s[EXT];
  if (ext !== undefined && (!isObj(ext) || (ext['revoked'] !== undefined && !Array.isArray(ext['revoked'])))) {
    throw invalid('targets', `${EXT} is malformed`, EXT);
  }
}

/**
 * Parses one metadata file of the given role. Does not check signatures, versions or expiry.
 * @throws CpansecError METADATA_INVALID
 */
export function parseMetadata<R extends RoleName>(role: R, bytes: Uint8Array): Parsed<R> {
  let text: string;
  let doc: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    doc = JSON.parse(text);
  } catch {
    throw invalid(role, 'not JSON (UTF-8)');
  }
  if (!isObj(doc) || Object.keys(doc).length !== 2 || !isObj(doc['signed']) || !Array.isArray(doc['signatures'])) {
    throw invalid(role, 'must be exactly {"signed": {...}, "signatures": [...]}');
  }
  const signatures: TufSignature[] = [];
  for (const sig of doc['signatures'] as unknown[]) {
    if (
      !isObj(sig) ||
      typeof sig['keyid'] !== 'string' ||
      typeof sig['sig'] !== 'string' ||
      !HEX64.test(sig['keyid'])
    ) {
      throw invalid(role, 'a signature must be {keyid: 64 hex digits, sig: hex}', 'signatures');
    }
    if (signatures.some((s) => s.keyid === sig['keyid']))
      throw invalid(role, `two signatures by ${sig['keyid']}`, 'signatures');
    signatures.push({ keyid: sig['keyid'], sig: sig['sig'] });
  }
  const s = doc['signed'];
  if (s['_type'] !== role) throw invalid(role, `_type is ${JSON.stringify(s['_type'])}, expected "${role}"`, '_type');
  if (typeof s['spec_version'] !== 'string' || !/^1\.\d+(\.\d+)?$/.test(s['spec_version'])) {
    throw invalid(role, 'spec_version must be 1.x', 'spec_version');
  }
  if (!isCount(s['version']) || (s['version'] as number) < 1)
    throw invalid(role, 'version must be an integer ≥ 1', 'version');
  if (parseExpires(s['expires']) === undefined) {
    throw invalid(role, `expires ${JSON.stringify(s['expires'])} is not YYYY-MM-DDTHH:MM:SSZ`, 'expires');
  }
  if (role === 'root') checkRoot(s);
  else if (role === 'targets') checkTargets(s);
  else {
    const meta = s['meta'];
    if (!isObj(meta)) throw invalid(role, 'meta must be an object', 'meta');
    const want = role === 'timestamp' ? 'snapshot.json' : 'targets.json';
    if (Object.keys(meta).length !== 1 || meta[want] === undefined)
      throw invalid(role, `meta must list exactly ${want}`, 'meta');
    checkMetaInfo(role, `meta.${want}`, meta[want]);
  }
  return { role, signed: s as unknown as SignedOf[R], signatures, bytes, canonical: canonicalBytes(s) };
}

/** Whether a signature string is well-formed hex for Ed25519 (64 bytes). */
export function isSignatureHex(sig: string): boolean {
  return HEX128.test(sig);
}

/** The file text we write: the envelope as indented JSON (signatures cover the canonical `signed` only). */
export function formatMetadata<T>(envelope: Envelope<T>): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(envelope, null, 1)}\n`);
}
