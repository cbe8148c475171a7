/**
 * The header an imported patch gets (docs/authoring.md, "Importing"): what
 * the path and the original text say, in our fields, and `[TODO]` for what
 * only a reviewer can say. Nothing is invented: Verified-Versions (we have
 * not tested it), Severity and Forwarded (CPANSec's files carry neither) stay
 * `[TODO]`, so `repo add` refuses the draft until someone fills them.
 * The original file follows the header unchanged. Pure.
 */
import { formatField } from '../patch/header.js';
import { TODO_MARK } from '../patch/metadata.js';
import type { ImportPath } from './layout.js';
import type { OriginalHeader } from './styles.js';

export interface ImportHeaderInput {
  patchId: string;
  path: ImportPath;
  original: OriginalHeader;
  /** Where the file was published (the Origin URL). */
  originUrl?: string;
  /** YYYY-MM-DD of the conversion. */
  today: string;
  /** Lines about repairs made on the way (--recount), for the description. */
  notes?: readonly string[];
}

/** Field name → value, in the order they are written. */
export type FieldList = [name: string, value: string][];

export function importFields(input: ImportHeaderInput): FieldList {
  const { path, original } = input;
  const description = [
    original.subject ?? TODO_MARK,
    ...original.body,
    ...(input.notes && input.notes.length > 0 ? ['', ...input.notes] : []),
  ];
  // Lines of an RFC 822 field cannot start a new field; the body is free text, so fold it.
  const fields: FieldList = [
    ['Patch-Id', input.patchId],
    ['Distribution', path.distribution],
    ['Affected-Versions', `== ${path.version}`],
    ['Verified-Versions', TODO_MARK],
    ['CVE', path.cve],
    ['Severity', TODO_MARK],
    ['Description', trimTrailingBlank(description).join('\n')],
    ['Author', original.author ?? TODO_MARK],
  ];
  if (input.originUrl !== undefined) fields.push(['Origin', `vendor, ${input.originUrl}`]);
  fields.push(['Forwarded', TODO_MARK], ['Last-Update', input.today]);
  if (path.revision > 1) fields.push(['Revision', String(path.revision)]);
  return fields;
}

function trimTrailingBlank(lines: string[]): string[] {
  let end = lines.length;
  while (end > 1 && (lines[end - 1] as string).trim() === '') end--;
  return lines.slice(0, end).map((l) => l.replace(/\s+$/, ''));
}

/** The header block: fields, then one empty line (the original text follows it). */
export function formatFieldList(fields: FieldList): string {
  return `${fields.map(([name, value]) => formatField(name, value)).join('')}\n`;
}
