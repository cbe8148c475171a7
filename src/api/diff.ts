/**
 * `cpansec-patch diff [--workspace DIR]`: the patch file of a workspace —
 * the pristine commit against the working tree (new files too, build
 * products not), under a header prefilled from what the workspace knows and
 * keeping whatever the author already wrote in the previous patch file's
 * header. A header with [TODO] marks or errors is refused unless --draft.
 * Before anything is written, the diff is applied in memory to the pristine
 * files and must give exactly the working tree (a .gitattributes, a
 * symlink, anything that would make the patch say something else, fails).
 */
import { lstat, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { planDiffHeader } from '../core/authoring/header.js';
import { binaryToBytes, bytesToBinary, concatBytes, encodeUtf8, tryDecodeUtf8 } from '../core/bytes.js';
import { formatFieldList } from '../core/import/synthesize.js';
import { resolveLimits } from '../core/limits.js';
import { candidatePaths, planPatch } from '../core/patch/apply.js';
import { diffstat } from '../core/patch/diffstat.js';
import { parsePatchFile } from '../core/patch/patch-file.js';
import { CpansecError, inContext } from '../errors.js';
import { writeFileAtomic } from '../files/atomic.js';
import { readFilesInside } from '../files/tree.js';
import { readGitIdentity } from '../workspace/git.js';
import {
  diffWorkspace,
  findWorkspace,
  openWorkspace,
  readPristineFile,
  writeWorkspaceInfo,
} from '../workspace/workspace.js';
import { gitModeOf } from './dir-plan.js';
import { checkHeader } from './header-check.js';
import { loadPatch } from './load-patch.js';
import type { FileEntry } from '../core/patch/apply.js';
import type { Header } from '../core/patch/header.js';
import type { Limits } from '../core/limits.js';
import type { PatchFile } from '../core/patch/patch-file.js';
import type { WorkspaceInfo } from '../workspace/workspace.js';
import type { HeaderProblem } from './header-check.js';

export interface DiffOptions {
  /** The workspace (default: the one the current directory is in). */
  workspace?: string;
  /** The patch file to write (default: <Patch-Id>.patch beside the workspace, or the file written last time). */
  out?: string;
  /** Write even with [TODO] marks or header errors left. */
  draft?: boolean;
  /** Field=Value pairs to set in the header. */
  set?: readonly [string, string][];
  /** Check and report, write nothing. */
  dryRun?: boolean;
  cwd?: string;
  env?: Record<string, string | undefined>;
  now?: number;
  limits?: Partial<Limits>;
}

export interface DiffResult {
  workspace: string;
  path: string;
  patchId: string | null;
  distribution: string;
  version: string;
  draft: boolean;
  written: boolean;
  header: { name: string; value: string }[];
  todo: string[];
  problems: HeaderProblem[];
  regressionTests: string[];
  files: { path: string; change: string; insertions: number; deletions: number }[];
  insertions: number;
  deletions: number;
  /** A previous draft file this one replaces (removed). */
  replaced?: string;
}

async function exists(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined)) !== undefined;
}

async function previousHeader(paths: readonly (string | undefined)[]): Promise<{ path?: string; header?: Header }> {
  for (const p of paths) {
    if (p === undefined || !(await exists(p))) continue;
    try {
      return { path: p, header: (await loadPatch(p)).file.header };
    } catch (err) {
      throw inContext(err, `${p} (the patch file diff would refresh)`, 'PATCH_PARSE');
    }
  }
  return {};
}

/** Applies the diff to the pristine files in memory; every result must equal the working tree. */
async function selfCheck(dir: string, info: WorkspaceInfo, file: PatchFile, limits: Readonly<Limits>): Promise<void> {
  const paths = candidatePaths(file.diff, 1, { limits });
  // Names in the diff are byte strings; git and the file system take them as UTF-8 text.
  const fsPath = (p: string): string => tryDecodeUtf8(binaryToBytes(p)) ?? p;
  const pristine = new Map<string, FileEntry>();
  for (const p of paths) {
    const bytes = await readPristineFile(dir, info, fsPath(p));
    if (bytes !== undefined) pristine.set(p, { content: bytesToBinary(bytes) });
  }
  const plan = planPatch(file.diff, pristine, { strip: 1, limits });
  const onDisk = await readFilesInside(dir, paths.map(fsPath), limits.maxFileBytes);
  const now = new Map(
    paths.flatMap((p) => {
      const f = onDisk.get(fsPath(p));
      return f === undefined ? [] : [[p, f] as const];
    }),
  );
  const bad: string[] = [];
  if (plan.outcome !== 'clean') bad.push(`the diff applies to the pristine tree as "${plan.outcome}"`);
  for (const p of paths) {
    const want = plan.changes.has(p) ? plan.changes.get(p) : pristine.get(p);
    const got = now.get(p);
    const same =
      want === null || want === undefined
        ? got === undefined
        : got !== undefined &&
          bytesToBinary(got.bytes) === want.content &&
          (want.mode === undefined || gitModeOf(got.mode) === want.mode);
    if (!same) bad.push(p);
  }
  if (bad.length > 0) {
    throw new CpansecError('INTERNAL', `the diff of ${dir} does not reproduce its working tree: ${bad.join(', ')}`, {
      hint: 'a .gitattributes rule or an unusual file may be changing what git records; check "git status" in the workspace',
      details: { files: bad },
    });
  }
}

/** @throws CpansecError FILE_NOT_FOUND (not a workspace), USAGE (no changes), HEADER_INVALID, PATCH_UNSUPPORTED (binary) */
export async function diffPatch(options: DiffOptions = {}): Promise<DiffResult> {
  const limits = resolveLimits(options.limits);
  const cwd = options.cwd ?? process.cwd();
  // Without --workspace, the workspace around the current directory (diff works from lib/ too).
  const dir = options.workspace === undefined ? await findWorkspace(cwd) : resolve(cwd, options.workspace);
  const info = await openWorkspace(dir);
  const diffBytes = new Uint8Array(await diffWorkspace(dir, info));
  if (diffBytes.length === 0) {
    throw new CpansecError(
      'USAGE',
      `nothing changed in ${dir} since the pristine ${info.distribution} ${info.version}`,
      {
        hint: 'edit the files first (and add a regression test t/cpansec-<CVE>.t)',
      },
    );
  }
  const out = options.out === undefined ? undefined : resolve(cwd, options.out);
  const prev = await previousHeader([out, info.patch]);
  const today = new Date(options.now ?? Date.now()).toISOString().slice(0, 10);
  const gitAuthor = await readGitIdentity(options.env ?? process.env);
  const plan = planDiffHeader({
    distribution: info.distribution,
    version: info.version,
    today,
    ...(gitAuthor === undefined ? {} : { gitAuthor }),
    ...(info.from === undefined
      ? {}
      : {
          from: {
            ...(info.from.author === undefined ? {} : { author: info.from.author }),
            ...(info.from.subject === undefined ? {} : { subject: info.from.subject }),
            ...(info.from.body === undefined ? {} : { body: info.from.body }),
            ...(info.from.origin === undefined ? {} : { origin: info.from.origin }),
          },
        }),
    ...(prev.header === undefined ? {} : { existing: prev.header }),
    ...(options.set === undefined ? {} : { set: options.set }),
  });
  const rest = prev.header?.rest !== undefined && prev.header.rest.trim() !== '' ? prev.header.rest : '\n';
  const headerText = formatFieldList(plan.fields).slice(0, -1) + rest;
  const bytes = concatBytes([encodeUtf8(headerText), diffBytes]);
  const name =
    plan.patchId === undefined ? `${info.distribution}-${info.version}.draft.patch` : `${plan.patchId}.patch`;
  const path = out ?? (prev.path !== undefined && basename(prev.path) === name ? prev.path : join(dirname(dir), name));
  let file: PatchFile;
  try {
    file = parsePatchFile(bytes, { limits });
  } catch (err) {
    throw inContext(err, `the diff of ${dir}`, 'PATCH_PARSE');
  }
  await selfCheck(dir, info, file, limits);
  const draft = options.draft === true;
  const check = checkHeader(file, path, { draft });
  const errors = check.problems.filter((p) => p.severity === 'error');
  if (!draft && (errors.length > 0 || plan.todo.length > 0)) {
    const list = errors.map((p) => `  ${basename(path)}:${p.line || '-'}: ${p.message}`);
    if (plan.todo.length > 0) list.push(`  still marked ${'[TODO]'}: ${plan.todo.join(', ')}`);
    throw new CpansecError('HEADER_INVALID', `the header of ${basename(path)} is not complete:\n${list.join('\n')}`, {
      hint: `fill the fields (edit ${path} or use --set Field=Value), or write it anyway with --draft`,
      details: { path, problems: check.problems, todo: plan.todo },
    });
  }
  const stat = diffstat(file.diff);
  const result: DiffResult = {
    workspace: dir,
    path,
    patchId: plan.patchId ?? null,
    distribution: info.distribution,
    version: info.version,
    draft,
    written: false,
    header: plan.fields.map(([n, v]) => ({ name: n, value: v })),
    todo: plan.todo,
    problems: check.problems,
    regressionTests: check.regressionTests,
    files: stat.files,
    insertions: stat.insertions,
    deletions: stat.deletions,
  };
  if (options.dryRun === true) return result;
  await writeFileAtomic(path, bytes);
  // A draft written under a provisional name is superseded once the patch has its id.
  if (prev.path !== undefined && prev.path !== path && prev.path.endsWith('.draft.patch')) {
    await rm(prev.path, { force: true });
    result.replaced = prev.path;
  }
  await writeWorkspaceInfo(dir, { ...info, patch: path });
  return { ...result, written: true };
}
