/**
 * `cpansec-patch test <file.patch> --tarball FILE`: does the fix hold on
 * this release? In a fresh temp dir: unpack (the tarball mode's reader and
 * entry policy), apply the patch, build and run the distribution's own test
 * suite with real perl; run the regression tests the patch adds with
 * prove -b; then build the pristine release and show those tests FAIL there
 * (a test that passes without the fix does not test it). Every step is
 * reported, its whole output kept in a log file that outlives the temp dir.
 *
 * This runs the distribution's code (Makefile.PL, its tests) as the current
 * user: only in the temp dir, with a scrubbed environment, a timeout per
 * step, and never unless the user runs `test`. It is not a sandbox.
 */
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isAffected } from '../core/version/affected.js';
import { CpansecError } from '../errors.js';
import { BuildLog } from '../perl/log.js';
import { buildEnv, runStep } from '../perl/run.js';
import { buildArgv, configureArgv, detectBuildSystem, proveArgv, testArgv } from '../perl/build.js';
import { applyDiffToDir } from './diff-to-dir.js';
import { addedTests } from './header-check.js';
import { loadPatch } from './load-patch.js';
import { unpackTarball } from './unpack.js';
import { TODO_MARK } from '../core/patch/metadata.js';
import { validatePatchFile } from '../core/patch/patch-file.js';
import type { Limits } from '../core/limits.js';
import type { PatchOutcome } from '../core/patch/apply.js';
import type { StepResult } from '../perl/run.js';
import type { Toolchain } from '../perl/build.js';

export interface TestPatchOptions {
  patch: string;
  tarball: string;
  /** Seconds each step may take (default 900). */
  timeout?: number;
  /** Keep the build directories (their path is in the result). */
  keep?: boolean;
  /** Where to write the log (default: a new file in the temp dir, kept). */
  log?: string;
  perl?: string;
  make?: string;
  /** Environment variables to pass to the build besides PATH (e.g. PERL5LIB for a local::lib). */
  passEnv?: readonly string[];
  fuzz?: number;
  cwd?: string;
  env?: Record<string, string | undefined>;
  limits?: Partial<Limits>;
  onProgress?: (message: string) => void;
}

export interface TestPatchResult {
  patch: { path: string; patchId: string | null; sha256: string };
  tarball: { path: string; distribution: string; version: string; sha256: string };
  buildSystem: 'makemaker' | 'module-build' | null;
  apply: { outcome: PatchOutcome; files: string[] };
  steps: StepResult[];
  distTests: 'passed' | 'failed' | 'timeout' | 'not-run';
  regression: {
    tests: string[];
    /** The tests pass on the patched build. */
    passesAfter: boolean | null;
    /** The tests fail on the pristine build (what makes them regression tests). */
    failsBefore: boolean | null;
  };
  verdict: 'pass' | 'fail';
  reasons: string[];
  warnings: string[];
  log: string;
  workDir: string | null;
}

const DEFAULT_TIMEOUT_S = 900;

/** @throws CpansecError TEST_FAILED (details.result) when the fix does not hold; TOOL_FAILED when the release does not build here at all */
export async function testPatch(options: TestPatchOptions): Promise<TestPatchResult> {
  const cwd = options.cwd ?? process.cwd();
  const loaded = await loadPatch(resolve(cwd, options.patch), options.limits);
  const { metadata } = validatePatchFile(loaded.file, { draft: true });
  const patchId = metadata.patchId?.includes(TODO_MARK) ? undefined : metadata.patchId;
  const base = await mkdtemp(join(tmpdir(), 'cpansec-test-'));
  const id = (patchId ?? basename(options.patch, '.patch')).replace(/[^\w.+-]/g, '_');
  const logPath = resolve(
    cwd,
    options.log ?? join(tmpdir(), `cpansec-patch-test-${id}-${randomBytes(4).toString('hex')}.log`),
  );
  const log = new BuildLog(logPath);
  const tools: Toolchain = { perl: options.perl ?? 'perl', make: options.make ?? 'make' };
  const dirs = { home: join(base, 'home'), tmp: join(base, 'tmp') };
  await mkdir(dirs.home);
  await mkdir(dirs.tmp);
  const env = buildEnv(options.env ?? process.env, dirs, options.passEnv ?? []);
  const timeoutMs = (options.timeout ?? DEFAULT_TIMEOUT_S) * 1000;
  const steps: StepResult[] = [];
  const reasons: string[] = [];
  const warnings: string[] = [];
  const step = async (name: string, argv: string[], root: string, label: string): Promise<StepResult> => {
    // prove runs as "perl -e <App::Prove code> -- …": show it as the prove command it is.
    const shown = argv[1] === '-e' ? ['prove', ...argv.slice(4)] : argv;
    options.onProgress?.(`${name}: ${shown.join(' ')}`);
    const r = await runStep({ name, argv, cwd: root, cwdLabel: label, env, timeoutMs, log });
    steps.push(r);
    return r;
  };
  const tarball = resolve(cwd, options.tarball);
  const patchedRoot = join(base, 'patched');
  const pristineRoot = join(base, 'pristine');
  let result: TestPatchResult | undefined;
  try {
    log.note(`cpansec-patch test ${loaded.path} on ${tarball}`);
    const unpacked = await unpackTarball(tarball, patchedRoot, options.limits ? { limits: options.limits } : {});
    const { name: dist, version } = unpacked.dist;
    if (metadata.distribution !== undefined && metadata.distribution !== dist) {
      throw new CpansecError('DIST_MISMATCH', `${loaded.path} is for ${metadata.distribution}, the tarball is ${dist}`);
    }
    if (metadata.affectedVersions && !isAffected(metadata.affectedVersions, version, metadata.fixedVersions)) {
      warnings.push(`${dist} ${version} is not in the patch's Affected-Versions (${metadata.affectedVersionsText})`);
    }
    const tests = addedTests(loaded.file);
    result = {
      patch: { path: loaded.path, patchId: patchId ?? null, sha256: loaded.sha256 },
      tarball: { path: tarball, distribution: dist, version, sha256: unpacked.sha256 },
      buildSystem: null,
      apply: { outcome: 'fail', files: [] },
      steps,
      distTests: 'not-run',
      regression: { tests, passesAfter: null, failsBefore: null },
      verdict: 'fail',
      reasons,
      warnings,
      log: logPath,
      workDir: options.keep === true ? base : null,
    };
    const applied = await applyDiffToDir(patchedRoot, loaded.file.diff, {
      fuzz: options.fuzz ?? 0,
      ...(options.limits ? { limits: options.limits } : {}),
    });
    result.apply = { outcome: applied.outcome, files: applied.files.map((f) => f.path) };
    log.note(`apply: ${applied.outcome} (${result.apply.files.join(', ')})`);
    if (applied.outcome === 'fail' || applied.outcome === 'already-applied') {
      reasons.push(
        `the patch does not apply to ${dist} ${version} (${applied.outcome}: ${applied.failReasons.join(', ')})`,
      );
      return finish(result);
    }
    const system = await detectBuildSystem(patchedRoot);
    result.buildSystem = system;
    if (tests.length === 0) warnings.push('the patch adds no test file: nothing shows it fixes the flaw');
    const built = async (root: string, label: string): Promise<boolean> => {
      const c = await step(`configure (${label})`, configureArgv(system, tools), root, label);
      if (c.status !== 'ok') return false;
      return (await step(`build (${label})`, buildArgv(system, tools), root, label)).status === 'ok';
    };
    if (!(await built(patchedRoot, 'patched'))) {
      // Whose fault: the patch's, or is the release unbuildable here (missing prerequisites)?
      await unpackTarball(tarball, pristineRoot, options.limits ? { limits: options.limits } : {});
      const pristineBuilds = await built(pristineRoot, 'pristine');
      reasons.push(
        pristineBuilds ? 'the patch breaks the build' : 'the release does not build here, with or without the patch',
      );
      return finish(result, !pristineBuilds);
    }
    const suite = await step('dist tests (patched)', testArgv(system, tools), patchedRoot, 'patched');
    result.distTests = suite.status === 'ok' ? 'passed' : suite.status === 'timeout' ? 'timeout' : 'failed';
    if (suite.status !== 'ok')
      reasons.push(`the distribution's own tests ${suite.status === 'timeout' ? 'timed out' : 'fail'} with the patch`);
    if (tests.length > 0) {
      const after = await step('regression tests (patched)', proveArgv(tools, tests), patchedRoot, 'patched');
      result.regression.passesAfter = after.status === 'ok';
      if (after.status !== 'ok') reasons.push(`the regression test fails with the patch: ${tests.join(', ')}`);
      // The pristine release, with only the patch's new test files added.
      await unpackTarball(tarball, pristineRoot, options.limits ? { limits: options.limits } : {});
      for (const t of createdUnderT(loaded.file)) {
        await mkdir(dirname(join(pristineRoot, t)), { recursive: true });
        await copyFile(join(patchedRoot, t), join(pristineRoot, t));
      }
      if (!(await built(pristineRoot, 'pristine'))) {
        reasons.push('the pristine release does not build, so the regression test could not be run on it');
      } else {
        const before = await step('regression tests (pristine)', proveArgv(tools, tests), pristineRoot, 'pristine');
        result.regression.failsBefore = before.status !== 'ok';
        if (before.status === 'ok')
          reasons.push('the regression test passes without the patch too: it does not show the flaw');
      }
    }
    return finish(result);
  } finally {
    log.close();
    if (options.keep !== true) await rm(base, { recursive: true, force: true });
  }

  function finish(r: TestPatchResult, buildBroken = false): TestPatchResult {
    r.verdict = reasons.length === 0 ? 'pass' : 'fail';
    log.note(`verdict: ${r.verdict}${reasons.length > 0 ? ` (${reasons.join('; ')})` : ''}`);
    if (r.verdict === 'pass') return r;
    throw new CpansecError(
      buildBroken ? 'TOOL_FAILED' : 'TEST_FAILED',
      [
        `${r.patch.patchId ?? r.patch.path} on ${r.tarball.distribution} ${r.tarball.version}: ${reasons.join('; ')}`,
        `  apply: ${r.apply.outcome}`,
        ...r.steps.map((st) => `  ${st.name}: ${st.status}`),
        `log: ${r.log}`,
      ].join('\n'),
      {
        hint: buildBroken
          ? 'the release does not build here: are its prerequisites installed? (see the log)'
          : 'the log has the whole output of every step',
        details: { result: r },
      },
    );
  }
}

/** Files the patch creates under t/: its tests and their helpers, copied into the pristine tree. */
function createdUnderT(file: Parameters<typeof addedTests>[0]): string[] {
  return addedTests(file).length === 0
    ? []
    : file.diff.files
        .filter((f) => f.type === 'create' && f.newName !== null)
        .map((f) => (f.newName as string).replace(/^[^/]*\//, ''))
        .filter((p) => p.startsWith('t/'));
}
