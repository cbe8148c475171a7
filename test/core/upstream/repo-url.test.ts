import { describe, expect, it } from 'vitest';
import {
  checkGitUrl,
  classifyRepositoryUrl,
  findUpstream,
  githubWebHost,
  parsePullRequestUrl,
} from '../../../src/core/upstream/repo-url.js';
import type { UpstreamPointers } from '../../../src/core/upstream/meta-resources.js';

const meta = (over: Partial<UpstreamPointers>): UpstreamPointers => ({
  source: 'META.json',
  name: 'X',
  version: '1',
  repository: {},
  bugtracker: {},
  homepage: undefined,
  authors: [],
  ...over,
});

describe('classifyRepositoryUrl', () => {
  // The shapes found in the corpus META files (and a few more that META writers use).
  it.each([
    ['https://github.com/libwww-perl/HTTP-Daemon.git', 'libwww-perl', 'HTTP-Daemon'],
    ['http://github.com/chorny/Apache-Session', 'chorny', 'Apache-Session'],
    ['git://github.com/shlomif/perl-Config-IniFiles.git', 'shlomif', 'perl-Config-IniFiles'],
    ['git@github.com:rurban/Cpanel-JSON-XS.git', 'rurban', 'Cpanel-JSON-XS'],
    ['ssh://git@github.com/o/r.git', 'o', 'r'],
    ['https://www.github.com/manwar/CGI--Simple', 'manwar', 'CGI--Simple'],
    ['https://github.com/libwww-perl/HTTP-Daemon/issues', 'libwww-perl', 'HTTP-Daemon'],
    ['https://GitHub.com/o/r.js/tree/main', 'o', 'r.js'],
  ])('%s is GitHub %s/%s, reached over https', (raw, owner, repo) => {
    expect(classifyRepositoryUrl(raw)).toEqual({
      kind: 'github',
      host: 'github.com',
      owner,
      repo,
      url: `https://github.com/${owner}/${repo}`,
    });
  });

  it('another host is a plain git repository', () => {
    expect(classifyRepositoryUrl('https://gitlab.gnome.org/GNOME/perl-glib')).toEqual({
      kind: 'git',
      url: 'https://gitlab.gnome.org/GNOME/perl-glib',
      host: 'gitlab.gnome.org',
    });
  });

  it('knows GitHub Enterprise hosts it is told about', () => {
    expect(classifyRepositoryUrl('https://ghe.example/o/r', { githubHosts: ['ghe.example'] })).toMatchObject({
      kind: 'github',
      host: 'ghe.example',
    });
  });
});

describe('checkGitUrl', () => {
  it.each([
    ['ext::sh -c touch% /tmp/pwned', 'transports'],
    ['--upload-pack=touch /tmp/pwned', 'option'],
    ['-oProxyCommand=x', 'option'],
    ['git://example.org/r.git', 'git:'],
    ['http://example.org/r.git', 'altered'],
    ['https://user:secret@example.org/r.git', 'credentials'],
    ['file:///tmp/r.git', 'command line'],
    ['https://example.org/r.git\nx', 'control'],
    ['fd::17/foo', 'transports'],
  ])('refuses %s: UPSTREAM_UNSUPPORTED', (raw) => {
    expect(() => checkGitUrl(raw)).toThrowCode('UPSTREAM_UNSUPPORTED');
  });

  it.each([
    'https://example.org/r.git',
    'ssh://git@example.org/r.git',
    'git@example.org:o/r.git',
    'http://127.0.0.1:8080/o/r.git',
  ])('accepts %s', (raw) => {
    expect(checkGitUrl(raw)).toBe(raw);
  });

  it('accepts file:// only when allowed', () => {
    expect(checkGitUrl('file:///tmp/r.git', { allowFile: true })).toBe('file:///tmp/r.git');
  });
});

describe('findUpstream', () => {
  it('prefers --upstream, then Upstream-Repository, then META url, web, GitHub bugtracker, homepage', () => {
    const m = meta({
      repository: { url: 'https://github.com/a/url', web: 'https://github.com/a/web' },
      bugtracker: { web: 'https://github.com/a/bugs/issues' },
      homepage: 'https://github.com/a/home',
    });
    expect(
      findUpstream({ override: 'https://github.com/a/cli', header: 'https://github.com/a/h', meta: m })?.source,
    ).toBe('--upstream');
    expect(findUpstream({ header: 'https://github.com/a/h', meta: m })?.source).toBe('Upstream-Repository');
    expect(findUpstream({ meta: m })).toMatchObject({
      source: 'META.json resources.repository.url',
      location: { repo: 'url' },
    });
    expect(findUpstream({ meta: meta({ repository: { web: 'https://github.com/a/web' } }) })?.source).toBe(
      'META.json resources.repository.web',
    );
    expect(findUpstream({ meta: meta({ bugtracker: { web: 'https://github.com/a/bugs/issues' } }) })).toMatchObject({
      source: 'META.json resources.bugtracker.web',
      location: { owner: 'a', repo: 'bugs' },
    });
    expect(
      findUpstream({ meta: meta({ bugtracker: { web: 'https://rt.cpan.org/Dist/Display.html?Name=X' } }) }),
    ).toBeUndefined();
    expect(findUpstream({ meta: meta({ homepage: 'https://github.com/a/home' }) })?.source).toBe(
      'META.json resources.homepage',
    );
    expect(findUpstream({})).toBeUndefined();
  });

  it('refuses a hostile META URL rather than skipping to the next one', () => {
    expect(() => findUpstream({ meta: meta({ repository: { url: 'ext::sh -c x' } }) })).toThrowCode(
      'UPSTREAM_UNSUPPORTED',
    );
  });
});

describe('githubWebHost and parsePullRequestUrl', () => {
  it('maps API URLs to web hosts', () => {
    expect(githubWebHost('https://api.github.com')).toBe('github.com');
    expect(githubWebHost('https://ghe.example/api/v3')).toBe('ghe.example');
    expect(githubWebHost('http://127.0.0.1:4567')).toBe('127.0.0.1');
  });

  it('reads pull request URLs of known hosts only', () => {
    expect(parsePullRequestUrl('https://github.com/o/r/pull/12')).toEqual({
      host: 'github.com',
      owner: 'o',
      repo: 'r',
      number: 12,
    });
    expect(parsePullRequestUrl('https://evil.example/o/r/pull/12')).toBeUndefined();
    expect(parsePullRequestUrl('https://github.com/o/r/issues/12')).toBeUndefined();
    expect(parsePullRequestUrl('http://github.com/o/r/pull/12')).toBeUndefined();
    expect(parsePullRequestUrl('http://127.0.0.1:9/o/r/pull/3', ['127.0.0.1'])).toMatchObject({ number: 3 });
    expect(parsePullRequestUrl('no')).toBeUndefined();
  });
});
