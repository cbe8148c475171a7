/**
 * Planning the patched tarball in memory, from the first pass's findings:
 * apply the patches one after the other to the files they name (each sees
 * the previous one's result, as with quilt), check that nothing they write
 * is a link, lies below one, or collides with another entry. The result is
 * the list of entry changes the second pass writes (provenance is added by
 * tarball-provenance.ts). Nothing here does I/O.
 */
import { binaryToBytes, bytesToBinary } from '../core/bytes.js';
import { parseDistname } from '../core/dist/distname.js';
import { readMetaJsonIdentity, readMetaYmlIdentity } from '../core/dist/meta.js';
import { candidatePaths, planPatch } from '../core/patch/apply.js';
import { foldName } from '../core/tar/archive-index.js';
import { CpansecError, inContext } from '../errors.js';
import { describeFailure, gitModeOf, modeFor } from './dir-plan.js';
import type { Limits } from '../core/limits.js';
import type { FileEntry, FileReport, PatchOutcome } from '../core/patch/apply.js';
import type { CreatedEntry, ModifiedEntry } from '../tarball/rewrite.js';
import type { ScanResult } from '../tarball/scan.js';
import type { SelectedPatch } from './patch-source.js';

export interface PatchRunReport {
  id: string;
  origin: string;
  sha256: string;
  /** Key id of the signature that verified the patch; null when it was applied unsigned. */
  signer: string | null;
  outcome: Exclude<PatchOutcome, 'fail'>;
  files: FileReport[];
}

export interface DistIdentity {
  name: string;
  version: string;
  /** Where name and version were read. */
  from: 'META.json' | 'META.yml' | 'top directory' | 'file name';
}

export interface TarballChanges {
  modified: Map<string, ModifiedEntry>;
  deleted: Set<string>;
  created: CreatedEntry[];
}

export interface TarballPlan extends TarballChanges {
  runs: PatchRunReport[];
  /** Paths the patches changed (modified, created or deleted), sorted. */
  patched: { path: string; change: 'modified' | 'created' | 'deleted' }[];
  provenance: { metaJson: MetaStatus; metaYml: MetaStatus; signature: 'removed' | 'absent' };
}

export type MetaStatus = 'updated' | 'absent' | 'not a regular file';

/** The paths the first pass must keep: every name in the patches, and their parents (links and files there block them). */
export function wantedPaths(patches: readonly SelectedPatch[], strip: number, limits: Readonly<Limits>): Set<string> {
  const wanted = new Set<string>();
  for (const p of patches) {
    for (const path of candidatePaths(p.file.diff, strip, { limits })) {
      const parts = path.split('/');
      for (let k = 1; k <= parts.length; k++) wanted.add(parts.slice(0, k).join('/'));
    }
  }
  return wanted;
}

/** Name and version: META.json, else META.yml, else the top directory, else the file name (CPAN::DistnameInfo). */
export function readIdentity(scan: ScanResult, fileName: string): DistIdentity {
  const json = scan.found.get('META.json');
  const yml = scan.found.get('META.yml');
  const fromMeta = (bytes: Uint8Array | undefined, json: boolean) => {
    if (bytes === undefined) return undefined;
    try {
      const id = json ? readMetaJsonIdentity(bytes) : readMetaYmlIdentity(bytes);
      return id.name !== undefined && id.version !== undefined ? { name: id.name, version: id.version } : undefined;
    } catch (err) {
      throw inContext(err, `${scan.top}/${json ? 'META.json' : 'META.yml'}`, 'METADATA_INVALID');
    }
  };
  const j = fromMeta(json?.bytes, true);
  if (j !== undefined) return { ...j, from: 'META.json' };
  const y = fromMeta(yml?.bytes, false);
  if (y !== undefined) return { ...y, from: 'META.yml' };
  const top = parseDistname(`${scan.top}.tar.gz`);
  if (top.dist !== undefined && top.version !== undefined)
    return { name: top.dist, version: top.version, from: 'top directory' };
  const file = parseDistname(fileName, { allowXz: true });
  if (file.dist !== undefined && file.version !== undefined)
    return { name: file.dist, version: file.version, from: 'file name' };
  throw new CpansecError(
    'METADATA_INVALID',
    `cannot tell which distribution ${fileName} is: no META, and neither its top directory nor its name says`,
    {
      details: { top: scan.top, file: fileName },
    },
  );
}

function refuse(reason: string, message: string, path: string): CpansecError {
  return new CpansecError('UNSAFE_ENTRY', message, {
    hint: 'patches never write links, paths below links, or paths another entry already takes',
    details: { reason, path },
  });
}

/** A failed patch as the most specific error (the same codes as `apply --dir`), carrying every report so far. */
function conflict(
  patch: SelectedPatch,
  files: FileReport[],
  failReasons: string[],
  runs: PatchRunReport[],
): CpansecError {
  const { code, lines } = describeFailure(files);
  return new CpansecError(code, `${patch.id} does not apply:\n  ${lines.join('\n  ') || failReasons.join(', ')}`, {
    hint:
      code === 'PATCH_REVERSED'
        ? 'part of the patch is already in this release; the rest is not'
        : 'this release differs from what the patch expects; try --fuzz 2 to allow a looser match, or use a patch made for this version',
    details: { patch: patch.origin, patchId: patch.id, report: { files, failReasons }, applied: runs },
  });
}

/**
 * Applies the patches in order to the files the first pass kept.
 * @throws CpansecError PATCH_CONFLICT / PATCH_REVERSED / FILE_NOT_FOUND / FILE_EXISTS (a patch does
 *   not apply; nothing is written), UNSAFE_PATH, UNSAFE_ENTRY (links, collisions)
 */
export function planPatches(
  scan: ScanResult,
  patches: readonly SelectedPatch[],
  options: { strip: number; fuzz: number; limits: Readonly<Limits> },
): {
  runs: PatchRunReport[];
  final: Map<string, FileEntry>;
  original: Map<string, FileEntry>;
  renamedFrom: Map<string, string>;
} {
  const hardlinkTargets = new Set<string>();
  for (const e of scan.index.entries)
    if (e.kind === 'hardlink' && e.linkpath !== undefined) hardlinkTargets.add(e.linkpath);
  const original = new Map<string, FileEntry>();
  for (const [path, found] of scan.found) {
    if (found.entry.kind === 'file' && found.bytes !== undefined) {
      original.set(path, { content: bytesToBinary(found.bytes), mode: gitModeOf(found.header.mode) });
    } else if (found.entry.kind === 'symlink') {
      original.set(path, { content: found.entry.linkpath ?? '', mode: '120000' });
    }
  }
  const state = new Map(original);
  const runs: PatchRunReport[] = [];
  const renamedFrom = new Map<string, string>();
  for (const patch of patches) {
    for (const path of candidatePaths(patch.file.diff, options.strip, { limits: options.limits })) {
      const e = scan.index.exact(path);
      if (e?.kind === 'hardlink' || hardlinkTargets.has(path)) {
        throw refuse('hardlink', `${patch.id} touches ${path}, which is a hard link or the target of one`, path);
      }
    }
    let plan;
    try {
      plan = planPatch(patch.file.diff, state, { strip: options.strip, fuzz: options.fuzz, limits: options.limits });
    } catch (err) {
      throw inContext(err, patch.origin, 'PATCH_PARSE', { patch: patch.origin });
    }
    if (plan.outcome === 'fail') throw conflict(patch, plan.files, plan.failReasons, runs);
    for (const [path, entry] of plan.changes) {
      if (entry === null) state.delete(path);
      else state.set(path, entry);
    }
    for (const f of plan.files) {
      if ((f.change === 'renamed' || f.change === 'copied') && f.oldPath !== undefined) {
        renamedFrom.set(f.path, renamedFrom.get(f.oldPath) ?? f.oldPath);
      }
    }
    runs.push({
      id: patch.id,
      origin: patch.origin,
      sha256: patch.sha256,
      signer: patch.signer,
      outcome: plan.outcome,
      files: plan.files,
    });
  }
  return { runs, final: state, original, renamedFrom };
}

/** What changed between the archive's files and the patched ones, with every write checked against the archive. */
export function diffEntries(
  scan: ScanResult,
  original: ReadonlyMap<string, FileEntry>,
  final: ReadonlyMap<string, FileEntry>,
  renamedFrom: ReadonlyMap<string, string>,
): TarballChanges & { patched: TarballPlan['patched'] } {
  const modified = new Map<string, ModifiedEntry>();
  const deleted = new Set<string>();
  const created: CreatedEntry[] = [];
  const patched: TarballPlan['patched'] = [];
  const owner = scan.first?.header;
  const createdKeys = new Map<string, string>();
  for (const path of [...new Set([...original.keys(), ...final.keys()])].sort()) {
    const before = original.get(path);
    const after = final.get(path);
    if (before !== undefined && after !== undefined) {
      if (before.content === after.content && before.mode === after.mode) continue;
      const old = scan.found.get(path)?.header.mode;
      const mode = after.mode !== before.mode ? modeFor(after.mode, old) : undefined;
      modified.set(path, { content: binaryToBytes(after.content), ...(mode === undefined ? {} : { mode }) });
      patched.push({ path, change: 'modified' });
    } else if (before !== undefined) {
      deleted.add(path);
      patched.push({ path, change: 'deleted' });
    } else if (after !== undefined) {
      checkCreatable(scan, path, createdKeys);
      // A renamed or copied file keeps its source's header fields; a new one takes the top directory's owner.
      const template = scan.found.get(renamedFrom.get(path) ?? '')?.header;
      const base = template?.header ?? owner;
      const defaultMode = after.mode === '100755' ? 0o755 : 0o644;
      created.push({
        rel: path,
        content: binaryToBytes(after.content),
        header: {
          mode: template !== undefined ? (modeFor(after.mode, template.mode) ?? defaultMode) : defaultMode,
          uid: base?.uid ?? 0,
          gid: base?.gid ?? 0,
          uname: base?.uname ?? '',
          gname: base?.gname ?? '',
          mtime: template?.mtime ?? scan.index.newestMtime,
        },
      });
      patched.push({ path, change: 'created' });
    }
  }
  return { modified, deleted, created, patched };
}

/** A new file must not take a name the archive already has (in any case or spelling), nor lie below a non-directory. */
function checkCreatable(scan: ScanResult, path: string, createdKeys: Map<string, string>): void {
  const existing = scan.index.get(path);
  if (existing !== undefined) {
    throw refuse(
      'collision',
      `a patch creates ${path}, but the tarball already has ${existing.rel} (a ${existing.kind})`,
      path,
    );
  }
  const key = foldName(path);
  const other = createdKeys.get(key);
  if (other !== undefined)
    throw refuse('collision', `patches create both ${other} and ${path}, one file on some systems`, path);
  createdKeys.set(key, path);
  const parts = path.split('/');
  for (let k = 1; k < parts.length; k++) {
    const parent = scan.index.get(parts.slice(0, k).join('/'));
    if (parent !== undefined && parent.kind !== 'directory') {
      throw refuse(
        parent.kind === 'symlink' ? 'through-symlink' : 'not-a-directory',
        `a patch creates ${path} below the ${parent.kind} ${parent.rel}`,
        path,
      );
    }
  }
}
