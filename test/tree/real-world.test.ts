/**
 * Real installs, real patches, real perl (issue 5 §5):
 *
 * - cpanm installs corpus tarballs offline into a local::lib (entries whose
 *   dependencies are core or installed on the test machine: Config-IniFiles,
 *   File-Tail, DBI), then the entry's Debian patches are applied with
 *   `apply --tree`; the installed files must equal expected.json's
 *   sha256_after_series, and `perl -I<tree>/lib/perl5` must load them.
 * - A tiny dist with a script, installed by cpanm from a file:// mirror (so
 *   cpanm writes .meta/install.json) shows shebang rebasing on a real install.
 * - Debian: the corpus' eight .debs (fetch-debs.sh, cached in .cache/debs or
 *   CPANSEC_DEB_CACHE) unpacked with dpkg-deb -x into one root; every file of
 *   the expected.json "installed" maps is checked, the pure-Perl fixes are
 *   taken out (pristine files from the tarball) and put back by apply --tree.
 *
 * Skipped, with the reason printed, when perl/cpanm/dpkg-deb, the corpus or
 * the Debian mirror are not there. Needs the built dist/ (npm test builds).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyDistPath } from '../../src/core/tree/path-map.js';
import { run, runApply } from '../helpers/tree-faults.js';
import { PROJECT_ROOT, hasShared, sharedPath } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';
import { sha256 } from '../helpers/tree.js';

interface Expected {
  cpan: { dist: string; version: string; tarball: string; top_dir: string };
  patches: { name: string; path: string; applied: boolean; files: { path: string }[] }[];
  result: { changed_files: { path: string; sha256_pristine: string | null; sha256_after_series: string | null }[] };
  installed?: {
    binary_package: string;
    deb_filename: string;
    files: {
      dist_path: string;
      installed_path: string;
      sha256_installed: string;
      sha256_pristine: string;
      sha256_after_series: string;
      installed_matches: string;
    }[];
  };
}

const CORPUS = sharedPath('corpus');
const expected = (entry: string): Expected =>
  JSON.parse(readFileSync(join(CORPUS, entry, 'expected.json'), 'utf8')) as Expected;

function tool(cmd: string, args: string[]): boolean {
  const ok = spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
  if (!ok) console.warn(`skipping the real-install tests that need ${cmd}: not found or not working`);
  return ok;
}

/** Patches that can fix an installed tree: every file they change is a module, script or a file not installed. */
function treePatches(e: Expected): Expected['patches'] {
  return e.patches.filter(
    (p) => p.applied && p.files.every((f) => !['compiled', 'generator'].includes(classifyDistPath(f.path))),
  );
}

/** Changed dist files that only tree-applicable patches touch: these must end at sha256_after_series. */
function fixableFiles(e: Expected): Set<string> {
  const ok = new Set(treePatches(e).map((p) => p.name));
  const out = new Set<string>();
  for (const c of e.result.changed_files) {
    const touching = e.patches.filter((p) => p.applied && p.files.some((f) => f.path === c.path));
    if (touching.length > 0 && touching.every((p) => ok.has(p.name))) out.add(c.path);
  }
  return out;
}

function applyArgs(tree: string, entry: string, patches: Expected['patches'], dist: string): string[] {
  return [
    '--tree',
    tree,
    '--allow-unsigned',
    '--dist',
    dist,
    '--wait',
    '0',
    ...patches.flatMap((p) => ['--patch', join(CORPUS, entry, p.path)]),
  ];
}

function cpanm(tarball: string, base: string, home: string, extra: string[] = []): void {
  execFileSync('cpanm', ['--notest', '--quiet', '-L', base, ...extra, tarball], {
    env: {
      ...process.env,
      PERL_CPANM_HOME: home,
      PERL5LIB: '',
      PERL_LOCAL_LIB_ROOT: '',
      PERL_MM_OPT: '',
      PERL_MB_OPT: '',
    },
    stdio: 'pipe',
    timeout: 300_000,
  });
}

/** `perl -I... -e` with the tree first on @INC: which file does `require` load? */
function loadedFrom(inc: string[], module: string): string {
  const file = `${module.split('::').join('/')}.pm`;
  return execFileSync('perl', [...inc.map((i) => `-I${i}`), `-M${module}`, '-e', `print $INC{"${file}"}`], {
    encoding: 'utf8',
    env: { ...process.env, PERL5LIB: '' },
  });
}

const ready = hasShared('corpus') && tool('perl', ['-e1']) && tool('cpanm', ['--version']);

describe.skipIf(!ready)('cpanm installs of corpus distributions', () => {
  // cpanm's work and log folder, one for the file (not ~/.cpanm).
  const home = mkdtempSync(join(tmpdir(), 'cpansec-cpanm-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('Config-IniFiles-3.000003 (CVE-2026-11527): patched file as Debian ships it, loaded by perl, and the exploit stops working', () => {
    const entry = 'Config-IniFiles-3.000003';
    const e = expected(entry);
    const tree = join(tempDir(), 'll');
    cpanm(join(CORPUS, entry, e.cpan.tarball), tree, home);
    const pm = join(tree, 'lib/perl5/Config/IniFiles.pm');
    const marker = join(tree, 'pwned');
    const exploit = `eval { Config::IniFiles->new(-file => "touch ${marker} |") }; print -e "${marker}" ? "ran" : "safe"`;
    const probe = (): string =>
      execFileSync('perl', [`-I${join(tree, 'lib/perl5')}`, '-MConfig::IniFiles', '-e', exploit], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
    expect(probe()).toBe('ran');
    execFileSync('rm', ['-f', marker]);

    const r = runApply(applyArgs(tree, entry, treePatches(e), e.cpan.dist), {});
    expect(r.code, r.stderr).toBe(0);
    const after = e.result.changed_files.find((c) => c.path === 'lib/Config/IniFiles.pm')?.sha256_after_series;
    expect(sha256(readFileSync(pm))).toBe(after);
    expect(statSync(pm).mode & 0o777).toBe(0o444);
    expect(loadedFrom([join(tree, 'lib/perl5')], 'Config::IniFiles')).toBe(pm);
    expect(probe()).toBe('safe');

    const st = run(['status', '--tree', tree, '--json', '--no-repo']);
    expect((st.json?.result as { trees: { summary: unknown }[] }).trees[0]?.summary).toMatchObject({
      applied: 1,
      drifted: 0,
    });
    expect(run(['revert', '--all', '--tree', tree, '--json']).code).toBe(0);
    expect(sha256(readFileSync(pm))).toBe(
      e.result.changed_files.find((c) => c.path === 'lib/Config/IniFiles.pm')?.sha256_pristine,
    );
    expect(probe()).toBe('ran');
  });

  it('File-Tail-1.3: an old-style dist (top-level Tail.pm installed as File/Tail.pm), three stacked patches', () => {
    const entry = 'File-Tail-1.3';
    const e = expected(entry);
    const tree = join(tempDir(), 'll');
    cpanm(join(CORPUS, entry, e.cpan.tarball), tree, home);
    const r = runApply(applyArgs(tree, entry, treePatches(e), e.cpan.dist), {});
    expect(r.code, r.stderr).toBe(0);
    const files = (
      r.json?.result as {
        patches: { installs: { files: { distPath: string; installed?: string; action: string }[] }[] }[];
      }
    ).patches[0]?.installs[0]?.files;
    expect(files).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ distPath: 'Tail.pm', installed: 'lib/perl5/File/Tail.pm', action: 'patch' }),
        expect.objectContaining({ distPath: 'Tail.pm.debug', action: 'skip' }),
      ]),
    );
    const pm = join(tree, 'lib/perl5/File/Tail.pm');
    expect(sha256(readFileSync(pm))).toBe(
      e.result.changed_files.find((c) => c.path === 'Tail.pm')?.sha256_after_series,
    );
    expect(loadedFrom([join(tree, 'lib/perl5')], 'File::Tail')).toBe(pm);
  });

  it('DBI-1.643 (XS): modules live in the arch dir; seven stacked File.pm fixes land as Debian has them; DBI.xs fixes are refused', () => {
    const entry = 'DBI-1.643';
    const e = expected(entry);
    const tree = join(tempDir(), 'll');
    cpanm(join(CORPUS, entry, e.cpan.tarball), tree, home);
    const arch = readdirSync(join(tree, 'lib/perl5')).find((d) => d.includes('-')) as string;
    const r = runApply(applyArgs(tree, entry, treePatches(e), e.cpan.dist), {});
    expect(r.code, r.stderr).toBe(0);
    for (const path of fixableFiles(e)) {
      if (!path.startsWith('lib/')) continue;
      const installed = join(tree, 'lib/perl5', arch, path.slice(4));
      expect(sha256(readFileSync(installed)), path).toBe(
        e.result.changed_files.find((c) => c.path === path)?.sha256_after_series,
      );
    }
    const libArch = join(tree, 'lib/perl5', arch);
    expect(loadedFrom([join(tree, 'lib/perl5'), libArch], 'DBD::File')).toBe(join(libArch, 'DBD/File.pm'));

    const xs = e.patches.find((p) => p.name === 'CVE-2026-14739.patch');
    const refused = runApply(applyArgs(tree, entry, xs ? [xs] : [], e.cpan.dist), {});
    expect([refused.code, refused.json?.error?.code]).toEqual([3, 'PATCH_UNSUPPORTED']);
  });

  it('a script dist from a file:// mirror: .meta/install.json read, "#!perl" hunk rebased onto the installed shebang', () => {
    const work = tempDir();
    const src = join(work, 'Tiny-Script-0.01');
    mkdirSync(join(src, 'lib/Tiny'), { recursive: true });
    mkdirSync(join(src, 'script'));
    writeFileSync(
      join(src, 'Makefile.PL'),
      "use ExtUtils::MakeMaker;\nWriteMakefile(NAME => 'Tiny::Script', VERSION_FROM => 'lib/Tiny/Script.pm', EXE_FILES => ['script/tiny-script']);\n",
    );
    writeFileSync(
      join(src, 'lib/Tiny/Script.pm'),
      'package Tiny::Script;\nour $VERSION = \'0.010\';\nsub greet { return "hello " . shift }\n1;\n',
    );
    writeFileSync(
      join(src, 'script/tiny-script'),
      '#!perl\nuse strict;\nuse Tiny::Script;\nprint Tiny::Script::greet(shift), "\\n";\n',
    );
    const mirror = join(work, 'mirror');
    mkdirSync(join(mirror, 'authors/id/T/TE/TESTER'), { recursive: true });
    mkdirSync(join(mirror, 'modules'));
    execFileSync('tar', [
      'czf',
      join(mirror, 'authors/id/T/TE/TESTER/Tiny-Script-0.01.tar.gz'),
      '-C',
      work,
      'Tiny-Script-0.01',
    ]);
    const index =
      'File: 02packages.details.txt\nLine-Count: 1\n\nTiny::Script 0.010 T/TE/TESTER/Tiny-Script-0.01.tar.gz\n';
    writeFileSync(join(mirror, 'modules/02packages.details.txt'), index);
    execFileSync('gzip', ['-k', join(mirror, 'modules/02packages.details.txt')]);
    const tree = join(work, 'll');
    cpanm('Tiny::Script', tree, home, ['--mirror', `file://${mirror}`, '--mirror-only']);
    expect(readFileSync(join(tree, 'bin/tiny-script'), 'latin1').split('\n')[0]).toMatch(/^#!\/\S*perl/);

    const scan = run(['scan', '--tree', tree, '--json']);
    expect((scan.json?.result as { trees: { dists: unknown[] }[] }).trees[0]?.dists).toEqual([
      expect.objectContaining({ dist: 'Tiny-Script', version: '0.010', source: 'meta', versionSource: 'mymeta' }),
    ]);

    const patch = join(work, 'Tiny-Script-1.patch');
    writeFileSync(
      patch,
      'Distribution: Tiny-Script\nPatch-Id: Tiny-Script-1\n\n--- a/script/tiny-script\n+++ b/script/tiny-script\n@@ -1,4 +1,5 @@\n-#!perl\n+#!perl -w\n use strict;\n+use warnings;\n use Tiny::Script;\n print Tiny::Script::greet(shift), "\\n";\n',
    );
    const r = runApply(['--tree', tree, '--patch', patch, '--allow-unsigned', '--wait', '0'], {});
    expect(r.code, r.stderr).toBe(0);
    const script = readFileSync(join(tree, 'bin/tiny-script'), 'latin1');
    expect(script.split('\n').slice(0, 3)).toEqual([
      `${execFileSync('sh', ['-c', 'sed -n 1p "$0"', join(tree, 'bin/tiny-script')], { encoding: 'utf8' }).trim()}`,
      'use strict;',
      'use warnings;',
    ]);
    expect(script).toMatch(/^#!\/\S*perl -w\n/);
    expect(statSync(join(tree, 'bin/tiny-script')).mode & 0o777).toBe(0o555);
    const out = execFileSync('perl', [`-I${join(tree, 'lib/perl5')}`, join(tree, 'bin/tiny-script'), 'world'], {
      encoding: 'utf8',
    });
    expect(out).toBe('hello world\n');
  });
});

const DEBIAN_ENTRIES = [
  'Config-IniFiles-3.000003',
  'Cpanel-JSON-XS-4.35',
  'DBI-1.643',
  'HTML-Gumbo-0.18',
  'HTML-Parser-3.81',
  'HTTP-Daemon-6.16',
  'XML-LibXML-2.0134',
  'XML-Parser-2.46',
];

describe.skipIf(!hasShared('corpus') || !tool('dpkg-deb', ['--version']) || !tool('perl', ['-e1']))(
  'Debian binary packages',
  () => {
    const cache = process.env['CPANSEC_DEB_CACHE'] ?? join(PROJECT_ROOT, '.cache', 'debs');
    let root = '';
    let skipReason: string | undefined;

    beforeAll(() => {
      mkdirSync(cache, { recursive: true });
      const fetch = spawnSync(join(CORPUS, 'fetch-debs.sh'), [cache, ...DEBIAN_ENTRIES], {
        encoding: 'utf8',
        timeout: 300_000,
      });
      if (fetch.status !== 0) {
        skipReason = `fetch-debs.sh failed (offline, or the versions left the mirror): ${(fetch.stderr || fetch.stdout).trim().split('\n').pop()}`;
        console.warn(`skipping the Debian package tests: ${skipReason}`);
        return;
      }
      root = join(mkdtempSync(join(tmpdir(), 'cpansec-debroot-')), 'root');
      mkdirSync(root);
      for (const entry of DEBIAN_ENTRIES)
        execFileSync('dpkg-deb', ['-x', join(cache, expected(entry).installed?.deb_filename as string), root]);
    }, 600_000);
    afterAll(() => {
      if (root !== '') rmSync(join(root, '..'), { recursive: true, force: true });
    });

    it('scan maps every package to its dist and version through copyright and $VERSION', (ctx) => {
      if (skipReason) ctx.skip();
      const scan = run(['scan', '--tree', root, '--json']);
      const dists =
        (
          scan.json?.result as {
            trees: { dists: { dist: string; version?: string; debianPackage?: string; source: string }[] }[];
          }
        ).trees[0]?.dists ?? [];
      for (const entry of DEBIAN_ENTRIES) {
        const e = expected(entry);
        expect(dists, entry).toContainEqual(
          expect.objectContaining({
            dist: e.cpan.dist,
            version: e.cpan.version,
            source: 'debian',
            debianPackage: e.installed?.binary_package,
          }),
        );
      }
    });

    it('the installed maps hold: every file where expected.json says, with its recorded hash', (ctx) => {
      if (skipReason) ctx.skip();
      for (const entry of DEBIAN_ENTRIES) {
        for (const f of expected(entry).installed?.files ?? []) {
          expect(sha256(readFileSync(join(root, f.installed_path))), `${entry}: ${f.installed_path}`).toBe(
            f.sha256_installed,
          );
        }
      }
    });

    for (const entry of DEBIAN_ENTRIES) {
      it(`${entry}: the Debian fixes read as already applied; taken out, apply --tree puts them back as Debian ships them`, (ctx) => {
        if (skipReason) ctx.skip();
        const e = expected(entry);
        const patches = treePatches(e);
        const fixable = fixableFiles(e);
        // Files the tree patches change; of those, the ones only tree patches change must end as Debian has them.
        const touched = new Set(patches.flatMap((p) => p.files.map((f) => f.path)));
        const restored = (e.installed?.files ?? []).filter(
          (f) => touched.has(f.dist_path) && f.installed_matches === 'after-series',
        );
        const mapped = restored.filter((f) => fixable.has(f.dist_path));
        const tree = join(tempDir(), 'root');
        execFileSync('cp', ['-a', root, tree]);
        if (patches.length > 0) {
          const again = runApply(applyArgs(tree, entry, patches, e.cpan.dist), {});
          expect(again.code, again.stderr).toBe(0);
          expect(again.json?.result).toMatchObject({ written: false });
        }
        // Take the fixes out: the tarball's pristine files, where the package has the patched ones.
        const src = tempDir();
        execFileSync('tar', ['-xf', join(CORPUS, entry, e.cpan.tarball), '-C', src]);
        for (const f of restored) {
          const target = join(tree, f.installed_path);
          const mode = statSync(target).mode & 0o777;
          chmodSync(target, 0o644);
          copyFileSync(join(src, e.cpan.top_dir, f.dist_path), target);
          chmodSync(target, mode);
          expect(sha256(readFileSync(target))).toBe(f.sha256_pristine);
        }
        if (restored.length > 0) {
          const r = runApply(applyArgs(tree, entry, patches, e.cpan.dist), {});
          expect(r.code, r.stderr).toBe(0);
          for (const f of mapped) {
            expect(sha256(readFileSync(join(tree, f.installed_path))), f.installed_path).toBe(f.sha256_after_series);
            expect(f.sha256_after_series).toBe(f.sha256_installed);
          }
          const first = (mapped[0] ?? restored[0]) as (typeof restored)[number];
          const lib = ['usr/lib/x86_64-linux-gnu/perl5/5.36', 'usr/share/perl5'].find((l) =>
            first.installed_path.startsWith(`${l}/`),
          ) as string;
          const module = first.installed_path
            .slice(lib.length + 1)
            .replace(/\.pm$/, '')
            .split('/')
            .join('::');
          const inc = [join(tree, 'usr/lib/x86_64-linux-gnu/perl5/5.36'), join(tree, 'usr/share/perl5')];
          const loads =
            spawnSync('perl', [...inc.map((i) => `-I${i}`), `-M${module}`, '-e1'], {
              env: { ...process.env, PERL5LIB: '' },
            }).status === 0;
          if (!first.installed_path.endsWith('.pm')) {
            // nothing to load
          } else if (loads) {
            // perl loads the patched file from the root (XS parts come from the same root).
            expect(loadedFrom(inc, module)).toBe(join(tree, first.installed_path));
          } else {
            console.warn(
              `${entry}: not checking that perl loads ${module}: it needs libraries this machine lacks (the package's dependencies are not installed)`,
            );
          }
        }
        const compiled = e.patches.filter((p) => p.applied && !patches.includes(p));
        if (compiled.length > 0) {
          const refused = runApply(applyArgs(tree, entry, compiled.slice(0, 1), e.cpan.dist), {});
          expect([refused.code, refused.json?.error?.code]).toEqual([3, 'PATCH_UNSUPPORTED']);
        }
        if (existsSync(join(tree, '.cpansec', 'state.json'))) {
          {
            const rv = run(['revert', '--all', '--tree', tree, '--json']);
            expect(rv.code, JSON.stringify(rv.json)).toBe(0);
          }
          for (const f of restored) expect(sha256(readFileSync(join(tree, f.installed_path)))).toBe(f.sha256_pristine);
        }
      });
    }
  },
);
