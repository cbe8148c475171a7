/**
 * The second pass: untouched entries come out byte for byte, changed ones
 * keep every header field but the size (and the mode when asked), deleted
 * ones are gone, created ones are appended; the output is deterministic.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeHeader } from '../../src/core/tar/header.js';
import { createdHeaders, rewriteTarball } from '../../src/tarball/rewrite.js';
import { walkTarball } from '../../src/tarball/read.js';
import { demoEntries, gzipOf, paxPayload, tarOf } from '../helpers/tar-builder.js';
import { expectReadableByTarTools } from '../helpers/tar-readers.js';
import { tempDir } from '../helpers/tmp.js';
import type { RewritePlan } from '../../src/tarball/rewrite.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

async function rewrite(input: string, plan: Omit<RewritePlan, 'sha256'>): Promise<Buffer> {
  const { sha256 } = await walkTarball(input, () => undefined);
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  await rewriteTarball(input, { sha256, ...plan }, sink);
  return Buffer.concat(chunks);
}

const NONE = { modified: new Map(), deleted: new Set<string>(), created: [] };

function inputFile(): { path: string; tar: Uint8Array } {
  const tar = tarOf([
    ...demoEntries(),
    {
      name: 'x',
      type: 'x',
      data: paxPayload([
        ['mtime', '1700000000.123456789'],
        ['SCHILY.xattr.user.k', 'v'],
        ['size', '5'],
      ]),
    },
    {
      name: 'Acme-Demo-1.00/lib/Acme/Pax.pm',
      data: 'hello',
      uid: 501,
      gid: 20,
      uname: 'jdoe',
      gname: 'staff',
      mode: 0o600,
    },
    { name: 'Acme-Demo-1.00/SIGNATURE', data: 'sig' },
  ]);
  const path = join(tempDir(), 'Acme-Demo-1.00.tar.gz');
  writeFileSync(path, gzipOf(tar));
  return { path, tar };
}

describe('rewriteTarball', () => {
  it('with no changes, writes the input tar stream byte for byte', async () => {
    const { path, tar } = inputFile();
    const out = gunzipSync(await rewrite(path, NONE));
    expect(Buffer.compare(out, Buffer.from(tar))).toBe(0);
  });

  it('changes only the size, checksum (and mode) of a changed entry, pax records included', async () => {
    const { path } = inputFile();
    const out = await rewrite(path, {
      ...NONE,
      modified: new Map([['lib/Acme/Pax.pm', { content: enc('hello, world\n'), mode: 0o700 }]]),
    });
    const dir = tempDir();
    writeFileSync(join(dir, 'o.tar.gz'), out);
    expectReadableByTarTools(join(dir, 'o.tar.gz'));
    const seen: Record<string, unknown>[] = [];
    await walkTarball(join(dir, 'o.tar.gz'), async ({ entry, header, body }) => {
      let data = '';
      for await (const c of body) data += Buffer.from(c).toString();
      if (entry.rel === 'lib/Acme/Pax.pm') seen.push({ ...header.header, data, pax: header.pax });
    });
    expect(seen).toEqual([
      expect.objectContaining({
        data: 'hello, world\n',
        size: 13,
        mode: 0o700,
        uid: 501,
        gid: 20,
        uname: 'jdoe',
        gname: 'staff',
        mtime: 1_700_000_000,
        pax: [
          { key: 'mtime', value: '1700000000.123456789' },
          { key: 'SCHILY.xattr.user.k', value: 'v' },
          { key: 'size', value: '13' },
        ],
      }),
    ]);
  });

  it('drops deleted entries and appends created ones; GNU tar and Archive::Tar read the result', async () => {
    const { path } = inputFile();
    const long = `t/${'deep/'.repeat(30)}new.t`;
    const out = await rewrite(path, {
      modified: new Map(),
      deleted: new Set(['SIGNATURE']),
      created: [
        {
          rel: 't/new.t',
          content: enc('ok\n'),
          header: { mode: 0o644, uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: 1_700_000_001 },
        },
        { rel: long, content: enc('deep\n'), header: { mode: 0o755, uid: 0, gid: 0, uname: '', gname: '', mtime: 1 } },
      ],
    });
    const dir = tempDir();
    const outPath = join(dir, 'o.tar.gz');
    writeFileSync(outPath, out);
    const gnu = spawnSync('tar', ['tzf', outPath], { encoding: 'utf8' });
    expect(gnu.status).toBe(0);
    const names = gnu.stdout.trim().split('\n');
    expect(names).not.toContain('Acme-Demo-1.00/SIGNATURE');
    expect(names.slice(-2)).toEqual(['Acme-Demo-1.00/t/new.t', `Acme-Demo-1.00/${long}`]);
    const perl = spawnSync(
      'perl',
      [
        '-MArchive::Tar',
        '-e',
        'my $t = Archive::Tar->new($ARGV[0]) or die; print $t->get_content($ARGV[1])',
        outPath,
        `Acme-Demo-1.00/${long}`,
      ],
      {
        encoding: 'utf8',
      },
    );
    expect(perl.stdout).toBe('deep\n');
  });

  it('is deterministic: the same plan gives the same bytes, with a gzip header that has no time or name', async () => {
    const { path } = inputFile();
    const plan = { ...NONE, modified: new Map([['Makefile.PL', { content: enc('# changed\n') }]]) };
    const a = await rewrite(path, plan);
    const b = await rewrite(path, plan);
    expect(Buffer.compare(a, b)).toBe(0);
    expect([...a.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
  });

  it('refuses an input that changed since the first pass (IO)', async () => {
    const { path } = inputFile();
    const sink = new PassThrough();
    sink.resume();
    await expect(rewriteTarball(path, { sha256: '0'.repeat(64), ...NONE }, sink)).rejects.toThrow(/changed between/);
  });
});

describe('createdHeaders', () => {
  it('writes a POSIX header whose fields decode back', () => {
    const [block] = createdHeaders('A-1', {
      rel: 'lib/A.pm',
      content: enc('x'),
      header: { mode: 0o644, uid: 1, gid: 2, uname: 'u', gname: 'g', mtime: 3 },
    });
    expect(decodeHeader(block as Uint8Array)).toMatchObject({
      name: 'A-1/lib/A.pm',
      size: 1,
      uid: 1,
      gid: 2,
      mtime: 3,
      format: 'ustar',
    });
  });
  it('puts a name that does not fit ustar into a pax path record', () => {
    const rel = `${'x'.repeat(200)}.pm`;
    const blocks = createdHeaders('A-1', {
      rel,
      content: enc(''),
      header: { mode: 0o644, uid: 0, gid: 0, uname: '', gname: '', mtime: 0 },
    });
    expect(blocks).toHaveLength(3);
    expect(Buffer.from(blocks[1] as Uint8Array).toString()).toContain(`path=A-1/${rel}\n`);
  });
});
