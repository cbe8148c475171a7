/**
 * Authoring workspaces: `new` unpacks a release into a git repository whose
 * first commit is the pristine tree, and `diff` turns the working tree's
 * changes into a patch file. Built on small tarballs made here (tar-builder)
 * so every case is visible in the test; the corpus versions are in
 * test/api/authoring.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { describe, expect, it } from 'vitest';
import { diffPatch } from '../../src/api/diff.js';
import { newWorkspace } from '../../src/api/new.js';
import { checkPatchOnTarball } from '../../src/api/release-check.js';
import { parsePatchFile } from '../../src/core/patch/patch-file.js';
import { demoEntries, gzipOf, tarOf } from '../helpers/tar-builder.js';
import { tempDir } from '../helpers/tmp.js';
import type { RawEntry } from '../helpers/tar-builder.js';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const ENV = { PATH: process.env['PATH'] ?? '', GIT_AUTHOR_NAME: 'Jane Doe', GIT_AUTHOR_EMAIL: 'jane@example.org' };

function tarball(dir: string, entries: RawEntry[] = demoEntries()): string {
  const path = join(dir, 'Acme-Demo-1.00.tar.gz');
  writeFileSync(path, gzipOf(tarOf(entries)));
  return path;
}

async function workspace(entries?: RawEntry[]) {
  const dir = tempDir();
  const tb = tarball(dir, entries);
  const made = await newWorkspace({ input: tb, cwd: dir, now: NOW });
  return { dir, tb, ws: made.workspace, made };
}

describe('newWorkspace', () => {
  it('unpacks the release into ./<Dist>-<Version> and commits it as the pristine tree', async () => {
    const { dir, ws, made } = await workspace();
    expect(ws).toBe(join(dir, 'Acme-Demo-1.00'));
    expect(made).toMatchObject({ distribution: 'Acme-Demo', version: '1.00', files: 3 });
    expect(readFileSync(join(ws, 'lib/Acme/Demo.pm'), 'utf8')).toContain('package Acme::Demo;');
    const git = simpleGit(ws);
    expect((await git.revparse(['HEAD'])).trim()).toBe(made.pristine);
    expect((await git.raw(['ls-files'])).trim().split('\n').sort()).toEqual([
      'META.json',
      'Makefile.PL',
      'lib/Acme/Demo.pm',
    ]);
    expect((await git.status()).isClean()).toBe(true);
  });

  describe('when the directory is not empty', () => {
    it('refuses (FILE_EXISTS) and leaves what is there alone', async () => {
      const dir = tempDir();
      const tb = tarball(dir);
      mkdirSync(join(dir, 'Acme-Demo-1.00'));
      writeFileSync(join(dir, 'Acme-Demo-1.00', 'mine.txt'), 'mine');
      await expect(newWorkspace({ input: tb, cwd: dir })).toRejectWithCode('FILE_EXISTS');
      expect(readFileSync(join(dir, 'Acme-Demo-1.00', 'mine.txt'), 'utf8')).toBe('mine');
    });
  });

  describe('when the tarball holds an entry the tarball mode refuses', () => {
    it.each([
      ['a name climbing out', { name: 'Acme-Demo-1.00/../evil.pm', data: 'x' }, 'UNSAFE_PATH'],
      [
        'a symlink out of the tree',
        { name: 'Acme-Demo-1.00/lib/x', type: '2', linkname: '/etc/passwd' },
        'UNSAFE_ENTRY',
      ],
      ['a device', { name: 'Acme-Demo-1.00/dev', type: '3' }, 'UNSAFE_ENTRY'],
    ] as const)('refuses %s, and removes the half-made workspace', async (_what, bad, code) => {
      const dir = tempDir();
      const tb = tarball(dir, [...demoEntries(), bad as RawEntry]);
      await expect(newWorkspace({ input: tb, cwd: dir })).toRejectWithCode(code);
      expect(existsSync(join(dir, 'Acme-Demo-1.00'))).toBe(false);
      expect(existsSync(join(dir, 'evil.pm'))).toBe(false);
    });
  });
});

describe('diffPatch', () => {
  it('writes the changes, new files included, under a prefilled header; the patch applies to the release', async () => {
    const { dir, tb, ws } = await workspace();
    writeFileSync(
      join(ws, 'lib/Acme/Demo.pm'),
      "package Acme::Demo;\nour $VERSION = '1.00';\nsub hello { 'hello, safely' }\n1;\n",
    );
    mkdirSync(join(ws, 't'));
    writeFileSync(join(ws, 't/cpansec-CVE-2099-0001.t'), 'use Test::More tests => 1; ok(1);\n');
    const r = await diffPatch({ workspace: ws, draft: true, now: NOW, env: ENV });
    expect(r).toMatchObject({
      written: true,
      draft: true,
      patchId: null,
      path: join(dir, 'Acme-Demo-1.00.draft.patch'),
    });
    expect(r.files.map((f) => [f.path, f.change])).toEqual([
      ['lib/Acme/Demo.pm', 'modified'],
      ['t/cpansec-CVE-2099-0001.t', 'created'],
    ]);
    expect(r.todo).toEqual(['Patch-Id', 'CVE', 'Severity', 'Description', 'Forwarded']);
    const text = readFileSync(r.path, 'utf8');
    expect(text).toMatch(
      /^Patch-Id: \[TODO\]\nDistribution: Acme-Demo\nAffected-Versions: <= 1\.00\nVerified-Versions: 1\.00\n/,
    );
    expect(text).toContain('Author: Jane Doe <jane@example.org>\n');
    expect(text).toContain('Last-Update: 2026-11-26\n');
    expect(text).toContain('diff --git a/lib/Acme/Demo.pm b/lib/Acme/Demo.pm\n');
    const file = parsePatchFile(readFileSync(r.path));
    const check = await checkPatchOnTarball(file.diff, tb);
    expect(check.outcome).toBe('clean');
  });

  it('refuses an incomplete header without --draft (HEADER_INVALID), and writes nothing', async () => {
    const { dir, ws } = await workspace();
    writeFileSync(join(ws, 'Makefile.PL'), '# changed\n');
    await expect(diffPatch({ workspace: ws, now: NOW, env: ENV })).toRejectWithCode('HEADER_INVALID');
    expect(existsSync(join(dir, 'Acme-Demo-1.00.draft.patch'))).toBe(false);
  });

  it('keeps the author’s header edits on the next run, and renames the draft once it has its Patch-Id', async () => {
    const { dir, ws } = await workspace();
    writeFileSync(join(ws, 'Makefile.PL'), '# changed\n');
    const first = await diffPatch({ workspace: ws, draft: true, now: NOW, env: ENV });
    const edited = readFileSync(first.path, 'utf8')
      .replace('CVE: [TODO]', 'CVE: CVE-2099-0001')
      .replace('Severity: [TODO]', 'Severity: low')
      .replace('Forwarded: [TODO]', 'Forwarded: no')
      .replace(/Description: \[TODO\][^\n]*\n [^\n]*\n/, 'Description: Mine\n Kept.\n');
    writeFileSync(first.path, edited);
    writeFileSync(join(ws, 'Makefile.PL'), '# changed again\n');
    const second = await diffPatch({ workspace: ws, now: NOW, env: ENV });
    expect(second).toMatchObject({
      written: true,
      draft: false,
      patchId: 'Acme-Demo-CVE-2099-0001',
      replaced: first.path,
    });
    expect(second.path).toBe(join(dir, 'Acme-Demo-CVE-2099-0001.patch'));
    expect(existsSync(first.path)).toBe(false);
    const text = readFileSync(second.path, 'utf8');
    expect(text).toContain('Description: Mine\n Kept.\n');
    expect(text).toContain('+# changed again');
    expect(second.problems.map((p) => p.message)).toEqual([expect.stringContaining('no regression test')]);
  });

  it('leaves build products out (blib/, Makefile, MYMETA, objects)', async () => {
    const { ws } = await workspace();
    writeFileSync(join(ws, 'lib/Acme/Demo.pm'), 'package Acme::Demo; 1;\n');
    mkdirSync(join(ws, 'blib/lib'), { recursive: true });
    writeFileSync(join(ws, 'blib/lib/x.pm'), '1;\n');
    for (const f of ['Makefile', 'MYMETA.json', 'pm_to_blib', 'Demo.o']) writeFileSync(join(ws, f), 'built\n');
    const r = await diffPatch({ workspace: ws, draft: true, now: NOW, env: ENV });
    expect(r.files.map((f) => f.path)).toEqual(['lib/Acme/Demo.pm']);
  });

  it('says so when nothing changed (USAGE)', async () => {
    const { ws } = await workspace();
    await expect(diffPatch({ workspace: ws, draft: true, env: ENV })).toRejectWithCode('USAGE');
  });

  describe('when the workspace is hostile', () => {
    it('refuses a .git/config that names a program (a clean filter): UNSAFE_ENTRY', async () => {
      const { ws } = await workspace();
      execFileSync('git', ['config', 'filter.evil.clean', `touch ${join(ws, '..', 'filter-ran')}`], { cwd: ws });
      writeFileSync(join(ws, '.gitattributes'), '* filter=evil\n');
      await expect(diffPatch({ workspace: ws, draft: true, env: ENV })).toRejectWithCode('UNSAFE_ENTRY');
      expect(existsSync(join(ws, '..', 'filter-ran'))).toBe(false);
    });

    it('refuses a symlink the author left in the tree (the patch would create one)', async () => {
      const { ws } = await workspace();
      symlinkSync('/etc/passwd', join(ws, 'lib/link'));
      await expect(diffPatch({ workspace: ws, draft: true, env: ENV })).toRejectWithCode('UNSAFE_PATH');
    });

    it('is not fooled by a .gitattributes of the release: the patch holds the bytes on disk', async () => {
      const entries = [...demoEntries(), { name: 'Acme-Demo-1.00/.gitattributes', data: '* text eol=crlf ident\n' }];
      const { ws } = await workspace(entries);
      writeFileSync(join(ws, 'lib/Acme/Demo.pm'), 'package Acme::Demo; # $Id$\r\n1;\n');
      const r = await diffPatch({ workspace: ws, draft: true, env: ENV });
      expect(readFileSync(r.path, 'latin1')).toContain('+package Acme::Demo; # $Id$\r\n');
    });

    it('is not a workspace when .git is a file pointing elsewhere (FILE_NOT_FOUND)', async () => {
      const { ws } = await workspace();
      rmSync(join(ws, '.git'), { recursive: true });
      writeFileSync(join(ws, '.git'), 'gitdir: /tmp\n');
      await expect(diffPatch({ workspace: ws, draft: true, env: ENV })).toRejectWithCode('FILE_NOT_FOUND');
    });
  });

  it('records a mode change', async () => {
    const { ws } = await workspace();
    chmodSync(join(ws, 'Makefile.PL'), 0o755);
    const r = await diffPatch({ workspace: ws, draft: true, env: ENV });
    expect(r.files).toEqual([{ path: 'Makefile.PL', change: 'mode-changed', insertions: 0, deletions: 0 }]);
  });
});

describe('diffPatch without --workspace', () => {
  it('finds the workspace around the current directory', async () => {
    const { dir, ws } = await workspace();
    writeFileSync(join(ws, 'lib/Acme/Demo.pm'), 'package Acme::Demo; 1;\n');
    const r = await diffPatch({ cwd: join(ws, 'lib', 'Acme'), draft: true, now: NOW, env: ENV });
    expect(r.workspace).toBe(ws);
    expect(r.path).toBe(join(dir, 'Acme-Demo-1.00.draft.patch'));
  });
});
