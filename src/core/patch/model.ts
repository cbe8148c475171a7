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

/** File modes as git writes them ("100644", "100755"). Symlinks and gitlinks are refused by the parser. */
export type GitMode = string;

/**
 * What a file section says about one side of the change, in GNU patch's terms
 * (pch.c `p_says_nonexistent`: 0 = exists, 1 = exists and is probably empty,
 * 2 = does not exist). It comes from "/dev/null" names, epoch timestamps,
 * "@@ -0,0" ranges and git's "new/deleted file mode" and "index" lines, and it
 * drives the create/delete decisions of apply.ts exactly as GNU patch's do.
 */
export type FileState = 'exists' | 'empty' | 'absent';

interface FilePatchBase {
  /**
   * Names exactly as the patch gives them, C-unquoted, before any -p stripping.
   * null = "/dev/null" (or a name GNU patch could not parse). For git sections
   * these are the `diff --git` names, replaced by the "---"/"+++" names when
   * those are not /dev/null; `type` says whether the file is created or deleted.
   */
  oldName: string | null;
  newName: string | null;
  /** The "Index:" name, when there is one. */
  indexName: string | null;
  /** Timestamps (or other text) after the names on the "---"/"+++" lines, if any. */
  oldTimestamp?: string;
  newTimestamp?: string;
  /** GNU patch's view of each side (see FileState). */
  oldState: FileState;
  newState: FileState;
  hunks: Hunk[];
  oldMode?: GitMode;
  newMode?: GitMode;
  /** Abbreviated blob ids from a git "index" line. */
  oldHash?: string;
  newHash?: string;
  /** True when the section came from a "diff --git" header (git semantics for names and modes). */
  git: boolean;
  /**
   * True when the header lines ended in CRLF. GNU patch then strips one
   * trailing CR from every line of the section ("Stripping trailing CRs from
   * patch"); the parser has already done so in `hunks`.
   */
  crStripped: boolean;
  /** 1-based line of the first line of this file section in the patch text. */
  patchLine: number;
}

/** A change to an existing file (possibly only its mode). */
export interface ModifyFile extends FilePatchBase {
  type: 'modify';
}
/** A new file ("--- /dev/null" with "@@ -0,0", or "new file mode"). */
export interface CreateFile extends FilePatchBase {
  type: 'create';
}
/** A removed file ("+++ /dev/null" with "+0,0", or "deleted file mode"). */
export interface DeleteFile extends FilePatchBase {
  type: 'delete';
}
/** git "rename from/to", optionally with hunks. `from`/`to` are the header values (git writes them without a/ b/). */
export interface RenameFile extends FilePatchBase {
  type: 'rename';
  from: string;
  to: string;
  similarity?: number;
}
/** git "copy from/to", optionally with hunks. */
export interface CopyFile extends FilePatchBase {
  type: 'copy';
  from: string;
  to: string;
  similarity?: number;
}

export type FilePatch = ModifyFile | CreateFile | DeleteFile | RenameFile | CopyFile;

export type DiffFormat = 'git-diff' | 'git-format-patch' | 'unified' | 'unified-with-index';

/** A parsed diff: the file sections in order, and the text before the first one. */
export interface Diff {
  files: FilePatch[];
  format: DiffFormat;
  /** Text before the first file section (mail headers, description, DEP-3 fields), byte for byte. */
  preamble: string;
}
