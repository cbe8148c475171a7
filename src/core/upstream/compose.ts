/**
 * The words of a forwarded fix: the branch name, the commit message (authored
 * by the patch's Author, with Co-authored-by, Reviewed-by and Signed-off-by
 * trailers), and the pull request's title and body (what and why, the
 * advisories and severity, how to test with the regression test the patch
 * adds, where the signed patch lives, and when it will be retired). Pure:
 * everything comes in as facts, text goes out.
 */
import type { DiffstatFile } from '../patch/diffstat.js';
import type { PatchMetadata } from '../patch/metadata.js';

/** What the patch says, as the composition needs it. */
export interface ForwardFacts {
  patchId: string;
  distribution: string;
  summary: string;
  /** The long description (Description's continuation lines), when there is one. */
  description: string | undefined;
  cve: readonly string[];
  cpansa: readonly string[];
  severity: string | undefined;
  affectedVersions: string | undefined;
  /** "Name <email>" (or a bare name), first = the commit's author. */
  authors: readonly string[];
  reviewedBy: readonly string[];
  bugs: readonly string[];
  files: readonly DiffstatFile[];
  /** Where the signed patch can be read (a URL or a repository path). */
  patchLocation: string | undefined;
}

/** How the change was put on the target branch. */
export interface ForwardBase {
  branch: string;
  /** Abbreviated or full commit id of the branch head the change is on. */
  commit: string;
  method: 'head' | 'three-way' | 'fuzz';
  /** The release tag the three-way merge started from. */
  tag?: string;
  releaseVersion?: string;
}

export interface Person {
  name: string;
  email: string | undefined;
}

export const BRANCH_PREFIX = 'cpansec/';
export const PR_MARKER_PREFIX = '<!-- cpansec-patch Patch-Id: ';

/** GitHub refuses longer bodies; we stay well below. */
const MAX_BODY = 60_000;

export function branchName(patchId: string): string {
  return `${BRANCH_PREFIX}${patchId}`;
}

export function factsFromMetadata(
  patchId: string,
  meta: PatchMetadata,
  files: readonly DiffstatFile[],
  patchLocation?: string,
): ForwardFacts {
  return {
    patchId,
    distribution: meta.distribution ?? patchId,
    summary: meta.summary ?? `security fix ${patchId}`,
    description: meta.longDescription?.replace(/^\n+|\s+$/g, '') || undefined,
    cve: meta.cve,
    cpansa: meta.cpansa,
    severity: meta.severity,
    affectedVersions: meta.affectedVersionsText,
    authors: meta.authors,
    reviewedBy: meta.reviewedBy,
    bugs: meta.bugs,
    files,
    patchLocation,
  };
}

/** "Jane Doe <jane@example.org>" → name and email; a bare name has no email. */
export function parsePerson(text: string): Person {
  const m = /^\s*(.*?)\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(text);
  if (m) return { name: (m[1] as string).replace(/^"|"$/g, '') || (m[2] as string), email: m[2] as string };
  const bare = /^\s*([^\s<>@]+@[^\s<>@]+)\s*$/.exec(text);
  if (bare) return { name: bare[1] as string, email: bare[1] as string };
  return { name: text.trim(), email: undefined };
}

export function formatPerson(p: Person): string {
  return p.email === undefined ? p.name : `${p.name} <${p.email}>`;
}

function advisories(f: ForwardFacts): string[] {
  return [...f.cve, ...f.cpansa];
}

/** The subject: the summary, with the first advisory id when the summary does not name it. */
export function composeTitle(f: ForwardFacts): string {
  const ids = advisories(f);
  const first = ids[0];
  const summary = f.summary.trim();
  const title = first === undefined || summary.includes(first) ? summary : `${summary} (${first})`;
  return title.length > 200 ? `${title.slice(0, 199)}…` : title;
}

/** Regression tests the patch adds (or, failing that, changes). */
export function regressionTests(f: ForwardFacts): string[] {
  const isTest = (p: string): boolean => /^(?:x?t)\/.+\.t$/.test(p);
  const added = f.files.filter((x) => x.change === 'created' && isTest(x.path)).map((x) => x.path);
  if (added.length > 0) return added;
  return f.files.filter((x) => x.change !== 'deleted' && isTest(x.path)).map((x) => x.path);
}

export interface CommitOptions {
  /** "Name <email>" of the person forwarding, for Signed-off-by. */
  committer?: string;
  signoff?: boolean;
}

/**
 * The commit message: subject, the description, the advisories, and trailers.
 * The first Author is the commit's author (set by the caller); the others
 * become Co-authored-by (GitHub credits them), reviewers Reviewed-by.
 */
export function composeCommitMessage(f: ForwardFacts, options: CommitOptions = {}): string {
  const parts = [composeTitle(f)];
  if (f.description) parts.push(f.description);
  const ids = advisories(f);
  const facts = [
    ids.length > 0 ? `Advisories: ${ids.join(', ')}` : undefined,
    f.severity ? `Severity: ${f.severity}` : undefined,
    f.affectedVersions ? `Affected versions: ${f.affectedVersions.replace(/\n/g, '; ')}` : undefined,
    `CPANSec patch: ${f.patchId}`,
  ].filter((l): l is string => l !== undefined);
  parts.push(facts.join('\n'));
  const trailers: string[] = [];
  const seen = new Set<string>();
  const add = (key: string, who: string): void => {
    const line = `${key}: ${who}`;
    if (!seen.has(line.toLowerCase())) trailers.push(line);
    seen.add(line.toLowerCase());
  };
  for (const a of f.authors.slice(1)) {
    const p = parsePerson(a);
    if (p.email !== undefined) add('Co-authored-by', formatPerson(p));
  }
  for (const r of f.reviewedBy) add('Reviewed-by', r.trim());
  if (options.signoff === true && options.committer !== undefined) add('Signed-off-by', options.committer);
  if (trailers.length > 0) parts.push(trailers.join('\n'));
  return `${parts.join('\n\n')}\n`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function advisoryLink(id: string): string {
  return id.startsWith('CVE-') ? `[${id}](https://www.cve.org/CVERecord?id=${id})` : id;
}

function baseSentence(base: ForwardBase): string {
  const at = `\`${base.branch}\` at ${base.commit.slice(0, 12)}`;
  switch (base.method) {
    case 'head':
      return `The change applies cleanly to ${at}.`;
    case 'three-way':
      return (
        `The patch was written for release ${base.releaseVersion ?? '?'}` +
        `${base.tag === undefined ? '' : ` (tag \`${base.tag}\`)`}; it was applied there and merged onto ${at} with git's three-way merge.`
      );
    case 'fuzz':
      return `The patch did not apply exactly to ${at}: it was placed there with shifted or fuzzy context. Please review it with care.`;
  }
}

/** The pull request's title and markdown body. */
export function composePullRequest(f: ForwardFacts, base: ForwardBase): { title: string; body: string } {
  const ids = advisories(f);
  const lines: string[] = [];
  lines.push('## What', '', f.summary.trim());
  if (f.description) lines.push('', f.description);
  lines.push('', '## Why', '');
  lines.push(
    `This fixes a security vulnerability in ${f.distribution}. It comes from the CPAN Security Group (CPANSec), ` +
      'which publishes signed patches for such fixes until a fixed release is on CPAN.',
    '',
    '| | |',
    '| --- | --- |',
  );
  if (ids.length > 0) lines.push(`| Advisories | ${ids.map(advisoryLink).join(', ')} |`);
  if (f.severity) lines.push(`| Severity | ${cell(f.severity)} |`);
  if (f.affectedVersions) lines.push(`| Affected versions | ${cell(f.affectedVersions)} |`);
  for (const bug of f.bugs) lines.push(`| Report | ${cell(bug)} |`);
  lines.push('', '## Changes', '');
  for (const file of f.files) {
    const what = file.change === 'modified' ? '' : ` (${file.change})`;
    lines.push(`- \`${file.path}\`${what}: +${file.insertions} −${file.deletions}`);
  }
  lines.push('', baseSentence(base), '', '## How to test', '');
  const tests = regressionTests(f);
  if (tests.length > 0) {
    lines.push(
      `The patch adds a regression test: ${tests.map((t) => `\`${t}\``).join(', ')}. It fails without the fix and passes with it:`,
      '',
      '```sh',
      `prove -lv ${tests.join(' ')}`,
      '```',
      '',
      'The whole suite (`prove -lr t`, or `perl Makefile.PL && make test`) should pass as before.',
    );
  } else {
    lines.push('The patch adds no test of its own; the whole suite (`prove -lr t`) should pass as before.');
  }
  lines.push('', '## The CPANSec patch', '');
  const where = f.patchLocation === undefined ? '' : ` It lives at ${f.patchLocation}.`;
  lines.push(
    `Until a fixed release is out, users can apply the signed patch \`${f.patchId}\` with cpansec-patch.${where} ` +
      `Once a release of ${f.distribution} with this fix is on CPAN, the CPANSec patch will be retired and cpansec-patch will tell its users to upgrade instead.`,
  );
  const authors = f.authors.map((a) => formatPerson(parsePerson(a)));
  if (authors.length > 0) lines.push('', `Patch author${authors.length > 1 ? 's' : ''}: ${authors.join(', ')}.`);
  lines.push('', `${PR_MARKER_PREFIX}${f.patchId} -->`);
  let body = `${lines.join('\n')}\n`;
  if (body.length > MAX_BODY) body = `${body.slice(0, MAX_BODY)}\n\n(truncated)\n`;
  return { title: composeTitle(f), body };
}
