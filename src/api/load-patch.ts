/**
 * Reading and parsing one patch file from disk, shared by every command that
 * takes a patch. Size is bounded before reading (core/limits.ts).
 */
import { resolveLimits } from '../core/limits.js';
import { parsePatchFile } from '../core/patch/patch-file.js';
import { inContext } from '../errors.js';
import { sha256Hex } from '../files/hash.js';
import { readFileLimited } from '../files/read.js';
import type { Limits } from '../core/limits.js';
import type { PatchFile } from '../core/patch/patch-file.js';

export interface LoadedPatch {
  path: string;
  bytes: Uint8Array;
  sha256: string;
  file: PatchFile;
}

export async function loadPatch(path: string, limits?: Partial<Limits>): Promise<LoadedPatch> {
  const resolved = resolveLimits(limits);
  const bytes = await readFileLimited(path, resolved.maxPatchBytes, 'patch file');
  try {
    return { path, bytes, sha256: sha256Hex(bytes), file: parsePatchFile(bytes, { limits: resolved }) };
  } catch (err) {
    // Name the file in parse errors: the core does not know where the bytes came from.
    throw inContext(err, path, 'PATCH_PARSE', { file: path });
  }
}
