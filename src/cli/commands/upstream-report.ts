/** Human renderings of the upstream results (with --json the result is printed as it is). */
import type { UpstreamMailResult } from '../../api/upstream-mail.js';
import type { UpstreamOpenResult } from '../../api/upstream-open.js';
import type { UpstreamStatusResult } from '../../api/upstream-status.js';
import type { Ui } from '../output.js';

const METHOD: Record<string, string> = {
  head: 'applied to the head',
  'three-way': 'merged from the release tag',
  fuzz: 'placed with fuzz (review it)',
};

export function renderOpen(r: UpstreamOpenResult, ui: Ui): string {
  const s = ui.style;
  const row = (k: string, v: string): string => `  ${s.dim(k.padEnd(10))} ${v}`;
  const lines = [r.outcome === 'declined' || r.outcome === 'already-upstream' ? s.yellow(r.reason) : s.green(r.reason)];
  lines.push(row('upstream', `${r.upstream.repository} (${r.upstream.source})`));
  if (r.pullRequest?.url) lines.push(row('pull', r.pullRequest.url));
  if (r.push)
    lines.push(
      row(
        'branch',
        `${r.branch} → ${r.push.repository}${r.push.fork ? ' (fork)' : ''}${r.push.pushed ? ', pushed' : ''}`,
      ),
    );
  if (r.commit) {
    const b = r.commit.base;
    lines.push(
      row(
        'commit',
        `${r.commit.id?.slice(0, 12) ?? '(not pushed)'} by ${r.commit.author}${r.commit.signed ? ', signed' : ''}; ${METHOD[b.method] ?? b.method}${b.tag ? ` ${b.tag}` : ''}, ${b.branch} at ${b.commit.slice(0, 12)}`,
      ),
    );
  }
  if (r.tracking) {
    lines.push(
      row(
        'recorded',
        r.tracking.recorded
          ? r.tracking.changed.length > 0
            ? `${r.tracking.changed.join(', ')} (re-signed and published)`
            : 'already in the patch'
          : `no: ${r.tracking.hint ?? ''}`,
      ),
    );
    if (!r.tracking.recorded) for (const f of r.tracking.fields) lines.push(`    ${f.name}: ${f.value}`);
  }
  if (r.outcome === 'dry-run' && r.commit && r.pullRequest) {
    lines.push('', s.bold('commit message'), r.commit.message.trimEnd(), '', s.bold('changes'), r.commit.diffstat);
    lines.push('', s.bold(`pull request: ${r.pullRequest.title}`), r.pullRequest.body.trimEnd());
    if (r.pullRequest.labels.length > 0) lines.push('', `labels: ${r.pullRequest.labels.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderStatus(r: UpstreamStatusResult, ui: Ui): string {
  const s = ui.style;
  const lines: string[] = [];
  for (const p of r.patches) {
    const colour =
      p.state === 'fixed-upstream' || p.state === 'declined'
        ? s.yellow
        : p.state === 'retired'
          ? s.green
          : (x: string) => x;
    const pr = p.pullRequest ? ` ${p.pullRequest.url}` : p.forwarded && p.forwarded !== 'no' ? ` ${p.forwarded}` : '';
    const fixed = p.fixedRelease
      ? ` — fixed in ${p.distribution} ${p.fixedRelease.version} (${p.fixedRelease.why})`
      : '';
    lines.push(`${colour(p.state.padEnd(15))} ${p.patchId}${pr}${fixed}`);
    for (const f of p.proposed) lines.push(`    ${p.written ? 'set' : 'propose'} ${f.name}: ${f.value}`);
    if (p.note) lines.push(s.dim(`    ${p.note}`));
  }
  const counts = Object.entries(r.summary)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  lines.push(
    s.dim(
      `${r.patches.length} patch(es): ${counts}; GitHub requests ${r.requests.github} (${r.requests.notModified} unchanged, free), mirror files ${r.requests.mirror}`,
    ),
  );
  if (!r.write && r.patches.some((p) => p.proposed.length > 0))
    lines.push(s.dim('run again with --write --key KEY to make the changes'));
  return `${lines.join('\n')}\n`;
}

export function renderMail(r: UpstreamMailResult, ui: Ui): string {
  const s = ui.style;
  const lines = [s.green(`wrote ${r.out} (${r.messages.length} messages, ${r.bytes} bytes)`)];
  lines.push(
    `  ${s.dim('from'.padEnd(8))} ${r.from}`,
    `  ${s.dim('to'.padEnd(8))} ${r.to.join(', ')} (${r.recipients})`,
  );
  if (r.cc.length > 0) lines.push(`  ${s.dim('cc'.padEnd(8))} ${r.cc.join(', ')}`);
  for (const m of r.messages) lines.push(`  ${s.dim('subject'.padEnd(8))} ${m}`);
  lines.push(
    r.sent
      ? s.green(`sent ${r.sent.length} message(s) with the sendmail command`)
      : s.dim('not sent: send it with your mail program, "git send-email", or --sendmail CMD'),
  );
  return `${lines.join('\n')}\n`;
}
