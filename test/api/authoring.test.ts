/**
 * The authoring commands on real releases of ../shared/corpus: `new` by
 * file and by name through a local mirror, `new --from` an upstream fix
 * served over HTTP by a 127.0.0.1 server standing in for github.com (the
 * base-URL override), a fix that does not apply, a fix with files the
 * release lacks, and `lint` against the corpus tarballs.
 */
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffPatch } from '../../src/api/diff.js';
import { lintPatches } from '../../src/api/lint.js';
import { newWorkspace } from '../../src/api/new.js';
import { EMBEDDED_REPOSITORY } from '../../src/repo/index.js';
import { CpansecError } from '../../src/errors.js';
import { buildMirror, serveMirror } from '../helpers/mirror.js';
import { hasShared, sharedPath } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';
import type { LintResult } from '../../src/api/lint.js';

const CORPUS = hasShared('corpus');
const corpus = (...p: string[]): string => sharedPath('corpus', ...p);
const DAEMON = (): string => corpus('HTTP-Daemon-6.16', 'HTTP-Daemon-6.16.tar.gz');
// Debian's copy of upstream commit 945d351 (libwww-perl/HTTP-Daemon), the fix of CVE-2026-8450.
const UPSTREAM_FIX = (): string =>
  corpus('HTTP-Daemon-6.16', 'debian', 'patches', 'Fix-CVE-2026-8450-send_file-honoured-2-arg-open-shel.patch');
const COMMIT = '945d35141d94490f749640bd4390acd6a2193995';
const ENV = { PATH: process.env['PATH'] ?? '', GIT_AUTHOR_NAME: 'Jane Doe', GIT_AUTHOR_EMAIL: 'jane@example.org' };

/** A stand-in for github.com: serves <root>/<owner>/<repo>/commit/<sha>.patch. */
async function fakeGithub(files: Record<string, string | Buffer>) {
  const root = tempDir('cpansec-github-');
  for (const [path, body] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), body);
  }
  return serveMirror(root);
}

describe.skipIf(!CORPUS)('authoring on corpus releases', () => {
  describe('new --from an upstream commit', () => {
    it('fetches the .patch form, applies it, and keeps its authorship for the header', async () => {
      const server = await fakeGithub({
        [`libwww-perl/HTTP-Daemon/commit/${COMMIT}.patch`]: readFileSync(UPSTREAM_FIX()),
      });
      const dir = tempDir();
      const url = `https://github.com/libwww-perl/HTTP-Daemon/commit/${COMMIT}`;
      const r = await newWorkspace({ input: DAEMON(), cwd: dir, from: url, baseUrl: server.url });
      expect(server.log.map((l) => l.path)).toEqual([`/libwww-perl/HTTP-Daemon/commit/${COMMIT}.patch`]);
      expect(r.from).toMatchObject({
        applied: true,
        outcome: 'offset',
        origin: url,
        author: 'Olaf Alders <olaf@wundersolutions.com>',
        subject: 'Fix CVE-2026-8450: send_file() honoured 2-arg open() shell-magic',
        skipped: [],
      });
      expect(readFileSync(join(r.workspace, 'lib/HTTP/Daemon.pm'), 'utf8')).toContain("open(my $fh, '<', $file)");
      const d = await diffPatch({ workspace: r.workspace, draft: true, env: ENV });
      const text = readFileSync(d.path, 'utf8');
      expect(text).toContain('Author: Olaf Alders <olaf@wundersolutions.com>\nAuthor: Jane Doe <jane@example.org>\n');
      expect(text).toContain(`Origin: backport, ${url}\n`);
      expect(text).toContain('Forwarded: not-needed\n');
      expect(text).toContain('Description: Fix CVE-2026-8450: send_file() honoured 2-arg open() shell-magic\n');
    });

    it('leaves out sections for files the release does not have, and says which', async () => {
      const extra = [
        'diff --git a/.github/workflows/ci.yml b/.github/workflows/ci.yml',
        '--- a/.github/workflows/ci.yml',
        '+++ b/.github/workflows/ci.yml',
        '@@ -1 +1 @@',
        '-on: push',
        '+on: [push, pull_request]',
        '',
      ].join('\n');
      const server = await fakeGithub({ 'o/r/commit/abcdef1.patch': readFileSync(UPSTREAM_FIX(), 'latin1') + extra });
      const r = await newWorkspace({
        input: DAEMON(),
        cwd: tempDir(),
        from: 'https://github.com/o/r/commit/abcdef1',
        baseUrl: server.url,
      });
      expect(r.from).toMatchObject({ applied: true, skipped: ['.github/workflows/ci.yml'] });
    });

    it('makes the workspace anyway when the fix does not apply, and saves the fix for the author', async () => {
      // Debian's fix for HTML-Parser 3.83 does not apply to 3.81 (t/entities.t differs: corpus cross-version entry).
      const fix = corpus(
        'HTML-Parser-3.83',
        'debian',
        'patches',
        'Fix-heap-use-after-free-in-_decode_entities-CVE-2026.patch',
      );
      const r = await newWorkspace({
        input: corpus('HTML-Parser-3.81', 'HTML-Parser-3.81.tar.gz'),
        cwd: tempDir(),
        from: fix,
      });
      expect(r.from).toMatchObject({ applied: false, outcome: 'fail', author: 'Paul Johnson <paul@pjcj.net>' });
      expect(readFileSync(r.from?.saved as string)).toEqual(readFileSync(fix));
    });

    it.each([
      ['a missing page (404)', 'https://github.com/o/r/commit/0000000', 'FILE_NOT_FOUND'],
      ['plain http', 'http://github.com/o/r/commit/abcdef1', 'USAGE'],
    ])('refuses %s before writing anything', async (_what, url, code) => {
      const server = await fakeGithub({});
      const dir = tempDir();
      await expect(newWorkspace({ input: DAEMON(), cwd: dir, from: url, baseUrl: server.url })).toRejectWithCode(
        code as 'USAGE',
      );
      expect(readdirSync(dir)).toEqual([]);
    });
  });

  describe('new Dist::Name@version', () => {
    it('resolves the name through the mirror and checks CHECKSUMS, as apply does', async () => {
      const root = tempDir('cpansec-mirror-');
      buildMirror(root, [
        { path: 'O/OA/OALDERS/HTTP-Daemon-6.16.tar.gz', source: DAEMON(), packages: [['HTTP::Daemon', '6.16']] },
      ]);
      const server = await serveMirror(root);
      const work = tempDir();
      const r = await newWorkspace({
        input: 'HTTP::Daemon@6.16',
        mirror: server.url,
        cache: join(work, 'cache'),
        cwd: work,
      });
      expect(r).toMatchObject({
        distribution: 'HTTP-Daemon',
        version: '6.16',
        workspace: join(work, 'HTTP-Daemon-6.16'),
      });
    });
  });

  describe('lint --tarballs', () => {
    it("passes the project's curated patches against every affected corpus release", async () => {
      const r = await lintPatches({ target: EMBEDDED_REPOSITORY, tarballs: [corpus()] });
      expect(r.ok).toBe(true);
      expect(r.patches.length).toBeGreaterThanOrEqual(6);
      const checked = r.patches.flatMap((p) => p.tarballs.map((t) => `${p.patchId} ${t.version} ${t.outcome}`));
      expect(checked).toEqual(
        expect.arrayContaining(['HTML-Parser-CVE-2026-8829 3.81 clean', 'HTML-Parser-CVE-2026-8829 3.83 clean']),
      );
      expect(r.errors).toBe(0);
    });

    it('fails with PATCH_CONFLICT when the patch does not apply to an affected release, naming it', async () => {
      const dir = tempDir();
      const src = join(EMBEDDED_REPOSITORY, 'patches', 'HTML-Parser', 'HTML-Parser-CVE-2026-8829.patch');
      const text = readFileSync(src, 'utf8').replace(' decode_entities(pTHX_ SV* sv', ' decode_entities(pTHX_ SV *sv');
      writeFileSync(join(dir, 'HTML-Parser-CVE-2026-8829.patch'), text);
      let result: LintResult | undefined;
      try {
        await lintPatches({ target: join(dir, 'HTML-Parser-CVE-2026-8829.patch'), tarballs: [corpus()] });
      } catch (err) {
        expect(err).toBeInstanceOf(CpansecError);
        expect((err as CpansecError).code).toBe('PATCH_CONFLICT');
        result = (err as CpansecError).details?.['result'] as LintResult;
      }
      expect(result?.patches[0]?.tarballs.map((t) => t.outcome)).toEqual(['fail', 'fail']);
    });

    it('reports every header problem of a draft, and accepts it with --draft', async () => {
      const dir = tempDir();
      const path = join(dir, 'x.patch');
      copyFileSync(join(EMBEDDED_REPOSITORY, 'patches', 'HTTP-Daemon', 'HTTP-Daemon-CVE-2026-8450.patch'), path);
      writeFileSync(
        path,
        readFileSync(path, 'utf8')
          .replace('Severity: critical', 'Severity: [TODO]')
          .replace('CVE: CVE-2026-8450', 'CVE: CVE-26-1'),
      );
      await expect(lintPatches({ target: path })).toRejectWithCode('HEADER_INVALID');
      try {
        await lintPatches({ target: path });
      } catch (err) {
        const messages =
          ((err as CpansecError).details?.['result'] as LintResult).patches[0]?.problems.map((p) => p.message) ?? [];
        expect(messages).toEqual(
          expect.arrayContaining([
            expect.stringContaining('[TODO]'),
            expect.stringContaining('CVE-26-1'),
            expect.stringContaining('must be named HTTP-Daemon-CVE-2026-8450.patch'),
          ]),
        );
      }
    });
  });
});
