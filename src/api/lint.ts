/**
 * `cpansec-patch lint <file.patch | dir>`: is a patch ready to sign? The
 * header (ids, ranges, required fields, Forwarded, a file named after its
 * Patch-Id, a range some version falls in, a regression test), the diff
 * (parses, safe paths), and — with `--tarballs DIR` — that it applies to
 * every affected release found there. A directory is a repository (its
 * patches/ and drafts/) or any folder of .patch files. Every problem of
 * every patch is reported; the command fails with the first one's code.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { isAffected } from '../core/version/affected.js';
import { CpansecError } from '../errors.js';
import { checkHeader } from './header-check.js';
import { loadPatch } from './load-patch.js';
import { checkPatchOnTarball } from './release-check.js';
import { findReleaseTarballs } from './release-find.js';
import type { Limits } from '../core/limits.js';
import type { PatchOutcome } from '../core/patch/apply.js';
import type { ErrorCode } from '../errors.js';

export interface LintOptions {
  /** A patch file, a repository, or a directory of patches. */
  target: string;
  /** Directories searched (recursively) for <Dist>-<Version>.tar.gz of affected versions. */
  tarballs?: readonly string[];
  /** Allow [TODO] marks (drafts). */
  draft?: boolean;
  cwd?: string;
  limits?: Partial<Limits>;
  onProgress?: (message: string) => void;
}

export interface LintProblem {
  code: ErrorCode;
  field: string;
  line: number;
  message: string;
  severity: 'error' | 'warning';
}

export interface LintTarball {
  file: string;
  path: string;
  version: string;
  outcome: PatchOutcome | 'error' | 'unsupported';
  reason?: string;
}

export interface LintPatch {
  path: string;
  patchId?: string;
  distribution?: string;
  affectedVersions?: string;
  draft: boolean;
  ok: boolean;
  problems: LintProblem[];
  tarballs: LintTarball[];
}

export interface LintResult {
  target: string;
  ok: boolean;
  patches: LintPatch[];
  errors: number;
  warnings: number;
}

const MAX_PATCHES = 100_000;

async function patchFiles(dir: string): Promise<{ path: string; draft: boolean }[]> {
  const out: { path: string; draft: boolean }[] = [];
  const walk = async (d: string, draft: boolean, depth: number): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (out.length >= MAX_PATCHES)
        throw new CpansecError('LIMIT_EXCEEDED', `more than ${MAX_PATCHES} patches in ${dir}`);
      const p = join(d, e.name);
      if (e.isDirectory() && depth < 6 && !e.name.startsWith('.')) await walk(p, draft, depth + 1);
      else if (e.isFile() && e.name.endsWith('.patch')) out.push({ path: p, draft });
    }
  };
  const isRepo = await stat(join(dir, 'metadata')).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (isRepo) {
    if (
      await stat(join(dir, 'patches')).then(
        (s) => s.isDirectory(),
        () => false,
      )
    )
      await walk(join(dir, 'patches'), false, 0);
    if (
      await stat(join(dir, 'drafts')).then(
        (s) => s.isDirectory(),
        () => false,
      )
    )
      await walk(join(dir, 'drafts'), true, 0);
  } else await walk(dir, false, 0);
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

async function lintOne(path: string, draft: boolean, options: LintOptions): Promise<LintPatch> {
  const problems: LintProblem[] = [];
  const report: LintPatch = { path, draft, ok: false, problems, tarballs: [] };
  let loaded;
  try {
    loaded = await loadPatch(path, options.limits);
  } catch (err) {
    if (!(err instanceof CpansecError)) throw err;
    const line = typeof err.details?.['line'] === 'number' ? (err.details['line'] as number) : 0;
    problems.push({ code: err.code, field: 'diff', line, message: err.message, severity: 'error' });
    return report;
  }
  const check = checkHeader(loaded.file, path, { draft });
  for (const p of check.problems) problems.push({ code: 'HEADER_INVALID', ...p });
  const m = check.metadata;
  if (m.patchId !== undefined) report.patchId = m.patchId;
  if (m.distribution !== undefined) report.distribution = m.distribution;
  if (m.affectedVersionsText !== undefined) report.affectedVersions = m.affectedVersionsText;
  if (options.tarballs && options.tarballs.length > 0 && m.distribution !== undefined && m.affectedVersions) {
    const seen = new Set<string>();
    for (const t of await findReleaseTarballs(options.tarballs, m.distribution)) {
      let affected: boolean;
      try {
        affected = isAffected(m.affectedVersions, t.version, m.fixedVersions);
      } catch {
        continue;
      }
      if (!affected) continue;
      if (!t.supported) {
        report.tarballs.push({ ...t, outcome: 'unsupported', reason: 'only .tar.gz and .tgz are read' });
        continue;
      }
      options.onProgress?.(`lint ${report.patchId ?? path}: ${t.file}`);
      try {
        const r = await checkPatchOnTarball(loaded.file.diff, t.path, options.limits ? { limits: options.limits } : {});
        if (seen.has(r.sha256)) continue;
        seen.add(r.sha256);
        report.tarballs.push({ file: t.file, path: t.path, version: t.version, outcome: r.outcome });
        if (r.outcome === 'fail' || r.outcome === 'already-applied') {
          problems.push({
            code: r.outcome === 'fail' ? 'PATCH_CONFLICT' : 'PATCH_REVERSED',
            field: 'diff',
            line: 0,
            message: `does not apply to ${t.file} (${r.outcome}: ${r.failReasons.join(', ') || 'hunks-failed'})`,
            severity: 'error',
          });
        }
      } catch (err) {
        if (!(err instanceof CpansecError)) throw err;
        report.tarballs.push({ file: t.file, path: t.path, version: t.version, outcome: 'error', reason: err.message });
        problems.push({
          code: err.code,
          field: 'diff',
          line: 0,
          message: `${t.file}: ${err.message}`,
          severity: 'error',
        });
      }
    }
  }
  report.ok = !problems.some((p) => p.severity === 'error');
  return report;
}

/** @throws CpansecError with the first problem's code (details.result holds every report) when any patch has an error */
export async function lintPatches(options: LintOptions): Promise<LintResult> {
  const cwd = options.cwd ?? process.cwd();
  const target = resolve(cwd, options.target);
  const st = await stat(target).catch(() => undefined);
  if (st === undefined) {
    throw new CpansecError('FILE_NOT_FOUND', `not found: ${options.target}`, { details: { path: options.target } });
  }
  const files = st.isDirectory() ? await patchFiles(target) : [{ path: target, draft: false }];
  const patches: LintPatch[] = [];
  for (const f of files) patches.push(await lintOne(f.path, options.draft === true || f.draft, options));
  const all = patches.flatMap((p) => p.problems);
  const result: LintResult = {
    target,
    ok: patches.every((p) => p.ok),
    patches,
    errors: all.filter((p) => p.severity === 'error').length,
    warnings: all.filter((p) => p.severity === 'warning').length,
  };
  const first = patches.find((p) => !p.ok);
  const firstError = first?.problems.find((p) => p.severity === 'error');
  if (first !== undefined && firstError !== undefined) {
    const where = (p: LintPatch): string => (st.isDirectory() ? relative(target, p.path) : p.path);
    const lines = patches
      .filter((p) => !p.ok)
      .flatMap((p) =>
        p.problems.filter((q) => q.severity === 'error').map((q) => `  ${where(p)}:${q.line || '-'}: ${q.message}`),
      );
    throw new CpansecError(
      firstError.code,
      `${result.errors} problem(s) in ${patches.filter((p) => !p.ok).length} of ${patches.length} patch(es):\n${lines.join('\n')}`,
      {
        hint: 'fix each one (docs/patch-format.md explains the fields), then lint again',
        details: { result },
      },
    );
  }
  return result;
}
