/**
 * The in-memory model of a diff. Pure data; parse.ts builds it, apply.ts and
 * reverse.ts consume it, format.ts writes it back.
 *
 * Text convention: the diff engine works on "byte strings": every byte of a
 * file or patch is one UTF-16 code unit (latin1 decoding). Line comparison is
 * then byte-exact whatever the file's encoding, and encoding back with latin1
 * restores the original bytes. Header fields are UTF-8 and decoded separately.
 */

/** One line of a hunk. `text` excludes the final "\n" but keeps any "\r". */
export interface HunkLine {
  op: ' ' | '-' | '+';
  text: string;
  /** False when the line is followed by "\ No newline at end of file". */
  eol: boolean;
}

export interface Hunk {
  /** From the "@@ -oldStart,oldLines +newStart,newLines @@" line (1-based; 0 for empty side). */
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** Text after the closing "@@" (often a function name), without the leading space. */
  section: string;
  lines: HunkLine[];
  /** 1-based line number of the "@@" line in the patch text, for error messages. */
  patchLine: number;
}

/** File modes as git writes them ("100644", "100755", "120000", ...). */
export type GitMode = string;

interface FilePatchBase {
  /** Names exactly as the patch gives them, C-unquoted, before any -p stripping. null = /dev/null. */
  oldName: string | null;
  newName: string | null;
  /** The "Index:" name, when there is one. */
  indexName: string | null;
  hunks: Hunk[];
  oldMode?: GitMode;
  newMode?: GitMode;
  /** True when the section came from a "diff --git" header (git semantics for names and modes). */
  git: boolean;
  /** 1-based line of the first line of this file section in the patch text. */
  patchLine: number;
}

/** A change to an existing file (possibly only its mode). */
export interface ModifyFile extends FilePatchBase {
  type: 'modify';
}
/** A new file ("--- /dev/null" or "new file mode"). */
export interface CreateFile extends FilePatchBase {
  type: 'create';
}
/** A removed file ("+++ /dev/null" or "deleted file mode"). */
export interface DeleteFile extends FilePatchBase {
  type: 'delete';
}
/** git "rename from/to", optionally with hunks. */
export interface RenameFile extends FilePatchBase {
  type: 'rename';
  similarity?: number;
}
/** git "copy from/to", optionally with hunks. */
export interface CopyFile extends FilePatchBase {
  type: 'copy';
  similarity?: number;
}

export type FilePatch = ModifyFile | CreateFile | DeleteFile | RenameFile | CopyFile;

export type DiffFormat = 'git-diff' | 'git-format-patch' | 'unified' | 'unified-with-index';

/** A parsed diff: the file sections in order, and the text before the first one. */
export interface Diff {
  files: FilePatch[];
  format: DiffFormat;
  /** Lines before the first file section (mail headers, description, DEP-3 fields). */
  preamble: string;
}
