/**
 * A cpansec-patch patch file: an RFC 822-style header (DEP-3 + our fields),
 * optional free text, then a diff (docs/patch-format.md). The header is UTF-8
 * text; the diff is bytes (byte string), because the files it patches may be
 * in any encoding. Parse → format is byte-for-byte lossless.
 */
import { CpansecError } from '../../errors.js';
import { binaryToBytes, bytesToBinary, concatBytes, encodeUtf8, tryDecodeUtf8 } from '../bytes.js';
import { resolveLimits } from '../limits.js';
import { formatHeader, parseHeader } from './header.js';
import { readPatchMetadata } from './metadata.js';
import { parseDiff } from './parse.js';
import type { Limits } from '../limits.js';
import type { Header } from './header.js';
import type { HeaderIssue, PatchMetadata } from './metadata.js';
import type { Diff } from './model.js';

export interface PatchFile {
  header: Header;
  /** How the header bytes were decoded; formatting re-encodes the same way. */
  headerEncoding: 'utf-8' | 'latin1';
  /** The diff from its first file section to the end, as a byte string. */
  diffText: string;
  diff: Diff;
}

export interface ParsePatchFileOptions {
  limits?: Partial<Limits>;
}

/**
 * Parses a patch file. Throws CpansecError: LIMIT_EXCEEDED (too big),
 * PATCH_PARSE / PATCH_UNSUPPORTED / UNSAFE_PATH (from the diff parser).
 * Header problems are not thrown here; see readPatchMetadata / validatePatchFile.
 */
export function parsePatchFile(input: Uint8Array, options: ParsePatchFileOptions = {}): PatchFile {
  const limits = resolveLimits(options.limits);
  if (input.length > limits.maxPatchBytes) {
    throw new CpansecError(
      'LIMIT_EXCEEDED',
      `patch is ${input.length} bytes, over the limit of ${limits.maxPatchBytes}`,
      {
        hint: 'CPAN security fixes are small; split the patch or raise the limit if this is really intended',
        details: { size: input.length, limit: limits.maxPatchBytes },
      },
    );
  }
  const text = bytesToBinary(input);
  const diff = parseDiff(text, { limits });
  const preambleBytes = input.subarray(0, diff.preamble.length);
  const utf8 = tryDecodeUtf8(preambleBytes);
  // Old mails may carry latin1 headers; keep them readable and lossless.
  const headerText = utf8 ?? diff.preamble;
  return {
    header: parseHeader(headerText),
    headerEncoding: utf8 === undefined ? 'latin1' : 'utf-8',
    diffText: text.slice(diff.preamble.length),
    diff,
  };
}

export function formatPatchFile(file: Pick<PatchFile, 'header' | 'headerEncoding' | 'diffText'>): Uint8Array {
  const headerText = formatHeader(file.header);
  const headerBytes = file.headerEncoding === 'utf-8' ? encodeUtf8(headerText) : binaryToBytes(headerText);
  return concatBytes([headerBytes, binaryToBytes(file.diffText)]);
}

export interface PatchValidation {
  metadata: PatchMetadata;
  issues: HeaderIssue[];
}

/** Header validation of a parsed patch file (every issue, with lines). */
export function validatePatchFile(file: PatchFile, options: { draft?: boolean } = {}): PatchValidation {
  return readPatchMetadata(file.header, options);
}

/** Throws HEADER_INVALID listing every issue, or returns the metadata. */
export function requireValidMetadata(
  file: PatchFile,
  source: string,
  options: { draft?: boolean } = {},
): PatchMetadata {
  const { metadata, issues } = validatePatchFile(file, options);
  const errors = issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) {
    const list = errors.map((i) => `  ${source}:${i.line || '-'}: ${i.message}`).join('\n');
    throw new CpansecError('HEADER_INVALID', `${source}: ${errors.length} problem(s) in the patch header:\n${list}`, {
      hint: 'fix the fields listed (docs/patch-format.md describes each), or use --draft for work in progress',
      details: { file: source, issues: errors },
    });
  }
  return metadata;
}
