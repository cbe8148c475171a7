/**
 * Which proxy a request goes through: the variables curl, git and apt read,
 * in their order, NO_PROXY's forms, and clear errors for values that are not
 * proxies.
 */
import { describe, expect, it } from 'vitest';
import { bypassesProxy, proxyFor } from '../../src/net/proxy.js';
import { CpansecError } from '../../src/errors.js';

const CPAN = new URL('https://www.cpan.org/modules/02packages.details.txt.gz');

describe('proxyFor', () => {
  it('connects directly when no variable is set, or it is empty', () => {
    expect(proxyFor(CPAN, {})).toBeUndefined();
    expect(proxyFor(CPAN, { HTTPS_PROXY: '', https_proxy: '  ' })).toBeUndefined();
  });

  it('takes https_proxy, then HTTPS_PROXY, then all_proxy, then ALL_PROXY', () => {
    const all = {
      https_proxy: 'http://a:1',
      HTTPS_PROXY: 'http://b:2',
      all_proxy: 'http://c:3',
      ALL_PROXY: 'http://d:4',
    };
    expect(proxyFor(CPAN, all)).toMatchObject({ display: 'http://a:1', variable: 'https_proxy' });
    expect(proxyFor(CPAN, { ...all, https_proxy: undefined })).toMatchObject({ variable: 'HTTPS_PROXY' });
    expect(proxyFor(CPAN, { all_proxy: 'http://c:3', ALL_PROXY: 'http://d:4' })?.display).toBe('http://c:3');
    expect(proxyFor(CPAN, { ALL_PROXY: 'http://d:4' })?.display).toBe('http://d:4');
  });

  it('reads a value without a scheme as http://, and keeps credentials out of what it shows', () => {
    expect(proxyFor(CPAN, { HTTPS_PROXY: 'proxy.example:3128' })?.url.href).toBe('http://proxy.example:3128/');
    const p = proxyFor(CPAN, { HTTPS_PROXY: 'http://alice:s%40cret@proxy.example:3128' });
    expect(p?.display).toBe('http://proxy.example:3128');
    expect(p?.url.password).toBe('s%40cret');
    expect(proxyFor(CPAN, { HTTPS_PROXY: 'https://proxy.example' })?.display).toBe('https://proxy.example');
  });

  it('never sends loopback or plain-http requests to a proxy', () => {
    const env = { HTTPS_PROXY: 'http://proxy.example:3128' };
    for (const u of ['https://127.0.0.1:8443/x', 'https://localhost/x', 'https://[::1]:8443/x', 'http://127.0.0.1/x']) {
      expect(proxyFor(new URL(u), env)).toBeUndefined();
    }
  });

  it('honours no_proxy before NO_PROXY', () => {
    const env = { HTTPS_PROXY: 'http://p:1', no_proxy: 'cpan.org', NO_PROXY: '*' };
    expect(proxyFor(CPAN, env)).toBeUndefined();
    expect(proxyFor(new URL('https://api.github.com/'), env)).toBeDefined();
  });

  describe('when a variable is not a usable proxy', () => {
    const cases: [string, RegExp][] = [
      ['socks5://127.0.0.1:1080', /socks5:\/\/ proxies are not supported/],
      ['ftp://proxy:21', /not supported/],
      ['http://proxy:3128/some/path', /no path/],
      ['http://[oops', /not a URL/],
    ];
    for (const [value, message] of cases) {
      it(`refuses ${value} with CONFIG_INVALID, naming the variable`, () => {
        let caught: unknown;
        try {
          proxyFor(CPAN, { HTTPS_PROXY: value });
        } catch (err) {
          caught = err;
        }
        expect(caught).toBeInstanceOf(CpansecError);
        const e = caught as CpansecError;
        expect(e.code).toBe('CONFIG_INVALID');
        expect(e.exitCode).toBe(3);
        expect(e.message).toMatch(/^HTTPS_PROXY is not a usable proxy/);
        expect(e.message).toMatch(message);
        expect(e.hint).toMatch(/http:\/\/HOST:PORT/);
      });
    }

    it('does not complain when NO_PROXY exempts the host anyway', () => {
      expect(proxyFor(CPAN, { HTTPS_PROXY: 'socks5://x', NO_PROXY: 'www.cpan.org' })).toBeUndefined();
    });
  });
});

describe('bypassesProxy (NO_PROXY)', () => {
  const host = (u: string): URL => new URL(u);
  const table: [string, string, boolean][] = [
    ['https://www.cpan.org/', 'www.cpan.org', true],
    ['https://www.cpan.org/', 'cpan.org', true],
    ['https://www.cpan.org/', '.cpan.org', true],
    ['https://www.cpan.org/', '*.cpan.org', true],
    ['https://cpan.org/', '.cpan.org', true],
    ['https://www.cpan.org/', 'pan.org', false],
    ['https://www.cpan.org/', 'www.cpan.org.evil', false],
    ['https://WWW.CPAN.ORG/', 'www.cpan.org', true],
    ['https://www.cpan.org/', 'WWW.cpan.org', true],
    ['https://www.cpan.org/', 'internal.example, www.cpan.org', true],
    ['https://www.cpan.org/', 'internal.example www.cpan.org', true],
    ['https://www.cpan.org/', ' , ,', false],
    ['https://www.cpan.org./', '.', false],
    ['https://www.cpan.org./', '*.', false],
    ['https://www.cpan.org./', 'cpan.org', true],
    ['https://www.cpan.org/', '*', true],
    ['https://www.cpan.org/', 'www.cpan.org:443', true],
    ['https://www.cpan.org/', 'www.cpan.org:8443', false],
    ['https://www.cpan.org:8443/', 'www.cpan.org:8443', true],
    ['https://10.1.2.3/', '10.1.2.3', true],
    ['https://10.1.2.3/', '10.1.2.4', false],
    ['https://[2001:db8::1]/', '[2001:db8::1]', true],
    ['https://[2001:db8::1]:8443/', '[2001:db8::1]:8443', true],
    ['https://[2001:db8::1]/', '[2001:db8::1]:8443', false],
  ];
  for (const [url, noProxy, expected] of table) {
    it(`${url} with NO_PROXY=${JSON.stringify(noProxy)}: ${expected ? 'direct' : 'proxied'}`, () => {
      expect(bypassesProxy(host(url), noProxy)).toBe(expected);
    });
  }
});
