/**
 * `upstream mail`: the fix as a `git format-patch --cover-letter` style mbox,
 * for maintainers who are not on GitHub (or whose repository is archived):
 * a cover letter [PATCH 0/1] that says what, why, how to test and what
 * happens next, then the patch itself [PATCH 1/1] that `git am` or
 * `patch -p1` applies.
 *
 * Addresses and names come from META (hostile): a header value may never
 * hold a line break (header injection), addresses must look like addresses,
 * and anything not ASCII is written as an RFC 2047 encoded-word. The diff is
 * bytes and is copied exactly. Pure: the date comes in.
 */
import { CpansecError } from '../../errors.js';
import { binaryToBytes, concatBytes, encodeUtf8 } from '../bytes.js';
import { composeCommitMessage, composeTitle, formatPerson, parsePerson, regressionTests } from './compose.js';
import type { Diffstat } from '../patch/diffstat.js';
import type { ForwardFacts, Person } from './compose.js';

export interface MailMessage {
  subject: string;
  messageId: string;
  /** The RFC 5322 message (headers, blank line, body), as sent to sendmail. */
  bytes: Uint8Array;
}

export interface MboxOptions {
  /** The sender, "Name <email>". */
  from: string;
  to: readonly string[];
  cc?: readonly string[];
  date: Date;
  /** The diff section of the patch file, as a byte string (one char per byte). */
  diffText: string;
  diffstat: Diffstat;
  toolVersion: string;
  /** The releases the patch was verified on. */
  verifiedVersions?: readonly string[];
}

export interface Mbox {
  messages: MailMessage[];
  /** Every message after an mbox "From " line, as `git format-patch --stdout` writes them. */
  mbox: Uint8Array;
  to: string[];
  cc: string[];
}

const ADDRESS_RE =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A mailbox we can put in a header. @throws CpansecError METADATA_INVALID */
export function checkMailbox(text: string, what: string): Person & { email: string } {
  if (CONTROL.test(text)) {
    throw new CpansecError(
      'METADATA_INVALID',
      `${what}: a mail address may not hold control characters or line breaks`,
      {
        details: { what },
      },
    );
  }
  // META writers sometimes hide addresses from harvesters: "bug-Glib [at] rt.cpan.org".
  const p = parsePerson(text.replace(/\s*\[at\]\s*/gi, '@').replace(/\s*\[dot\]\s*/gi, '.'));
  if (p.email === undefined || !ADDRESS_RE.test(p.email) || p.email.startsWith('-')) {
    throw new CpansecError('METADATA_INVALID', `${what}: ${JSON.stringify(text.slice(0, 200))} is not a mail address`, {
      hint: 'give the address with --to ADDRESS',
      details: { what, address: text.slice(0, 200) },
    });
  }
  return { name: p.name.replace(/["\\]/g, ''), email: p.email };
}

/** RFC 2047 "B" encoded-word, when the text is not plain printable ASCII. */
function encodeWord(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text)) return text;
  let binary = '';
  for (const byte of encodeUtf8(text)) binary += String.fromCharCode(byte);
  return `=?UTF-8?B?${btoa(binary)}?=`;
}

function mailboxHeader(p: Person & { email: string }): string {
  if (p.name === '' || p.name === p.email) return p.email;
  const name = encodeWord(p.name);
  return name === p.name && /[^\w .-]/.test(name) ? `"${name}" <${p.email}>` : `${name} <${p.email}>`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 date in UTC. */
export function formatMailDate(d: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return (
    `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`
  );
}

/** git's diffstat lines: " path | 12 ++++----", then the summary line. */
export function formatDiffstat(stat: Diffstat, width = 60): string {
  const names = stat.files.map((f) => (f.oldPath === undefined ? f.path : `${f.oldPath} => ${f.path}`));
  const nameWidth = Math.min(50, Math.max(0, ...names.map((n) => n.length)));
  const max = Math.max(1, ...stat.files.map((f) => f.insertions + f.deletions));
  const barWidth = Math.max(10, width - nameWidth - 8);
  const lines = stat.files.map((f, i) => {
    let name = names[i] as string;
    if (name.length > nameWidth) name = `...${name.slice(name.length - nameWidth + 3)}`;
    const total = f.insertions + f.deletions;
    const scale = max > barWidth ? barWidth / max : 1;
    const plus = Math.round(f.insertions * scale);
    const minus = Math.round(f.deletions * scale);
    return ` ${name.padEnd(nameWidth)} | ${String(total).padStart(String(max).length)} ${'+'.repeat(plus)}${'-'.repeat(minus)}`;
  });
  const n = stat.files.length;
  const parts = [`${n} file${n === 1 ? '' : 's'} changed`];
  if (stat.insertions > 0 || stat.deletions === 0)
    parts.push(`${stat.insertions} insertion${stat.insertions === 1 ? '' : 's'}(+)`);
  if (stat.deletions > 0) parts.push(`${stat.deletions} deletion${stat.deletions === 1 ? '' : 's'}(-)`);
  return `${[...lines, ` ${parts.join(', ')}`].join('\n')}\n`;
}

/** mboxrd: a body line that starts with "From " (after any ">") gets one more ">". */
function escapeFromLines(text: string): string {
  return text.replace(/^(>*From )/gm, '>$1');
}

function headerBlock(fields: [string, string][]): string {
  for (const [name, value] of fields) {
    if (/[\r\n]/.test(value)) throw new CpansecError('INTERNAL', `header ${name} would hold a line break`);
  }
  return fields.map(([name, value]) => `${name}: ${value}`).join('\n');
}

function coverLetter(f: ForwardFacts, o: MboxOptions, sender: Person): string {
  const ids = [...f.cve, ...f.cpansa];
  const tests = regressionTests(f);
  const facts: string[] = [
    `What:              ${f.summary.trim()}`,
    ...(ids.length > 0 ? [`Advisories:        ${ids.join(', ')}`] : []),
    ...(f.severity ? [`Severity:          ${f.severity}`] : []),
    ...(f.affectedVersions ? [`Affected versions: ${f.affectedVersions.replace(/\n/g, '; ')}`] : []),
    ...(o.verifiedVersions && o.verifiedVersions.length > 0
      ? [`Written for:       ${f.distribution} ${o.verifiedVersions.join(', ')}`]
      : []),
    ...(tests.length > 0 ? [`How to test:       prove -lv ${tests.join(' ')} (the regression test it adds)`] : []),
    ...(f.patchLocation ? [`Signed patch:      ${f.patchLocation}`] : []),
  ];
  return [
    `Hello,`,
    '',
    `The CPAN Security Group (CPANSec) publishes a signed patch for a security`,
    `vulnerability in ${f.distribution}, and would like the fix to reach a release.`,
    `The patch follows as [PATCH 1/1]; "git am" or "patch -p1" applies it.`,
    '',
    ...facts,
    '',
    ...(f.description ? [f.description, ''] : []),
    `Once a release of ${f.distribution} with this fix is on CPAN, the CPANSec patch`,
    `will be retired and cpansec-patch will tell its users to upgrade instead.`,
    `If you would rather fix it another way, or the report is wrong, please reply.`,
    '',
    'Thank you,',
    sender.name,
    '',
    formatDiffstat(o.diffstat).replace(/\n$/, ''),
  ].join('\n');
}

/**
 * The cover letter and the patch as mail messages and one mbox.
 * @throws CpansecError METADATA_INVALID (an address that is not one), USAGE (no recipient)
 */
export function formatPatchMbox(f: ForwardFacts, o: MboxOptions): Mbox {
  const sender = checkMailbox(o.from, 'sender');
  const to = o.to.map((a) => checkMailbox(a, 'recipient'));
  const cc = (o.cc ?? []).map((a) => checkMailbox(a, 'Cc')).filter((c) => !to.some((t) => t.email === c.email));
  if (to.length === 0)
    throw new CpansecError('USAGE', 'the mail has no recipient', { hint: 'give one with --to ADDRESS' });
  const date = formatMailDate(o.date);
  const stamp = o.date
    .toISOString()
    .replace(/[^0-9]/g, '')
    .slice(0, 14);
  const ids = [0, 1].map((n) => `<${stamp}.${f.patchId}.${n}@cpansec-patch.invalid>`);
  const signature = `-- \ncpansec-patch ${o.toolVersion}\n`;
  const common = (n: number, subject: string): [string, string][] => [
    ['From', mailboxHeader(sender)],
    ['Date', date],
    ['Subject', encodeWord(subject)],
    ['To', to.map(mailboxHeader).join(', ')],
    ...(cc.length > 0 ? ([['Cc', cc.map(mailboxHeader).join(', ')]] as [string, string][]) : []),
    ['Message-ID', ids[n] as string],
    ...(n > 0
      ? ([
          ['In-Reply-To', ids[0] as string],
          ['References', ids[0] as string],
        ] as [string, string][])
      : []),
    ['MIME-Version', '1.0'],
    ['Content-Type', 'text/plain; charset=UTF-8'],
    ['Content-Transfer-Encoding', '8bit'],
    ['X-Mailer', `cpansec-patch ${o.toolVersion}`],
  ];
  const coverSubject = `[PATCH 0/1] ${f.distribution}: security fix${[...f.cve, ...f.cpansa].length > 0 ? ` for ${[...f.cve, ...f.cpansa].join(', ')}` : ''}`;
  const cover = encodeUtf8(
    `${headerBlock(common(0, coverSubject))}\n\n${escapeFromLines(coverLetter(f, o, sender))}\n\n${signature}`,
  );
  const patchSubject = `[PATCH 1/1] ${composeTitle(f)}`;
  const author = parsePerson(f.authors[0] ?? o.from);
  const message = composeCommitMessage(f);
  const bodyText = message.slice(message.indexOf('\n') + 1).replace(/^\n+/, '');
  // git format-patch convention: when the sender is not the author, the body starts with the author's From line.
  const fromLine =
    author.email !== undefined && author.email.toLowerCase() !== sender.email.toLowerCase()
      ? `From: ${formatPerson(author)}\n\n`
      : '';
  const patchHead = encodeUtf8(
    `${headerBlock(common(1, patchSubject))}\n\n${escapeFromLines(`${fromLine}${bodyText}`)}---\n${formatDiffstat(o.diffstat)}\n`,
  );
  const diff = o.diffText.endsWith('\n') ? o.diffText : `${o.diffText}\n`;
  const patch = concatBytes([patchHead, binaryToBytes(diff), encodeUtf8(signature)]);
  const separator = encodeUtf8('From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n');
  const messages: MailMessage[] = [
    { subject: coverSubject, messageId: ids[0] as string, bytes: cover },
    { subject: patchSubject, messageId: ids[1] as string, bytes: patch },
  ];
  const mbox = concatBytes(messages.flatMap((m) => [separator, m.bytes, encodeUtf8('\n')]));
  return { messages, mbox, to: to.map(mailboxHeader), cc: cc.map(mailboxHeader) };
}
