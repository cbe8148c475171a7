/**
 * The state file of a patched tree (`<tree>/.cpansec/state.json`): which
 * patches are applied where, and for every file the image before and after
 * (sha256, size, mode, owner). The bytes of every image live in
 * `.cpansec/objects/<sha256>`, so a revert restores originals byte for byte
 * and status can tell an applied file from a drifted one.
 *
 * Pure: parse (validating every field: the tree is hostile, the state file
 * too), format, and the questions status and revert ask of it.
 */
import { CpansecError } from '../../errors.js';
import { checkRelativePath } from '../path-policy.js';

export const STATE_FORMAT = 'cpansec-tree-state/1';

export interface FileImage {
  sha256: string;
  size: number;
  /** Permission bits (st_mode & 0o7777): installed files are often 0444, and stay so. */
  mode: number;
  uid?: number;
  gid?: number;
}

export interface AppliedFile {
  /** The installed file, relative to the tree root. */
  path: string;
  /** The file in the distribution the patch names. */
  distPath: string;
  /** null: the patch created the file. */
  before: FileImage | null;
  /** null: the patch deleted the file. */
  after: FileImage | null;
  /** Directories made for a created file (removed again on revert when empty). */
  createdDirs?: string[];
}

export interface AppliedPatch {
  patchId: string;
  dist: string;
  /** The installed version the patch was applied to, as discovered. */
  version?: string;
  /** The library directory of the install (tree-relative), which tells installs of one dist apart. */
  location: string;
  patchSha256: string;
  source: 'file' | 'repository';
  /** The patch file or repository it came from. */
  origin?: string;
  /** Key id of the signature that was verified; absent for patches applied with --allow-unsigned. */
  signedBy?: string;
  appliedAt: string;
  transaction: string;
  outcome: 'clean' | 'offset' | 'fuzz';
  files: AppliedFile[];
}

export interface TreeState {
  format: typeof STATE_FORMAT;
  updatedAt?: string;
  /** The last transaction that finished; recover uses it to tell a finished run from an interrupted one. */
  lastTransaction?: string;
  applied: AppliedPatch[];
}

export function emptyState(): TreeState {
  return { format: STATE_FORMAT, applied: [] };
}

const SHA = /^[0-9a-f]{64}$/;

function invalid(what: string, path: string): never {
  throw new CpansecError('METADATA_INVALID', `the tree's state file is damaged: ${what} (at ${path})`, {
    hint: 'it was changed by hand or by another program; restore it from a backup, or remove .cpansec/state.json to forget every applied patch (their backups stay in .cpansec/objects)',
    details: { field: path },
  });
}

function str(v: unknown, path: string, optional = false): string | undefined {
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string' || v.length > 4096) invalid('expected a string', path);
  return v;
}

function int(v: unknown, path: string, optional = false): number | undefined {
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) invalid('expected a whole number', path);
  return v;
}

/** Tree-relative paths in the state are used to write files: they get the same policy as patch paths. */
function relPath(v: unknown, path: string): string {
  const s = str(v, path) as string;
  try {
    return checkRelativePath(s);
  } catch {
    invalid(`unsafe path ${JSON.stringify(s)}`, path);
  }
}

function image(v: unknown, path: string): FileImage | null {
  if (v === null) return null;
  if (typeof v !== 'object' || v === undefined) invalid('expected an object or null', path);
  const o = v as Record<string, unknown>;
  const sha256 = str(o['sha256'], `${path}.sha256`) as string;
  if (!SHA.test(sha256)) invalid('expected a sha256', `${path}.sha256`);
  const uid = int(o['uid'], `${path}.uid`, true);
  const gid = int(o['gid'], `${path}.gid`, true);
  return {
    sha256,
    size: int(o['size'], `${path}.size`) as number,
    mode: (int(o['mode'], `${path}.mode`) as number) & 0o7777,
    ...(uid === undefined ? {} : { uid }),
    ...(gid === undefined ? {} : { gid }),
  };
}

export function parseFileImage(v: unknown, path: string): FileImage | null {
  return image(v, path);
}

/**
 * Parses and validates a state file; its paths must pass the core path policy.
 * @throws CpansecError METADATA_INVALID
 */
export function parseState(text: string): TreeState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    invalid('not JSON', '$');
  }
  if (typeof raw !== 'object' || raw === null) invalid('expected an object', '$');
  const o = raw as Record<string, unknown>;
  if (o['format'] !== STATE_FORMAT) invalid(`unknown format ${JSON.stringify(o['format'])}`, '$.format');
  if (!Array.isArray(o['applied'])) invalid('expected a list', '$.applied');
  const applied = (o['applied'] as unknown[]).map((a, i): AppliedPatch => {
    const p = `$.applied[${i}]`;
    if (typeof a !== 'object' || a === null) invalid('expected an object', p);
    const r = a as Record<string, unknown>;
    if (!Array.isArray(r['files'])) invalid('expected a list', `${p}.files`);
    const outcome = r['outcome'];
    if (outcome !== 'clean' && outcome !== 'offset' && outcome !== 'fuzz') invalid('bad outcome', `${p}.outcome`);
    const source = r['source'];
    if (source !== 'file' && source !== 'repository') invalid('bad source', `${p}.source`);
    const version = str(r['version'], `${p}.version`, true);
    const origin = str(r['origin'], `${p}.origin`, true);
    const signedBy = str(r['signedBy'], `${p}.signedBy`, true);
    const patchSha256 = str(r['patchSha256'], `${p}.patchSha256`) as string;
    if (!SHA.test(patchSha256)) invalid('expected a sha256', `${p}.patchSha256`);
    return {
      patchId: str(r['patchId'], `${p}.patchId`) as string,
      dist: str(r['dist'], `${p}.dist`) as string,
      ...(version === undefined ? {} : { version }),
      location: str(r['location'], `${p}.location`) as string,
      patchSha256,
      source,
      ...(origin === undefined ? {} : { origin }),
      ...(signedBy === undefined ? {} : { signedBy }),
      appliedAt: str(r['appliedAt'], `${p}.appliedAt`) as string,
      transaction: str(r['transaction'], `${p}.transaction`) as string,
      outcome,
      files: (r['files'] as unknown[]).map((f, j): AppliedFile => {
        const fp = `${p}.files[${j}]`;
        if (typeof f !== 'object' || f === null) invalid('expected an object', fp);
        const x = f as Record<string, unknown>;
        const dirs = x['createdDirs'];
        if (dirs !== undefined && !Array.isArray(dirs)) invalid('expected a list', `${fp}.createdDirs`);
        const before = image(x['before'], `${fp}.before`);
        const after = image(x['after'], `${fp}.after`);
        if (before === null && after === null) invalid('a file cannot be absent before and after', fp);
        return {
          path: relPath(x['path'], `${fp}.path`),
          distPath: str(x['distPath'], `${fp}.distPath`) as string,
          before,
          after,
          ...(dirs === undefined
            ? {}
            : {
                createdDirs: (dirs as unknown[]).map((d, k) => relPath(d, `${fp}.createdDirs[${k}]`)),
              }),
        };
      }),
    };
  });
  const updatedAt = str(o['updatedAt'], '$.updatedAt', true);
  const lastTransaction = str(o['lastTransaction'], '$.lastTransaction', true);
  return {
    format: STATE_FORMAT,
    ...(updatedAt === undefined ? {} : { updatedAt }),
    ...(lastTransaction === undefined ? {} : { lastTransaction }),
    applied,
  };
}

export function formatState(state: TreeState): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}

/** Every object (sha256) the state needs kept. */
export function referencedObjects(state: TreeState): Set<string> {
  const out = new Set<string>();
  for (const a of state.applied) {
    for (const f of a.files) {
      if (f.before) out.add(f.before.sha256);
      if (f.after) out.add(f.after.sha256);
    }
  }
  return out;
}

export type FileCondition = 'applied' | 'original' | 'drifted' | 'missing';

/** How a recorded file compares with what is on disk now (`current` null = absent). */
export function fileCondition(file: AppliedFile, current: { sha256: string } | null): FileCondition {
  if (current === null) return file.after === null ? 'applied' : file.before === null ? 'original' : 'missing';
  if (file.after !== null && current.sha256 === file.after.sha256) return 'applied';
  if (file.before !== null && current.sha256 === file.before.sha256) return 'original';
  return 'drifted';
}

/** Records applied after `index` that changed one of its files: they must be reverted first. */
export function laterOverlaps(state: TreeState, index: number): AppliedPatch[] {
  const mine = new Set((state.applied[index]?.files ?? []).map((f) => f.path));
  return state.applied.slice(index + 1).filter((a) => a.files.some((f) => mine.has(f.path)));
}

/** The record of one patch at one install, if applied. */
export function findApplied(state: TreeState, patchId: string, location: string): number {
  return state.applied.findIndex((a) => a.patchId === patchId && a.location === location);
}
