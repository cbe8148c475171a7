/**
 * list, search and info: the embedded repository (the project's curated
 * patches, read offline), another repository named by --repo or by the
 * configuration file, and the configuration file's refusals.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/api/config.js';
import { patchInfo } from '../../src/api/info.js';
import { listPatches } from '../../src/api/list.js';
import { searchPatches } from '../../src/api/search.js';
import { repoRevoke } from '../../src/api/repo-author.js';
import { makeRepo, publish } from '../repo/helpers.js';
import { tempDir } from '../helpers/tmp.js';

/** An environment with its own cache and no configuration file. */
function env(extra: Record<string, string> = {}): Record<string, string> {
  const home = tempDir('cpansec-home-');
  return { HOME: home, XDG_CACHE_HOME: join(home, 'cache'), XDG_CONFIG_HOME: join(home, 'config'), ...extra };
}

describe('listPatches', () => {
  it('lists the embedded repository by default, from its signed metadata', async () => {
    const r = await listPatches({ env: env() });
    expect(r.chosenBy).toBe('embedded');
    expect(r.patches.map((p) => p.patchId)).toEqual(
      expect.arrayContaining([
        'HTTP-Daemon-CVE-2026-8450',
        'DBI-CVE-2014-10402',
        'DBI-CVE-2026-14380',
        'XML-Parser-CVE-2006-10003',
      ]),
    );
    expect(r.patches.find((p) => p.patchId === 'HTTP-Daemon-CVE-2026-8450')).toMatchObject({
      distribution: 'HTTP-Daemon',
      affectedVersions: '< 6.17',
      fixedVersions: ['6.17'],
      cve: ['CVE-2026-8450'],
      severity: 'critical',
    });
  });

  it('filters by distribution (or module name) and by CVE', async () => {
    const e = env();
    expect((await listPatches({ env: e, dist: 'DBI' })).patches.map((p) => p.patchId)).toEqual([
      'DBI-CVE-2014-10402',
      'DBI-CVE-2026-14380',
    ]);
    expect((await listPatches({ env: e, dist: 'HTTP::Daemon' })).patches).toHaveLength(1);
    expect((await listPatches({ env: e, cve: 'cve-2014-10401' })).patches.map((p) => p.patchId)).toEqual([
      'DBI-CVE-2014-10402',
    ]);
    expect((await listPatches({ env: e, dist: 'No-Such-Dist' })).patches).toEqual([]);
  });

  it('reads the repository the configuration file names, and --repo wins over it', async () => {
    const repo = await makeRepo();
    const e = env();
    mkdirSync(join(e['XDG_CONFIG_HOME'] as string, 'cpansec-patch'), { recursive: true });
    writeFileSync(
      join(e['XDG_CONFIG_HOME'] as string, 'cpansec-patch', 'config.json'),
      JSON.stringify({ repo: repo.dir }),
    );
    const trust = join(repo.dir, 'metadata', '1.root.json');
    const viaConfig = await listPatches({ env: e, trustRoot: trust });
    expect(viaConfig.chosenBy).toBe('config');
    expect(viaConfig.patches.map((p) => p.patchId)).toEqual(['Baz-Qux-CVE-2099-1002', 'Foo-Bar-CVE-2099-1001']);
    const viaOption = await listPatches({ env: e, repo: repo.dir, trustRoot: trust });
    expect(viaOption.chosenBy).toBe('option');
  });

  it('shows revoked patches', async () => {
    const repo = await makeRepo();
    await repoRevoke({ repo: repo.dir, patchId: 'Foo-Bar-CVE-2099-1001', reason: 'broken' });
    await publish(repo);
    const r = await listPatches({ env: env(), repo: repo.dir, trustRoot: join(repo.dir, 'metadata', '1.root.json') });
    expect(r.patches.map((p) => p.patchId)).toEqual(['Baz-Qux-CVE-2099-1002']);
    expect(r.revoked).toMatchObject([{ patchId: 'Foo-Bar-CVE-2099-1001', reason: 'broken' }]);
  });
});

describe('searchPatches', () => {
  it.each([
    ['a module the patch changes', 'DBD::File', ['DBI-CVE-2014-10402'], 'module DBD::File'],
    ['a module, in part and any case', 'dbi::prof', ['DBI-CVE-2026-14380'], 'module DBI::Profile'],
    ['a distribution', 'xml-parser', ['XML-Parser-CVE-2006-10003'], 'distribution'],
    ['a CVE', 'CVE-2026-8829', ['HTML-Parser-CVE-2026-8829'], 'CVE-2026-8829'],
    ['a word of the summary', 'sysopen', ['HTTP-Daemon-CVE-2026-8450'], 'summary'],
  ])('finds patches by %s', async (_what, text, ids, why) => {
    const r = await searchPatches({ env: env(), text });
    expect(r.hits.map((h) => h.patchId)).toEqual(ids);
    expect(r.hits[0]?.matched).toContain(why);
  });

  it('maps lib/ paths to module names', async () => {
    const r = await searchPatches({ env: env(), text: 'Config::IniFiles' });
    expect(r.hits[0]?.modules).toEqual(['Config::IniFiles']);
  });

  it('refuses empty text (USAGE)', async () => {
    await expect(searchPatches({ env: env(), text: '  ' })).toRejectWithCode('USAGE');
  });
});

describe('patchInfo', () => {
  it('shows the header, versions, a verified signature and the upstream status', async () => {
    const r = await patchInfo({ env: env(), patchId: 'HTML-Parser-CVE-2026-8829' });
    expect(r).toMatchObject({
      patchId: 'HTML-Parser-CVE-2026-8829',
      revoked: null,
      versions: { affected: '< 3.84', fixed: ['3.84'], verified: ['3.81', '3.83'] },
      signature: { status: 'verified', signer: '1C21C587120F54B3' },
      upstream: { forwarded: 'not-needed', fixedVersions: ['3.84'] },
    });
    expect(r.header.map((f) => f.name)).toContain('Description');
    expect(r.files.map((f) => f.path)).toEqual(['t/cpansec-CVE-2026-8829.t', 'util.c']);
    expect(r.signature.trustedComment).toContain('HTML-Parser-CVE-2026-8829');
  });

  it('reports a patch whose cached file was altered as invalid, without hiding it', async () => {
    const repo = await makeRepo();
    const e = env();
    const cache = join(tempDir(), 'cache');
    const opts = { env: e, repo: repo.dir, cache, trustRoot: join(repo.dir, 'metadata', '1.root.json') };
    await listPatches(opts);
    const gen = readdirSync(cache).find((n) => n.startsWith('gen-')) as string;
    const target = join(cache, gen, 'targets', 'Foo-Bar', 'Foo-Bar-CVE-2099-1001.patch');
    // Same length, one byte changed: only the hash can tell.
    writeFileSync(target, readFileSync(target, 'latin1').replace('1.5_01', '1.5_09'), 'latin1');
    const r = await patchInfo({ ...opts, offline: true, patchId: 'Foo-Bar-CVE-2099-1001' });
    expect(r.signature).toMatchObject({ status: 'invalid', error: { code: 'CHECKSUM_MISMATCH' } });
  });

  it('fails with PATCH_NOT_FOUND for an unknown id', async () => {
    await expect(patchInfo({ env: env(), patchId: 'No-Such-CVE-2099-1' })).toRejectWithCode('PATCH_NOT_FOUND');
  });
});

describe('readConfig', () => {
  function withConfig(text: string): Record<string, string> {
    const dir = tempDir();
    const path = join(dir, 'config.json');
    writeFileSync(path, text);
    return { CPANSEC_PATCH_CONFIG: path, HOME: dir };
  }

  it('reads repo and cache, relative paths against the file', async () => {
    const e = withConfig('{ "repo": "patches", "cache": "/var/cache/x" }');
    expect(await readConfig(e)).toMatchObject({
      repo: join(e['CPANSEC_PATCH_CONFIG'] as string, '..', 'patches'),
      cache: '/var/cache/x',
    });
    expect((await readConfig(withConfig('{ "repo": "https://example.org/patches/" }'))).repo).toBe(
      'https://example.org/patches/',
    );
  });

  it('is empty when the default file does not exist', async () => {
    expect(await readConfig({ HOME: tempDir() })).toEqual({ path: null });
  });

  it.each([
    ['not JSON', '{ repo: x }'],
    ['an array', '[]'],
    ['an unknown key', '{ "repos": "x" }'],
    ['a wrong type', '{ "repo": 1 }'],
    ['an empty value', '{ "cache": "" }'],
  ])('refuses %s (CONFIG_INVALID), also through the commands', async (_what, text) => {
    const e = withConfig(text);
    await expect(readConfig(e)).toRejectWithCode('CONFIG_INVALID');
    await expect(listPatches({ env: e })).toRejectWithCode('CONFIG_INVALID');
  });

  it('fails with FILE_NOT_FOUND when CPANSEC_PATCH_CONFIG names a missing file', async () => {
    await expect(readConfig({ CPANSEC_PATCH_CONFIG: join(tempDir(), 'nope.json') })).toRejectWithCode('FILE_NOT_FOUND');
  });
});
