/**
 * `cpansec-patch import <dir> --into <repo>`: CPANSec's published patches
 * (`patches/<Initial>/<Dist>/<Version>/<CVE-ID>-r<N>.patch`, five header
 * styles, no metadata, no signatures) become drafts in our format, in the
 * repository's drafts/ folder: a header completed from the path and the
 * text, `[TODO]` where only a reviewer can answer, and the original text
 * below it byte for byte. Drafts are never signed or published as they are:
 * `repo add` refuses a header with [TODO] marks (docs/authoring.md).
 *
 * A file whose diff does not parse is still converted, with the refusal
 * reported (and `repo add` will refuse it too); `--recount` repairs stale
 * hunk line counts the way `git apply --recount` does, and records it.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { binaryToBytes, bytesToBinary, concatBytes, encodeUtf8, tryDecodeUtf8 } from '../core/bytes.js';
import { parseImportPath, planPatchIds } from '../core/import/layout.js';
import { recountHunks } from '../core/import/recount.js';
import { parseOriginalHeader } from '../core/import/styles.js';
import { formatFieldList, importFields } from '../core/import/synthesize.js';
import { resolveLimits } from '../core/limits.js';
import { TODO_MARK } from '../core/patch/metadata.js';
import { parsePatchFile } from '../core/patch/patch-file.js';
import { CpansecError } from '../errors.js';
import { readFileLimited } from '../files/read.js';
import { readInside, writeInside } from '../repo/repo-fs.js';
import type { HunkRepair } from '../core/import/recount.js';
import type { ImportPath } from '../core/import/layout.js';
import type { HeaderStyle } from '../core/import/styles.js';
import type { Limits } from '../core/limits.js';
import type { PatchFile } from '../core/patch/patch-file.js';
import type { ErrorCode } from '../errors.js';

export const DEFAULT_ORIGIN_BASE = 'https://security.metacpan.org/patches/';

export interface ImportOptions {
  /** A tree holding patches/<Initial>/<Dist>/<Version>/<CVE>-r<N>.patch (or that patches/ folder). */
  source: string;
  /** The repository (made by `repo init`) whose drafts/ folder receives the drafts. */
  into: string;
  /** Repair stale hunk line counts (git apply --recount). */
  recount?: boolean;
  /** Overwrite drafts that exist. */
  replace?: boolean;
  /** Where the files are published; Origin is this + the relative path. */
  originBase?: string;
  dryRun?: boolean;
  cwd?: string;
  now?: number;
  limits?: Partial<Limits>;
}

export interface ImportedPatch {
  source: string;
  patchId: string;
  distribution: string;
  version: string;
  cve: string;
  revision: number;
  style: HeaderStyle;
  draft: string | null;
  diff: 'ok' | 'recounted' | 'refused';
  refusal?: { code: ErrorCode; message: string; line?: number };
  repairs: HunkRepair[];
  files: number;
  todo: string[];
  warnings: string[];
}

export interface ImportResult {
  source: string;
  into: string;
  found: number;
  converted: number;
  recounted: number;
  refused: number;
  skipped: { source: string; reason: string }[];
  patches: ImportedPatch[];
}

const MAX_FILES = 100_000;

async function listPatches(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string, depth: number): Promise<void> => {
    for (const e of await readdir(join(root, rel), { withFileTypes: true })) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (out.length >= MAX_FILES) throw new CpansecError('LIMIT_EXCEEDED', `more than ${MAX_FILES} files in ${root}`);
      if (e.isDirectory() && depth < 4) await walk(r, depth + 1);
      else if (e.isFile() && e.name.endsWith('.patch')) out.push(r);
    }
  };
  await walk('', 0);
  return out.sort();
}

const isDir = (p: string): Promise<boolean> =>
  stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );

function tryParse(bytes: Uint8Array, limits: Readonly<Limits>): { file?: PatchFile; error?: CpansecError } {
  try {
    return { file: parsePatchFile(bytes, { limits }) };
  } catch (err) {
    if (err instanceof CpansecError) return { error: err };
    throw err;
  }
}

/** The preamble of a file whose diff did not parse: everything before the first diff line. */
function preambleOf(text: string): { preamble: string; diffStart: string } {
  const m = /^(?:diff --git |--- |Index: )/m.exec(text);
  return m
    ? { preamble: text.slice(0, m.index), diffStart: text.slice(m.index, m.index + 200) }
    : { preamble: text, diffStart: '' };
}

/** @throws CpansecError USAGE (the target is not a repository), FILE_NOT_FOUND */
export async function importPatches(options: ImportOptions): Promise<ImportResult> {
  const limits = resolveLimits(options.limits);
  const cwd = options.cwd ?? process.cwd();
  const given = resolve(cwd, options.source);
  if (!(await isDir(given))) throw new CpansecError('FILE_NOT_FOUND', `not a directory: ${options.source}`);
  const root = (await isDir(join(given, 'patches'))) ? join(given, 'patches') : given;
  const into = resolve(cwd, options.into);
  if (!(await isDir(join(into, 'metadata')))) {
    throw new CpansecError('USAGE', `${options.into} is not a patch repository`, {
      hint: 'make one with "cpansec-patch repo init", or name an existing one',
    });
  }
  const today = new Date(options.now ?? Date.now()).toISOString().slice(0, 10);
  const originBase = options.originBase ?? DEFAULT_ORIGIN_BASE;
  const rels = await listPatches(root);
  const skipped: ImportResult['skipped'] = [];
  const paths: ImportPath[] = [];
  for (const rel of rels) {
    const parsed = parseImportPath(rel);
    if (parsed.ok) paths.push(parsed.path);
    else skipped.push({ source: rel, reason: parsed.reason });
  }
  const ids = planPatchIds(paths);
  const patches: ImportedPatch[] = [];
  for (const path of paths) {
    const patchId = ids.get(path.rel) as string;
    const original = await readFileLimited(join(root, ...path.rel.split('/')), limits.maxPatchBytes, 'patch file');
    let body = original;
    let parsed = tryParse(body, limits);
    let repairs: HunkRepair[] = [];
    if (parsed.error && options.recount === true) {
      const fixed = recountHunks(bytesToBinary(original));
      if (fixed.repairs.length > 0) {
        const again = tryParse(binaryToBytes(fixed.text), limits);
        if (again.file) {
          body = binaryToBytes(fixed.text);
          parsed = again;
          repairs = fixed.repairs;
        }
      }
    }
    const decode = (b: Uint8Array): string => tryDecodeUtf8(b) ?? bytesToBinary(b);
    const text = decode(body);
    const pre = parsed.file
      ? {
          preamble: decode(body.subarray(0, parsed.file.diff.preamble.length)),
          diffStart: parsed.file.diffText.slice(0, 200),
        }
      : preambleOf(text);
    const header = parseOriginalHeader(pre.preamble, pre.diffStart);
    const notes = repairs.map((r) => `Imported with --recount: line ${r.line} "${r.from}" became "${r.to}".`);
    const fields = importFields({
      patchId,
      path,
      original: header,
      originUrl: `${originBase}${path.rel}`,
      today,
      notes,
    });
    const draftBytes = concatBytes([encodeUtf8(formatFieldList(fields)), body]);
    const cves = [...new Set(text.match(/CVE-\d{4}-\d{4,}/g) ?? [])];
    const warnings = cves.filter((c) => c !== path.cve).map((c) => `the text also names ${c}`);
    const entry: ImportedPatch = {
      source: path.rel,
      patchId,
      distribution: path.distribution,
      version: path.version,
      cve: path.cve,
      revision: path.revision,
      style: header.style,
      draft: null,
      diff: parsed.file ? (repairs.length > 0 ? 'recounted' : 'ok') : 'refused',
      repairs,
      files: parsed.file?.diff.files.length ?? 0,
      todo: fields.filter(([, v]) => v.includes(TODO_MARK)).map(([n]) => n),
      warnings,
    };
    if (parsed.error) {
      const line = parsed.error.details?.['line'];
      entry.refusal = {
        code: parsed.error.code,
        message: parsed.error.message,
        ...(typeof line === 'number' ? { line } : {}),
      };
    }
    const rel = `drafts/${path.distribution}/${patchId}.patch`;
    const inRepo = await readInside(into, `patches/${path.distribution}/${patchId}.patch`, limits.maxPatchBytes);
    if (inRepo !== undefined) {
      skipped.push({ source: path.rel, reason: `${patchId} is already in the repository` });
      continue;
    }
    if (!options.replace && (await readInside(into, rel, limits.maxPatchBytes)) !== undefined) {
      skipped.push({ source: path.rel, reason: `${rel} exists (--replace overwrites it)` });
      continue;
    }
    if (options.dryRun !== true) await writeInside(into, rel, draftBytes);
    entry.draft = join(into, rel);
    patches.push(entry);
  }
  return {
    source: root,
    into,
    found: rels.length,
    converted: patches.length,
    recounted: patches.filter((p) => p.diff === 'recounted').length,
    refused: patches.filter((p) => p.diff === 'refused').length,
    skipped,
    patches,
  };
}
