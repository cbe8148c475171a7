/**
 * Where a distribution lives upstream, as its META.json or META.yml says:
 * `resources.repository` (url, web, type), `resources.bugtracker` (web,
 * mailto), `resources.homepage` and `author` (CPAN::Meta::Spec, cpan-ecosystem.md §5).
 *
 * META comes from a tarball we did not write, so it is read as hostile data:
 * bounded, every value a short single-line string (a newline in an address
 * would become a mail header), anything else ignored. META.yml is read with a
 * tiny subset of YAML (block mappings, block sequences, quoted and plain
 * scalars) — the shape CPAN::Meta::YAML writes — never with a YAML loader
 * that knows tags, anchors or aliases. Pure.
 */
import { CpansecError } from '../../errors.js';
import { tryDecodeUtf8 } from '../bytes.js';

export interface UpstreamPointers {
  /** Which file the pointers were read from. */
  source: 'META.json' | 'META.yml';
  name: string | undefined;
  version: string | undefined;
  repository: { url?: string; web?: string; type?: string };
  bugtracker: { web?: string; mailto?: string };
  homepage: string | undefined;
  /** `author` entries, "Name <email>" as written. */
  authors: string[];
}

/** Longer than any real URL or author line; bounds what we carry into messages and mails. */
const MAX_VALUE = 2000;
const MAX_AUTHORS = 50;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

function clean(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim();
  if (v === '' || v.length > MAX_VALUE || CONTROL.test(v)) return undefined;
  return v;
}

function decode(bytes: Uint8Array, file: string): string {
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const text = tryDecodeUtf8(bom ? bytes.subarray(3) : bytes);
  if (text === undefined) {
    throw new CpansecError('METADATA_INVALID', `${file} is not UTF-8`, { details: { file } });
  }
  return text;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Spec 2 has objects; spec 1.x has plain URL strings for repository and bugtracker. */
function pointersFrom(doc: Record<string, unknown>, source: UpstreamPointers['source']): UpstreamPointers {
  const resources = isRecord(doc['resources']) ? doc['resources'] : {};
  const repo = resources['repository'];
  const bugs = resources['bugtracker'];
  const repository: UpstreamPointers['repository'] = {};
  if (isRecord(repo)) {
    for (const key of ['url', 'web', 'type'] as const) {
      const v = clean(repo[key]);
      if (v !== undefined) repository[key] = v;
    }
  } else {
    const v = clean(repo);
    if (v !== undefined) repository.url = v;
  }
  const bugtracker: UpstreamPointers['bugtracker'] = {};
  if (isRecord(bugs)) {
    for (const key of ['web', 'mailto'] as const) {
      const v = clean(bugs[key]);
      if (v !== undefined) bugtracker[key] = v;
    }
  } else {
    const v = clean(bugs);
    if (v !== undefined) bugtracker.web = v;
  }
  const rawAuthors = doc['author'];
  const list = Array.isArray(rawAuthors) ? rawAuthors : [rawAuthors];
  const authors = list
    .map(clean)
    // "unknown" is what CPAN::Meta::Converter writes when the author list is missing.
    .filter((a): a is string => a !== undefined && a.toLowerCase() !== 'unknown')
    .slice(0, MAX_AUTHORS);
  return {
    source,
    name: clean(doc['name']),
    version: typeof doc['version'] === 'number' ? String(doc['version']) : clean(doc['version']),
    repository,
    bugtracker,
    homepage: clean(resources['homepage']),
    authors,
  };
}

/** @throws CpansecError METADATA_INVALID when the file is not a JSON object */
export function readMetaJsonPointers(bytes: Uint8Array, file = 'META.json'): UpstreamPointers {
  let doc: unknown;
  try {
    doc = JSON.parse(decode(bytes, file));
  } catch (err) {
    if (err instanceof CpansecError) throw err;
    throw new CpansecError('METADATA_INVALID', `${file} is not valid JSON`, { details: { file }, cause: err });
  }
  if (!isRecord(doc)) throw new CpansecError('METADATA_INVALID', `${file} is not a JSON object`, { details: { file } });
  return pointersFrom(doc, 'META.json');
}

// ---------------------------------------------------------------- the YAML subset

interface Line {
  indent: number;
  text: string;
}

/** A quoted or plain scalar; undefined for what this subset does not read (flow collections, tags, anchors, blocks). */
function scalar(raw: string): string | undefined {
  const t = raw.trim();
  if (t === '' || t === '~' || t === 'null') return undefined;
  if (t.startsWith("'")) {
    const m = /^'((?:[^']|'')*)'\s*(?:#.*)?$/.exec(t);
    return m ? (m[1] as string).replace(/''/g, "'") : undefined;
  }
  if (t.startsWith('"')) {
    const m = /^"((?:[^"\\]|\\.)*)"\s*(?:#.*)?$/.exec(t);
    if (!m) return undefined;
    return (m[1] as string).replace(/\\(.)/g, (_all, c: string) => (c === 'n' || c === 't' ? ' ' : c));
  }
  if (/^[[{&*!|>%@`]/.test(t)) return undefined;
  return t.replace(/\s+#.*$/, '');
}

const KEY_RE = /^([A-Za-z_][\w-]*)\s*:(?:\s+(.*))?$/;

/** The lines nested under the line at `at` (more indented, blank and comment lines skipped). */
function childrenOf(lines: readonly Line[], at: number): Line[] {
  const parent = lines[at] as Line;
  const out: Line[] = [];
  for (let i = at + 1; i < lines.length; i++) {
    const line = lines[i] as Line;
    if (line.indent <= parent.indent && !(line.text.startsWith('- ') && line.indent === parent.indent)) break;
    out.push(line);
  }
  return out;
}

/** A block mapping or sequence, two levels deep at most (all META resources need). */
function readBlock(lines: readonly Line[], depth: number): unknown {
  if (lines.length === 0) return undefined;
  const indent = (lines[0] as Line).indent;
  if ((lines[0] as Line).text.startsWith('-')) {
    return lines
      .filter((l) => l.indent === indent && /^-(\s|$)/.test(l.text))
      .map((l) => scalar(l.text.slice(1)))
      .filter((v) => v !== undefined);
  }
  const out: Record<string, unknown> = {};
  lines.forEach((line, i) => {
    if (line.indent !== indent) return;
    const m = KEY_RE.exec(line.text);
    if (!m) return;
    const key = m[1] as string;
    if (m[2] !== undefined && m[2].trim() !== '') {
      out[key] = scalar(m[2]);
    } else if (depth > 0) {
      out[key] = readBlock(childrenOf(lines, i), depth - 1);
    }
  });
  return out;
}

/**
 * The same pointers from META.yml (spec 1.4: repository and bugtracker are URLs;
 * CPAN::Meta::Converter output may also have spec-2 style maps).
 * @throws CpansecError METADATA_INVALID (not UTF-8)
 */
export function readMetaYmlPointers(bytes: Uint8Array, file = 'META.yml'): UpstreamPointers {
  const lines: Line[] = [];
  for (const raw of decode(bytes, file).split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || /^\s*#/.test(line) || /^(---|\.\.\.)(\s|$)/.test(line)) continue;
    if (/^\t/.test(line)) continue; // tabs are not YAML indentation
    lines.push({ indent: line.length - line.trimStart().length, text: line.trim() });
  }
  const doc: Record<string, unknown> = {};
  lines.forEach((line, i) => {
    if (line.indent !== 0) return;
    const m = KEY_RE.exec(line.text);
    if (!m) return;
    const key = m[1] as string;
    if (!['name', 'version', 'author', 'resources'].includes(key)) return;
    doc[key] = m[2] !== undefined && m[2].trim() !== '' ? scalar(m[2]) : readBlock(childrenOf(lines, i), 2);
  });
  return pointersFrom(doc, 'META.yml');
}
