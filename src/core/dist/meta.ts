/**
 * A distribution's META.json and META.yml: who it is (name, version), and
 * recording what we did to it under a top-level `x_cpansec` key.
 *
 * CPAN::Meta::Spec (custom keys): any key not in the spec must start with
 * "x_"; CPAN::Meta->load_file keeps such keys and silently drops others, and
 * cpanm copies the whole META into the installed MYMETA.json, so provenance
 * written here travels into installed trees (cpan-ecosystem.md §5, tested
 * with real perl). Values are strings only: CPAN::Meta turns JSON booleans
 * into "1" on a round trip.
 *
 * We edit the text instead of re-serialising it: every byte outside the
 * `x_cpansec` member (and the `version` value with a version suffix) stays
 * as the author wrote it, so number spellings, key order and escapes the
 * build tools read are untouched. Pure: bytes in, bytes out.
 */
import { CpansecError } from '../../errors.js';
import { encodeUtf8, tryDecodeUtf8 } from '../bytes.js';

/** A provenance value: strings, lists of records of strings, nothing else (see above). */
export type ProvenanceValue = string | Record<string, string>[];
export type Provenance = Record<string, ProvenanceValue>;

export const PROVENANCE_KEY = 'x_cpansec';

export interface MetaIdentity {
  name: string | undefined;
  version: string | undefined;
}

const BOM = '\ufeff';

function decode(bytes: Uint8Array, file: string): { text: string; bom: boolean } {
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const text = tryDecodeUtf8(bom ? bytes.subarray(3) : bytes);
  if (text === undefined) {
    throw new CpansecError('METADATA_INVALID', `${file} is not UTF-8`, { details: { file } });
  }
  return { text, bom };
}

function encode(text: string, bom: boolean): Uint8Array {
  return encodeUtf8(bom ? BOM + text : text);
}

// ---------------------------------------------------------------- META.json

interface JsonMember {
  key: string;
  /** From the key's opening quote to the end of the value. */
  start: number;
  valueStart: number;
  end: number;
}

interface JsonObjectScan {
  open: number;
  close: number;
  members: JsonMember[];
}

function skipSpace(text: string, at: number): number {
  while (at < text.length && ' \t\r\n'.includes(text[at] as string)) at++;
  return at;
}

function stringEnd(text: string, at: number): number {
  // at: the opening quote. Returns the index after the closing quote.
  for (let i = at + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i + 1;
  }
  return text.length;
}

function valueEnd(text: string, at: number): number {
  const c = text[at];
  if (c === '"') return stringEnd(text, at);
  if (c === '{' || c === '[') {
    let depth = 0;
    for (let i = at; i < text.length; i++) {
      const ch = text[i];
      if (ch === '"') i = stringEnd(text, i) - 1;
      else if (ch === '{' || ch === '[') depth++;
      else if (ch === '}' || ch === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return text.length;
  }
  let i = at;
  while (i < text.length && !',}] \t\r\n'.includes(text[i] as string)) i++;
  return i;
}

/** The members of the top-level object of a JSON text already validated by JSON.parse. */
function scanObject(text: string): JsonObjectScan {
  const open = skipSpace(text, 0);
  const members: JsonMember[] = [];
  let at = skipSpace(text, open + 1);
  while (text[at] === '"') {
    const keyEnd = stringEnd(text, at);
    const key = JSON.parse(text.slice(at, keyEnd)) as string;
    const valueStart = skipSpace(text, skipSpace(text, keyEnd) + 1);
    const end = valueEnd(text, valueStart);
    members.push({ key, start: at, valueStart, end });
    at = skipSpace(text, end);
    if (text[at] === ',') at = skipSpace(text, at + 1);
  }
  return { open, close: at, members };
}

function parseMetaJson(text: string, file: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CpansecError('METADATA_INVALID', `${file} is not valid JSON: ${(err as Error).message}`, {
      details: { file },
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CpansecError('METADATA_INVALID', `${file} is not a JSON object`, { details: { file } });
  }
  return value as Record<string, unknown>;
}

/** The layout of the file: indentation unit and the "key" : value separator CPAN::Meta writes. */
function jsonStyle(text: string): { indent: string; colon: string; newline: string } {
  const m = /\n([ \t]+)"/.exec(text);
  return {
    indent: m?.[1] ?? '   ',
    colon: /"\s:\s/.test(text) ? ' : ' : ': ',
    newline: text.includes('\r\n') ? '\r\n' : '\n',
  };
}

function formatJson(value: unknown, style: { indent: string; colon: string; newline: string }, level: number): string {
  const pad = (n: number): string => style.indent.repeat(n);
  if (typeof value === 'string') return JSON.stringify(value).replace(/[\u007f-\uffff]/g, escapeChar);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((v) => `${pad(level + 1)}${formatJson(v, style, level + 1)}`);
    return `[${style.newline}${items.join(`,${style.newline}`)}${style.newline}${pad(level)}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return '{}';
  const items = entries.map(
    ([k, v]) => `${pad(level + 1)}${JSON.stringify(k)}${style.colon}${formatJson(v, style, level + 1)}`,
  );
  return `{${style.newline}${items.join(`,${style.newline}`)}${style.newline}${pad(level)}}`;
}

function escapeChar(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * Name and version from META.json, and the x_cpansec already there (a tarball patched before).
 * A version written as a JSON number is taken as written ("1.10", not 1.1).
 * @throws CpansecError METADATA_INVALID
 */
export function readMetaJsonIdentity(bytes: Uint8Array, file = 'META.json'): MetaIdentity & { existing?: unknown } {
  const { text } = decode(bytes, file);
  const meta = parseMetaJson(text, file);
  const raw = (key: string): string | undefined => {
    const v = meta[key];
    if (typeof v === 'string') return v;
    if (typeof v !== 'number') return undefined;
    const m = scanObject(text)
      .members.filter((x) => x.key === key)
      .pop();
    return m === undefined ? String(v) : text.slice(m.valueStart, m.end);
  };
  return { name: raw('name'), version: raw('version'), existing: meta[PROVENANCE_KEY] };
}

/**
 * META.json with `x_cpansec` set (an existing one replaced) and, when given,
 * another `version`. Only those members' bytes change.
 * @throws CpansecError METADATA_INVALID
 */
export function setMetaJsonProvenance(
  bytes: Uint8Array,
  provenance: Provenance,
  options: { version?: string; file?: string } = {},
): Uint8Array {
  const file = options.file ?? 'META.json';
  const { text, bom } = decode(bytes, file);
  parseMetaJson(text, file);
  const style = jsonStyle(text);
  const scan = scanObject(text);
  // Edits from the end backwards, so earlier offsets stay valid.
  const edits: { start: number; end: number; text: string }[] = [];
  if (options.version !== undefined) {
    for (const m of scan.members) {
      if (m.key === 'version') edits.push({ start: m.valueStart, end: m.end, text: JSON.stringify(options.version) });
    }
  }
  const kept = scan.members.filter((m) => m.key !== PROVENANCE_KEY);
  for (const m of kept.length === 0 ? [] : scan.members) {
    if (m.key !== PROVENANCE_KEY) continue;
    // Remove the member with the separator before it (or after it, when it comes first).
    const index = scan.members.indexOf(m);
    const prev = scan.members[index - 1];
    const next = scan.members[index + 1];
    if (prev !== undefined) edits.push({ start: prev.end, end: m.end, text: '' });
    else if (next !== undefined) edits.push({ start: m.start, end: next.start, text: '' });
    else edits.push({ start: m.start, end: m.end, text: '' });
  }
  const member = `${style.indent}${JSON.stringify(PROVENANCE_KEY)}${style.colon}${formatJson(provenance, style, 1)}`;
  const last = kept[kept.length - 1];
  if (last !== undefined) edits.push({ start: last.end, end: last.end, text: `,${style.newline}${member}` });
  else edits.push({ start: scan.open + 1, end: scan.close, text: `${style.newline}${member}${style.newline}` });
  edits.sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  parseMetaJson(out, file); // never write what we could not read back
  return encode(out, bom);
}

// ---------------------------------------------------------------- META.yml

const YAML_SCALAR = /^([A-Za-z_][\w-]*):[ \t]*(.*?)[ \t]*$/;

function yamlUnquote(raw: string): string {
  if (raw.startsWith("'") && raw.endsWith("'") && raw.length >= 2) return raw.slice(1, -1).replace(/''/g, "'");
  if (raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2) {
    try {
      return JSON.parse(raw) as string;
    } catch {
      return raw.slice(1, -1);
    }
  }
  return raw.replace(/\s+#.*$/, '');
}

function yamlQuote(value: string): string {
  // YAML::Tiny and CPAN::Meta::YAML read single-quoted scalars; control characters have no place here.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new CpansecError('INTERNAL', 'control character in a META value');
  return `'${value.replace(/'/g, "''")}'`;
}

function yamlLines(text: string, file: string): string[] {
  const lines = text.split('\n');
  const starts = lines.filter((l) => /^---(\s|$)/.test(l)).length;
  if (starts > 1) {
    throw new CpansecError('METADATA_INVALID', `${file} holds more than one YAML document`, { details: { file } });
  }
  return lines;
}

/** Name and version from META.yml's top-level scalars (the only fields we need from it). */
export function readMetaYmlIdentity(bytes: Uint8Array, file = 'META.yml'): MetaIdentity {
  const lines = yamlLines(decode(bytes, file).text, file);
  const get = (key: string): string | undefined => {
    for (const line of lines) {
      const m = YAML_SCALAR.exec(line.replace(/\r$/, ''));
      if (m !== null && m[1] === key && m[2] !== '' && m[2] !== '~') return yamlUnquote(m[2] as string);
    }
    return undefined;
  };
  return { name: get('name'), version: get('version') };
}

function formatYaml(provenance: Provenance, newline: string): string {
  const out = [`${PROVENANCE_KEY}:`];
  for (const key of Object.keys(provenance).sort()) {
    const value = provenance[key] as ProvenanceValue;
    if (typeof value === 'string') {
      out.push(`  ${key}: ${yamlQuote(value)}`);
      continue;
    }
    if (value.length === 0) {
      out.push(`  ${key}: []`);
      continue;
    }
    out.push(`  ${key}:`);
    for (const record of value) {
      Object.keys(record)
        .sort()
        .forEach((k, i) => out.push(`    ${i === 0 ? '-' : ' '} ${k}: ${yamlQuote(record[k] as string)}`));
    }
  }
  return out.join(newline) + newline;
}

/**
 * META.yml with `x_cpansec` (an existing top-level block replaced) and,
 * when given, another `version`. Other lines are kept as they are.
 * @throws CpansecError METADATA_INVALID
 */
export function setMetaYmlProvenance(
  bytes: Uint8Array,
  provenance: Provenance,
  options: { version?: string; file?: string } = {},
): Uint8Array {
  const file = options.file ?? 'META.yml';
  const { text, bom } = decode(bytes, file);
  const newline = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = yamlLines(text.endsWith('\n') ? text.slice(0, -1) : text, file).map((l) => l.replace(/\r$/, ''));
  const out: string[] = [];
  let skipping = false;
  let documentEnd: number | undefined;
  for (const line of lines) {
    if (skipping && (line === '' || /^[\s#]/.test(line))) continue;
    skipping = false;
    if (line.startsWith(`${PROVENANCE_KEY}:`)) {
      skipping = true;
      continue;
    }
    if (/^\.\.\.\s*$/.test(line)) documentEnd = out.length;
    const m = YAML_SCALAR.exec(line);
    if (options.version !== undefined && m !== null && m[1] === 'version') {
      out.push(`version: ${yamlQuote(options.version)}`);
      continue;
    }
    out.push(line);
  }
  const block = formatYaml(provenance, newline).slice(0, -newline.length).split(newline);
  out.splice(documentEnd ?? out.length, 0, ...block);
  return encode(out.join(newline) + newline, bom);
}
