import { describe, expect, it } from 'vitest';
import { resolveFixUrl } from '../../../src/core/authoring/fix-url.js';
import { moduleNameFromPath, moduleNames } from '../../../src/core/authoring/modules.js';

describe('resolveFixUrl', () => {
  it('fetches the .patch form of GitHub commits and pull requests, and records the human address', () => {
    expect(
      resolveFixUrl('https://github.com/libwww-perl/HTTP-Daemon/commit/945d35141d94490f749640bd4390acd6a2193995'),
    ).toEqual({
      origin: 'https://github.com/libwww-perl/HTTP-Daemon/commit/945d35141d94490f749640bd4390acd6a2193995',
      fetch: 'https://github.com/libwww-perl/HTTP-Daemon/commit/945d35141d94490f749640bd4390acd6a2193995.patch',
      kind: 'github-commit',
      commit: '945d35141d94490f749640bd4390acd6a2193995',
    });
    expect(resolveFixUrl('https://github.com/libwww-perl/HTTP-Daemon/pull/89/files')).toMatchObject({
      origin: 'https://github.com/libwww-perl/HTTP-Daemon/pull/89',
      fetch: 'https://github.com/libwww-perl/HTTP-Daemon/pull/89.patch',
      kind: 'github-pull',
    });
    expect(resolveFixUrl('https://github.com/o/r/pull/7/commits/abcdef1')).toMatchObject({
      fetch: 'https://github.com/o/r/commit/abcdef1.patch',
      commit: 'abcdef1',
    });
    expect(resolveFixUrl('https://gitlab.com/g/p/-/merge_requests/3').fetch).toBe(
      'https://gitlab.com/g/p/-/merge_requests/3.patch',
    );
  });

  it('fetches from a base override (a mirror, or 127.0.0.1 in tests) and keeps the real address as Origin', () => {
    const r = resolveFixUrl('https://github.com/o/r/commit/abcdef1', 'http://127.0.0.1:8080/');
    expect(r.fetch).toBe('http://127.0.0.1:8080/o/r/commit/abcdef1.patch');
    expect(r.origin).toBe('https://github.com/o/r/commit/abcdef1');
  });

  describe('when the address is not https', () => {
    it.each([
      'http://github.com/o/r/commit/abcdef1',
      'git://example.org/x',
      'file:///etc/passwd',
      'not a url',
      'https://u:p@github.com/o/r/commit/abcdef1',
    ])('%s is refused (USAGE)', (url) => {
      expect(() => resolveFixUrl(url)).toThrowCode('USAGE');
    });
  });
});

describe('moduleNames', () => {
  it('maps lib/ paths and top-level .pm files to package names, plus the distribution', () => {
    expect(moduleNameFromPath('lib/HTTP/Daemon.pm')).toBe('HTTP::Daemon');
    expect(moduleNameFromPath('DBI.pm')).toBe('DBI');
    expect(moduleNameFromPath('Expat/Expat.pm')).toBeUndefined();
    expect(moduleNameFromPath('lib/Foo/not-a-name.pm')).toBeUndefined();
    expect(moduleNames('DBI', ['lib/DBD/File.pm', 't/x.t', 'DBI.pm'])).toEqual(['DBI', 'DBD::File']);
  });
});
