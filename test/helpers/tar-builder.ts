/**
 * Builds tar archives block by block for the tests, hostile ones included:
 * every field can be set to anything, extension headers can be chained in
 * any order, and nothing is validated. Written independently of
 * src/core/tar (a test must not build its inputs with the code it tests).
 */
import { gzipSync } from 'node:zlib';

export interface RawEntry {
  name: string;
  /** Typeflag character: '0' file, '5' dir, '2' symlink, '1' hard link, 'x' pax, 'g' global, 'L', 'K', ... */
  type?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  linkname?: string;
  uname?: string;
  gname?: string;
  /** Data (a string is taken as latin1 bytes). */
  data?: string | Uint8Array;
  /** The size field, when it should lie about the data. */
  size?: number;
  /** Raw bytes for the size field (12 bytes), to test malformed numbers. */
  sizeField?: string;
  magic?: 'ustar' | 'gnu' | 'v7';
  prefix?: string;
  /** Put a wrong checksum in. */
  badChecksum?: boolean;
}

function bytesOf(s: string | Uint8Array): Uint8Array {
  return typeof s === 'string' ? Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff) : s;
}

function put(block: Uint8Array, offset: number, length: number, value: string): void {
  const b = bytesOf(value);
  block.set(b.subarray(0, length), offset);
}

function octal(value: number, length: number): string {
  return `${value.toString(8).padStart(length - 1, '0')}\0`;
}

export function headerBlock(e: RawEntry): Uint8Array {
  const block = new Uint8Array(512);
  const data = bytesOf(e.data ?? '');
  put(block, 0, 100, e.name);
  put(block, 100, 8, octal(e.mode ?? (e.type === '5' ? 0o755 : 0o644), 8));
  put(block, 108, 8, octal(e.uid ?? 1000, 8));
  put(block, 116, 8, octal(e.gid ?? 1000, 8));
  put(block, 124, 12, e.sizeField ?? octal(e.size ?? data.length, 12));
  put(block, 136, 12, octal(e.mtime ?? 1_700_000_000, 12));
  block[156] = (e.type ?? '0').charCodeAt(0);
  put(block, 157, 100, e.linkname ?? '');
  if (e.magic !== 'v7') {
    put(block, 257, 8, e.magic === 'gnu' ? 'ustar  \0' : 'ustar\x0000');
    put(block, 265, 32, e.uname ?? 'author');
    put(block, 297, 32, e.gname ?? 'author');
    put(block, 329, 8, octal(0, 8));
    put(block, 337, 8, octal(0, 8));
    if (e.prefix !== undefined) put(block, 345, 155, e.prefix);
  }
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  if (e.badChecksum) sum += 1;
  put(block, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}

function padded(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.length / 512) * 512);
  out.set(data);
  return out;
}

/** The blocks of one entry: header, then data padded to a block. */
export function entryBlocks(e: RawEntry): Uint8Array[] {
  return [headerBlock(e), padded(bytesOf(e.data ?? ''))];
}

/** A pax record list as the payload of an 'x' or 'g' header ("%d key=value\n"). */
export function paxPayload(records: [string, string][]): string {
  return records
    .map(([k, v]) => {
      const body = ` ${k}=${v}\n`;
      let n = body.length + 1;
      while (String(n).length + body.length !== n) n = String(n).length + body.length;
      return `${n}${body}`;
    })
    .join('');
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A whole archive: the entries, then `trailer` zero bytes (default two blocks, as POSIX asks). */
export function tarOf(entries: (RawEntry | Uint8Array)[], trailer = 1024): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    if (e instanceof Uint8Array) parts.push(e);
    else parts.push(...entryBlocks(e));
  }
  parts.push(new Uint8Array(trailer));
  return concat(parts);
}

export function gzipOf(tar: Uint8Array): Uint8Array {
  return new Uint8Array(gzipSync(tar, { level: 6 }));
}

/** A small, well-formed distribution to build hostile variants from. */
export function demoEntries(top = 'Acme-Demo-1.00'): RawEntry[] {
  return [
    { name: `${top}/`, type: '5' },
    { name: `${top}/lib/`, type: '5' },
    { name: `${top}/lib/Acme/`, type: '5' },
    {
      name: `${top}/lib/Acme/Demo.pm`,
      data: "package Acme::Demo;\nour $VERSION = '1.00';\nsub hello { 'hello' }\n1;\n",
    },
    { name: `${top}/Makefile.PL`, data: "use ExtUtils::MakeMaker;\nWriteMakefile(NAME => 'Acme::Demo');\n" },
    {
      name: `${top}/META.json`,
      data: '{\n   "abstract" : "demo",\n   "name" : "Acme-Demo",\n   "version" : "1.00"\n}\n',
    },
  ];
}

/** A patch (git diff) for demoEntries' Demo.pm. */
export const DEMO_PATCH = [
  'diff --git a/lib/Acme/Demo.pm b/lib/Acme/Demo.pm',
  '--- a/lib/Acme/Demo.pm',
  '+++ b/lib/Acme/Demo.pm',
  '@@ -1,4 +1,4 @@',
  ' package Acme::Demo;',
  " our $VERSION = '1.00';",
  "-sub hello { 'hello' }",
  "+sub hello { 'hello, world' }",
  ' 1;',
  '',
].join('\n');
