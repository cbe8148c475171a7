/**
 * Planning one patch against one installed copy of its distribution: map the
 * patch's files to installed files (core/tree/path-map.ts), refuse changes
 * to compiled code, rebase script shebangs, then let the diff engine check
 * every hunk against the installed bytes. Nothing is written here; the plan
 * says which bytes each file gets.
 */
import { binaryToBytes, bytesToBinary } from '../core/bytes.js';
import { planPatch } from '../core/patch/apply.js';
import { resolveNames } from '../core/patch/select.js';
import { mapDistPath, mappingCandidates } from '../core/tree/path-map.js';
import { rebaseShebang } from '../core/tree/shebang.js';
import { sha256Hex } from '../files/hash.js';
import { readTreeFile, treeFileExists } from '../tree/files.js';
import { gitModeOf, modeFor } from './dir-plan.js';
import type { Limits } from '../core/limits.js';
import type { FileEntry, HunkReport, PatchOutcome } from '../core/patch/apply.js';
import type { FilePatch } from '../core/patch/model.js';
import type { InstallSite, MapRule } from '../core/tree/path-map.js';
import type { FileImage } from '../core/tree/state.js';
import type { InstalledDist } from '../tree/discover.js';
import type { TreePatch } from './tree-patches.js';

/** One file of a patch, as it meets the installed tree. */
export interface TreeFileReport {
  /** The file in the distribution. */
  distPath: string;
  /** The installed file (tree-relative), when there is one. */
  installed?: string;
  action: 'patch' | 'create' | 'delete' | 'skip' | 'refuse';
  /** Why a file is skipped or refused, or how it was mapped. */
  reason?: string;
  rule?: MapRule;
  /** True when a script's first line was rebased onto the installed shebang. */
  shebangRebased?: boolean;
  status?: 'ok' | 'failed';
  hunks?: HunkReport[];
}

/** The current content of installed files during a run (earlier patches of the run already applied). */
export interface Overlay {
  get(path: string): { bytes: Uint8Array | null; image: FileImage | null } | undefined;
}

export interface PlannedChange {
  path: string;
  distPath: string;
  before: FileImage | null;
  beforeBytes: Uint8Array | null;
  after: FileImage | null;
  afterBytes: Uint8Array | null;
  mkdirs: string[];
}

export type SitePlan =
  | {
      kind: 'ok';
      outcome: Exclude<PatchOutcome, 'fail' | 'already-applied'>;
      files: TreeFileReport[];
      changes: PlannedChange[];
    }
  | { kind: 'already-applied'; files: TreeFileReport[] }
  | { kind: 'nothing-to-apply'; files: TreeFileReport[] }
  | { kind: 'needs-rebuild'; files: TreeFileReport[] }
  | { kind: 'conflict'; files: TreeFileReport[]; failReasons: string[] }
  | { kind: 'missing-files'; files: TreeFileReport[] };

interface Mapped {
  section: FilePatch;
  names: string[];
}

const SKIP_REASONS: Record<string, string> = {
  test: 'tests are not installed',
  build: 'build files are not installed',
  doc: 'top-level files other than modules are not installed',
  other: 'not installed (examples, author tools, inc/ …)',
  'not-installed': 'this install does not have the file',
};

function siteOf(dist: InstalledDist): InstallSite {
  return {
    dist: dist.dist,
    libDirs: dist.libDirs,
    binDirs: dist.binDirs,
    ...(dist.mainModule ? { mainModule: dist.mainModule } : {}),
    ...(dist.files ? { files: new Set(dist.files) } : {}),
    ...(dist.homeLib !== undefined ? { homeLib: dist.homeLib } : {}),
  };
}

async function installIsReadOnly(root: string, dist: InstalledDist, images: (FileImage | null)[]): Promise<boolean> {
  const known = images.find((i) => i !== null);
  if (known) return (known.mode & 0o222) === 0;
  if (dist.mainModule === undefined || dist.homeLib === undefined) return false;
  const main = `${dist.homeLib === '' ? '' : `${dist.homeLib}/`}${dist.mainModule.split('::').join('/')}.pm`;
  try {
    const read = await readTreeFile(root, main, 64 * 1024 * 1024);
    return read.kind === 'file' && (read.image.mode & 0o222) === 0;
  } catch {
    return false;
  }
}

/** Plans `patch` against the install `dist` in `root`. */
export async function planPatchForSite(
  root: string,
  patch: TreePatch,
  dist: InstalledDist,
  overlay: Overlay,
  options: { fuzz: number; limits: Readonly<Limits> },
): Promise<SitePlan> {
  const site = siteOf(dist);
  const reports: TreeFileReport[] = [];
  const kept: Mapped[] = [];
  const distToInstalled = new Map<string, { path: string; script: boolean; rule: MapRule; creates: boolean }>();
  let refused = false;
  let missing = false;

  for (const section of patch.file.diff.files) {
    const resolved = resolveNames(section, 1, options.limits);
    const names = [...new Set([resolved.old, resolved.new, resolved.index].filter((n): n is string => n !== null))];
    const creates = section.type === 'create' || section.type === 'copy' || section.type === 'rename';
    const mappings = [];
    for (const name of names) {
      const candidates = mappingCandidates(name, site);
      const existing = new Set<string>();
      for (const c of candidates) if ((await treeFileExists(root, c)) || overlay.get(c)?.bytes) existing.add(c);
      mappings.push(mapDistPath(name, site, existing, creates && name === (resolved.new ?? name)));
    }
    const refusal = mappings.find((m) => m.kind === 'refused');
    if (refusal) {
      refused = true;
      for (const m of mappings) {
        reports.push({
          distPath: m.distPath,
          action: 'refuse',
          reason:
            m.kind === 'refused'
              ? m.reason === 'compiled'
                ? 'compiled code (XS/C)'
                : 'generated at build time (*.PL)'
              : 'part of a refused section',
        });
      }
      continue;
    }
    if (mappings.every((m) => m.kind === 'skipped')) {
      for (const m of mappings)
        reports.push({
          distPath: m.distPath,
          action: 'skip',
          reason: SKIP_REASONS[m.kind === 'skipped' ? m.reason : 'other'] as string,
        });
      continue;
    }
    for (const m of mappings) {
      if (m.kind === 'missing') {
        missing = true;
        reports.push({
          distPath: m.distPath,
          action: 'skip',
          reason: `not found in the tree (looked at ${m.candidates.join(', ')})`,
        });
      } else if (m.kind === 'mapped') {
        distToInstalled.set(m.distPath, { path: m.installed, script: m.script, rule: m.rule, creates });
      } else if (m.kind === 'skipped') {
        reports.push({ distPath: m.distPath, action: 'skip', reason: SKIP_REASONS[m.reason] as string });
      }
    }
    kept.push({ section, names });
  }
  if (refused) return { kind: 'needs-rebuild', files: reports };
  if (missing) return { kind: 'missing-files', files: reports };
  if (kept.length === 0) return { kind: 'nothing-to-apply', files: reports };

  // Read every mapped file (through links inside the tree), or take it from earlier patches of this run.
  const files = new Map<string, FileEntry>();
  const current = new Map<
    string,
    { path: string; bytes: Uint8Array | null; image: FileImage | null; mkdirs: string[] }
  >();
  for (const [distPath, target] of distToInstalled) {
    const read = await readTreeFile(root, target.path, options.limits.maxFileBytes);
    const over = overlay.get(read.path);
    if (over !== undefined) {
      current.set(distPath, { path: read.path, bytes: over.bytes, image: over.image, mkdirs: [] });
    } else if (read.kind === 'file') {
      current.set(distPath, { path: read.path, bytes: read.bytes, image: read.image, mkdirs: [] });
    } else {
      current.set(distPath, { path: read.path, bytes: null, image: null, mkdirs: read.missingDirs });
    }
    const now = current.get(distPath);
    if (now?.bytes && now.image)
      files.set(distPath, { content: bytesToBinary(now.bytes), mode: gitModeOf(now.image.mode) });
  }
  // Scripts: hunks at line 1 carry the dist's "#!perl"; the installed file has the rewritten one.
  const rebased = new Set<string>();
  const sections = kept.map(({ section, names }) => {
    const script = names.find((n) => distToInstalled.get(n)?.script === true);
    const content = script === undefined ? undefined : files.get(script)?.content;
    if (script === undefined || content === undefined) return section;
    const first = content.slice(0, content.indexOf('\n') >= 0 ? content.indexOf('\n') : content.length);
    const out = rebaseShebang(section, first);
    if (out !== section) rebased.add(script);
    return out;
  });
  const plan = planPatch({ ...patch.file.diff, files: sections }, files, {
    strip: 1,
    fuzz: options.fuzz,
    limits: options.limits,
  });
  for (const f of plan.files) {
    const target = distToInstalled.get(f.path);
    reports.push({
      distPath: f.path,
      ...(target ? { installed: current.get(f.path)?.path ?? target.path, rule: target.rule } : {}),
      action: f.change === 'created' ? 'create' : f.change === 'deleted' ? 'delete' : 'patch',
      ...(rebased.has(f.path) ? { shebangRebased: true } : {}),
      status: f.status,
      ...(f.reason ? { reason: f.reason } : {}),
      hunks: f.hunks,
    });
  }
  if (plan.outcome === 'already-applied') return { kind: 'already-applied', files: reports };
  if (plan.outcome === 'fail') return { kind: 'conflict', files: reports, failReasons: plan.failReasons };

  const changes: PlannedChange[] = [];
  // A created file gets the write bits of its siblings: installs are 0444 (cpanm, Debian: 0644).
  const readOnly = await installIsReadOnly(
    root,
    dist,
    [...current.values()].map((c) => c.image),
  );
  for (const [distPath, entry] of plan.changes) {
    const now = current.get(distPath);
    if (now === undefined) continue;
    const afterBytes = entry === null ? null : binaryToBytes(entry.content);
    const old = now.image;
    const mode = entry === null ? undefined : (modeFor(entry.mode, old?.mode) ?? (readOnly ? 0o444 : 0o644));
    const after: FileImage | null =
      afterBytes === null
        ? null
        : {
            sha256: sha256Hex(afterBytes),
            size: afterBytes.length,
            mode: old === null && readOnly && mode !== undefined ? mode & ~0o222 : (mode as number),
            ...(old?.uid === undefined ? {} : { uid: old.uid }),
            ...(old?.gid === undefined ? {} : { gid: old.gid }),
          };
    changes.push({
      path: now.path,
      distPath,
      before: old,
      beforeBytes: now.bytes,
      after,
      afterBytes,
      mkdirs: now.mkdirs,
    });
  }
  return { kind: 'ok', outcome: plan.outcome, files: reports, changes };
}
