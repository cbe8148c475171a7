/**
 * The typed view of a patch header: DEP-3 fields plus cpansec-patch's own
 * (docs/patch-format.md). Reading never stops at the first problem: every bad
 * field is reported with its line, so an author fixes them all in one pass
 * (the sigstore validate.ts habit).
 */
import { parseAffectedVersions, parseVersionList } from '../version/affected.js';
import { getField, getFields } from './header.js';
import type { AffectedVersions } from '../version/affected.js';
import type { CpanVersion } from '../version/cpan-version.js';
import type { Header, HeaderField } from './header.js';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface PatchMetadata {
  patchId: string | undefined;
  distribution: string | undefined;
  affectedVersions: AffectedVersions | undefined;
  /** The Affected-Versions text as written (for display and trusted comments). */
  affectedVersionsText: string | undefined;
  fixedVersions: CpanVersion[];
  verifiedVersions: CpanVersion[];
  cve: string[];
  cpansa: string[];
  severity: Severity | undefined;
  /** DEP-3 Description, or Subject as its alias (git format-patch mails). */
  summary: string | undefined;
  longDescription: string | undefined;
  /** DEP-3 Author, or From as its alias. */
  authors: string[];
  origin: string | undefined;
  bugs: string[];
  forwarded: string | undefined;
  appliedUpstream: string | undefined;
  reviewedBy: string[];
  lastUpdate: string | undefined;
  upstreamRepository: string | undefined;
  revision: number | undefined;
}

export interface HeaderIssue {
  field: string;
  /** 1-based line in the patch file; 0 when the field is missing. */
  line: number;
  message: string;
  severity: 'error' | 'warning';
}

export interface MetadataReadResult {
  metadata: PatchMetadata;
  issues: HeaderIssue[];
}

/** Fields a publishable patch must carry; `--draft` relaxes this. */
export const REQUIRED_FIELDS = [
  'Patch-Id',
  'Distribution',
  'Affected-Versions',
  'Verified-Versions',
  'Severity',
  'Description',
  'Author',
  'Forwarded',
  'Last-Update',
] as const;

// MITRE: CVE-YYYY-NNNN with at least four digits in the sequence part.
export const CVE_RE = /^CVE-\d{4}-\d{4,}$/;
// CPANSA ids as the cpan-security-advisory database writes them: CPANSA-<Dist>-<year>-<nn>.
export const CPANSA_RE = /^CPANSA-[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*-\d{4}-\d{2,}$/;
export const PATCH_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._+-]{2,99}$/;
// CPAN distribution names: words of letters/digits/underscores joined by dashes.
export const DIST_RE = /^[A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
// Marks an author must replace before publishing (written by `cpansec-patch diff`).
export const TODO_MARK = '[TODO]';

function splitList(value: string): string[] {
  return value
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function isUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' || url.protocol === 'mailto:';
  } catch {
    return false;
  }
}

function validDate(value: string): boolean {
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/** Reads the typed metadata out of a header, collecting every problem. */
export function readPatchMetadata(input: Header, options: { draft?: boolean } = {}): MetadataReadResult {
  // A draft may hold "[TODO]" placeholders: those fields are not filled in yet, so they are read as
  // absent instead of being parsed (a range or version list with a [TODO] would only give a parse
  // error). Free text (Description/Subject) keeps its placeholder.
  const header: Header = options.draft
    ? {
        ...input,
        fields: input.fields.filter((f) => !f.value.includes(TODO_MARK) || /^(description|subject)$/i.test(f.name)),
      }
    : input;
  const issues: HeaderIssue[] = [];
  const error = (field: HeaderField | string, message: string): void => {
    const f = typeof field === 'string' ? { name: field, line: 0 } : field;
    issues.push({ field: f.name, line: f.line, message, severity: 'error' });
  };
  const single = (name: string, alias?: string): HeaderField | undefined => {
    const all = [...getFields(header, name), ...(alias === undefined ? [] : getFields(header, alias))];
    for (const dup of all.slice(1)) error(dup, `${name} is given more than once (first on line ${all[0]?.line})`);
    const field = all[0];
    if (field !== undefined && field.value.trim() === '') error(field, `${field.name} is empty`);
    if (field !== undefined && !options.draft && field.value.includes(TODO_MARK)) {
      error(field, `${field.name} still holds a ${TODO_MARK} mark: fill it in`);
    }
    return field;
  };
  const text = (f: HeaderField | undefined): string | undefined => (f === undefined ? undefined : f.value.trim());

  const patchIdField = single('Patch-Id');
  const patchId = text(patchIdField);
  if (patchIdField && patchId && !PATCH_ID_RE.test(patchId)) {
    error(patchIdField, `Patch-Id "${patchId}" must be 3-100 characters of letters, digits, ".", "_", "+", "-"`);
  }

  const distField = single('Distribution');
  const distribution = text(distField);
  if (distField && distribution && !DIST_RE.test(distribution)) {
    error(
      distField,
      `Distribution "${distribution}" is not a CPAN distribution name (like "HTTP-Daemon"; not a module name with "::")`,
    );
  }

  const affectedField = single('Affected-Versions');
  let affectedVersions: AffectedVersions | undefined;
  if (affectedField && affectedField.value.trim() !== '') {
    try {
      affectedVersions = parseAffectedVersions(affectedField.value);
    } catch (err) {
      error(affectedField, `Affected-Versions: ${(err as Error).message}`);
    }
  }

  const versions = (name: string): CpanVersion[] => {
    const field = single(name);
    if (!field || field.value.trim() === '') return [];
    try {
      return parseVersionList(field.value);
    } catch (err) {
      error(field, `${name}: ${(err as Error).message}`);
      return [];
    }
  };
  const fixedVersions = versions('Fixed-Versions');
  const verifiedVersions = versions('Verified-Versions');

  const ids = (name: string, re: RegExp, example: string): string[] => {
    const out: string[] = [];
    for (const field of getFields(header, name)) {
      for (const id of splitList(field.value)) {
        if (re.test(id)) out.push(id);
        else error(field, `${name} "${id}" is not a valid id (expected like ${example})`);
      }
    }
    return out;
  };
  const cve = ids('CVE', CVE_RE, 'CVE-2026-8450');
  const cpansa = ids('CPANSA', CPANSA_RE, 'CPANSA-HTTP-Daemon-2026-01');

  const severityField = single('Severity');
  const severityText = text(severityField)?.toLowerCase();
  let severity: Severity | undefined;
  if (severityField && severityText) {
    if ((SEVERITIES as readonly string[]).includes(severityText)) severity = severityText as Severity;
    else error(severityField, `Severity "${severityText}" must be one of ${SEVERITIES.join(', ')}`);
  }

  const descField = single('Description', 'Subject');
  const [summaryLine, ...longLines] = (descField?.value ?? '').split('\n');
  const summary = descField ? summaryLine?.trim() : undefined;
  const longDescription = longLines.length > 0 ? longLines.join('\n') : undefined;

  const authors = [...getFields(header, 'Author'), ...getFields(header, 'From')].map((f) => f.value.trim());

  const forwardedField = single('Forwarded');
  const forwarded = text(forwardedField);
  // DEP-3: Forwarded is "no", "not-needed" or where it was sent (a URL).
  if (forwardedField && forwarded && !['no', 'not-needed'].includes(forwarded) && !isUrl(forwarded)) {
    error(forwardedField, `Forwarded "${forwarded}" must be "no", "not-needed" or a URL`);
  }

  const lastUpdateField = single('Last-Update');
  const lastUpdate = text(lastUpdateField);
  if (lastUpdateField && lastUpdate && !validDate(lastUpdate)) {
    error(lastUpdateField, `Last-Update "${lastUpdate}" must be a date YYYY-MM-DD`);
  }

  const upstreamField = single('Upstream-Repository');
  const upstreamRepository = text(upstreamField);
  if (upstreamField && upstreamRepository && !isUrl(upstreamRepository)) {
    error(upstreamField, `Upstream-Repository "${upstreamRepository}" must be an https URL`);
  }

  const revisionField = single('Revision');
  let revision: number | undefined;
  if (revisionField && revisionField.value.trim() !== '') {
    revision = Number(revisionField.value.trim());
    if (!Number.isSafeInteger(revision) || revision < 1) {
      error(revisionField, `Revision "${revisionField.value.trim()}" must be a positive integer`);
      revision = undefined;
    }
  }

  if (!options.draft) {
    for (const name of REQUIRED_FIELDS) {
      const aliases =
        name === 'Description' ? ['Description', 'Subject'] : name === 'Author' ? ['Author', 'From'] : [name];
      if (!aliases.some((a) => getField(header, a) !== undefined)) error(name, `${name} is required`);
    }
    if (cve.length === 0 && cpansa.length === 0) error('CVE', 'a CVE or CPANSA id is required');
  }

  return {
    metadata: {
      patchId,
      distribution,
      affectedVersions,
      affectedVersionsText: text(affectedField),
      fixedVersions,
      verifiedVersions,
      cve,
      cpansa,
      severity,
      summary,
      longDescription,
      authors,
      origin: text(single('Origin')),
      bugs: header.fields.filter((f) => /^bug(-|$)/i.test(f.name)).map((f) => f.value.trim()),
      forwarded,
      appliedUpstream: text(single('Applied-Upstream')),
      reviewedBy: [...getFields(header, 'Reviewed-by'), ...getFields(header, 'Acked-by')].map((f) => f.value.trim()),
      lastUpdate,
      upstreamRepository,
      revision,
    },
    issues,
  };
}
