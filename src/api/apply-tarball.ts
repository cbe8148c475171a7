/**
 * `cpansec-patch apply <tarball|URL|Dist::Name>`: patch a distribution
 * tarball before it is installed.
 *
 *   resolve the input (file, URL, or name through the mirror; CHECKSUMS)
 *   → choose the patches (files given, or the repository) and verify them
 *   → pass 1: check every entry, keep the files the patches name and META
 *   → plan every patch in memory (all apply, or nothing is written)
 *   → provenance in META, SIGNATURE dropped, optional version suffix
 *   → pass 2: stream the tarball again into a temp file beside the output,
 *     fsync, rename. On any failure nothing exists at the output path.
 */
import { resolve } from 'node:path';
import { parseDistname } from '../core/dist/distname.js';
import { readMetaJsonIdentity } from '../core/dist/meta.js';
import { resolveLimits } from '../core/limits.js';
import { CpansecError } from '../errors.js';
import { createAtomicFile } from '../files/atomic-stream.js';
import { rewriteTarball } from '../tarball/rewrite.js';
import { scanTarball } from '../tarball/scan.js';
import { checkPatchTarget, filePatchSource, repositoryPatchSource } from './patch-source.js';
import { resolveTarballInput } from './tarball-input.js';
import { outputPath, suffixedVersion } from './tarball-output.js';
import { diffEntries, planPatches, readIdentity, wantedPaths } from './tarball-plan.js';
import { addProvenance, buildProvenance } from './tarball-provenance.js';
import type { Limits } from '../core/limits.js';
import type { OpenRepositoryOptions } from '../repo/index.js';
import type { ArchiveFormat } from '../tarball/format.js';
import type { ScanResult } from '../tarball/scan.js';
import type { PatchSelection, PatchSource } from './patch-source.js';
import type { TarballOrigin } from './tarball-input.js';
import type { DistIdentity, PatchRunReport, TarballPlan } from './tarball-plan.js';

export interface ApplyTarballOptions {
  /** A tarball path, an https:// URL, or Dist::Name, Dist::Name@1.23, Dist-Name-1.23. */
  input: string;
  /** Output file, or an existing directory (the output keeps the input's file name there). */
  out?: string;
  /** Replace the input file itself (local .tar.gz only). */
  inPlace?: boolean;
  /** Patch files to apply, in order; without them the repository chooses. */
  patches?: readonly string[];
  /** Public keys that may sign `patches`; default the repository's publisher keys. */
  keys?: readonly string[];
  /** Apply `patches` that have no signature (for local work; the caller warns loudly). */
  allowUnsigned?: boolean;
  /** The repository: a directory or URL (default: the embedded patches/). */
  repo?: string;
  /** Further repository options (trust root, cache) for library callers. */
  repository?: OpenRepositoryOptions;
  /** A patch source of the caller's own (overrides patches and repo). */
  source?: PatchSource;
  /** CPAN mirror for names (default https://www.cpan.org/). */
  mirror?: string;
  /** Download cache (default ${XDG_CACHE_HOME:-~/.cache}/cpansec-patch/downloads). */
  cacheDir?: string;
  /** No network: local files and the caches only. */
  offline?: boolean;
  strip?: number;
  fuzz?: number;
  dryRun?: boolean;
  /** Appended to the distribution's version in META and the output name ("01": 1.23 → 1.2301). */
  versionSuffix?: string;
  cwd?: string;
  env?: Record<string, string | undefined>;
  limits?: Partial<Limits>;
  onProgress?: (message: string) => void;
  onWarning?: (message: string) => void;
}

export interface ApplyTarballResult {
  input: TarballOrigin & { sha256: string; size: number; format: ArchiveFormat; top: string; entries: number };
  dist: DistIdentity;
  /** Where the patches were chosen from. */
  source: string;
  patches: PatchRunReport[];
  /** patched: an output was (or, with dryRun, would be) written; the others write nothing. */
  outcome: 'patched' | 'already-patched' | 'nothing-to-do';
  reason?: string;
  /** Entries the patches changed (META and SIGNATURE edits are under `provenance`). */
  changes: TarballPlan['patched'];
  provenance: TarballPlan['provenance'] | null;
  version?: { from: string; to: string };
  output: { path: string; sha256?: string; size?: number; entries?: number } | null;
  written: boolean;
  dryRun: boolean;
  warnings: string[];
}

function checkNumber(value: number, name: string, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new CpansecError('USAGE', `${name} must be a whole number from 0 to ${max}, got ${value}`);
  }
  return value;
}

/** x_cpansec of META.json when the input was patched before (undefined otherwise). */
function previousProvenance(scan: ScanResult): unknown {
  const bytes = scan.found.get('META.json')?.bytes;
  if (bytes === undefined) return undefined;
  try {
    return readMetaJsonIdentity(bytes).existing;
  } catch {
    return undefined;
  }
}

/**
 * A tar stream up to this size stays in memory between the two passes: the second pass then
 * neither reads nor decompresses the file again (most CPAN tarballs expand to a few MB).
 * Larger ones are read twice, so memory stays bounded whatever the size.
 */
const KEEP_TAR_BYTES = 32 * 1024 * 1024;

function sameIdentity(a: { name: string; version: string } | undefined, b: DistIdentity): boolean {
  return a !== undefined && a.name === b.name && a.version === b.version;
}

/**
 * @throws CpansecError every code of the steps above: input (FILE_NOT_FOUND, DIST_NOT_FOUND,
 *   CHECKSUM_MISMATCH, NETWORK), patches (UNSIGNED, SIGNATURE_*, KEY_*, DIST_MISMATCH, PATCH_PARSE),
 *   tarball (TARBALL_INVALID, TARBALL_UNSUPPORTED, UNSAFE_ENTRY, UNSAFE_PATH, LIMIT_EXCEEDED),
 *   applying (PATCH_CONFLICT, PATCH_REVERSED, FILE_NOT_FOUND, FILE_EXISTS), writing (READ_ONLY, IO)
 */
export async function applyPatchesToTarball(options: ApplyTarballOptions): Promise<ApplyTarballResult> {
  const limits = resolveLimits(options.limits);
  const strip = checkNumber(options.strip ?? 1, '--strip', 100);
  const fuzz = checkNumber(options.fuzz ?? 0, '--fuzz', limits.maxFuzz);
  if (options.inPlace === true && options.out !== undefined)
    throw new CpansecError('USAGE', '--in-place and --out exclude each other');
  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
    options.onWarning?.(message);
  };
  const origin = await resolveTarballInput(options.input, {
    ...(options.mirror === undefined ? {} : { mirror: options.mirror }),
    ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
    ...(options.offline === undefined ? {} : { offline: options.offline }),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    limits,
    onWarning: warn,
  });
  const repository: OpenRepositoryOptions = {
    ...options.repository,
    ...(options.repo === undefined ? {} : { repo: options.repo }),
    ...(options.offline === true ? { offline: true } : {}),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.env === undefined ? {} : { env: options.env }),
  };
  const source =
    options.source ??
    (options.patches !== undefined && options.patches.length > 0
      ? filePatchSource({
          files: options.patches.map((p) => resolve(options.cwd ?? process.cwd(), p)),
          ...(options.keys === undefined
            ? {}
            : { keys: options.keys.map((k) => resolve(options.cwd ?? process.cwd(), k)) }),
          allowUnsigned: options.allowUnsigned === true,
          repository,
          limits,
        })
      : repositoryPatchSource(repository));

  // The file name says which release this is, usually; META decides. Re-select and re-scan when they differ.
  const named = parseDistname(origin.file, { allowXz: true });
  const guess =
    named.dist !== undefined && named.version !== undefined ? { name: named.dist, version: named.version } : undefined;
  let selection: PatchSelection | undefined =
    guess === undefined ? undefined : await source.select(guess.name, guess.version);
  let wanted = wantedPaths(selection?.patches ?? [], strip, limits);
  let scan: ScanResult = await scanTarball(origin.path, {
    wanted,
    limits,
    name: origin.file,
    keepTarBytes: KEEP_TAR_BYTES,
  });
  const identity = readIdentity(scan, origin.file);
  if (selection === undefined || (source.kind === 'repository' && !sameIdentity(guess, identity))) {
    selection = await source.select(identity.name, identity.version);
    const more = wantedPaths(selection.patches, strip, limits);
    if ([...more].some((p) => !wanted.has(p))) {
      wanted = more;
      scan = await scanTarball(origin.path, { wanted, limits, name: origin.file, keepTarBytes: KEEP_TAR_BYTES });
    }
  }
  for (const p of selection.patches) checkPatchTarget(p, identity.name, identity.version);
  for (const w of selection.warnings ?? []) warn(w);
  for (const p of selection.patches) {
    if (p.signer === null)
      warn(`${p.origin} is NOT SIGNED: applied only because of --allow-unsigned. Never ship this tarball.`);
  }

  const input = {
    ...origin,
    sha256: scan.sha256,
    size: scan.size,
    format: scan.format,
    top: scan.top,
    entries: scan.index.entries.length,
  };
  const base = { input, dist: identity, source: selection.source, dryRun: options.dryRun === true, warnings };
  if (selection.patches.length === 0) {
    return {
      ...base,
      patches: [],
      outcome: 'nothing-to-do',
      reason: selection.reason ?? `no patch applies to ${identity.name} ${identity.version}`,
      changes: [],
      provenance: null,
      output: null,
      written: false,
    };
  }

  const planned = planPatches(scan, selection.patches, { strip, fuzz, limits });
  const changes = diffEntries(scan, planned.original, planned.final, planned.renamedFrom);
  if (changes.patched.length === 0) {
    return {
      ...base,
      patches: planned.runs,
      outcome: 'already-patched',
      reason: `every selected patch is already applied to ${identity.name} ${identity.version}`,
      changes: [],
      provenance: null,
      output: null,
      written: false,
    };
  }
  const newVersion =
    options.versionSuffix === undefined ? undefined : suffixedVersion(identity.version, options.versionSuffix);
  const provenance = addProvenance(
    scan,
    changes,
    planned.final,
    (signatureRemoved) =>
      buildProvenance({
        runs: planned.runs,
        patches: selection.patches,
        upstream: { file: origin.file, sha256: scan.sha256, version: identity.version },
        ...(newVersion === undefined ? {} : { newVersion }),
        signatureRemoved,
        previous: previousProvenance(scan),
      }),
    newVersion,
  );
  if (provenance.metaJson !== 'updated' && provenance.metaYml !== 'updated') {
    warn(`${scan.top} has no META.json or META.yml: the provenance of the patches is only in this report`);
  }
  if (newVersion !== undefined && provenance.metaJson !== 'updated' && provenance.metaYml !== 'updated') {
    throw new CpansecError('USAGE', '--version-suffix needs a META.json or META.yml to record the new version in', {
      details: { top: scan.top },
    });
  }
  const out = await outputPath(origin, scan.format, identity, newVersion, options);
  const result: ApplyTarballResult = {
    ...base,
    patches: planned.runs,
    outcome: 'patched',
    changes: changes.patched,
    provenance,
    ...(newVersion === undefined ? {} : { version: { from: identity.version, to: newVersion } }),
    output: { path: out },
    written: false,
  };
  if (options.dryRun === true) return result;

  const file = await createAtomicFile(out, 0o644);
  try {
    const written = await rewriteTarball(
      origin.path,
      { sha256: scan.sha256, modified: changes.modified, deleted: changes.deleted, created: changes.created },
      file.stream,
      { limits, name: origin.file, replay: scan },
    );
    await file.commit();
    return {
      ...result,
      output: { path: out, sha256: written.sha256, size: written.size, entries: written.entries },
      written: true,
    };
  } catch (err) {
    await file.abort();
    throw err;
  }
}
