import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GZIP_BLOCK, ParallelGzip } from '../../src/tarball/gzip.js';
import { tempDir } from '../helpers/tmp.js';

async function gzip(data: Uint8Array, pieces = 7): Promise<Buffer> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  const g = new ParallelGzip(sink);
  const step = Math.max(1, Math.ceil(data.length / pieces));
  for (let at = 0; at < data.length; at += step) await g.write(data.subarray(at, at + step));
  const sha = await g.end();
  const out = Buffer.concat(chunks);
  expect(g.size).toBe(out.length);
  expect(sha).toMatch(/^[0-9a-f]{64}$/);
  return out;
}

function text(n: number, seed = 1): Buffer {
  let x = seed;
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = 97 + ((x >>> 16) % 13);
  }
  return out;
}

describe('ParallelGzip', () => {
  const sizes = [0, 1, GZIP_BLOCK - 1, GZIP_BLOCK, GZIP_BLOCK + 1, 3 * GZIP_BLOCK, 5 * GZIP_BLOCK + 12345];
  for (const n of sizes) {
    it(`round-trips ${n} bytes, however the writes are cut`, async () => {
      const data = text(n, n + 1);
      const a = await gzip(data, 1);
      const b = await gzip(data, 13);
      expect(Buffer.compare(a, b)).toBe(0);
      expect(Buffer.compare(gunzipSync(a), data)).toBe(0);
    });
  }
  it('writes one gzip member that GNU gzip checks, with no name and a zero mtime', async () => {
    const out = await gzip(text(4 * GZIP_BLOCK + 99));
    expect([...out.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
    const path = join(tempDir(), 'x.gz');
    writeFileSync(path, out);
    const t = spawnSync('gzip', ['-t', '-v', path], { encoding: 'utf8' });
    expect(t.status, t.stderr).toBe(0);
  });
  it('compresses about as well as one deflate stream (the window carries over)', async () => {
    const data = Buffer.from('the same sentence, again and again. '.repeat(50_000));
    const ours = await gzip(data);
    const { gzipSync } = await import('node:zlib');
    expect(ours.length).toBeLessThan(gzipSync(data, { level: 6 }).length * 1.1);
  });
});
