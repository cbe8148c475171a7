/**
 * `test` on a small pure-Perl distribution made here: the verdicts (pass;
 * a regression test that does not fail before; the dist's tests broken; a
 * patch that does not apply; a release that does not build; a step that
 * hangs), each with the steps, the log and the exit code it gives.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { testPatch } from '../../src/api/test-patch.js';
import { CpansecError } from '../../src/errors.js';
import { gzipOf, tarOf } from '../helpers/tar-builder.js';
import { tempDir } from '../helpers/tmp.js';
import type { TestPatchResult } from '../../src/api/test-patch.js';

const TOP = 'Acme-Safe-1.00';
const MODULE = "package Acme::Safe;\nour $VERSION = '1.00';\nsub quote { my ($s) = @_; return \"'$s'\" }\n1;\n";
const BASIC = "use Test::More tests => 1;\nuse Acme::Safe;\nis(Acme::Safe::quote('a'), \"'a'\");\n";

function release(
  dir: string,
  makefile = "use ExtUtils::MakeMaker;\nWriteMakefile(NAME => 'Acme::Safe', VERSION_FROM => 'lib/Acme/Safe.pm');\n",
): string {
  const path = join(dir, `${TOP}.tar.gz`);
  writeFileSync(
    path,
    gzipOf(
      tarOf([
        { name: `${TOP}/`, type: '5' },
        { name: `${TOP}/Makefile.PL`, data: makefile },
        { name: `${TOP}/lib/Acme/Safe.pm`, data: MODULE },
        { name: `${TOP}/t/basic.t`, data: BASIC },
        { name: `${TOP}/META.json`, data: '{ "name" : "Acme-Safe", "version" : "1.00" }\n' },
      ]),
    ),
  );
  return path;
}

/** A patch: the quote() fix (escape quotes) and a test that the unpatched code fails. */
function patch(dir: string, opts: { test?: string; fix?: string; context?: string } = {}): string {
  const test =
    opts.test ?? 'use Test::More tests => 1;\nuse Acme::Safe;\nis(Acme::Safe::quote("it\'s"), "\'it\\\\\'s\'");\n';
  const testLines = test.split('\n').slice(0, -1);
  const fix = opts.fix ?? "sub quote { my ($s) = @_; $s =~ s/'/\\\\'/g; return \"'$s'\" }";
  const text = [
    'Patch-Id: Acme-Safe-CVE-2099-0002',
    'Distribution: Acme-Safe',
    'Affected-Versions: <= 1.00',
    '',
    'diff --git a/lib/Acme/Safe.pm b/lib/Acme/Safe.pm',
    '--- a/lib/Acme/Safe.pm',
    '+++ b/lib/Acme/Safe.pm',
    '@@ -1,4 +1,4 @@',
    ' package Acme::Safe;',
    ` ${opts.context ?? "our $VERSION = '1.00';"}`,
    '-sub quote { my ($s) = @_; return "\'$s\'" }',
    `+${fix}`,
    ' 1;',
    'diff --git a/t/cpansec-CVE-2099-0002.t b/t/cpansec-CVE-2099-0002.t',
    'new file mode 100644',
    '--- /dev/null',
    '+++ b/t/cpansec-CVE-2099-0002.t',
    `@@ -0,0 +1,${testLines.length} @@`,
    ...testLines.map((l) => `+${l}`),
    '',
  ].join('\n');
  const path = join(dir, 'Acme-Safe-CVE-2099-0002.patch');
  writeFileSync(path, text);
  return path;
}

async function failure(p: Promise<unknown>): Promise<{ code: string; result: TestPatchResult }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof CpansecError) return { code: err.code, result: err.details?.['result'] as TestPatchResult };
    throw err;
  }
  throw new Error('expected a failure');
}

const steps = (r: TestPatchResult): [string, string][] => r.steps.map((s) => [s.name, s.status]);

describe('testPatch', () => {
  it('passes a fix whose test fails before and passes after, with the dist tests passing; keeps the log', async () => {
    const dir = tempDir();
    const log = join(dir, 'test.log');
    const r = await testPatch({ patch: patch(dir), tarball: release(dir), log, timeout: 120 });
    expect(r).toMatchObject({
      verdict: 'pass',
      buildSystem: 'makemaker',
      apply: { outcome: 'clean' },
      distTests: 'passed',
      regression: { tests: ['t/cpansec-CVE-2099-0002.t'], passesAfter: true, failsBefore: true },
      tarball: { distribution: 'Acme-Safe', version: '1.00' },
      log,
      workDir: null,
    });
    expect(steps(r)).toEqual([
      ['configure (patched)', 'ok'],
      ['build (patched)', 'ok'],
      ['dist tests (patched)', 'ok'],
      ['regression tests (patched)', 'ok'],
      ['configure (pristine)', 'ok'],
      ['build (pristine)', 'ok'],
      ['regression tests (pristine)', 'failed'],
    ]);
    const text = readFileSync(log, 'utf8');
    expect(text).toContain('=== dist tests (patched): make test');
    expect(text).toMatch(/not ok 1/);
  });

  it('fails (TEST_FAILED) when the regression test passes without the fix', async () => {
    const dir = tempDir();
    const { code, result } = await failure(
      testPatch({
        patch: patch(dir, { test: 'use Test::More tests => 1;\nok(1);\n' }),
        tarball: release(dir),
        log: join(dir, 'test.log'),
      }),
    );
    expect(code).toBe('TEST_FAILED');
    expect(result.regression).toMatchObject({ passesAfter: true, failsBefore: false });
    expect(result.reasons).toEqual([expect.stringContaining('passes without the patch')]);
  });

  it("fails (TEST_FAILED) when the patch breaks the distribution's own tests", async () => {
    const dir = tempDir();
    const { code, result } = await failure(
      testPatch({
        patch: patch(dir, { fix: "sub quote { return 'broken' }" }),
        tarball: release(dir),
        log: join(dir, 'test.log'),
      }),
    );
    expect(code).toBe('TEST_FAILED');
    expect(result.distTests).toBe('failed');
  });

  it('fails (TEST_FAILED) without building when the patch does not apply', async () => {
    const dir = tempDir();
    const { code, result } = await failure(
      testPatch({
        patch: patch(dir, { context: "our $VERSION = '9.99';" }),
        tarball: release(dir),
        log: join(dir, 'test.log'),
      }),
    );
    expect(code).toBe('TEST_FAILED');
    expect(result.apply.outcome).toBe('fail');
    expect(result.steps).toEqual([]);
  });

  it('fails with TOOL_FAILED when the release does not build here at all', async () => {
    const dir = tempDir();
    const { code, result } = await failure(
      testPatch({ patch: patch(dir), tarball: release(dir, "die 'needs Some::Missing::Module';\n") }),
    );
    expect(code).toBe('TOOL_FAILED');
    expect(result.reasons).toEqual([expect.stringContaining('does not build here')]);
  });

  it('stops a step that runs longer than --timeout', async () => {
    const dir = tempDir();
    const started = Date.now();
    const { code, result } = await failure(
      testPatch({
        patch: patch(dir, { test: 'use Test::More tests => 1;\nsleep 60;\nok(1);\n' }),
        tarball: release(dir),
        log: join(dir, 'test.log'),
        timeout: 2,
      }),
    );
    expect(code).toBe('TEST_FAILED');
    expect(result.steps.find((s) => s.name === 'regression tests (patched)')?.status).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(40_000);
  });

  it('keeps the build directories with keep', async () => {
    const dir = tempDir();
    const r = await testPatch({ patch: patch(dir), tarball: release(dir), keep: true, log: join(dir, 'test.log') });
    expect(r.workDir).not.toBeNull();
    onTestFinished(() => rmSync(r.workDir as string, { recursive: true, force: true }));
    expect(existsSync(join(r.workDir as string, 'patched', 'blib'))).toBe(true);
  });
});
