/**
 * Our own check of every metadata update, in the order of the TUF client
 * workflow (spec §5.3-5.6). tuf-js's Updater is the client; this runs beside
 * it on the same bytes (fed by the fetcher before tuf-js sees them, and once
 * more on the final set), for three reasons: it is a second implementation
 * that must also accept; it turns each refusal into a specific error code
 * (tuf-js wraps most of its errors into one RuntimeError string); and it
 * closes the tuf-js 5 gaps on Node 20 (unparsable `expires` taken as "never
 * expires", keyids not recomputed). Pure: no I/O, the clock is passed in.
 */
import { CpansecError } from '../errors.js';
import { nobleEd25519 } from '../sign/ed25519.js';
import { isSignatureHex, parseExpires, parseMetadata, sha256Hex } from './tuf-model.js';
import type { Ed25519Verifier } from '../sign/ed25519.js';
import type { MetaInfo, Parsed, RoleName, RootSigned } from './tuf-model.js';

const fromHex = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));

function trustError(role: string, message: string, check: string, extra: Record<string, unknown> = {}): CpansecError {
  return new CpansecError('REPO_TRUST', `${role} metadata: ${message}`, {
    hint: 'the repository (or a mirror, or the network) served metadata that the trusted keys do not vouch for; nothing was trusted',
    details: { role, check, ...extra },
  });
}

function rollback(role: string, message: string, extra: Record<string, unknown>): CpansecError {
  return new CpansecError('REPO_ROLLBACK', `${role} metadata: ${message}`, {
    hint: 'the source served older metadata than this cache has already seen (a rollback attack or a stale mirror); nothing was trusted',
    details: { role, ...extra },
  });
}

/** Client workflow 5.4.4/5.5.6/5.6.5: refuse expired metadata (freeze attack). */
export function checkNotExpired(meta: Parsed<RoleName>, now: number): void {
  const expires = parseExpires(meta.signed.expires);
  if (expires === undefined || expires <= now) {
    throw new CpansecError('REPO_EXPIRED', `${meta.role} metadata expired at ${meta.signed.expires}`, {
      hint: 'the source serves stale metadata (a freeze attack, or an unmaintained mirror); check the clock, try again later or report it to the maintainers',
      details: { role: meta.role, expires: meta.signed.expires, now: new Date(now).toISOString() },
    });
  }
}

/**
 * Counts distinct keys of `role` (as `root` defines it) with a valid signature over the canonical bytes.
 * @throws CpansecError REPO_TRUST when fewer than the threshold
 */
export function verifyThreshold(
  meta: Parsed<RoleName>,
  root: RootSigned,
  role: RoleName,
  verifier: Ed25519Verifier = nobleEd25519,
  what = `${role} keys`,
): void {
  const def = root.roles[role];
  const valid = new Set<string>();
  for (const sig of meta.signatures) {
    if (!def.keyids.includes(sig.keyid) || valid.has(sig.keyid) || !isSignatureHex(sig.sig)) continue;
    const key = root.keys[sig.keyid];
    if (key === undefined) continue;
    if (verifier.verify(fromHex(sig.sig), meta.canonical, fromHex(key.keyval.public))) valid.add(sig.keyid);
  }
  if (valid.size < def.threshold) {
    throw trustError(
      meta.role,
      `signed by ${valid.size} of the ${def.threshold} ${what} required (threshold not met, or signed by a key that is not trusted for this role)`,
      'signature',
      { threshold: def.threshold, validSignatures: valid.size, signedBy: meta.signatures.map((s) => s.keyid) },
    );
  }
}

/** Spec 5.5.2/5.6.2: bytes must match the length and hashes the referring metadata lists. */
function checkAgainstMeta(role: string, bytes: Uint8Array, info: MetaInfo): void {
  if (info.length !== undefined && bytes.length !== info.length) {
    throw trustError(role, `is ${bytes.length} bytes, the referring metadata says ${info.length}`, 'length');
  }
  const want = info.hashes?.['sha256'];
  if (want !== undefined && sha256Hex(bytes) !== want) {
    throw trustError(role, 'does not match the hash the referring metadata lists (mix-and-match)', 'hash');
  }
}

export interface TrustedSet {
  root: Parsed<'root'>;
  timestamp?: Parsed<'timestamp'>;
  snapshot?: Parsed<'snapshot'>;
  targets?: Parsed<'targets'>;
}

/**
 * The state a client trusts, advanced one file at a time. Each method takes
 * the bytes of one fetched file and either advances the state or throws
 * (REPO_TRUST, REPO_ROLLBACK, REPO_EXPIRED, METADATA_INVALID).
 */
export class TrustTracker {
  root: Parsed<'root'>;
  timestamp: Parsed<'timestamp'> | undefined;
  snapshot: Parsed<'snapshot'> | undefined;
  targets: Parsed<'targets'> | undefined;
  /** What the cache held before this update: the rollback baseline. */
  private readonly seen: { timestamp?: number; snapshot?: number; targets?: number };

  constructor(
    trusted: TrustedSet,
    private readonly now: number,
    private readonly verifier: Ed25519Verifier = nobleEd25519,
  ) {
    this.root = trusted.root;
    this.timestamp = trusted.timestamp;
    this.snapshot = trusted.snapshot;
    this.targets = trusted.targets;
    this.seen = {
      ...(trusted.timestamp ? { timestamp: trusted.timestamp.signed.version } : {}),
      ...(trusted.timestamp ? { snapshot: trusted.timestamp.signed.meta['snapshot.json'].version } : {}),
      ...(trusted.snapshot ? { targets: trusted.snapshot.signed.meta['targets.json']?.version ?? 0 } : {}),
    };
  }

  /** Loads a root the caller trusts as given (the shipped or --trust-root file): self-signed, not yet checked for expiry. */
  static trustedRoot(bytes: Uint8Array, verifier: Ed25519Verifier = nobleEd25519): Parsed<'root'> {
    const root = parseMetadata('root', bytes);
    verifyThreshold(root, root.signed, 'root', verifier);
    return root;
  }

  /** Client workflow 5.3.4-5.3.7: N+1.root.json, signed by old and new root keys. */
  updateRoot(bytes: Uint8Array): void {
    const next = parseMetadata('root', bytes);
    const want = this.root.signed.version + 1;
    if (next.signed.version < want) {
      throw rollback('root', `version ${next.signed.version} where ${want} was asked for`, {
        version: next.signed.version,
        expected: want,
      });
    }
    if (next.signed.version !== want) {
      throw trustError('root', `version ${next.signed.version} where ${want} was asked for`, 'version');
    }
    verifyThreshold(next, this.root.signed, 'root', this.verifier, 'keys of the trusted root');
    verifyThreshold(next, next.signed, 'root', this.verifier, 'keys of the new root itself');
    // 5.3.11: new timestamp or snapshot keys: forget those (fast-forward attack recovery).
    const changed = (role: RoleName): boolean =>
      JSON.stringify(this.root.signed.roles[role]) !== JSON.stringify(next.signed.roles[role]);
    if (changed('timestamp') || changed('snapshot')) {
      this.timestamp = undefined;
      this.snapshot = undefined;
      this.targets = undefined;
      delete this.seen.timestamp;
      delete this.seen.snapshot;
      delete this.seen.targets;
    }
    this.root = next;
  }

  /** 5.3.10: after the root updates, the final root must not be expired. */
  checkRoot(): void {
    checkNotExpired(this.root, this.now);
  }

  /** 5.4: timestamp.json. Returns false when it is the version already trusted. */
  updateTimestamp(bytes: Uint8Array): boolean {
    this.checkRoot();
    const next = parseMetadata('timestamp', bytes);
    verifyThreshold(next, this.root.signed, 'timestamp', this.verifier);
    const version = next.signed.version;
    const snapshotVersion = next.signed.meta['snapshot.json'].version;
    if (this.seen.timestamp !== undefined && version < this.seen.timestamp) {
      throw rollback('timestamp', `version ${version} is older than the trusted version ${this.seen.timestamp}`, {
        version,
        trusted: this.seen.timestamp,
      });
    }
    if (this.seen.snapshot !== undefined && snapshotVersion < this.seen.snapshot) {
      throw rollback(
        'timestamp',
        `lists snapshot version ${snapshotVersion}, older than the trusted ${this.seen.snapshot}`,
        {
          snapshotVersion,
          trusted: this.seen.snapshot,
        },
      );
    }
    const same = this.timestamp !== undefined && version === this.timestamp.signed.version;
    if (!same) this.timestamp = next;
    checkNotExpired(this.timestamp as Parsed<'timestamp'>, this.now);
    return !same;
  }

  /** 5.5: snapshot.json (or V.snapshot.json). */
  updateSnapshot(bytes: Uint8Array): void {
    const ts = this.timestamp;
    if (ts === undefined) throw trustError('snapshot', 'fetched before a timestamp was trusted', 'order');
    const info = ts.signed.meta['snapshot.json'];
    checkAgainstMeta('snapshot', bytes, info);
    const next = parseMetadata('snapshot', bytes);
    verifyThreshold(next, this.root.signed, 'snapshot', this.verifier);
    const targetsVersion = next.signed.meta['targets.json']?.version ?? 0;
    if (this.seen.targets !== undefined && targetsVersion < this.seen.targets) {
      throw rollback(
        'snapshot',
        `lists targets version ${targetsVersion}, older than the trusted ${this.seen.targets}`,
        {
          targetsVersion,
          trusted: this.seen.targets,
        },
      );
    }
    if (next.signed.version !== info.version) {
      if (next.signed.version < info.version) {
        throw rollback('snapshot', `version ${next.signed.version}, the timestamp lists ${info.version}`, {
          version: next.signed.version,
          expected: info.version,
        });
      }
      throw trustError(
        'snapshot',
        `version ${next.signed.version}, the timestamp lists ${info.version} (mix-and-match)`,
        'version',
      );
    }
    checkNotExpired(next, this.now);
    this.snapshot = next;
    this.targets = undefined;
  }

  /** 5.6: targets.json (or V.targets.json). */
  updateTargets(bytes: Uint8Array): void {
    const snap = this.snapshot;
    if (snap === undefined) throw trustError('targets', 'fetched before a snapshot was trusted', 'order');
    const info = snap.signed.meta['targets.json'] as MetaInfo;
    checkAgainstMeta('targets', bytes, info);
    const next = parseMetadata('targets', bytes);
    verifyThreshold(next, this.root.signed, 'targets', this.verifier);
    if (next.signed.version !== info.version) {
      const older = next.signed.version < info.version;
      const msg = `version ${next.signed.version}, the snapshot lists ${info.version}`;
      throw older
        ? rollback('targets', msg, { version: next.signed.version, expected: info.version })
        : trustError('targets', `${msg} (mix-and-match)`, 'version');
    }
    checkNotExpired(next, this.now);
    this.targets = next;
  }

  /**
   * The whole set, once more, as it stands at the end (the "after tuf-js" check): root not
   * expired, timestamp → snapshot → targets consistent, signed and fresh.
   */
  final(): Required<TrustedSet> {
    const { timestamp, snapshot, targets } = this;
    if (timestamp === undefined || snapshot === undefined || targets === undefined) {
      throw trustError('repository', 'incomplete: timestamp, snapshot and targets are all needed', 'complete');
    }
    const check = new TrustTracker({ root: this.root }, this.now, this.verifier);
    check.checkRoot();
    check.updateTimestamp(timestamp.bytes);
    check.updateSnapshot(snapshot.bytes);
    check.updateTargets(targets.bytes);
    return { root: this.root, timestamp, snapshot, targets };
  }
}

/** Verifies a whole set offline (a cache, or a directory being checked), from a root trusted as given. */
export function verifyTrustedSet(
  files: { root: Uint8Array; timestamp: Uint8Array; snapshot: Uint8Array; targets: Uint8Array },
  now: number,
  verifier: Ed25519Verifier = nobleEd25519,
): Required<TrustedSet> {
  const tracker = new TrustTracker({ root: TrustTracker.trustedRoot(files.root, verifier) }, now, verifier);
  tracker.checkRoot();
  tracker.updateTimestamp(files.timestamp);
  tracker.updateSnapshot(files.snapshot);
  tracker.updateTargets(files.targets);
  return tracker.final();
}
