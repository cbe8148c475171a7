/** Release tags, redaction and the gh hosts.yml reader. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tokenFromGhHosts } from '../../../src/core/upstream/gh-hosts.js';
import { REDACTED, createRedactor, redactDeep } from '../../../src/core/upstream/redact.js';
import { findReleaseTag, releaseTagCandidates } from '../../../src/core/upstream/release-tag.js';

describe('findReleaseTag', () => {
  it('tries the usual spellings in order', () => {
    expect(releaseTagCandidates('HTTP-Daemon', '6.16').slice(0, 3)).toEqual(['v6.16', '6.16', 'HTTP-Daemon-6.16']);
    expect(findReleaseTag(['6.15', 'v6.16', '6.16'], 'HTTP-Daemon', ['6.16'])).toEqual({
      tag: 'v6.16',
      version: '6.16',
      how: 'exact',
    });
    expect(findReleaseTag(['HTTP-Daemon-6.16'], 'HTTP-Daemon', ['6.16'])).toMatchObject({ tag: 'HTTP-Daemon-6.16' });
    expect(findReleaseTag(['release-6.16'], 'HTTP-Daemon', ['6.16'])).toMatchObject({ tag: 'release-6.16' });
  });

  it('falls back to a tag with the same version as version.pm compares', () => {
    expect(findReleaseTag(['v1.230', 'other'], 'Foo', ['1.23'])).toEqual({
      tag: 'v1.230',
      version: '1.23',
      how: 'same-version',
    });
    expect(findReleaseTag(['foo-1.2300'], 'Foo', ['1.23'])).toMatchObject({ tag: 'foo-1.2300' });
    // "v1.23.0" is the dotted version 1.23.0, which is not 1.23 (1.230000 vs 1.023000).
    expect(findReleaseTag(['v1.23.0'], 'Foo', ['1.23'])).toBeUndefined();
  });

  it('takes the versions in the order given', () => {
    expect(findReleaseTag(['v1.1', 'v1.2'], 'Foo', ['1.2', '1.1'])).toMatchObject({ tag: 'v1.2' });
    expect(findReleaseTag([], 'Foo', ['1.2'])).toBeUndefined();
  });
});

describe('createRedactor', () => {
  const token = 'ghp_0123456789abcdefghijABCDEFGHIJ0123';
  const r = createRedactor([token]);

  it('removes the token, its base64 forms and credentials in URLs', () => {
    const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
    const text = `token ${token} and ${basic}; see https://x-access-token:${token}@github.com/o/r.git`;
    const out = r(text);
    expect(out).not.toContain(token);
    expect(out).not.toContain(basic);
    expect(out).toContain(`https://${REDACTED}@github.com/o/r.git`);
  });

  it('removes Authorization values and any GitHub-shaped token, even unknown ones', () => {
    expect(r('authorization: token abcdefgh12345')).toBe(`authorization: ${REDACTED}`);
    expect(r('{"authorization":"bearer zzz"}')).toBe(`{"authorization":"${REDACTED}"}`);
    expect(r('leaked github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz')).toBe(`leaked ${REDACTED}`);
    expect(r('ssh://git@github.com/o/r.git')).toBe('ssh://git@github.com/o/r.git');
  });

  it('never lets the token through, wherever it sits in a string', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(r(`${a}${token}${b}`)).not.toContain(token);
      }),
    );
  });

  it('redactDeep walks objects and arrays', () => {
    expect(redactDeep({ a: [`x ${token}`], b: { c: token }, n: 1 }, r)).toEqual({
      a: [`x ${REDACTED}`],
      b: { c: REDACTED },
      n: 1,
    });
  });
});

describe('tokenFromGhHosts', () => {
  it('reads the token under the host', () => {
    const text = 'github.com:\n    oauth_token: gho_abcdefghijklmnop\n    git_protocol: https\n    user: octocat\n';
    expect(tokenFromGhHosts(text, 'github.com')).toBe('gho_abcdefghijklmnop');
    expect(tokenFromGhHosts(text, 'ghe.example')).toBeUndefined();
  });

  it('reads the per-user layout of newer gh versions', () => {
    const text = [
      'github.com:',
      '    users:',
      '        octocat:',
      '            oauth_token: "gho_useruseruseruser"',
      '        other:',
      '            oauth_token: gho_otherotherother',
      '    git_protocol: ssh',
      '    user: octocat',
      'ghe.example:',
      "    oauth_token: 'gho_enterpriseenterprise'",
    ].join('\n');
    expect(tokenFromGhHosts(text, 'github.com')).toBe('gho_useruseruseruser');
    expect(tokenFromGhHosts(text, 'ghe.example')).toBe('gho_enterpriseenterprise');
  });

  it('ignores YAML it does not read (aliases, tags, flow values) and odd tokens', () => {
    expect(tokenFromGhHosts('github.com:\n    oauth_token: *alias\n', 'github.com')).toBeUndefined();
    expect(tokenFromGhHosts('github.com:\n    oauth_token: !!str x\n', 'github.com')).toBeUndefined();
    expect(tokenFromGhHosts('github.com:\n    oauth_token: a b c d e f\n', 'github.com')).toBeUndefined();
    expect(tokenFromGhHosts('github.com: {oauth_token: gho_abcdefghijklmnop}\n', 'github.com')).toBeUndefined();
  });
});
