import { describe, expect, it } from 'vitest';
import {
  branchName,
  composeCommitMessage,
  composePullRequest,
  composeTitle,
  parsePerson,
  regressionTests,
} from '../../../src/core/upstream/compose.js';
import { checkMailbox, formatDiffstat, formatMailDate, formatPatchMbox } from '../../../src/core/upstream/mbox.js';
import type { ForwardFacts } from '../../../src/core/upstream/compose.js';

const facts = (over: Partial<ForwardFacts> = {}): ForwardFacts => ({
  patchId: 'Foo-Bar-CVE-2026-1234',
  distribution: 'Foo-Bar',
  summary: 'parse() no longer trusts the length field',
  description: 'A longer story.\n\nSecond paragraph.',
  cve: ['CVE-2026-1234'],
  cpansa: ['CPANSA-Foo-Bar-2026-01'],
  severity: 'high',
  affectedVersions: '< 1.5',
  authors: ['Jane Doe <jane@example.org>', 'John Roe <john@example.org>', 'Nobody'],
  reviewedBy: ['Rev Iewer <rev@example.org>'],
  bugs: ['https://rt.cpan.org/Ticket/Display.html?id=1'],
  files: [
    { path: 'lib/Foo/Bar.pm', change: 'modified', insertions: 3, deletions: 1 },
    { path: 't/cpansec-length.t', change: 'created', insertions: 20, deletions: 0 },
  ],
  patchLocation: 'https://example.org/patches/Foo-Bar/Foo-Bar-CVE-2026-1234.patch',
  ...over,
});

describe('composeCommitMessage', () => {
  it('has the title, the description, the advisories and trailers (co-authors with an address, reviewers, sign-off)', () => {
    expect(composeCommitMessage(facts(), { signoff: true, committer: 'Forward Er <fw@example.org>' })).toBe(
      [
        'parse() no longer trusts the length field (CVE-2026-1234)',
        '',
        'A longer story.',
        '',
        'Second paragraph.',
        '',
        'Advisories: CVE-2026-1234, CPANSA-Foo-Bar-2026-01',
        'Severity: high',
        'Affected versions: < 1.5',
        'CPANSec patch: Foo-Bar-CVE-2026-1234',
        '',
        'Co-authored-by: John Roe <john@example.org>',
        'Reviewed-by: Rev Iewer <rev@example.org>',
        'Signed-off-by: Forward Er <fw@example.org>',
        '',
      ].join('\n'),
    );
  });

  it('has no trailer block when there is nothing to credit', () => {
    const m = composeCommitMessage(facts({ authors: ['Jane Doe <jane@example.org>'], reviewedBy: [] }));
    expect(m.trimEnd().split('\n').at(-1)).toBe('CPANSec patch: Foo-Bar-CVE-2026-1234');
  });
});

describe('composeTitle and friends', () => {
  it('adds the first advisory unless the summary names it', () => {
    expect(composeTitle(facts({ summary: 'Fix CVE-2026-1234 in parse()' }))).toBe('Fix CVE-2026-1234 in parse()');
    expect(composeTitle(facts({ cve: [], cpansa: [] }))).toBe('parse() no longer trusts the length field');
  });

  it('finds the regression tests the patch adds, else those it changes', () => {
    expect(regressionTests(facts())).toEqual(['t/cpansec-length.t']);
    expect(
      regressionTests(facts({ files: [{ path: 'xt/a.t', change: 'modified', insertions: 1, deletions: 0 }] })),
    ).toEqual(['xt/a.t']);
    expect(regressionTests(facts({ files: [] }))).toEqual([]);
  });

  it('parses people with and without addresses', () => {
    expect(parsePerson('"Jane Doe" <jane@example.org>')).toEqual({ name: 'Jane Doe', email: 'jane@example.org' });
    expect(parsePerson('jane@example.org')).toEqual({ name: 'jane@example.org', email: 'jane@example.org' });
    expect(parsePerson('cpansec-patch developers')).toEqual({ name: 'cpansec-patch developers', email: undefined });
    expect(branchName('X-1')).toBe('cpansec/X-1');
  });
});

describe('composePullRequest', () => {
  it('says what, why, how to test, where the signed patch is, and that it will be retired', () => {
    const { title, body } = composePullRequest(facts(), {
      branch: 'main',
      commit: '0123456789abcdef0123',
      method: 'fuzz',
    });
    expect(title).toBe('parse() no longer trusts the length field (CVE-2026-1234)');
    for (const part of [
      '## What',
      '## Why',
      '| Advisories | [CVE-2026-1234](https://www.cve.org/CVERecord?id=CVE-2026-1234), CPANSA-Foo-Bar-2026-01 |',
      '| Severity | high |',
      '| Affected versions | < 1.5 |',
      '- `t/cpansec-length.t` (created): +20 −0',
      'Please review it with care.',
      'prove -lv t/cpansec-length.t',
      'It lives at https://example.org/patches/Foo-Bar/Foo-Bar-CVE-2026-1234.patch.',
      'will be retired',
      'Patch authors: Jane Doe <jane@example.org>, John Roe <john@example.org>, Nobody.',
      '<!-- cpansec-patch Patch-Id: Foo-Bar-CVE-2026-1234 -->',
    ]) {
      expect(body).toContain(part);
    }
  });

  it('escapes table cells', () => {
    const { body } = composePullRequest(facts({ affectedVersions: '< 1.5 | x' }), {
      branch: 'main',
      commit: 'abc',
      method: 'head',
    });
    expect(body).toContain('| Affected versions | < 1.5 \\| x |');
  });
});

describe('formatPatchMbox', () => {
  const base = {
    from: 'Sender Person <sender@example.org>',
    to: ['Jöhn Maintainer <maint@example.org>'],
    date: new Date('2026-12-01T12:00:00Z'),
    diffText: 'diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n',
    diffstat: {
      files: [{ path: 'x', change: 'modified' as const, insertions: 1, deletions: 1 }],
      insertions: 1,
      deletions: 1,
    },
    toolVersion: '9.9.9',
  };

  it('encodes non-ASCII names, escapes "From " lines, threads the patch under the cover letter', () => {
    const m = formatPatchMbox(facts({ description: 'From here on it is fixed.' }), base);
    const text = new TextDecoder().decode(m.mbox);
    expect(text).toContain('To: =?UTF-8?B?SsO2aG4gTWFpbnRhaW5lcg==?= <maint@example.org>\n');
    expect(text).toContain('\n>From here on it is fixed.\n');
    expect(text).not.toMatch(/^From here/m);
    expect(text.match(/^From 0{40} Mon Sep 17 00:00:00 2001$/gm)).toHaveLength(2);
    expect(text).toContain(`In-Reply-To: ${m.messages[0]?.messageId}`);
    expect(text).toContain('\nFrom: Jane Doe <jane@example.org>\n\n');
  });

  it('refuses header injection and option-like addresses, and needs a recipient', () => {
    expect(() => formatPatchMbox(facts(), { ...base, to: ['a@example.org\r\nBcc: b@example.org'] })).toThrowCode(
      'METADATA_INVALID',
    );
    expect(() => formatPatchMbox(facts(), { ...base, to: ['-f@example.org'] })).toThrowCode('METADATA_INVALID');
    expect(() => formatPatchMbox(facts(), { ...base, to: ['not an address'] })).toThrowCode('METADATA_INVALID');
    expect(() => formatPatchMbox(facts(), { ...base, to: [] })).toThrowCode('USAGE');
    expect(checkMailbox('bug-Glib [at] rt.cpan.org', 'x').email).toBe('bug-Glib@rt.cpan.org');
  });

  it('formats dates and diffstats as git does', () => {
    expect(formatMailDate(new Date('2026-03-05T01:02:03Z'))).toBe('Thu, 5 Mar 2026 01:02:03 +0000');
    expect(formatDiffstat(base.diffstat)).toBe(' x | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)\n');
  });
});
