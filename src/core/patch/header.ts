/**
 * The RFC 822-style field block at the top of a patch file (DEP-3 and our
 * own fields). Kept lossless: every field remembers its exact source text, so
 * formatHeader(parseHeader(t)) === t, and an edited field only rewrites its
 * own lines. Unknown fields are preserved in order (the tuf-js
 * unrecognizedFields habit), because DEP-3 lets vendors add their own.
 */

export interface HeaderField {
  /** The name as written (case kept); compare with sameField(). */
  readonly name: string;
  /** Unfolded value: continuation lines joined with "\n", DEP-3 " ." lines as empty lines. */
  readonly value: string;
  /** 1-based line of the field's first line in the patch file. */
  readonly line: number;
  /** Exact source text, line endings included. */
  readonly raw: string;
}

export interface Header {
  readonly fields: readonly HeaderField[];
  /** Everything after the field block (blank line, free text, mail body...), verbatim. */
  readonly rest: string;
}

// DEP-3 field names are case-insensitive words with dashes ("Bug-Debian", "Last-Update").
const FIELD_RE = /^([A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*):(?:[ \t]+|(?=\r?\n)|$)/;

function splitLines(text: string): string[] {
  // Keep terminators so raw text reassembles exactly.
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function stripEol(line: string): string {
  return line.endsWith('\r\n') ? line.slice(0, -2) : line.endsWith('\n') ? line.slice(0, -1) : line;
}

/**
 * Reads fields from the start of `text` until the first line that is neither
 * a field nor a continuation (a blank line, "---", a diff, mail body...).
 * Never throws: a text without fields is a header with no fields.
 */
export function parseHeader(text: string, firstLine = 1): Header {
  const lines = splitLines(text);
  const fields: HeaderField[] = [];
  let i = 0;
  let offset = 0;
  while (i < lines.length) {
    const line = lines[i] as string;
    const m = FIELD_RE.exec(line);
    if (!m) break;
    const name = m[1] as string;
    const start = i;
    const values = [stripEol(line.slice(m[0].length)).trimEnd()];
    i++;
    // Continuation lines begin with a space or tab; RFC 822 folding.
    while (i < lines.length && /^[ \t]/.test(lines[i] as string) && stripEol(lines[i] as string).trim() !== '') {
      const cont = stripEol(lines[i] as string).replace(/^[ \t]/, '');
      values.push(cont === '.' ? '' : cont.trimEnd());
      i++;
    }
    const raw = lines.slice(start, i).join('');
    fields.push({ name, value: values.join('\n').replace(/^\n+/, ''), line: firstLine + start, raw });
    offset += raw.length;
  }
  return { fields, rest: text.slice(offset) };
}

export function formatHeader(header: Header): string {
  return header.fields.map((f) => f.raw).join('') + header.rest;
}

export function sameField(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

export function getFields(header: Header, name: string): HeaderField[] {
  return header.fields.filter((f) => sameField(f.name, name));
}

export function getField(header: Header, name: string): HeaderField | undefined {
  return header.fields.find((f) => sameField(f.name, name));
}

/** Folds a value into field lines: continuation lines start with a space, empty lines become " .". */
export function formatField(name: string, value: string, eol = '\n'): string {
  const [first = '', ...more] = value.split('\n');
  const head = first === '' ? `${name}:` : `${name}: ${first}`;
  return [head, ...more.map((l) => (l === '' ? ' .' : ` ${l}`))].join(eol) + eol;
}

function detectEol(header: Header): string {
  const sample = header.fields[0]?.raw ?? header.rest;
  return sample.includes('\r\n') ? '\r\n' : '\n';
}

/**
 * Sets a field: replaces the first field of that name (dropping any
 * duplicates), or inserts it. New fields go after `after` when given and
 * present, else at the end of the field block. Returns a new Header.
 */
export function setField(header: Header, name: string, value: string, options: { after?: string } = {}): Header {
  const eol = detectEol(header);
  const index = header.fields.findIndex((f) => sameField(f.name, name));
  const raw = formatField(name, value, eol);
  if (index >= 0) {
    const old = header.fields[index] as HeaderField;
    const replaced: HeaderField = { name: old.name, value, line: old.line, raw: formatField(old.name, value, eol) };
    const fields = header.fields.filter((f, i) => i === index || !sameField(f.name, name));
    return { fields: fields.map((f) => (f === old ? replaced : f)), rest: header.rest };
  }
  const field: HeaderField = { name, value, line: 0, raw };
  const fields = [...header.fields];
  let at = fields.length;
  if (options.after !== undefined) {
    const anchor = fields.map((f) => f.name.toLowerCase()).lastIndexOf(options.after.toLowerCase());
    if (anchor >= 0) at = anchor + 1;
  }
  fields.splice(at, 0, field);
  // A header that had no fields needs a blank line before whatever followed.
  const rest =
    header.fields.length === 0 && header.rest !== '' && !/^\r?\n/.test(header.rest) ? eol + header.rest : header.rest;
  return { fields, rest };
}

export function removeField(header: Header, name: string): Header {
  return { fields: header.fields.filter((f) => !sameField(f.name, name)), rest: header.rest };
}
