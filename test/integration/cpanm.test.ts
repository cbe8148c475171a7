/**
 * Patched tarballs installed by the real cpanm (Debian cpanminus 1.7046)
 * into a temporary local::lib, offline, with the distribution's own tests
 * run (never --notest): the files installed are the patched ones, byte for
 * byte (expected.json's sha256 after GNU patch), and installing through a
 * mirror on 127.0.0.1 carries x_cpansec into the installed MYMETA.json.
 *
 * Dists (their dependencies are core or installed here, `perl -MModule -e1`):
 * Config-IniFiles-3.000003 (pure Perl; Debian's CVE-2026-11527 fix),
 * HTML-Parser-3.81 (XS; the CVE-2026-8829 fix is in util.c, compiled in, and
 * its regression test runs in `make test`), common-sense-3.75 (a .pod that
 * installs under the arch directory).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyPatchesToTarball } from '../../src/api/apply-tarball.js';
import { buildMirror, serveMirror } from '../helpers/mirror.js';
import { hasShared, sharedPath } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';

const cpanm = spawnSync('cpanm', ['--version']).status === 0;
if (!cpanm) console.warn('skipping the cpanm installs: cpanm is not on PATH');
const present = hasShared('corpus');
const ARCH = spawnSync('perl', ['-MConfig', '-e', 'print $Config{archname}'], { encoding: 'utf8' }).stdout;

interface Changed {
  path: string;
  sha256_after_series: string | null;
}

async function patched(entry: string, out: string): Promise<{ tarball: string; changed: Changed[] }> {
  const dir = sharedPath('corpus', entry);
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as {
    cpan: { tarball: string };
    result: { changed_files: Changed[] };
  };
  const series = readFileSync(join(dir, 'debian', 'patches', 'series'), 'utf8')
    .trim()
    .split('\n');
  const r = await applyPatchesToTarball({
    input: join(dir, expected.cpan.tarball),
    patches: series.map((n) => join(dir, 'debian', 'patches', n.trim())),
    allowUnsigned: true,
    out,
  });
  expect(r.written).toBe(true);
  return { tarball: out, changed: expected.result.changed_files };
}

/** cpanm in a child process (async: the mirror server runs in this process). */
function runCpanm(args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('cpanm', args, {
      cwd,
      env: {
        ...process.env,
        PERL_CPANM_HOME: join(cwd, 'cpanm-home'),
        HOME: cwd,
        PERL5LIB: '',
        PERL_MM_OPT: '',
        PERL_MB_OPT: '',
      },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

function buildLog(cwd: string): string {
  return readFileSync(join(cwd, 'cpanm-home', 'build.log'), 'utf8');
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Where a dist file was installed in local::lib: lib/X → lib/perl5[/arch]/X; a top-level file under its module's directory. */
function installed(ll: string, rel: string, topPrefix = ''): string | undefined {
  const sub = rel.startsWith('lib/') ? rel.slice(4) : `${topPrefix}${rel}`;
  for (const base of [join(ll, 'lib', 'perl5'), join(ll, 'lib', 'perl5', ARCH)]) {
    if (existsSync(join(base, sub))) return join(base, sub);
  }
  return undefined;
}

describe.skipIf(!cpanm || !present)('cpanm installs patched tarballs (offline, tests run)', () => {
  const cases: [string, string, string][] = [
    ['Config-IniFiles-3.000003', 'Config-IniFiles-3.000003.tar.gz', ''],
    ['HTML-Parser-3.81', 'HTML-Parser-3.81.tar.gz', ''],
    ['common-sense-3.75', 'common-sense-3.75.tar.gz', 'common/'],
  ];
  for (const [entry, file, topPrefix] of cases) {
    it(`${entry}: cpanm -L builds, tests and installs the patched files`, async () => {
      const work = tempDir();
      const { tarball, changed } = await patched(entry, join(work, file));
      // --mirror-only to a missing file mirror: nothing can be fetched; every dependency must already be here.
      const run = await runCpanm(
        ['-L', join(work, 'll'), '--mirror', `file://${join(work, 'no-mirror')}`, '--mirror-only', `./${file}`],
        work,
      );
      expect(run.code, run.output).toBe(0);
      expect(run.output).toContain(`Building and testing ${entry} ... OK`);
      const log = buildLog(work);
      expect(log).toMatch(/Result: PASS|All tests successful/);
      expect(log).not.toContain('--notest');
      // The tests the patches add or change ran as part of `make test`.
      for (const f of changed)
        if (f.path.startsWith('t/') && f.sha256_after_series !== null)
          expect(log, f.path).toMatch(new RegExp(`${f.path.replace(/\./g, '\\.')} \\.+ ok`));
      let compared = 0;
      for (const f of changed) {
        if (f.sha256_after_series === null || f.path.startsWith('t/') || !/\.(pm|pod|pl)$/.test(f.path)) continue;
        const at = installed(join(work, 'll'), f.path, topPrefix);
        expect(at, `${f.path} installed`).toBeDefined();
        expect(sha256(at as string), f.path).toBe(f.sha256_after_series);
        compared++;
      }
      expect(compared).toBeGreaterThan(0);
      expect(readdirSync(dirname(tarball))).toContain(file);
    });
  }

  it('Config::IniFiles through a patched mirror on 127.0.0.1: x_cpansec reaches the installed MYMETA.json', async () => {
    const work = tempDir();
    const { tarball } = await patched('Config-IniFiles-3.000003', join(work, 'Config-IniFiles-3.000003.tar.gz'));
    const root = join(work, 'mirror');
    mkdirSync(root);
    buildMirror(root, [
      {
        path: 'S/SH/SHLOMIF/Config-IniFiles-3.000003.tar.gz',
        source: tarball,
        packages: [['Config::IniFiles', '3.000003']],
      },
    ]);
    const server = await serveMirror(root);
    const run = await runCpanm(
      ['--mirror', server.url, '--mirror-only', '-L', join(work, 'll'), 'Config::IniFiles'],
      work,
    );
    expect(run.code, run.output).toBe(0);
    expect(server.log.map((l) => l.path)).toContain('/authors/id/S/SH/SHLOMIF/Config-IniFiles-3.000003.tar.gz');
    const meta = join(work, 'll', 'lib', 'perl5', ARCH, '.meta', 'Config-IniFiles-3.000003');
    const mymeta = JSON.parse(readFileSync(join(meta, 'MYMETA.json'), 'utf8')) as {
      version: string;
      x_cpansec: { patches: { id: string; signer: string }[] };
    };
    expect(mymeta.version).toBe('3.000003');
    expect(mymeta.x_cpansec.patches.map((p) => p.id)).toEqual(['CVE-2026-11527.patch']);
    expect(mymeta.x_cpansec.patches.every((p) => p.signer === 'unsigned')).toBe(true);
    expect(JSON.parse(readFileSync(join(meta, 'install.json'), 'utf8'))).toMatchObject({
      pathname: 'S/SH/SHLOMIF/Config-IniFiles-3.000003.tar.gz',
    });
  });
});
