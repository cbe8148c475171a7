/**
 * `repo publish`: builds targets, snapshot and timestamp from the patches on
 * disk, signs them with fresh versions and expiry, and writes them so that a
 * crash leaves either the old or the new repository, never a mix:
 *  - content-addressed copies of targets (consistent snapshots) and new
 *    `N.root.json` / `V.targets.json` / `V.snapshot.json` names are written
 *    first; they change nothing a client reads;
 *  - the files that do get replaced are written as temp files, a journal
 *    naming them is written atomically, then each is renamed into place,
 *    timestamp.json last; the next repo command finishes a journal it finds
 *    (roll forward), and `repo verify` reports one.
 */
import { randomBytes } from 'node:crypto';
import { rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveLimits } from '../core/limits.js';
import { PATCH_ID_RE, DIST_RE } from '../core/patch/metadata.js';
import { parsePatchFile, requireValidMetadata } from '../core/patch/patch-file.js';
import { CpansecError, inContext } from '../errors.js';
import { writeTempBeside } from '../files/atomic.js';
import { MAX_SIGNATURE_FILE_BYTES } from '../sign/signature-format.js';
import { verifySignature } from '../sign/verify.js';
import { formatPatchCustom } from './entries.js';
import { publisherKeys, signEnvelope } from './keys.js';
import {
  HASHED_NAME_RE,
  JOURNAL_FILE,
  METADATA_DIR,
  TARGETS_DIR,
  hashedTargetPath,
  metadataName,
  parseDuration,
} from './layout.js';
import { listInside, readInside, writeInside } from './repo-fs.js';
import { recoverPublish } from './state.js';
import { EXT, SPEC_VERSION, formatExpires, formatMetadata, sha256Hex } from './tuf-model.js';
import type { Blake2b512, Ed25519Verifier } from '../sign/ed25519.js';
import type { RepoSigner } from './keys.js';
import type { RepoState } from './state.js';
import type { Envelope, RoleName, RootSigned, TargetInfo, TargetsSigned } from './tuf-model.js';

export interface PublishOptions {
  /** Secret keys available; each role is signed by those of its keys that are here. */
  signers: readonly RepoSigner[];
  /** A new root to publish first (key rotation). */
  newRoot?: Envelope<RootSigned>;
  expires?: Partial<Record<RoleName, string>>;
  now: number;
  crypto?: { verifier?: Ed25519Verifier; hasher?: Blake2b512 };
  /** Test hook: stop after this many renames, as a crash would. */
  crashAfterRenames?: number;
}

export interface PublishResult {
  versions: Record<RoleName, number>;
  expires: Record<RoleName, string>;
  patches: number;
  revoked: number;
  consistentSnapshot: boolean;
}

export interface ScannedPatch {
  path: string;
  bytes: Uint8Array;
  signature: Uint8Array;
  custom: Record<string, unknown>;
}

function signersFor(root: RootSigned, role: RoleName, signers: readonly RepoSigner[]): RepoSigner[] {
  const mine = signers.filter((s) => root.roles[role].keyids.includes(s.keyid));
  if (mine.length < root.roles[role].threshold) {
    throw new CpansecError(
      'KEY_UNTRUSTED',
      `publishing needs ${root.roles[role].threshold} key(s) of the ${role} role; ${mine.length} given`,
      {
        hint: `pass the secret key(s) of the ${role} role with --key (the role's keys are in metadata/root.json)`,
        details: { role, keyids: root.roles[role].keyids },
      },
    );
  }
  return mine;
}

/** Reads and checks every patch in patches/: valid header, named by its Patch-Id, signed by a publisher key. */
export async function scanPatches(
  state: Pick<RepoState, 'dir' | 'revocations'>,
  root: RootSigned,
  crypto: PublishOptions['crypto'] = {},
): Promise<ScannedPatch[]> {
  const limits = resolveLimits();
  const keys = publisherKeys(root);
  const revoked = new Set(state.revocations.map((r) => r.patchId));
  const top = await listInside(state.dir, TARGETS_DIR);
  const out: ScannedPatch[] = [];
  const seen = new Set<string>();
  for (const odd of top.files.concat(top.other)) {
    throw new CpansecError('UNSAFE_ENTRY', `${TARGETS_DIR}/${odd} is not a distribution folder`, {
      details: { path: odd },
    });
  }
  for (const dist of top.dirs) {
    if (!DIST_RE.test(dist))
      throw new CpansecError('HEADER_INVALID', `${TARGETS_DIR}/${dist} is not a distribution name`);
    const listing = await listInside(state.dir, `${TARGETS_DIR}/${dist}`);
    if (listing.dirs.length + listing.other.length > 0) {
      throw new CpansecError('UNSAFE_ENTRY', `${TARGETS_DIR}/${dist} holds something other than files`, {
        details: { entries: [...listing.dirs, ...listing.other] },
      });
    }
    for (const name of listing.files) {
      if (HASHED_NAME_RE.test(name) || name.endsWith('.minisig')) continue;
      const rel = `${TARGETS_DIR}/${dist}/${name}`;
      const m = /^(.*)\.patch$/.exec(name);
      if (!m || !PATCH_ID_RE.test(m[1] as string)) {
        throw new CpansecError('HEADER_INVALID', `${rel}: not named <Patch-Id>.patch`, { details: { file: rel } });
      }
      const id = m[1] as string;
      if (seen.has(id)) throw new CpansecError('HEADER_INVALID', `Patch-Id ${id} is in two distributions`);
      if (revoked.has(id)) throw new CpansecError('HEADER_INVALID', `${rel}: Patch-Id ${id} is revoked; use a new id`);
      seen.add(id);
      const bytes = (await readInside(state.dir, rel, limits.maxPatchBytes)) as Uint8Array;
      const signature = await readInside(state.dir, `${rel}.minisig`, MAX_SIGNATURE_FILE_BYTES);
      if (signature === undefined) {
        throw new CpansecError('UNSIGNED', `${rel} has no signature (${name}.minisig)`, {
          hint: 'add patches with "cpansec-patch repo add", which signs them',
          details: { file: rel },
        });
      }
      const file = (() => {
        try {
          return parsePatchFile(bytes, { limits });
        } catch (err) {
          throw inContext(err, rel, 'PATCH_PARSE', { file: rel });
        }
      })();
      const meta = requireValidMetadata(file, rel);
      if (meta.patchId !== id || meta.distribution !== dist) {
        throw new CpansecError('HEADER_INVALID', `${rel}: header says ${meta.distribution}/${meta.patchId}`, {
          details: { file: rel },
        });
      }
      let signer: string;
      try {
        signer = verifySignature(bytes, signature, keys, {
          ...(crypto.verifier ? { verifier: crypto.verifier } : {}),
          ...(crypto.hasher ? { hasher: crypto.hasher } : {}),
          expect: { file: name, patchId: id, dist },
        }).keyIdHex;
      } catch (err) {
        throw inContext(err, `${rel}.minisig`, 'SIGNATURE_INVALID', { file: rel });
      }
      const sha256 = sha256Hex(bytes);
      out.push({
        path: `${dist}/${name}`,
        bytes,
        signature,
        custom: formatPatchCustom({
          patchId: id,
          distribution: dist,
          affectedVersions: meta.affectedVersionsText ?? '',
          fixedVersions: meta.fixedVersions.map((v) => v.original),
          cve: meta.cve,
          cpansa: meta.cpansa,
          severity: meta.severity ?? 'high',
          ...(meta.appliedUpstream === undefined ? {} : { appliedUpstream: meta.appliedUpstream }),
          ...(meta.summary === undefined ? {} : { summary: meta.summary }),
          revision: meta.revision ?? 1,
          sha256,
          signer,
        }),
      });
    }
  }
  return out;
}

export function expiryOf(state: RepoState, role: RoleName, options: PublishOptions): string {
  return formatExpires(options.now + parseDuration(options.expires?.[role] ?? state.config.expires[role]));
}

/** Publishes the repository; see the module comment for the write order. */
export async function publishRepository(state: RepoState, options: PublishOptions): Promise<PublishResult> {
  await recoverPublish(state.dir);
  const root = options.newRoot ?? { signed: state.root.signed, signatures: state.root.signatures };
  const consistent = root.signed.consistent_snapshot;
  const patches = await scanPatches(state, root.signed, options.crypto);
  const targetsMap: Record<string, TargetInfo> = {};
  for (const p of patches) {
    targetsMap[p.path] = { length: p.bytes.length, hashes: { sha256: sha256Hex(p.bytes) }, custom: p.custom };
    const id = (p.custom as { patchId: string }).patchId;
    targetsMap[`${p.path}.minisig`] = {
      length: p.signature.length,
      hashes: { sha256: sha256Hex(p.signature) },
      custom: { kind: 'signature', patchId: id },
    };
  }
  const revoked = [...state.revocations].sort((a, b) => (a.patchId < b.patchId ? -1 : 1));
  const version = (r: 'targets' | 'snapshot' | 'timestamp'): number => (state[r]?.signed.version ?? 0) + 1;
  const targetsSigned: TargetsSigned = {
    _type: 'targets',
    spec_version: SPEC_VERSION,
    version: version('targets'),
    expires: expiryOf(state, 'targets', options),
    targets: targetsMap,
    ...(revoked.length > 0 ? { [EXT]: { revoked } } : {}),
  };
  const targets = formatMetadata(signEnvelope(targetsSigned, signersFor(root.signed, 'targets', options.signers)));
  const snapshotSigned = {
    _type: 'snapshot' as const,
    spec_version: SPEC_VERSION,
    version: version('snapshot'),
    expires: expiryOf(state, 'snapshot', options),
    meta: {
      'targets.json': {
        version: targetsSigned.version,
        length: targets.length,
        hashes: { sha256: sha256Hex(targets) },
      },
    },
  };
  const snapshot = formatMetadata(signEnvelope(snapshotSigned, signersFor(root.signed, 'snapshot', options.signers)));
  const timestampSigned = {
    _type: 'timestamp' as const,
    spec_version: SPEC_VERSION,
    version: version('timestamp'),
    expires: expiryOf(state, 'timestamp', options),
    meta: {
      'snapshot.json': {
        version: snapshotSigned.version,
        length: snapshot.length,
        hashes: { sha256: sha256Hex(snapshot) },
      },
    },
  };
  const timestamp = formatMetadata(
    signEnvelope(timestampSigned, signersFor(root.signed, 'timestamp', options.signers)),
  );

  // Phase 1: new names only (nothing a client reads changes).
  if (consistent) {
    for (const p of patches) {
      await writeInside(state.dir, `${TARGETS_DIR}/${hashedTargetPath(p.path, sha256Hex(p.bytes))}`, p.bytes);
      await writeInside(
        state.dir,
        `${TARGETS_DIR}/${hashedTargetPath(`${p.path}.minisig`, sha256Hex(p.signature))}`,
        p.signature,
      );
    }
  }
  const writes: [string, Uint8Array][] = [];
  if (options.newRoot) {
    const rootBytes = formatMetadata(options.newRoot);
    writes.push(
      [metadataName('root', options.newRoot.signed.version, consistent), rootBytes],
      ['root.json', rootBytes],
    );
  }
  writes.push(
    [metadataName('targets', targetsSigned.version, consistent), targets],
    [metadataName('snapshot', snapshotSigned.version, consistent), snapshot],
    ['timestamp.json', timestamp],
  );
  // Phase 2: temp files, journal, renames (timestamp last).
  const metaDir = join(state.dir, METADATA_DIR);
  const renames: [string, string][] = [];
  try {
    for (const [name, bytes] of writes) {
      const temp = await writeTempBeside(join(metaDir, name), bytes, 0o644);
      renames.push([temp.slice(metaDir.length + 1), name]);
    }
  } catch (err) {
    for (const [temp] of renames) await unlink(join(metaDir, temp)).catch(() => undefined);
    throw err;
  }
  const journal = new TextEncoder().encode(`${JSON.stringify({ id: randomBytes(4).toString('hex'), renames })}\n`);
  await writeInside(state.dir, `${METADATA_DIR}/${JOURNAL_FILE}`, journal);
  let done = 0;
  for (const [temp, name] of renames) {
    if (options.crashAfterRenames !== undefined && done >= options.crashAfterRenames) {
      throw new CpansecError('IO', `simulated crash after ${done} rename(s)`);
    }
    await rename(join(metaDir, temp), join(metaDir, name));
    done++;
  }
  await unlink(join(metaDir, JOURNAL_FILE));
  return {
    versions: {
      root: root.signed.version,
      targets: targetsSigned.version,
      snapshot: snapshotSigned.version,
      timestamp: timestampSigned.version,
    },
    expires: {
      root: root.signed.expires,
      targets: targetsSigned.expires,
      snapshot: snapshotSigned.expires,
      timestamp: timestampSigned.expires,
    },
    patches: patches.length,
    revoked: revoked.length,
    consistentSnapshot: consistent,
  };
}
