/**
 * `cpansec-patch show <file.patch>`: what a patch is (header, affected
 * versions, advisories) and what it touches (diffstat), without applying it.
 */
import { diffstat } from '../core/patch/diffstat.js';
import { validatePatchFile } from '../core/patch/patch-file.js';
import { loadPatch } from './load-patch.js';
import { viewMetadata } from './metadata-view.js';
import type { Limits } from '../core/limits.js';
import type { HeaderIssue } from '../core/patch/metadata.js';
import type { DiffFormat } from '../core/patch/model.js';
import type { MetadataView } from './metadata-view.js';

export interface ShowOptions {
  /** Path of the patch file. */
  patch: string;
  limits?: Partial<Limits>;
}

export interface ShowResult {
  path: string;
  sha256: string;
  size: number;
  format: DiffFormat;
  metadata: MetadataView;
  /** Every header field in order, unknown ones included. */
  fields: { name: string; value: string; line: number }[];
  /** Header problems (the patch still parses; `lint` turns errors into a failure). */
  issues: HeaderIssue[];
  files: { path: string; change: string; insertions: number; deletions: number }[];
  insertions: number;
  deletions: number;
}

/** @throws CpansecError FILE_NOT_FOUND, LIMIT_EXCEEDED, PATCH_PARSE, PATCH_UNSUPPORTED, UNSAFE_PATH */
export async function showPatch(options: ShowOptions): Promise<ShowResult> {
  const loaded = await loadPatch(options.patch, options.limits);
  const { metadata, issues } = validatePatchFile(loaded.file);
  const stat = diffstat(loaded.file.diff);
  return {
    path: loaded.path,
    sha256: loaded.sha256,
    size: loaded.bytes.length,
    format: loaded.file.diff.format,
    metadata: viewMetadata(metadata),
    fields: loaded.file.header.fields.map((f) => ({ name: f.name, value: f.value, line: f.line })),
    issues,
    files: stat.files,
    insertions: stat.insertions,
    deletions: stat.deletions,
  };
}
