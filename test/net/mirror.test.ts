/**
 * Names through a CPAN mirror: a real HTTP server on 127.0.0.1 serving a
 * mirror laid out from the corpus tarballs, with 02packages.details.txt.gz
 * and CHECKSUMS written by the test. Module and distribution names, releases
 * the index no longer lists, CHECKSUMS mismatches (refused, exit 4), the
 * download cache, --offline, and the network bounds.
 */
import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { applyPatchesToTarball } from '../../src/api/apply-tarball.js';
import { checkUrl } from '../../src/net/http.js';
import { CpansecError } from '../../src/errors.js';
import { runMain } from '../helpers/main.js';
import { expectReadableByTarTools } from '../helpers/tar-readers.js';
import { buildMirror, serveMirror, writeChecksums } from '../helpers/mirror.js';
import { hasShared, sharedPath } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';
import type { ApplyTarballOptions } from '../../src/api/apply-tarball.js';

const present = hasShared('corpus');
const corpus = (entry: string, file: string): string => sharedPath('corpus', entry, file);
const DAEMON_PATCH = sharedPath(
  'corpus',
  'HTTP-Daemon-6.16',
  'debian',
  'patches',
  'Fix-CVE-2026-8450-send_file-honoured-2-arg-open-shel.patch',
);
const PARSER_SERIES = sharedPath('corpus', 'HTML-Parser-3.81', 'debian', 'patches');

async function mirror() {
  const root = tempDir('cpansec-mirror-');
  buildMirror(root, [
    {
      path: 'O/OA/OALDERS/HTTP-Daemon-6.16.tar.gz',
      source: corpus('HTTP-Daemon-6.16', 'HTTP-Daemon-6.16.tar.gz'),
      packages: [
        ['HTTP::Daemon', '6.16'],
        ['HTTP::Daemon::ClientConn', 'undef'],
      ],
    },
    {
      path: 'O/OA/OALDERS/HTML-Parser-3.83.tar.gz',
      source: corpus('HTML-Parser-3.83', 'HTML-Parser-3.83.tar.gz'),
      packages: [
        ['HTML::Parser', '3.83'],
        ['HTML::Entities', '3.83'],
      ],
    },
    // An older release still in the author's directory, no longer indexed (PAUSE indexes the newest).
    {
      path: 'O/OA/OALDERS/HTML-Parser-3.81.tar.gz',
      source: corpus('HTML-Parser-3.81', 'HTML-Parser-3.81.tar.gz'),
      packages: [],
    },
    {
      path: 'S/SH/SHLOMIF/Config-IniFiles-3.000003.tar.gz',
      source: corpus('Config-IniFiles-3.000003', 'Config-IniFiles-3.000003.tar.gz'),
      packages: [['Config::IniFiles', '3.000003']],
    },
  ]);
  const server = await serveMirror(root);
  const work = tempDir();
  const base: Omit<ApplyTarballOptions, 'input'> = {
    mirror: server.url,
    cacheDir: join(work, 'cache'),
    cwd: work,
    allowUnsigned: true,
  };
  return { root, server, work, base };
}

function parserPatches(): string[] {
  const series = readFileSync(join(PARSER_SERIES, 'series'), 'utf8').trim().split('\n');
  return series.map((n) => join(PARSER_SERIES, n.trim()));
}

const codeOf = (e: unknown): string => (e instanceof CpansecError ? e.code : String(e));

describe.skipIf(!present)('apply <name> through a mirror on 127.0.0.1', () => {
  it('Dist::Name: looks the module up in 02packages, downloads, checks CHECKSUMS, patches', async () => {
    const m = await mirror();
    const r = await applyPatchesToTarball({ ...m.base, input: 'HTTP::Daemon', patches: [DAEMON_PATCH] });
    expect(r.input).toMatchObject({
      kind: 'module',
      cpanPath: 'O/OA/OALDERS/HTTP-Daemon-6.16.tar.gz',
      checksums: 'verified',
      download: 'network',
      url: `${m.server.url}authors/id/O/OA/OALDERS/HTTP-Daemon-6.16.tar.gz`,
    });
    expect(r).toMatchObject({
      outcome: 'patched',
      written: true,
      output: { path: join(m.work, 'HTTP-Daemon-6.16+cpansec.tar.gz') },
    });
    expectReadableByTarTools(join(m.work, 'HTTP-Daemon-6.16+cpansec.tar.gz'));
    expect(m.server.log.map((l) => l.path)).toEqual([
      '/modules/02packages.details.txt.gz',
      '/authors/id/O/OA/OALDERS/HTTP-Daemon-6.16.tar.gz',
      '/authors/id/O/OA/OALDERS/CHECKSUMS',
    ]);
  });

  it("Dist-Name-1.23 and Dist::Name@1.23 find a release the index no longer lists, in the author's CHECKSUMS", async () => {
    const m = await mirror();
    const a = await applyPatchesToTarball({
      ...m.base,
      input: 'HTML-Parser-3.81',
      patches: parserPatches(),
      dryRun: true,
    });
    expect(a.input).toMatchObject({
      kind: 'dist',
      cpanPath: 'O/OA/OALDERS/HTML-Parser-3.81.tar.gz',
      checksums: 'verified',
    });
    expect(a.dist).toMatchObject({ name: 'HTML-Parser', version: '3.81' });
    const b = await applyPatchesToTarball({
      ...m.base,
      input: 'HTML::Parser@3.81',
      patches: parserPatches(),
      dryRun: true,
    });
    expect(b.input.cpanPath).toBe('O/OA/OALDERS/HTML-Parser-3.81.tar.gz');
    const newest = await applyPatchesToTarball({
      ...m.base,
      input: 'HTML-Parser',
      source: { kind: 'files', select: async () => ({ patches: [], source: 'none' }) },
    });
    expect(newest.dist.version).toBe('3.83');
  });

  it('a version that is not on the mirror is DIST_NOT_FOUND (exit 6), and says what the index has', async () => {
    const m = await mirror();
    const run = await runMain([
      'apply',
      'HTML::Parser@3.70',
      '--mirror',
      m.server.url,
      '--cache',
      join(m.work, 'cache'),
      '--json',
    ]);
    expect(run.code).toBe(6);
    expect(run.json.error?.code).toBe('DIST_NOT_FOUND');
    expect(run.json.error?.message).toMatch(
      /version 3\.70 of HTML-Parser is not on the mirror \(the index lists 3\.83/,
    );
    const unknown = await runMain([
      'apply',
      'No::Such::Module',
      '--mirror',
      m.server.url,
      '--cache',
      join(m.work, 'cache'),
      '--json',
    ]);
    expect(unknown.json.error?.code).toBe('DIST_NOT_FOUND');
  });

  it('refuses a tarball whose CHECKSUMS entry does not match: CHECKSUM_MISMATCH, exit 4, nothing written', async () => {
    const m = await mirror();
    writeChecksums(m.root, 'O/OA/OALDERS', (e) => {
      (e['HTTP-Daemon-6.16.tar.gz'] as Record<string, string>)['sha256'] = 'ab'.repeat(32);
    });
    const run = await runMain([
      'apply',
      'HTTP::Daemon',
      '--patch',
      DAEMON_PATCH,
      '--allow-unsigned',
      '--mirror',
      m.server.url,
      '--cache',
      join(m.work, 'cache'),
      '--out',
      join(m.work, 'out.tar.gz'),
      '--json',
    ]);
    expect(run.code).toBe(4);
    expect(run.json.error).toMatchObject({
      code: 'CHECKSUM_MISMATCH',
      details: { reason: 'mismatch', field: 'sha256', expected: 'ab'.repeat(32) },
    });
    expect(existsSync(join(m.work, 'out.tar.gz'))).toBe(false);
  });

  it('refuses a tarball that CHECKSUMS does not list, or lists under another author', async () => {
    const m = await mirror();
    writeChecksums(m.root, 'O/OA/OALDERS', (e) => {
      delete e['HTTP-Daemon-6.16.tar.gz'];
    });
    const missing = await applyPatchesToTarball({ ...m.base, input: 'HTTP::Daemon', patches: [DAEMON_PATCH] }).catch(
      (e: unknown) => e,
    );
    expect(codeOf(missing)).toBe('CHECKSUM_MISMATCH');
    writeChecksums(m.root, 'O/OA/OALDERS', (e) => {
      (e['HTTP-Daemon-6.16.tar.gz'] as Record<string, string>)['cpan_path'] = 'E/EV/EVIL';
    });
    const moved = await applyPatchesToTarball({
      ...m.base,
      input: 'HTTP::Daemon',
      patches: [DAEMON_PATCH],
      cacheDir: join(m.work, 'c2'),
    }).catch((e: unknown) => e);
    expect(codeOf(moved)).toBe('CHECKSUM_MISMATCH');
  });

  it('goes on with a warning when the directory has no CHECKSUMS; refuses a malformed one', async () => {
    const m = await mirror();
    m.server.override = (path, _req, res) => {
      if (!path.endsWith('/CHECKSUMS')) return false;
      res.writeHead(404).end();
      return true;
    };
    const warnings: string[] = [];
    const r = await applyPatchesToTarball({
      ...m.base,
      input: 'HTTP::Daemon',
      patches: [DAEMON_PATCH],
      onWarning: (w) => warnings.push(w),
    });
    expect(r.input.checksums).toBe('absent');
    expect(warnings.join('\n')).toContain('has no CHECKSUMS');
    m.server.override = (path, _req, res) => {
      if (!path.endsWith('/CHECKSUMS')) return false;
      res.writeHead(200).end("$cksum = { 'HTTP-Daemon-6.16.tar.gz' => { 'sha256' => `id` } };\n");
      return true;
    };
    const bad = await applyPatchesToTarball({
      ...m.base,
      input: 'HTTP::Daemon',
      patches: [DAEMON_PATCH],
      cacheDir: join(m.work, 'c2'),
    }).catch((e: unknown) => e);
    expect(codeOf(bad)).toBe('METADATA_INVALID');
  });

  it('caches downloads: a second run fetches no tarball, revalidates the index (304), and works --offline', async () => {
    const m = await mirror();
    const day = new Date('2026-11-20T00:00:00Z');
    utimesSync(join(m.root, 'modules', '02packages.details.txt.gz'), day, day);
    await applyPatchesToTarball({ ...m.base, input: 'HTTP::Daemon', patches: [DAEMON_PATCH], dryRun: true });
    m.server.log.length = 0;
    const again = await applyPatchesToTarball({
      ...m.base,
      input: 'HTTP::Daemon',
      patches: [DAEMON_PATCH],
      dryRun: true,
    });
    expect(again.input.download).toBe('cache');
    expect(m.server.log).toEqual([
      { path: '/modules/02packages.details.txt.gz', status: 304 },
      { path: '/authors/id/O/OA/OALDERS/CHECKSUMS', status: 304 },
    ]);
    m.server.log.length = 0;
    const offline = await applyPatchesToTarball({
      ...m.base,
      input: 'HTTP::Daemon',
      patches: [DAEMON_PATCH],
      dryRun: true,
      offline: true,
    });
    expect(offline.input.download).toBe('cache');
    expect(m.server.log).toEqual([]);
    const cold = await applyPatchesToTarball({
      ...m.base,
      input: 'Config::IniFiles',
      offline: true,
      cacheDir: join(m.work, 'empty'),
    }).catch((e: unknown) => e);
    expect(codeOf(cold)).toBe('NETWORK');
  });

  it('downloads again a cached tarball that was damaged', async () => {
    const m = await mirror();
    await applyPatchesToTarball({ ...m.base, input: 'HTTP::Daemon', patches: [DAEMON_PATCH], dryRun: true });
    const cached = findFile(join(m.work, 'cache'), 'HTTP-Daemon-6.16.tar.gz');
    writeFileSync(cached, 'damaged');
    const r = await applyPatchesToTarball({ ...m.base, input: 'HTTP::Daemon', patches: [DAEMON_PATCH], dryRun: true });
    expect(r.input.download).toBe('network');
  });

  it("a URL input: fetched, checked against its directory's CHECKSUMS", async () => {
    const m = await mirror();
    const r = await applyPatchesToTarball({
      ...m.base,
      input: `${m.server.url}authors/id/O/OA/OALDERS/HTTP-Daemon-6.16.tar.gz`,
      patches: [DAEMON_PATCH],
      dryRun: true,
    });
    expect(r.input).toMatchObject({
      kind: 'url',
      checksums: 'verified',
      cpanPath: 'O/OA/OALDERS/HTTP-Daemon-6.16.tar.gz',
    });
    const gone = await applyPatchesToTarball({
      ...m.base,
      input: `${m.server.url}authors/id/O/OA/OALDERS/Nope-1.0.tar.gz`,
    }).catch((e: unknown) => e);
    expect(codeOf(gone)).toBe('DIST_NOT_FOUND');
  });

  describe('network bounds', () => {
    it('a download over the size limit: LIMIT_EXCEEDED (checked on Content-Length and while reading)', async () => {
      const m = await mirror();
      const big = await applyPatchesToTarball({
        ...m.base,
        input: 'HTTP::Daemon',
        limits: { maxTarballBytes: 10_000 },
      }).catch((e: unknown) => e);
      expect(codeOf(big)).toBe('LIMIT_EXCEEDED');
      m.server.override = (path, _req, res) => {
        if (!path.endsWith('.tar.gz')) return false;
        res.writeHead(200); // no Content-Length: the cap is enforced while reading
        res.end(Buffer.alloc(50_000));
        return true;
      };
      const chunked = await applyPatchesToTarball({
        ...m.base,
        input: 'HTTP::Daemon',
        limits: { maxTarballBytes: 10_000 },
      }).catch((e: unknown) => e);
      expect(codeOf(chunked)).toBe('LIMIT_EXCEEDED');
      expect(readdirSync(m.work).filter((n) => n.endsWith('.tar.gz'))).toEqual([]);
    });
    it('a server that stops sending: NETWORK after the idle timeout', async () => {
      const m = await mirror();
      m.server.override = (path, _req, res) => {
        if (!path.endsWith('.tar.gz')) return false;
        res.writeHead(200, { 'content-length': '100000' });
        res.write(Buffer.alloc(1000));
        return true; // never ends
      };
      const t0 = Date.now();
      const stalled = await applyPatchesToTarball({
        ...m.base,
        input: 'HTTP::Daemon',
        limits: { downloadIdleTimeoutMs: 300 },
      }).catch((e: unknown) => e);
      expect(codeOf(stalled)).toBe('NETWORK');
      expect(Date.now() - t0).toBeLessThan(5000);
    });
    it('redirects: followed, but not forever', async () => {
      const m = await mirror();
      m.server.override = (path, _req, res) => {
        if (path.startsWith('/r/')) {
          res.writeHead(302, { location: path.slice(2) }).end();
          return true;
        }
        if (path.startsWith('/loop/')) {
          res.writeHead(301, { location: path }).end();
          return true;
        }
        return false;
      };
      const moved = await applyPatchesToTarball({
        ...m.base,
        input: 'HTTP::Daemon',
        patches: [DAEMON_PATCH],
        mirror: `${m.server.url}r/`,
        dryRun: true,
      });
      expect(moved.input.checksums).toBe('verified');
      const loop = await applyPatchesToTarball({
        ...m.base,
        input: 'HTTP::Daemon',
        mirror: `${m.server.url}loop/`,
      }).catch((e: unknown) => e);
      expect(codeOf(loop)).toBe('NETWORK');
    });
    it('plain http:// only to the loopback interface; no credentials in URLs', () => {
      expect(() => checkUrl('http://www.cpan.org/x')).toThrowCode('USAGE');
      expect(() => checkUrl('ftp://ftp.cpan.org/x')).toThrowCode('USAGE');
      expect(() => checkUrl('https://user:pw@www.cpan.org/x')).toThrowCode('USAGE');
      expect(checkUrl('http://127.0.0.1:8080/x').hostname).toBe('127.0.0.1');
      expect(checkUrl('http://[::1]/x').hostname).toBe('[::1]');
      expect(checkUrl('https://www.cpan.org/').protocol).toBe('https:');
    });
    it('an index with a path that climbs out of authors/id is refused (METADATA_INVALID)', async () => {
      const m = await mirror();
      m.server.override = (path, _req, res) => {
        if (!path.endsWith('02packages.details.txt.gz')) return false;
        res
          .writeHead(200)
          .end(gzipSync('File: 02packages.details.txt\n\nHTTP::Daemon 6.16 O/OA/OALDERS/../../../../../etc/passwd\n'));
        return true;
      };
      const e = await applyPatchesToTarball({ ...m.base, input: 'HTTP::Daemon' }).catch((x: unknown) => x);
      expect(codeOf(e)).toBe('METADATA_INVALID');
    });
  });
});

function findFile(dir: string, name: string): string {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      const found = findFile(p, name);
      if (found !== '') return found;
    } else if (e.name === name) return p;
  }
  return '';
}
