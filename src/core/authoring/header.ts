/**
 * The header `cpansec-patch diff` writes (docs/authoring.md): prefilled from
 * what the workspace knows (distribution, version, author, an upstream fix
 * it started from), the author's own edits kept from the previous patch file,
 * `--set` values on top, and `[TODO]` in every required field still unknown.
 * Pure: values in, an ordered field list out.
 */
import { CPANSA_RE, CVE_RE, TODO_MARK } from '../patch/metadata.js';
import type { Header } from '../patch/header.js';
import type { FieldList } from '../import/synthesize.js';

/** The order fields are written in; unknown fields of an existing header follow, in their order. */
export const FIELD_ORDER = [
  'Patch-Id',
  'Distribution',
  'Affected-Versions',
  'Fixed-Versions',
  'Verified-Versions',
  'CVE',
  'CPANSA',
  'Severity',
  'Description',
  'Author',
  'Origin',
  'Bug',
  'Forwarded',
  'Applied-Upstream',
  'Reviewed-by',
  'Upstream-Repository',
  'Revision',
  'Last-Update',
] as const;

const REPEATABLE = new Set(['author', 'bug', 'reviewed-by']);
const ALIASES: Record<string, string> = { subject: 'description', from: 'author', 'acked-by': 'reviewed-by' };

export interface UpstreamFix {
  author?: string;
  subject?: string;
  body?: readonly string[];
  /** The fix's address (Origin "backport, <URL>"), or "commit:<sha>". */
  origin?: string;
}

export interface DiffHeaderInput {
  distribution: string;
  version: string;
  /** "Name <email>" from git config, when set. */
  gitAuthor?: string;
  today: string;
  from?: UpstreamFix;
  /** The header of the patch file being refreshed: the author's edits win over defaults. */
  existing?: Header;
  /** --set Field=Value, applied last. */
  set?: readonly [string, string][];
}

export interface DiffHeader {
  fields: FieldList;
  /** Fields still holding a [TODO] mark. */
  todo: string[];
  patchId: string | undefined;
}

function canonical(name: string): string {
  const lower = name.toLowerCase();
  const target = ALIASES[lower] ?? lower;
  return FIELD_ORDER.find((f) => f.toLowerCase() === target) ?? name;
}

const key = (name: string): string => canonical(name).toLowerCase();

function defaults(input: DiffHeaderInput): Map<string, string[]> {
  const from = input.from;
  const authors = [from?.author, input.gitAuthor].filter((a): a is string => a !== undefined && a !== '');
  const description = from?.subject
    ? [from.subject, ...(from.body ?? [])].join('\n')
    : `${TODO_MARK} one line: what the flaw is and what the patch changes\n${TODO_MARK} why, in your own words, and the regression test t/cpansec-*.t it adds`;
  const out = new Map<string, string[]>([
    ['patch-id', [TODO_MARK]],
    ['distribution', [input.distribution]],
    // A guess: the flaw is in this release and, as far as anyone knows, in every earlier one.
    ['affected-versions', [`<= ${input.version}`]],
    ['verified-versions', [input.version]],
    ['cve', [TODO_MARK]],
    ['severity', [TODO_MARK]],
    ['description', [description]],
    ['author', authors.length > 0 ? [...new Set(authors)] : [TODO_MARK]],
    // DEP-3: a fix taken from upstream needs no forwarding.
    ['forwarded', [from?.origin ? 'not-needed' : TODO_MARK]],
    ['last-update', [input.today]],
  ]);
  if (from?.origin) out.set('origin', [`backport, ${from.origin}`]);
  return out;
}

function firstId(values: readonly string[] | undefined, re: RegExp): string | undefined {
  for (const v of values ?? []) {
    const id = v.split(/[\s,]+/).find((s) => re.test(s));
    if (id !== undefined) return id;
  }
  return undefined;
}

/** Merges defaults, the existing header and --set into the header to write. */
export function planDiffHeader(input: DiffHeaderInput): DiffHeader {
  const values = defaults(input);
  const extra: string[] = [];
  if (input.existing) {
    const seen = new Set<string>();
    for (const f of input.existing.fields) {
      const k = key(f.name);
      const list = seen.has(k) && REPEATABLE.has(k) ? (values.get(k) ?? []) : [];
      list.push(f.value);
      values.set(k, list);
      seen.add(k);
      if (!FIELD_ORDER.some((n) => n.toLowerCase() === k) && !extra.includes(f.name)) extra.push(f.name);
    }
    // What the workspace knows for sure is refreshed; the rest is the author's.
    values.set('distribution', [input.distribution]);
    values.set('last-update', [input.today]);
  }
  for (const [name, value] of input.set ?? []) {
    const k = key(name);
    values.set(k, [value]);
    if (!FIELD_ORDER.some((n) => n.toLowerCase() === k) && !extra.includes(name)) extra.push(name);
  }
  const patchIdNow = values.get('patch-id')?.[0];
  if (patchIdNow === undefined || patchIdNow.includes(TODO_MARK)) {
    const id = firstId(values.get('cve'), CVE_RE) ?? firstId(values.get('cpansa'), CPANSA_RE);
    values.set('patch-id', [id === undefined ? TODO_MARK : `${input.distribution}-${id}`]);
  }
  // One of CVE or CPANSA is required; an unfilled CVE is not needed when CPANSA is given.
  if (values.get('cve')?.every((v) => v.includes(TODO_MARK)) && firstId(values.get('cpansa'), CPANSA_RE)) {
    values.delete('cve');
  }
  const fields: FieldList = [];
  for (const name of [...FIELD_ORDER, ...extra]) {
    for (const v of values.get(name.toLowerCase()) ?? []) fields.push([name, v]);
  }
  const todo = [...new Set(fields.filter(([, v]) => v.includes(TODO_MARK)).map(([n]) => n))];
  const patchId = values.get('patch-id')?.[0];
  return { fields, todo, patchId: patchId === undefined || patchId.includes(TODO_MARK) ? undefined : patchId };
}
