import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkAgainstChecksums, parseChecksums } from '../../../src/core/cpan/checksums.js';

const OPTS = { maxEntries: 1000 };
const SHA = '8af00d2173b3795702ad3a2b52153b38aaec5476caaa39b6493e910d643e7290';

// What CPAN::Checksums 2.14 writes (cpan-ecosystem.md §3.3).
const PLAIN = `# CHECKSUMS file written on Wed Nov 25 23:09:40 2026 GMT by CPAN::Checksums (v2.14)
$cksum = {
  'Tiny-Thing-0.01.tar.gz' => {
    'cpan_path' => 'T/TE/TESTER',
    'md5' => 'c3cc986fedac81f3b35a17195374a741',
    'mtime' => '2026-11-25',
    'sha256' => '${SHA}',
    'sha256-ungz' => '863f860fd097ad4ce8dcf863536996c2059b042da3903d55beed9d5b480c1a9b',
    'size' => 1515
  },
  'sub' => {
    'isdir' => '1'
  },
};
`;

// PAUSE's clear-signed form: the armour is a heredoc, the signature follows __END__.
const SIGNED = `0&&<<''; # this PGP-signed message is also valid perl
-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA256

${PLAIN}__END__
-----BEGIN PGP SIGNATURE-----

iQEzBAEBCAAdFiEE
-----END PGP SIGNATURE-----
`;

describe('parseChecksums', () => {
  it('reads what CPAN::Checksums writes, signed or not', () => {
    for (const text of [PLAIN, SIGNED, PLAIN.replace(/\n/g, '\r\n')]) {
      const c = parseChecksums(text, OPTS);
      expect(c.get('Tiny-Thing-0.01.tar.gz')?.fields).toMatchObject({
        sha256: SHA,
        size: '1515',
        cpan_path: 'T/TE/TESTER',
      });
      expect(c.get('sub')?.fields['isdir']).toBe('1');
    }
  });
  it("reads Perl's single-quote escapes", () => {
    const c = parseChecksums("$cksum = { 'a\\'b\\\\c' => { 'size' => 1 } };", OPTS);
    expect([...c.keys()]).toEqual(["a'b\\c"]);
  });
  describe('refuses anything with a second reading (METADATA_INVALID)', () => {
    const cases: [string, string][] = [
      [
        'an entry listed twice (CVE-2020-16155: prepended checksums)',
        PLAIN.replace("'sub' =>", "'Tiny-Thing-0.01.tar.gz' =>"),
      ],
      ['a key given twice', PLAIN.replace("'md5' =>", "'sha256' =>")],
      ['checksums prepended before the armour (CVE-2020-16156)', `$cksum = {};\n${SIGNED}`],
      ['code after the hash', `${PLAIN}system("rm -rf ~");\n`],
      ['code inside a value', PLAIN.replace("'1515'", '1515').replace('1515', '`id`')],
      ['a double-quoted string (interpolates in Perl)', PLAIN.replace("'2026-11-25'", '"@{[ `id` ]}"')],
      ['a second assignment', `${PLAIN}$cksum = { 'x' => {} };\n`],
      [
        'a heredoc that is not the PGP armour',
        `0&&<<''; # this PGP-signed message is also valid perl\nrm -rf /\n\n${PLAIN}`,
      ],
      ['an unterminated string', "$cksum = { 'a => {} };"],
      ['another variable', PLAIN.replace('$cksum', '$x')],
    ];
    for (const [what, text] of cases)
      it(what, () => expect(() => parseChecksums(text, OPTS)).toThrowCode('METADATA_INVALID'));
  });
  it('bounds the number of entries (LIMIT_EXCEEDED)', () => {
    expect(() => parseChecksums(PLAIN, { maxEntries: 1 })).toThrowCode('LIMIT_EXCEEDED');
  });
  it('never throws anything but a CpansecError (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.nat(PLAIN.length), (junk, at) => {
        try {
          parseChecksums(PLAIN.slice(0, at) + junk + PLAIN.slice(at), OPTS);
        } catch (err) {
          expect((err as Error).name).toBe('CpansecError');
        }
      }),
    );
  });
});

describe('checkAgainstChecksums', () => {
  const c = parseChecksums(PLAIN, OPTS);
  const file = { name: 'Tiny-Thing-0.01.tar.gz', sha256: SHA, size: 1515, authorDir: 'T/TE/TESTER' };
  it('verifies a matching file', () =>
    expect(checkAgainstChecksums(c, file)).toEqual({ status: 'verified', sha256: SHA }));
  it('reports the field that differs', () => {
    expect(checkAgainstChecksums(c, { ...file, sha256: '0'.repeat(64) })).toMatchObject({
      status: 'mismatch',
      field: 'sha256',
    });
    expect(checkAgainstChecksums(c, { ...file, size: 1 })).toMatchObject({ status: 'mismatch', field: 'size' });
    expect(checkAgainstChecksums(c, { ...file, authorDir: 'E/EV/EVIL' })).toMatchObject({
      status: 'mismatch',
      field: 'cpan_path',
    });
  });
  it('a file that is not listed, or listed without sha256, is missing', () => {
    expect(checkAgainstChecksums(c, { ...file, name: 'Other-1.0.tar.gz' })).toEqual({ status: 'missing-entry' });
    expect(checkAgainstChecksums(c, { ...file, name: 'sub' })).toEqual({ status: 'missing-entry' });
  });
});
