/**
 * One "diff --git" file section: the extended header lines, then optional
 * "---"/"+++" lines and hunks. Names and create/delete states follow GNU
 * patch 2.7.6 (pch.c intuit_diff_type); symlink and submodule modes, and
 * binary patches, are refused here.
 */
import { CpansecError } from '../../errors.js';
import { binaryDiffError, checkHeaderLine, isBinaryMarker } from './detect.js';
import { isHunkHeader } from './hunk-parse.js';
import { parseGitHeaderValue, parseGitNames, parseHeaderName } from './names.js';
import { isHeaderTag, parseError, readHunks, sideStates } from './parse-common.js';
import type { ParseState } from './parse-common.js';
import type { FilePatch, FileState, GitMode, Hunk } from './model.js';

const EMPTY_BLOB = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391';

/** GNU patch (pch.c sha1_says_nonexistent): all zeros = absent, a prefix of the empty blob = empty. */
function hashState(hash: string): FileState {
  if (/^0+$/.test(hash)) return 'absent';
  return EMPTY_BLOB.startsWith(hash) ? 'empty' : 'exists';
}

/**
 * A git mode. Only regular files are accepted: GNU patch 2.7 creates symlinks
 * from "120000" sections, and a later section can then write through them
 * (CVE-2015-1196, CVE-2015-1396; git's CVE-2023-23946 is the same shape).
 */
function parseMode(text: string, patchLine: number): GitMode {
  const m = /^([0-7]{6})[ \t]*$/.exec(text);
  if (m === null) throw parseError(patchLine, `malformed file mode ${JSON.stringify(text)}`, { reason: 'mode' });
  const mode = m[1] as string;
  if (mode.startsWith('120')) {
    throw new CpansecError('UNSAFE_PATH', `symbolic link in patch (mode ${mode}, patch line ${patchLine})`, {
      hint: 'Patches may not create, change or delete symbolic links (CVE-2015-1196 class).',
      details: { line: patchLine, mode, reason: 'symlink' },
    });
  }
  if (!mode.startsWith('100')) {
    throw new CpansecError('PATCH_UNSUPPORTED', `unsupported file type (mode ${mode}, patch line ${patchLine})`, {
      hint: mode.startsWith('160') ? 'Submodules (gitlinks) cannot be patched.' : 'Only regular files can be patched.',
      details: { line: patchLine, mode, reason: 'file-type' },
    });
  }
  return mode;
}

/** Is `value` ("rename from" etc., written without prefix) the same file as `gitName` ("a/x", or "x" with --no-prefix)? */
function sameFile(gitName: string, value: string): boolean {
  if (gitName === value) return true;
  const cut = gitName.length - value.length - 1;
  return cut > 0 && gitName.endsWith('/' + value) && !gitName.slice(0, cut).includes('/');
}

interface Extended {
  oldMode?: GitMode;
  newMode?: GitMode;
  oldHash?: string;
  newHash?: string;
  renameFrom?: string;
  renameTo?: string;
  copyFrom?: string;
  copyTo?: string;
  similarity?: number;
  isNew: boolean;
  isDeleted: boolean;
  state: { old: FileState; new: FileState };
  count: number;
}

/** Read one extended header line into `ext`; false when the line is not one. */
function readExtended(ext: Extended, raw: string, patchLine: number): boolean {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  const value = (prefix: string): string | null => (line.startsWith(prefix) ? line.slice(prefix.length) : null);
  const name = (v: string): string => {
    const n = parseGitHeaderValue(v);
    if (n === null) throw parseError(patchLine, 'malformed file name', { reason: 'name' });
    return n;
  };
  let v: string | null;
  if ((v = value('old mode ')) !== null) ext.oldMode = parseMode(v, patchLine);
  else if ((v = value('new mode ')) !== null) ext.newMode = parseMode(v, patchLine);
  else if ((v = value('deleted file mode ')) !== null) {
    ext.oldMode = parseMode(v, patchLine);
    ext.state.new = 'absent';
    ext.isDeleted = true;
  } else if ((v = value('new file mode ')) !== null) {
    ext.newMode = parseMode(v, patchLine);
    ext.state.old = 'absent';
    ext.isNew = true;
  } else if ((v = value('rename from ')) !== null) ext.renameFrom = name(v);
  else if ((v = value('rename to ')) !== null) ext.renameTo = name(v);
  else if ((v = value('copy from ')) !== null) ext.copyFrom = name(v);
  else if ((v = value('copy to ')) !== null) ext.copyTo = name(v);
  else if ((v = value('similarity index ')) !== null) {
    const m = /^(\d{1,3})%$/.exec(v);
    if (m === null) throw parseError(patchLine, 'malformed similarity index', { reason: 'similarity' });
    ext.similarity = Number(m[1]);
  } else if (value('dissimilarity index ') !== null) {
    // informational only
  } else if ((v = value('index ')) !== null) {
    const m = /^([0-9a-f]{1,64})\.\.([0-9a-f]{1,64})(?:[ \t]+(\S+))?[ \t]*$/.exec(v);
    if (m === null) throw parseError(patchLine, 'malformed index line', { reason: 'index' });
    ext.oldHash = m[1] as string;
    ext.newHash = m[2] as string;
    ext.state.old = hashState(ext.oldHash);
    ext.state.new = hashState(ext.newHash);
    if (m[3] !== undefined) ext.oldMode = ext.newMode = parseMode(m[3], patchLine);
  } else return false;
  checkHeaderLine(raw, patchLine);
  ext.count++;
  return true;
}

export function parseGitSection(
  st: ParseState,
  at: number,
  indexName: string | null,
): { file: FilePatch; next: number } {
  const first = st.lines[at] as string;
  checkHeaderLine(first, at + 1);
  const names = parseGitNames((first.endsWith('\r') ? first.slice(0, -1) : first).slice('diff --git '.length));
  let oldName = names.old;
  let newName = names.new;
  const ext: Extended = { isNew: false, isDeleted: false, state: { old: 'exists', new: 'exists' }, count: 0 };
  let i = at + 1;
  for (; i < st.lines.length; i++) {
    const line = st.lines[i] as string;
    if (isBinaryMarker(line)) throw binaryDiffError(i + 1);
    if (!readExtended(ext, line, i + 1)) break;
  }
  let hunks: Hunk[] = [];
  let stripCr = false;
  let oldEpoch = false;
  let newEpoch = false;
  const timestamps: { old?: string; new?: string } = {};
  if (isHeaderTag(st.lines[i], '---') && isHeaderTag(st.lines[i + 1], '+++')) {
    const oldLine = st.lines[i] as string;
    const newLine = st.lines[i + 1] as string;
    checkHeaderLine(oldLine, i + 1);
    checkHeaderLine(newLine, i + 2);
    stripCr = newLine.endsWith('\r');
    const o = parseHeaderName(oldLine.slice(4), true);
    const n = parseHeaderName(newLine.slice(4), true);
    if (o.malformed || n.malformed) throw parseError(i + 1, 'malformed quoted file name');
    // GNU patch: a "/dev/null" name leaves the "diff --git" name in place.
    if (o.name !== null) oldName = o.name;
    if (n.name !== null) newName = n.name;
    oldEpoch = o.epoch;
    newEpoch = n.epoch;
    if (o.timestamp !== '') timestamps.old = o.timestamp;
    if (n.timestamp !== '') timestamps.new = n.timestamp;
    if (!isHunkHeader(st.lines[i + 2])) {
      const next = st.lines[i + 2];
      if (next !== undefined && isBinaryMarker(next)) throw binaryDiffError(i + 3);
      throw parseError(i + 3, 'file header without a hunk', { reason: 'no-hunk' });
    }
    i += 2;
  }
  if (isHunkHeader(st.lines[i])) {
    const read = readHunks(st, i, stripCr);
    hunks = read.hunks;
    i = read.next;
  }
  if (ext.count === 0 && hunks.length === 0)
    throw parseError(at + 1, 'empty "diff --git" section', { reason: 'empty' });
  const states = sideStates(hunks[0], oldEpoch, newEpoch, ext.state);
  const base = {
    oldName,
    newName,
    indexName,
    oldState: states.old,
    newState: states.new,
    hunks,
    git: true,
    crStripped: stripCr,
    patchLine: at + 1,
    ...(ext.oldMode === undefined ? {} : { oldMode: ext.oldMode }),
    ...(ext.newMode === undefined ? {} : { newMode: ext.newMode }),
    ...(ext.oldHash === undefined ? {} : { oldHash: ext.oldHash }),
    ...(ext.newHash === undefined ? {} : { newHash: ext.newHash }),
    ...(timestamps.old === undefined ? {} : { oldTimestamp: timestamps.old }),
    ...(timestamps.new === undefined ? {} : { newTimestamp: timestamps.new }),
  };
  const isRename = ext.renameFrom !== undefined || ext.renameTo !== undefined;
  const isCopy = ext.copyFrom !== undefined || ext.copyTo !== undefined;
  if (
    (isRename && isCopy) ||
    ((isRename || isCopy) && (ext.isNew || ext.isDeleted)) ||
    (ext.isNew && ext.isDeleted) ||
    (states.old === 'absent' && states.new === 'absent')
  ) {
    throw parseError(at + 1, 'contradictory git extended headers', { reason: 'git-headers' });
  }
  if (isRename || isCopy) {
    const from = isRename ? ext.renameFrom : ext.copyFrom;
    const to = isRename ? ext.renameTo : ext.copyTo;
    // GNU patch uses the "diff --git" names and ignores these; git apply uses
    // these. Both must name the same files, or the two tools patch different ones.
    if (from === undefined || to === undefined || oldName === null || newName === null) {
      throw parseError(at + 1, `incomplete ${isRename ? 'rename' : 'copy'} header`, { reason: 'git-headers' });
    }
    if (!sameFile(oldName, from) || !sameFile(newName, to)) {
      throw parseError(at + 1, `${isRename ? 'rename' : 'copy'} from/to disagree with the "diff --git" names`, {
        reason: 'git-headers',
      });
    }
    const sim = ext.similarity === undefined ? {} : { similarity: ext.similarity };
    const file: FilePatch = isRename
      ? { type: 'rename', from, to, ...base, ...sim }
      : { type: 'copy', from, to, ...base, ...sim };
    return { file, next: i };
  }
  if (oldName === null && newName === null) {
    throw parseError(at + 1, 'cannot read the file names of this "diff --git" section', { reason: 'name' });
  }
  const type = states.old === 'absent' ? 'create' : states.new === 'absent' ? 'delete' : 'modify';
  return { file: { type, ...base }, next: i };
}
