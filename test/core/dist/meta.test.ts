/**
 * x_cpansec in META.json and META.yml: unit cases, then every META of the
 * corpus tarballs rewritten and loaded by the real CPAN::Meta->load_file
 * (the reader EU::MakeMaker, Module::Build and cpanm use), which must keep
 * the key and every other field.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  readMetaJsonIdentity,
  readMetaYmlIdentity,
  setMetaJsonProvenance,
  setMetaYmlProvenance,
} from '../../../src/core/dist/meta.js';
import { scanTarball } from '../../../src/tarball/scan.js';
import { hasShared, sharedPath } from '../../helpers/shared.js';
import { tempDir } from '../../helpers/tmp.js';
import type { Provenance } from '../../../src/core/dist/meta.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

const PROV: Provenance = {
  patched_by: 'cpansec-patch 0.1.0',
  patches: [
    {
      id: 'Acme-Demo-CVE-2099-0001',
      sha256: 'ab'.repeat(32),
      signer: 'D6ACBCA43537778F',
      advisories: "CVE-2099-0001, it's",
    },
  ],
  upstream_sha256: 'cd'.repeat(32),
};

const JSON_META =
  '{\n   "abstract" : "d\\u00e9mo",\n   "name" : "Acme-Demo",\n   "prereqs" : { "runtime" : { "requires" : { "perl" : 5.008001 } } },\n   "version" : "1.00"\n}\n';

describe('setMetaJsonProvenance', () => {
  it('adds x_cpansec and changes no other byte', () => {
    const out = dec(setMetaJsonProvenance(enc(JSON_META), PROV));
    const [before] = JSON_META.split('\n}');
    expect(out.startsWith(`${before},\n   "x_cpansec" : {\n      "patched_by" : "cpansec-patch 0.1.0",`)).toBe(true);
    expect(JSON.parse(out).x_cpansec).toEqual(PROV);
    expect(out).toContain('"perl" : 5.008001'); // the number spelling survives (JSON.parse would make it 5.008001 anyway, 1.10 would not)
  });
  it('replaces an existing x_cpansec wherever it is, and can set the version', () => {
    const withOld = JSON_META.replace('"name"', '"x_cpansec" : { "old" : [1, {"a": "}"}] },\n   "name"');
    const out = JSON.parse(dec(setMetaJsonProvenance(enc(withOld), PROV, { version: '1.0001' })));
    expect(out.x_cpansec).toEqual(PROV);
    expect(out.version).toBe('1.0001');
    const only = JSON.parse(dec(setMetaJsonProvenance(enc('{"x_cpansec":1}'), PROV)));
    expect(only).toEqual({ x_cpansec: PROV });
    expect(JSON.parse(dec(setMetaJsonProvenance(enc('{}'), PROV)))).toEqual({ x_cpansec: PROV });
  });
  it('keeps a byte order mark and CRLF line ends', () => {
    const crlf = `\ufeff${JSON_META.replace(/\n/g, '\r\n')}`;
    const out = setMetaJsonProvenance(enc(crlf), PROV);
    expect([...out.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(dec(out)).toContain('\r\n   "x_cpansec" : {\r\n');
  });
  it('refuses what is not a JSON object (METADATA_INVALID)', () => {
    for (const bad of ['[1]', '{"a":', 'null', '\xff']) {
      expect(
        () =>
          setMetaJsonProvenance(
            Uint8Array.from(bad, (c) => c.charCodeAt(0)),
            PROV,
          ),
        bad,
      ).toThrowCode('METADATA_INVALID');
    }
  });
  it('reads name and version', () => {
    expect(readMetaJsonIdentity(enc(JSON_META))).toMatchObject({ name: 'Acme-Demo', version: '1.00' });
  });
});

const YML_META =
  "---\nabstract: 'demo'\nauthor:\n  - 'A <a@b>'\nname: Acme-Demo\nversion: '1.00'\nx_serialization_backend: 'CPAN::Meta::YAML version 0.018'\n";

describe('setMetaYmlProvenance', () => {
  it('appends a top-level x_cpansec block in YAML::Tiny syntax', () => {
    const out = dec(setMetaYmlProvenance(enc(YML_META), PROV));
    expect(out.startsWith(YML_META)).toBe(true);
    expect(out.slice(YML_META.length)).toBe(
      [
        'x_cpansec:',
        "  patched_by: 'cpansec-patch 0.1.0'",
        '  patches:',
        "    - advisories: 'CVE-2099-0001, it''s'",
        `      id: 'Acme-Demo-CVE-2099-0001'`,
        `      sha256: '${'ab'.repeat(32)}'`,
        "      signer: 'D6ACBCA43537778F'",
        `  upstream_sha256: '${'cd'.repeat(32)}'`,
        '',
      ].join('\n'),
    );
  });
  it('replaces an old block, keeps a document end marker last, and sets the version', () => {
    const old = `${YML_META}x_cpansec:\n  old: 'x'\n  list:\n    - a\n...\n`;
    const out = dec(setMetaYmlProvenance(enc(old), PROV, { version: '1.0001' }));
    expect(out).not.toContain("old: 'x'");
    expect(out).toContain("version: '1.0001'");
    expect(out.endsWith("cdcdcdcdcd'\n...\n")).toBe(true);
  });
  it('refuses a file with several YAML documents (METADATA_INVALID)', () => {
    expect(() => setMetaYmlProvenance(enc(`${YML_META}---\nname: x\n`), PROV)).toThrowCode('METADATA_INVALID');
  });
  it('reads name and version', () => {
    expect(readMetaYmlIdentity(enc(YML_META))).toEqual({ name: 'Acme-Demo', version: '1.00' });
    expect(readMetaYmlIdentity(enc('name: "A-B"\nversion: 1.2 # c\n'))).toEqual({ name: 'A-B', version: '1.2' });
  });
});

const perlOk = spawnSync('perl', ['-MCPAN::Meta', '-MJSON::PP', '-e1']).status === 0;

describe.skipIf(!hasShared('corpus') || !perlOk)(
  'x_cpansec in every corpus META, read by CPAN::Meta->load_file',
  () => {
    it('keeps the key and every other field, in META.json and META.yml', async () => {
      const dir = tempDir();
      const tarballs = readdirSync(sharedPath('corpus'), { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .flatMap((d) =>
          readdirSync(join(sharedPath('corpus'), d.name))
            .filter((f) => f.endsWith('.tar.gz'))
            .map((f) => join(sharedPath('corpus'), d.name, f)),
        );
      const files: string[] = [];
      for (const tarball of tarballs) {
        const scan = await scanTarball(tarball, { wanted: new Set() });
        for (const name of ['META.json', 'META.yml'] as const) {
          const bytes = scan.found.get(name)?.bytes;
          if (bytes === undefined) continue;
          const out = name === 'META.json' ? setMetaJsonProvenance(bytes, PROV) : setMetaYmlProvenance(bytes, PROV);
          const base = join(dir, `${scan.top}-${name}`);
          writeFileSync(`${base}.orig`, bytes);
          writeFileSync(base, out);
          files.push(base);
        }
      }
      expect(files.length).toBeGreaterThan(60);
      // One perl for all: load the original and the patched file; everything but x_cpansec must be equal.
      const script = `
      use strict; use warnings; use CPAN::Meta; use JSON::PP;
      my $json = JSON::PP->new->canonical;
      for my $f (@ARGV) {
        my $orig = eval { CPAN::Meta->load_file("$f.orig") } or next;  # some upstream META do not validate; skip those
        my $new = eval { CPAN::Meta->load_file($f) } or do { print "FAIL $f: $@\\n"; next };
        my $x = $new->custom('x_cpansec');
        my $a = $orig->as_struct; my $b = $new->as_struct; delete $b->{x_cpansec};
        print $json->encode($a) eq $json->encode($b) && $x->{patches}[0]{signer} eq 'D6ACBCA43537778F' ? "OK $f\\n" : "DIFF $f\\n";
      }`;
      const run = spawnSync('perl', ['-e', script, ...files], { encoding: 'utf8', maxBuffer: 1 << 24 });
      expect(run.stderr).not.toContain('FAIL');
      const lines = run.stdout.trim().split('\n');
      expect(lines.filter((l) => !l.startsWith('OK '))).toEqual([]);
      expect(lines.length).toBeGreaterThan(50);
    });
  },
);
