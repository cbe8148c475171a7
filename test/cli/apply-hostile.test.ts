/**
 * security.md §4.4, row by row: every hostile tarball (and every patch that
 * reaches outside the distribution) is refused with its own code and exit
 * code, and nothing appears at the output path — no file, no temp file.
 * Runs the real command (src/cli/main.ts) in-process.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEMO_PATCH,
  concat,
  demoEntries,
  entryBlocks,
  gzipOf,
  headerBlock,
  paxPayload,
  tarOf,
} from '../helpers/tar-builder.js';
import { runMain } from '../helpers/main.js';
import { expectReadableByTarTools } from '../helpers/tar-readers.js';
import { tempDir } from '../helpers/tmp.js';
import type { RawEntry } from '../helpers/tar-builder.js';

const TOP = 'Acme-Demo-1.00';
const at = (rel: string): string => `${TOP}/${rel}`;
const demo = (...extra: (RawEntry | Uint8Array)[]): Uint8Array => gzipOf(tarOf([...demoEntries(), ...extra]));

interface Case {
  what: string;
  tarball: () => Uint8Array;
  patch?: string;
  flags?: string[];
  code: string;
  exit: number;
  reason?: string;
}

const OUTSIDE_PATCH = DEMO_PATCH.replace(/a\/lib\/Acme\/Demo\.pm/g, 'a/../../etc/passwd').replace(
  /b\/lib\/Acme\/Demo\.pm/g,
  'b/../../etc/passwd',
);
const THROUGH_LINK_PATCH = DEMO_PATCH.replace(/lib\/Acme\/Demo\.pm/g, 'linked/Acme/Demo.pm');
const CREATE_README = [
  'diff --git a/README b/README',
  'new file mode 100644',
  '--- /dev/null',
  '+++ b/README',
  '@@ -0,0 +1 @@',
  '+hello',
  '',
].join('\n');
const tar = tarOf(demoEntries());
const gz = gzipOf(tar);

const CASES: Case[] = [
  {
    what: 'an entry with ../ (zip slip)',
    tarball: () => demo({ name: `${TOP}/../../evil`, data: 'x' }),
    code: 'UNSAFE_PATH',
    exit: 7,
    reason: 'dot-dot',
  },
  {
    what: 'an absolute entry name (CVE-2021-32804)',
    tarball: () => demo({ name: '/tmp/evil', data: 'x' }),
    code: 'UNSAFE_PATH',
    exit: 7,
    reason: 'absolute',
  },
  {
    what: 'a symlink pointing outside (CVE-2024-12905)',
    tarball: () => demo({ name: at('lnk'), type: '2', linkname: '../../../etc' }),
    code: 'UNSAFE_ENTRY',
    exit: 7,
    reason: 'symlink-target',
  },
  {
    what: 'an absolute symlink (CVE-2026-23745)',
    tarball: () => demo({ name: at('lnk'), type: '2', linkname: '/etc/passwd' }),
    code: 'UNSAFE_ENTRY',
    exit: 7,
    reason: 'symlink-target',
  },
  {
    what: 'a symlink used as a path prefix by a later entry (CVE-2021-32803)',
    tarball: () => demo({ name: at('lnk'), type: '2', linkname: 'lib' }, { name: at('lnk/x'), data: 'x' }),
    code: 'UNSAFE_ENTRY',
    exit: 7,
    reason: 'through-symlink',
  },
  {
    what: 'a symlink resolving through another symlink (CVE-2026-26960)',
    tarball: () =>
      demo({ name: at('a/b/up'), type: '2', linkname: '../..' }, { name: at('a/esc'), type: '2', linkname: 'b/up/..' }),
    code: 'UNSAFE_ENTRY',
    exit: 7,
    reason: 'symlink-chain',
  },
  {
    what: 'a hard link pointing outside (CVE-2026-24842)',
    tarball: () => demo({ name: at('h'), type: '1', linkname: '/etc/passwd' }),
    code: 'UNSAFE_ENTRY',
    exit: 7,
    reason: 'hardlink-target',
  },
  {
    what: 'a hard link used as a path prefix',
    tarball: () => demo({ name: at('h'), type: '1', linkname: at('Makefile.PL') }, { name: at('h/x'), data: 'x' }),
    code: 'UNSAFE_ENTRY',
    exit: 7,
    reason: 'not-a-directory',
  },
  {
    what: 'a patch through an inside symlink (CVE-2015-1196 shape)',
    tarball: () => demo({ name: at('linked'), type: '2', linkname: 'lib' }),
    patch: THROUGH_LINK_PATCH,
    code: 'UNSAFE_PATH',
    exit: 7,
  },
  {
    what: 'a patch to a hard-linked file',
    tarball: () => demo({ name: at('lib/Acme/Copy.pm'), type: '1', linkname: at('lib/Acme/Demo.pm') }),
    code: 'UNSAFE_ENTRY',
    exit: 7,
    reason: 'hardlink',
  },
  {
    what: 'a character device',
    tarball: () => demo({ name: at('dev'), type: '3' }),
    code: 'UNSAFE_ENTRY',
    exit: 7,
    reason: 'device',
  },
  {
    what: 'a block device',
    tarball: () => demo({ name: at('dev'), type: '4' }),
    code: 'UNSAFE_ENTRY',
    exit: 7,
    reason: 'device',
  },
  {
    what: 'a FIFO',
    tarball: () => demo({ name: at('fifo'), type: '6' }),
    code: 'UNSAFE_ENTRY',
    exit: 7,
    reason: 'fifo',
  },
  {
    what: 'a duplicate name with another type (CVE-2018-12015)',
    tarball: () => demo({ name: at('Makefile.PL'), type: '2', linkname: 'x' }),
    code: 'UNSAFE_ENTRY',
    exit: 7,
    reason: 'duplicate',
  },
  {
    what: 'case-colliding names (CVE-2021-37701)',
    tarball: () => demo({ name: at('MAKEFILE.pl'), data: 'x' }),
    code: 'UNSAFE_ENTRY',
    exit: 7,
    reason: 'collision',
  },
  {
    what: 'Unicode-colliding names, NFC and NFD (CVE-2021-37712)',
    tarball: () => demo({ name: at('caf\xc3\xa9'), data: 'a' }, { name: at('cafe\xcc\x81'), data: 'b' }),
    code: 'UNSAFE_ENTRY',
    exit: 7,
    reason: 'collision',
  },
  {
    what: 'an absurd size',
    tarball: () =>
      gzipOf(
        concat([
          tar.subarray(0, tar.length - 1024),
          headerBlock({ name: at('huge'), size: 0o77777777777 }),
          new Uint8Array(4096),
        ]),
      ),
    code: 'LIMIT_EXCEEDED',
    exit: 7,
    flags: ['--limit', 'maxTarEntryBytes=1M'],
  },
  {
    what: 'a pax size override (file smuggling)',
    tarball: () =>
      demo({ name: 'x', type: 'x', data: paxPayload([['size', '0']]) }, { name: at('c'), data: 'smuggled' }),
    code: 'UNSAFE_ENTRY',
    exit: 7,
    reason: 'pax-size',
  },
  {
    what: 'a pax path applied to a meta entry',
    tarball: () =>
      demo(
        { name: 'x', type: 'x', data: paxPayload([['path', at('a')]]) },
        { name: '././@LongLink', type: 'L', data: `${at('b')}\0` },
        { name: at('c') },
      ),
    code: 'UNSAFE_ENTRY',
    exit: 7,
    reason: 'extension-order',
  },
  {
    what: 'duplicate pax keys',
    tarball: () =>
      demo(
        {
          name: 'x',
          type: 'x',
          data: paxPayload([
            ['path', at('a')],
            ['path', '/etc/passwd'],
          ]),
        },
        { name: at('c') },
      ),
    code: 'UNSAFE_ENTRY',
    exit: 7,
    reason: 'pax-duplicate',
  },
  {
    what: 'a global pax header that renames every entry',
    tarball: () => gzipOf(tarOf([{ name: 'g', type: 'g', data: paxPayload([['path', '/etc/x']]) }, ...demoEntries()])),
    code: 'UNSAFE_ENTRY',
    exit: 7,
    reason: 'pax-global',
  },
  {
    what: 'a GNU header with a POSIX prefix (Archive::Tar reads another name)',
    tarball: () => demo({ name: at('x'), data: 'x', magic: 'gnu', prefix: '../../../etc' }),
    code: 'UNSAFE_ENTRY',
    exit: 7,
    reason: 'gnu-prefix',
  },
  {
    what: 'a base-256 size (Archive::Tar reads octal only)',
    tarball: () => demo({ name: at('x'), data: 'hello', sizeField: '\x80' + '\0'.repeat(10) + '\x05' }),
    code: 'UNSAFE_ENTRY',
    exit: 7,
    reason: 'size-encoding',
  },
  {
    what: 'a pax name whose header name is another entry (readers without pax see other bytes there)',
    tarball: () =>
      demo(
        { name: 'x', type: 'x', data: paxPayload([['path', at('lib/Acme/Other.pm')]]) },
        { name: at('lib/Acme/Demo.pm'), data: 'evil' },
      ),
    code: 'UNSAFE_ENTRY',
    exit: 7,
    reason: 'fallback-name',
  },
  {
    what: 'a truncated gzip',
    tarball: () => gz.subarray(0, gz.length - 30),
    code: 'TARBALL_INVALID',
    exit: 3,
    reason: 'truncated',
  },
  {
    what: 'a gzip bomb (expanded size)',
    tarball: () => demo({ name: at('zeros'), data: new Uint8Array(6 * 1024 * 1024) }),
    code: 'LIMIT_EXCEEDED',
    exit: 7,
    flags: ['--limit', 'maxTarballExpandedBytes=2M'],
    reason: 'expanded-size',
  },
  {
    what: 'a gzip bomb (ratio)',
    tarball: () => demo({ name: at('zeros'), data: new Uint8Array(6 * 1024 * 1024) }),
    code: 'LIMIT_EXCEEDED',
    exit: 7,
    flags: ['--limit', 'tarballRatioGraceBytes=1M'],
    reason: 'ratio',
  },
  {
    what: 'input that is not a tarball',
    tarball: () => new TextEncoder().encode('#!/bin/sh\necho not a tarball\n'.repeat(40)),
    code: 'TARBALL_INVALID',
    exit: 3,
    reason: 'not-an-archive',
  },
  {
    what: 'an xz tarball',
    tarball: () => Uint8Array.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2, 3]),
    code: 'TARBALL_UNSUPPORTED',
    exit: 3,
  },
  {
    what: 'a tarball without a single top directory',
    tarball: () => gzipOf(tarOf([...demoEntries(), { name: 'Other-1.0/x', data: 'x' }])),
    code: 'UNSAFE_ENTRY',
    exit: 7,
    reason: 'no-top-directory',
  },
  {
    what: 'files at the root (a tarbomb)',
    tarball: () => gzipOf(tarOf([{ name: 'README', data: 'x' }])),
    code: 'UNSAFE_ENTRY',
    exit: 7,
    reason: 'no-top-directory',
  },
  {
    what: 'an entry hidden after the end-of-archive marker',
    tarball: () => gzipOf(concat([tar, ...entryBlocks({ name: at('hidden'), data: 'x' }), new Uint8Array(1024)])),
    code: 'TARBALL_INVALID',
    exit: 3,
    reason: 'after-end',
  },
  {
    what: 'a patch that targets a path outside the top directory (CVE-2010-4651)',
    tarball: () => demo(),
    patch: OUTSIDE_PATCH,
    code: 'UNSAFE_PATH',
    exit: 7,
  },
  {
    what: 'a patch that creates a name colliding with an existing entry',
    tarball: () => demo({ name: at('readme'), data: 'x' }),
    patch: CREATE_README,
    code: 'UNSAFE_ENTRY',
    exit: 7,
    reason: 'collision',
  },
  {
    what: 'a patch that does not apply',
    tarball: () => demo(),
    patch: DEMO_PATCH.replace("sub hello { 'hello' }", "sub hello { 'bye' }"),
    code: 'PATCH_CONFLICT',
    exit: 5,
  },
  {
    what: 'a patch for another distribution',
    tarball: () => demo(),
    patch: `Distribution: Other-Dist\n\n${DEMO_PATCH}`,
    code: 'DIST_MISMATCH',
    exit: 5,
  },
];

describe('apply <tarball> on hostile input', () => {
  for (const c of CASES) {
    it(`${c.what}: ${c.code}, exit ${c.exit}, nothing written`, async () => {
      const dir = tempDir();
      const input = join(dir, `${TOP}.tar.gz`);
      writeFileSync(input, c.tarball());
      const patch = join(dir, 'fix.patch');
      writeFileSync(patch, c.patch ?? DEMO_PATCH);
      const out = join(dir, 'out.tar.gz');
      const run = await runMain([
        'apply',
        input,
        '--patch',
        patch,
        '--allow-unsigned',
        '--out',
        out,
        '--json',
        ...(c.flags ?? []),
      ]);
      expect(run.json.error?.code, run.json.error?.message).toBe(c.code);
      expect(run.code).toBe(c.exit);
      if (c.reason !== undefined) expect(run.json.error?.details?.['reason']).toBe(c.reason);
      expect(readdirSync(dir).sort()).toEqual([`${TOP}.tar.gz`, 'fix.patch']);
    });
  }

  it('the same demo tarball and patch do apply (the cases above fail for their one reason)', async () => {
    const dir = tempDir();
    const input = join(dir, `${TOP}.tar.gz`);
    writeFileSync(input, demo());
    writeFileSync(join(dir, 'fix.patch'), DEMO_PATCH);
    const run = await runMain([
      'apply',
      input,
      '--patch',
      join(dir, 'fix.patch'),
      '--allow-unsigned',
      '--out',
      join(dir, 'out.tar.gz'),
      '--json',
    ]);
    expect(run.code).toBe(0);
    expect(run.json.result).toMatchObject({
      outcome: 'patched',
      written: true,
      changes: [{ path: 'lib/Acme/Demo.pm', change: 'modified' }],
    });
    expect(run.stderr).toContain('NOT SIGNED');
    expectReadableByTarTools(join(dir, 'out.tar.gz'));
  });
});
