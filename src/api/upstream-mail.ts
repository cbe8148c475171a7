/**
 * `cpansec-patch upstream mail <patch-id>`: the fix as a `git format-patch
 * --cover-letter` style mbox, for maintainers without GitHub (or with an
 * archived repository). Addressed to the distribution's bug tracker
 * (META resources.bugtracker.mailto), else its authors (META author), with
 * the PAUSE account of the release's uploader in Cc; `--to` and `--cc`
 * override. The mbox is written to a file; mail is sent only when the user
 * configured a sendmail command (--sendmail or CPANSEC_SENDMAIL), and then
 * the patch records it (Forwarded: mailto:…, with --key).
 */
import { resolve } from 'node:path';
import { checkMailbox, formatPatchMbox } from '../core/upstream/mbox.js';
import { formatUpstreamStatus, UPSTREAM_STATUS_FIELD } from '../core/upstream/retire.js';
import { factsFromMetadata } from '../core/upstream/compose.js';
import { createRedactor, redactDeep } from '../core/upstream/redact.js';
import { CpansecError } from '../errors.js';
import { writeFileAtomic } from '../files/atomic.js';
import { gitIdentity } from '../upstream/git.js';
import { sendWithSendmail } from '../upstream/mail.js';
import { TOOL_VERSION } from '../version.js';
import { loadForwardPatch, pauseIdOf, readDistMeta, releasesOf } from './upstream-source.js';
import { recordTracking } from './upstream-track.js';
import type { SentMessage } from '../upstream/mail.js';
import type { MetaSourceOptions, UpstreamCommonOptions } from './upstream-source.js';
import type { TrackingOptions, TrackingResult } from './upstream-track.js';

export interface UpstreamMailOptions extends UpstreamCommonOptions, MetaSourceOptions, TrackingOptions {
  patch: string;
  /** Recipients, replacing those META gives. */
  to?: readonly string[];
  cc?: readonly string[];
  /** The sender, "Name <email>" (default: your git identity). */
  from?: string;
  /** Where to write the mbox (default ./<Patch-Id>.mbox). */
  out?: string;
  /** Send with this command (no shell; recipients appended); default $CPANSEC_SENDMAIL, else do not send. */
  sendmail?: string;
  patchUrl?: string;
}

export interface UpstreamMailResult {
  patchId: string;
  distribution: string;
  out: string;
  bytes: number;
  from: string;
  to: string[];
  cc: string[];
  /** Where the recipients came from. */
  recipients: 'command line' | 'META resources.bugtracker.mailto' | 'META author';
  messages: string[];
  sent: SentMessage[] | null;
  tracking: TrackingResult | null;
}

/** @throws CpansecError NO_UPSTREAM (nobody to write to), USAGE (no sender), METADATA_INVALID, TOOL_FAILED, IO */
export async function upstreamMail(options: UpstreamMailOptions): Promise<UpstreamMailResult> {
  const env = options.env ?? process.env;
  const patch = await loadForwardPatch(options.patch, options);
  const explicitTo = (options.to ?? []).length > 0;
  const meta =
    explicitTo && options.tarball === undefined
      ? undefined
      : await readDistMeta(patch.distribution, releasesOf(patch.metadata), options);
  let to: string[] = [...(options.to ?? [])];
  let cc: string[] = [...(options.cc ?? [])];
  let recipients: UpstreamMailResult['recipients'] = 'command line';
  const pointers = meta?.pointers;
  const authors = (pointers?.authors ?? []).filter((a) => {
    try {
      checkMailbox(a, 'author');
      return true;
    } catch {
      return false;
    }
  });
  if (!explicitTo) {
    const mailto = pointers?.bugtracker.mailto?.replace(/^mailto:/i, '');
    if (mailto !== undefined) {
      to = [mailto];
      cc = [...authors, ...cc];
      recipients = 'META resources.bugtracker.mailto';
    } else {
      to = authors;
      recipients = 'META author';
    }
    const pause = pauseIdOf(meta?.cpanPath);
    if (pause !== undefined) cc.push(`${pause.toLowerCase()}@cpan.org`);
  }
  if (to.length === 0) {
    throw new CpansecError(
      'NO_UPSTREAM',
      `META of ${patch.distribution} names no bug tracker address and no author with an address`,
      {
        hint: "give the recipient with --to ADDRESS (the maintainer, or the distribution's bug tracker)",
        details: { distribution: patch.distribution },
      },
    );
  }
  const from = options.from ?? (await gitIdentity(env));
  if (from === undefined) {
    throw new CpansecError(
      'USAGE',
      'who sends the mail? give --from "Name <email>" or set git config user.name and user.email',
    );
  }
  const facts = factsFromMetadata(patch.patchId, patch.metadata, patch.stat.files, options.patchUrl);
  const mbox = formatPatchMbox(facts, {
    from,
    to,
    cc,
    date: new Date(options.now ?? Date.now()),
    diffText: patch.file.diffText,
    diffstat: patch.stat,
    toolVersion: TOOL_VERSION,
    verifiedVersions: releasesOf(patch.metadata),
  });
  const out = resolve(options.cwd ?? process.cwd(), options.out ?? `${patch.patchId}.mbox`);
  await writeFileAtomic(out, mbox.mbox, 0o644);
  options.onNote?.(`wrote ${out} (${mbox.messages.length} messages to ${mbox.to.join(', ')})`);
  const command = options.sendmail ?? env['CPANSEC_SENDMAIL'];
  let sent: SentMessage[] | null = null;
  let tracking: TrackingResult | null = null;
  if (command !== undefined && command.trim() !== '') {
    const addresses = [...mbox.to, ...mbox.cc].map((a) => checkMailbox(a, 'recipient').email);
    sent = await sendWithSendmail(command, mbox.messages, addresses);
    const first = checkMailbox(mbox.to[0] as string, 'recipient').email;
    tracking = await recordTracking(
      patch,
      [
        { name: 'Forwarded', value: `mailto:${first}` },
        {
          name: UPSTREAM_STATUS_FIELD,
          value: formatUpstreamStatus('open', new Date(options.now ?? Date.now()).toISOString()),
        },
      ],
      options,
    );
  }
  const result: UpstreamMailResult = {
    patchId: patch.patchId,
    distribution: patch.distribution,
    out,
    bytes: mbox.mbox.length,
    from,
    to: mbox.to,
    cc: mbox.cc,
    recipients,
    messages: mbox.messages.map((m) => m.subject),
    sent,
    tracking,
  };
  return redactDeep(result, createRedactor([]));
}
