/**
 * parseDiff: a byte string in, a Diff out, or a typed refusal.
 *
 * Accepted: unified diffs ("---"/"+++"/"@@"), "Index:" diffs, git diffs with
 * extended headers, git format-patch mails, with junk before and between file
 * sections (GNU patch skips it too). Refused: ed scripts, normal and context
 * diffs, binary diffs, symlinks and submodules, NUL bytes, anything over the
 * limits. Names are decoded but not validated here; apply.ts validates them
 * after -p stripping, for every name a section carries.
 */
import { CpansecError } from '../../errors.js';
import { resolveLimits } from '../limits.js';
import type { Limits } from '../limits.js';
import {
  binaryDiffError,
  checkByteString,
  checkHeaderLine,
  contextDiffError,
  edScriptError,
  isBinaryMarker,
  isContextHunkStart,
  isEdCommand,
  isNormalDiffCommand,
  normalDiffError,
} from './detect.js';
import { parseGitSection } from './git-section.js';
import { isHunkHeader } from './hunk-parse.js';
import { isHeaderTag, parseError, readHunks, sideStates } from './parse-common.js';
import type { ParseState } from './parse-common.js';
import { splitPatchLines } from './lines.js';
import { parseHeaderName } from './names.js';
import type { Diff, DiffFormat, FilePatch } from './model.js';

export interface ParseOptions {
  limits?: Partial<Limits>;
}

/** The corpus' classification (tools/gnu_patch_oracle.py patch_format), on the text we are given. */
function classify(text: string): DiffFormat {
  if (/^From [0-9a-f]{40} /.test(text)) return 'git-format-patch';
  if (/^diff --git /m.test(text)) return 'git-diff';
  if (/^Index: /m.test(text)) return 'unified-with-index';
  return 'unified';
}

function unifiedSection(st: ParseState, at: number, indexName: string | null): { file: FilePatch; next: number } {
  const oldLine = st.lines[at] as string;
  const newLine = st.lines[at + 1] as string;
  checkHeaderLine(oldLine, at + 1);
  checkHeaderLine(newLine, at + 2);
  // GNU patch: when the header ends in CRLF, strip trailing CRs from the patch.
  const stripCr = newLine.endsWith('\r');
  const oldName = parseHeaderName(oldLine.slice(4), true);
  const newName = parseHeaderName(newLine.slice(4), true);
  if (oldName.malformed || newName.malformed) throw parseError(at + 1, 'malformed quoted file name');
  if (!isHunkHeader(st.lines[at + 2])) {
    const next = st.lines[at + 2];
    if (next !== undefined && isEdCommand(next)) throw edScriptError(at + 3);
    if (next !== undefined && isNormalDiffCommand(next)) throw normalDiffError(at + 3);
    throw parseError(at + 3, 'file header without a hunk', { reason: 'no-hunk' });
  }
  const { hunks, next } = readHunks(st, at + 2, stripCr);
  const states = sideStates(hunks[0], oldName.epoch, newName.epoch, { old: 'exists', new: 'exists' });
  if (states.old === 'absent' && states.new === 'absent')
    throw parseError(at + 1, 'both sides of the diff are /dev/null');
  const type = states.old === 'absent' ? 'create' : states.new === 'absent' ? 'delete' : 'modify';
  const file: FilePatch = {
    type,
    oldName: oldName.name,
    newName: newName.name,
    indexName,
    oldState: states.old,
    newState: states.new,
    hunks,
    git: false,
    crStripped: stripCr,
    patchLine: at + 1,
  };
  if (oldName.timestamp !== '') file.oldTimestamp = oldName.timestamp;
  if (newName.timestamp !== '') file.newTimestamp = newName.timestamp;
  return { file, next };
}

/**
 * Parse a patch.
 * @throws CpansecError PATCH_PARSE (malformed, truncated, no diff), PATCH_UNSUPPORTED
 *   (ed, normal, context, binary, submodule), UNSAFE_PATH (symlink modes),
 *   LIMIT_EXCEEDED (size limits)
 */
export function parseDiff(text: string, options: ParseOptions = {}): Diff {
  const limits = resolveLimits(options.limits);
  if (text.length > limits.maxPatchBytes) {
    throw new CpansecError('LIMIT_EXCEEDED', `patch is larger than ${limits.maxPatchBytes} bytes`, {
      details: { limit: 'maxPatchBytes', value: text.length },
    });
  }
  checkByteString(text);
  const { lines, offsets, terminated } = splitPatchLines(text);
  for (let k = 0; k < lines.length; k++) {
    if ((lines[k] as string).length > limits.maxLineBytes) {
      throw new CpansecError(
        'LIMIT_EXCEEDED',
        `line ${k + 1} of the patch is longer than ${limits.maxLineBytes} bytes`,
        {
          details: { line: k + 1, limit: 'maxLineBytes' },
        },
      );
    }
  }
  const st: ParseState = { text, lines, terminated, limits, hunkCount: 0 };
  const files: FilePatch[] = [];
  let preambleEnd: number | null = null;
  let pendingIndex: { name: string | null; at: number } | null = null;
  // Once a header has been seen, GNU patch takes an ed or normal command line for a diff.
  let sawHeader = false;
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as string;
    let section: { file: FilePatch; next: number } | null = null;
    if (line.startsWith('diff --git ')) {
      section = parseGitSection(st, i, pendingIndex?.name ?? null);
    } else if (isHeaderTag(line, '---') && isHeaderTag(lines[i + 1], '+++')) {
      section = unifiedSection(st, i, pendingIndex?.name ?? null);
    } else if (line.startsWith('Index:')) {
      checkHeaderLine(line, i + 1);
      const parsed = parseHeaderName(line.endsWith('\r') ? line.slice(6, -1) : line.slice(6), false);
      pendingIndex = { name: parsed.name, at: i };
      sawHeader = true;
      i++;
      continue;
    } else {
      if (isHunkHeader(line)) throw parseError(i + 1, 'hunk outside a file section', { reason: 'orphan-hunk' });
      if (isBinaryMarker(line)) throw binaryDiffError(i + 1);
      if (isContextHunkStart(line, lines[i + 1])) throw contextDiffError(i + 1);
      if (/^(\*\*\*|---|\+\+\+)[ \t]/.test(line)) sawHeader = true;
      else if (sawHeader && isEdCommand(line)) throw edScriptError(i + 1);
      else if (sawHeader && isNormalDiffCommand(line)) throw normalDiffError(i + 1);
      i++;
      continue;
    }
    preambleEnd ??= offsets[pendingIndex?.at ?? i] as number;
    pendingIndex = null;
    // GNU patch starts each search for the next diff needing a header again.
    sawHeader = false;
    files.push(section.file);
    if (files.length > limits.maxFilesPerPatch) {
      throw new CpansecError('LIMIT_EXCEEDED', `more than ${limits.maxFilesPerPatch} files in one patch`, {
        details: { limit: 'maxFilesPerPatch' },
      });
    }
    i = section.next;
  }
  if (files.length === 0) {
    const ed = lines.findIndex((l) => isEdCommand(l) || isNormalDiffCommand(l));
    if (ed >= 0) throw isNormalDiffCommand(lines[ed] as string) ? normalDiffError(ed + 1) : edScriptError(ed + 1);
    throw new CpansecError('PATCH_PARSE', 'no diff found', {
      hint: 'The text holds no unified or git diff ("---"/"+++" lines followed by "@@" hunks).',
      details: { reason: 'no-diff' },
    });
  }
  return { files, format: classify(text), preamble: text.slice(0, preambleEnd ?? text.length) };
}
