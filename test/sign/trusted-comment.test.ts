import { describe, expect, it } from 'vitest';
import {
  checkPatchBinding,
  formatPatchTrustedComment,
  parseTrustedComment,
  readPatchClaims,
} from '../../src/sign/trusted-comment.js';

const CLAIMS = {
  timestamp: 1764115200,
  file: 'HTTP-Daemon-CVE-2026-8450.patch',
  patchId: 'HTTP-Daemon-CVE-2026-8450',
  dist: 'HTTP-Daemon',
};
const TEXT =
  'timestamp:1764115200\tfile:HTTP-Daemon-CVE-2026-8450.patch\tpatch-id:HTTP-Daemon-CVE-2026-8450\tdist:HTTP-Daemon\thashed';

describe('formatPatchTrustedComment', () => {
  it("writes minisign's TAB-separated key:value style with the patch identity", () => {
    expect(formatPatchTrustedComment(CLAIMS)).toBe(TEXT);
  });

  it.each([
    ['a TAB in a value', { dist: 'HTTP\tDaemon' }],
    ['a newline in a value', { patchId: 'a\nb' }],
    ['an empty value', { dist: '' }],
    ['a path as file', { file: 'patches/x.patch' }],
    ['a negative timestamp', { timestamp: -1 }],
    ['a fractional timestamp', { timestamp: 1.5 }],
  ])('refuses %s (USAGE)', (_what, change) => {
    expect(() => formatPatchTrustedComment({ ...CLAIMS, ...change })).toThrowCode('USAGE');
  });
});

describe('parseTrustedComment and readPatchClaims', () => {
  it('read our comment back', () => {
    const tc = parseTrustedComment(TEXT);
    expect(tc.flags).toEqual(['hashed']);
    expect(readPatchClaims(tc)).toEqual({ ...CLAIMS, hashed: true });
  });

  it("read minisign's default comment (no patch fields)", () => {
    const claims = readPatchClaims(parseTrustedComment('timestamp:1764115200\tfile:x.patch\thashed'));
    expect(claims).toEqual({
      timestamp: 1764115200,
      file: 'x.patch',
      patchId: undefined,
      dist: undefined,
      hashed: true,
    });
  });

  it('keep values with colons and treat free text as flags', () => {
    const tc = parseTrustedComment('note:a:b\tjust some words\tURL:https://x');
    expect(tc.fields['note']).toEqual(['a:b']);
    expect(tc.flags).toEqual(['just some words', 'URL:https://x']);
  });

  it('are safe with keys like "constructor" and "__proto__"', () => {
    const tc = parseTrustedComment('constructor:x\t__proto__:y\ttoString:z');
    expect(tc.fields['constructor']).toEqual(['x']);
    expect(Object.getPrototypeOf(tc.fields)).toBeNull();
  });

  it('record a key given twice, and claim neither value', () => {
    const tc = parseTrustedComment('dist:A\tdist:B');
    expect(tc.fields['dist']).toEqual(['A', 'B']);
    expect(readPatchClaims(tc).dist).toBeUndefined();
  });

  it('ignore a timestamp that is not a number', () => {
    expect(readPatchClaims(parseTrustedComment('timestamp:soon')).timestamp).toBeUndefined();
  });

  it('parse the empty comment', () => {
    expect(parseTrustedComment('')).toMatchObject({ flags: [] });
  });
});

describe('checkPatchBinding', () => {
  const tc = parseTrustedComment(TEXT);

  it('passes when every given expectation matches', () => {
    expect(() =>
      checkPatchBinding(tc, { file: CLAIMS.file, patchId: CLAIMS.patchId, dist: CLAIMS.dist }),
    ).not.toThrow();
    expect(() => checkPatchBinding(tc, {})).not.toThrow();
  });

  describe('when the signature names another patch (replay, mix-and-match)', () => {
    it.each([
      ['another file name', { file: 'Other-CVE-2026-1.patch' }],
      ['another patch id', { patchId: 'HTTP-Daemon-CVE-2026-9999' }],
      ['another dist', { dist: 'HTTP-Tiny' }],
      ['a case variant of the dist', { dist: 'http-daemon' }],
    ])('throws SIGNATURE_MISMATCH for %s', (_what, expected) => {
      expect(() => checkPatchBinding(tc, expected)).toThrowCode('SIGNATURE_MISMATCH');
    });

    it('throws SIGNATURE_MISMATCH when the comment does not name the patch at all (a plain minisign signature)', () => {
      expect(() =>
        checkPatchBinding(parseTrustedComment('timestamp:1\tfile:x.patch\thashed'), { patchId: 'x' }),
      ).toThrowCode('SIGNATURE_MISMATCH');
    });

    it('throws SIGNATURE_MISMATCH when a field is given twice, even if one value matches', () => {
      const twice = parseTrustedComment(`${TEXT}\tdist:HTTP-Tiny`);
      expect(() => checkPatchBinding(twice, { dist: 'HTTP-Daemon' })).toThrowCode('SIGNATURE_MISMATCH');
    });

    it('reports every mismatch at once', () => {
      try {
        checkPatchBinding(tc, { file: 'a.patch', dist: 'B' });
        expect.unreachable();
      } catch (err) {
        expect((err as { details: { mismatches: unknown[] } }).details.mismatches).toHaveLength(2);
      }
    });
  });
});
