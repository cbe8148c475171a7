/**
 * The streaming reader on real and hostile archives: what it accepts passes
 * through its visitor exactly; what it refuses fails with one specific code.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { walkTarball } from '../../src/tarball/read.js';
import { concat, demoEntries, entryBlocks, gzipOf, headerBlock, paxPayload, tarOf } from '../helpers/tar-builder.js';
import { tempDir } from '../helpers/tmp.js';
import type { Limits } from '../../src/core/limits.js';
import type { RawEntry } from '../helpers/tar-builder.js';

function file(bytes: Uint8Array, name = 'x.tar.gz'): string {
  const path = join(tempDir(), name);
  writeFileSync(path, bytes);
  return path;
}

async function walk(path: string, limits?: Partial<Limits>): Promise<{ names: string[]; data: Map<string, string> }> {
  const names: string[] = [];
  const data = new Map<string, string>();
  await walkTarball(
    path,
    async ({ entry, body }) => {
      names.push(entry.rel);
      let s = '';
      for await (const c of body) s += Buffer.from(c).toString('latin1');
      data.set(entry.rel, s);
    },
    limits === undefined ? {} : { limits },
  );
  return { names, data };
}

async function refusal(bytes: Uint8Array, limits?: Partial<Limits>): Promise<{ code: string; reason: unknown }> {
  try {
    await walk(file(bytes), limits);
  } catch (err) {
    const e = err as { code: string; details?: Record<string, unknown> };
    return { code: e.code, reason: e.details?.['reason'] };
  }
  return { code: 'none', reason: undefined };
}

const demo = (...extra: (RawEntry | Uint8Array)[]): Uint8Array => gzipOf(tarOf([...demoEntries(), ...extra]));

describe('walkTarball', () => {
  it('streams every entry with its data, in order', async () => {
    const { names, data } = await walk(file(demo()));
    expect(names).toEqual(['', 'lib', 'lib/Acme', 'lib/Acme/Demo.pm', 'Makefile.PL', 'META.json']);
    expect(data.get('lib/Acme/Demo.pm')).toContain('package Acme::Demo;');
  });
  it('reads plain tar and multi-member gzip', async () => {
    expect((await walk(file(tarOf(demoEntries()), 'x.tar'))).names).toHaveLength(6);
    const tar = tarOf(demoEntries());
    const two = concat([gzipSync(tar.subarray(0, 1024)), gzipSync(tar.subarray(1024))]);
    expect((await walk(file(two))).names).toHaveLength(6);
  });
  it('reports the sha256 of the file and its format', async () => {
    const bytes = demo();
    const s = await walkTarball(file(bytes), () => undefined);
    expect(s).toMatchObject({ format: 'tar.gz', size: bytes.length, top: 'Acme-Demo-1.00' });
    expect(s.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  describe('refuses damaged and hostile streams', () => {
    const tar = tarOf(demoEntries());
    const gz = gzipOf(tar);
    const cases: [string, () => Uint8Array, string, unknown, Partial<Limits>?][] = [
      ['truncated gzip', () => gz.subarray(0, gz.length - 40), 'TARBALL_INVALID', 'truncated'],
      [
        'garbage after the gzip stream',
        () => concat([gz, Uint8Array.from('garbage!', (c) => c.charCodeAt(0))]),
        'TARBALL_INVALID',
        'gzip',
      ],
      [
        'a tar cut inside an entry',
        () => gzipOf(tar.subarray(0, 2048 + 100 * 0 + 512 * 3 + 256)),
        'TARBALL_INVALID',
        'truncated',
      ],
      [
        'a tar without its end-of-archive blocks',
        () => gzipOf(tarOf(demoEntries(), 0)),
        'TARBALL_INVALID',
        'truncated',
      ],
      [
        'data after the end-of-archive blocks',
        () => gzipOf(concat([tar, ...entryBlocks({ name: 'Acme-Demo-1.00/hidden', data: 'x' }), new Uint8Array(1024)])),
        'TARBALL_INVALID',
        'after-end',
      ],
      [
        'an entry hidden after a zero block',
        () =>
          gzipOf(
            concat([
              tar.subarray(0, tar.length - 1024),
              new Uint8Array(512),
              ...entryBlocks({ name: 'Acme-Demo-1.00/hidden', data: 'x' }),
              new Uint8Array(1024),
            ]),
          ),
        'TARBALL_INVALID',
        'after-end',
      ],
      [
        'a header with a bad checksum',
        () => gzipOf(tarOf([...demoEntries(), { name: 'Acme-Demo-1.00/x', badChecksum: true }])),
        'TARBALL_INVALID',
        'checksum',
      ],
      [
        'a v7 (pre-POSIX) header',
        () => gzipOf(tarOf([...demoEntries(), { name: 'Acme-Demo-1.00/x', magic: 'v7' }])),
        'TARBALL_UNSUPPORTED',
        'format',
      ],
      [
        'a size field with junk that tar-stream reads as 1',
        () => gzipOf(tarOf([...demoEntries(), { name: 'Acme-Demo-1.00/x', data: 'a', sizeField: '00000000001x' }])),
        'TARBALL_INVALID',
        undefined,
      ],
      [
        'a gzip bomb (expanded size)',
        () =>
          gzipOf(tarOf([...demoEntries(), { name: 'Acme-Demo-1.00/zeros', data: new Uint8Array(8 * 1024 * 1024) }])),
        'LIMIT_EXCEEDED',
        'expanded-size',
        { maxTarballExpandedBytes: 4 * 1024 * 1024 },
      ],
      [
        'a gzip bomb (ratio)',
        () =>
          gzipOf(tarOf([...demoEntries(), { name: 'Acme-Demo-1.00/zeros', data: new Uint8Array(8 * 1024 * 1024) }])),
        'LIMIT_EXCEEDED',
        'ratio',
        { tarballRatioGraceBytes: 1024 * 1024 },
      ],
      [
        'an absurd size in a header',
        () =>
          gzipOf(
            concat([
              tar.subarray(0, tar.length - 1024),
              headerBlock({ name: 'Acme-Demo-1.00/huge', size: 0o77777777777 }),
              new Uint8Array(4096),
            ]),
          ),
        'LIMIT_EXCEEDED',
        undefined,
        { maxTarEntryBytes: 1024 * 1024 },
      ],
      [
        'not an archive at all',
        () => Uint8Array.from('hello, I am a README, not a tarball\n'.repeat(20), (c) => c.charCodeAt(0)),
        'TARBALL_INVALID',
        'not-an-archive',
      ],
      ['bzip2', () => Uint8Array.from('BZh91AY&SY', (c) => c.charCodeAt(0)), 'TARBALL_UNSUPPORTED', undefined],
      ['xz', () => Uint8Array.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0]), 'TARBALL_UNSUPPORTED', undefined],
      ['zip', () => Uint8Array.from('PK\x03\x04rest', (c) => c.charCodeAt(0)), 'TARBALL_UNSUPPORTED', undefined],
      [
        'a pax header with a keyword twice',
        () =>
          demo(
            {
              name: 'x',
              type: 'x',
              data: paxPayload([
                ['path', 'Acme-Demo-1.00/a'],
                ['path', 'Acme-Demo-1.00/b'],
              ]),
            },
            { name: 'Acme-Demo-1.00/c' },
          ),
        'UNSAFE_ENTRY',
        'pax-duplicate',
      ],
      [
        'a pax size override',
        () =>
          demo(
            { name: 'x', type: 'x', data: paxPayload([['size', '0']]) },
            { name: 'Acme-Demo-1.00/c', data: 'smuggled' },
          ),
        'UNSAFE_ENTRY',
        'pax-size',
      ],
      [
        'a pax path applied to a GNU long-name header',
        () =>
          demo(
            { name: 'x', type: 'x', data: paxPayload([['path', 'Acme-Demo-1.00/a']]) },
            { name: '././@LongLink', type: 'L', data: 'Acme-Demo-1.00/b\0' },
            { name: 'Acme-Demo-1.00/c' },
          ),
        'UNSAFE_ENTRY',
        'extension-order',
      ],
    ];
    for (const [what, make, code, reason, limits] of cases) {
      it(what, async () => {
        const got = await refusal(make(), limits);
        expect(got.code).toBe(code);
        if (reason !== undefined) expect(got.reason).toBe(reason);
      });
    }
  });

  it('accepts GNU long names, pax names and a git-archive global header, and reads them alike', async () => {
    const long = `Acme-Demo-1.00/${'d'.repeat(120)}/file.pm`;
    const tar = tarOf([
      {
        name: 'pax_global_header',
        type: 'g',
        data: paxPayload([['comment', 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391']]),
      },
      ...demoEntries(),
      { name: '././@LongLink', type: 'L', data: `${long}\0`, magic: 'gnu' },
      { name: long.slice(0, 100), data: 'gnu', magic: 'gnu' },
      {
        name: 'PaxHeaders/x',
        type: 'x',
        data: paxPayload([
          ['path', `${long}2`],
          ['mtime', '1700000000.5'],
        ]),
      },
      { name: long.slice(0, 99), data: 'pax' },
    ]);
    const { data } = await walk(file(gzipOf(tar)));
    expect(data.get(long.slice('Acme-Demo-1.00/'.length))).toBe('gnu');
    expect(data.get(`${long.slice('Acme-Demo-1.00/'.length)}2`)).toBe('pax');
  });
});
