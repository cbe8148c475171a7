/**
 * An authoring workspace (docs/authoring.md): a distribution's files in a
 * git repository whose first commit is the pristine release. `diff` is the
 * pristine commit against the working tree, new files included, build
 * products left out. What the workspace is for lives in
 * .git/cpansec/workspace.json, outside the tree the diff sees.
 */
import { lstat, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CpansecError, wrapError } from '../errors.js';
import { writeFileAtomic } from '../files/atomic.js';
import { readFileLimited } from '../files/read.js';
import { assertOwnConfig, gitBytes, workspaceGit, workspaceGitEnv } from './git.js';

export const INFO_PATH = '.git/cpansec/workspace.json';
const INDEX_PATH = '.git/cpansec/index';
const MAX_INFO_BYTES = 1024 * 1024;

export interface WorkspaceFrom {
  /** What the user named: a URL or a file. */
  source: string;
  /** The address recorded as Origin ("backport, <origin>"). */
  origin?: string;
  author?: string;
  date?: string;
  subject?: string;
  body?: string[];
  commit?: string;
  /** Whether `new` applied it to the tree; when not, where it was saved for the author. */
  applied: boolean;
  saved?: string;
  reason?: string;
}

export interface WorkspaceInfo {
  format: 1;
  distribution: string;
  version: string;
  /** The tarball's top directory. */
  top: string;
  tarball: { file: string; sha256: string; size: number; source: string };
  /** The commit holding the pristine release. */
  pristine: string;
  created: string;
  from?: WorkspaceFrom;
  /** The patch file `diff` wrote last (its header is carried over on the next run). */
  patch?: string;
}

// Build products of ExtUtils::MakeMaker and Module::Build: never part of a fix.
const EXCLUDES = [
  '/blib/',
  '/_build/',
  '/Build',
  '/Makefile',
  '/Makefile.old',
  '/MYMETA.json',
  '/MYMETA.yml',
  '/pm_to_blib',
  '/_Inline/',
  '*.o',
  '*.bs',
  '*.so',
  '*.bundle',
  '*.dll',
  '*.tmp',
  '/.cpansec-*',
];

// Attributes in the tree (.gitattributes) could convert line ends or expand keywords on add; the
// repository-wide file wins over them, so the tree is recorded and compared as bytes.
const ATTRIBUTES = '* -text !eol -ident -filter -working-tree-encoding !diff !merge\n';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

async function writeGitInfo(dir: string, generated: readonly string[]): Promise<void> {
  await mkdir(join(dir, '.git', 'info'), { recursive: true });
  await mkdir(join(dir, '.git', 'cpansec'), { recursive: true });
  const exclude = [
    '# written by cpansec-patch: build products are not part of a fix',
    ...EXCLUDES,
    ...generated.map((p) => `/${p}`),
  ];
  await writeFileAtomic(join(dir, '.git', 'info', 'exclude'), enc(`${exclude.join('\n')}\n`));
  await writeFileAtomic(join(dir, '.git', 'info', 'attributes'), enc(ATTRIBUTES));
}

/** The C files xsubpp writes for each .xs file: generated, unless the release ships them. */
export function generatedFromXs(paths: readonly string[]): string[] {
  const all = new Set(paths);
  return paths
    .filter((p) => p.endsWith('.xs'))
    .map((p) => `${p.slice(0, -3)}.c`)
    .filter((c) => !all.has(c));
}

/**
 * Makes `dir` (holding the pristine files) a workspace: git init, the
 * pristine commit (every file, whatever the ignore rules say), the info file.
 */
export async function initWorkspace(
  dir: string,
  info: Omit<WorkspaceInfo, 'pristine'>,
  paths: readonly string[],
): Promise<WorkspaceInfo> {
  try {
    const stamp = `${info.created.slice(0, 19)}Z`;
    const identity = {
      GIT_AUTHOR_NAME: 'cpansec-patch',
      GIT_AUTHOR_EMAIL: 'cpansec-patch@localhost',
      GIT_COMMITTER_NAME: 'cpansec-patch',
      GIT_COMMITTER_EMAIL: 'cpansec-patch@localhost',
      GIT_AUTHOR_DATE: stamp,
      GIT_COMMITTER_DATE: stamp,
    };
    const git = workspaceGit(dir);
    await git.raw(['init', '-q', '--initial-branch=cpansec']);
    await writeGitInfo(dir, generatedFromXs(paths));
    await git.raw(['add', '-A', '-f', '--', '.']);
    await workspaceGit(dir)
      .env({ ...workspaceGitEnv(), ...identity })
      .raw([
        'commit',
        '-q',
        '--no-verify',
        '--allow-empty',
        '-m',
        `${info.distribution} ${info.version}, pristine (${info.tarball.file})`,
      ]);
    const pristine = (await git.revparse(['HEAD'])).trim();
    const full: WorkspaceInfo = { ...info, pristine };
    await writeWorkspaceInfo(dir, full);
    return full;
  } catch (err) {
    throw wrapError(err, 'TOOL_FAILED', `cannot make ${dir} a git workspace`, { hint: 'is git installed?' });
  }
}

export async function writeWorkspaceInfo(dir: string, info: WorkspaceInfo): Promise<void> {
  await writeFileAtomic(join(dir, ...INFO_PATH.split('/')), enc(`${JSON.stringify(info, null, 2)}\n`));
}

function notWorkspace(dir: string, why: string): CpansecError {
  return new CpansecError('FILE_NOT_FOUND', `${dir} is not a cpansec-patch workspace (${why})`, {
    hint: 'make one with "cpansec-patch new <tarball | Dist::Name@version>", or pass --workspace DIR',
    details: { dir },
  });
}

/** The workspace holding `start` (it or a parent has .git/cpansec/workspace.json), else `start` itself. */
export async function findWorkspace(start: string): Promise<string> {
  for (let dir = start; ; dir = dirname(dir)) {
    const info = await lstat(join(dir, ...INFO_PATH.split('/'))).catch(() => undefined);
    if (info?.isFile()) return dir;
    if (dirname(dir) === dir) return start;
  }
}

/** @throws CpansecError FILE_NOT_FOUND (not a workspace), METADATA_INVALID, UNSAFE_ENTRY */
export async function openWorkspace(dir: string): Promise<WorkspaceInfo> {
  const dotGit = await lstat(join(dir, '.git')).catch(() => undefined);
  if (dotGit === undefined) throw notWorkspace(dir, 'no .git directory');
  // A .git file or link ("gitdir: elsewhere") would point git at a repository we never made.
  if (!dotGit.isDirectory()) throw notWorkspace(dir, '.git is not a directory');
  let bytes: Uint8Array;
  try {
    bytes = await readFileLimited(join(dir, ...INFO_PATH.split('/')), MAX_INFO_BYTES, 'workspace file');
  } catch (err) {
    if (err instanceof CpansecError && err.code === 'FILE_NOT_FOUND') throw notWorkspace(dir, `no ${INFO_PATH}`);
    throw err;
  }
  const info = parseInfo(bytes, dir);
  await assertOwnConfig(dir);
  // Re-assert our rules: the diff must not depend on what anyone put in .git/info since.
  const paths = (await gitBytes(dir, ['ls-tree', '-r', '-z', '--name-only', info.pristine])).toString('latin1');
  await writeGitInfo(dir, generatedFromXs(paths.split('\0').filter((p) => p !== '')));
  return info;
}

function parseInfo(bytes: Uint8Array, dir: string): WorkspaceInfo {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new CpansecError('METADATA_INVALID', `${dir}/${INFO_PATH} is not JSON`);
  }
  const o = v as Partial<WorkspaceInfo>;
  const str = (x: unknown): boolean => typeof x === 'string' && x !== '';
  if (
    o === null ||
    typeof o !== 'object' ||
    o.format !== 1 ||
    !str(o.distribution) ||
    !str(o.version) ||
    !str(o.top) ||
    typeof o.pristine !== 'string' ||
    !/^[0-9a-f]{40,64}$/.test(o.pristine) ||
    typeof o.tarball !== 'object' ||
    o.tarball === null
  ) {
    throw new CpansecError('METADATA_INVALID', `${dir}/${INFO_PATH} is not a workspace description`);
  }
  return o as WorkspaceInfo;
}

/**
 * The diff of the pristine commit against the working tree, new files
 * included (through a private index, so the author's own staging is left
 * alone). Bytes exactly as git writes them, a/ and b/ prefixes.
 */
export async function diffWorkspace(dir: string, info: WorkspaceInfo): Promise<Buffer> {
  const index = { GIT_INDEX_FILE: join(dir, ...INDEX_PATH.split('/')) };
  const git = workspaceGit(dir).env({ ...workspaceGitEnv(), ...index });
  await git.raw(['read-tree', info.pristine]);
  await git.raw(['add', '-A', '--', '.']);
  return gitBytes(
    dir,
    [
      'diff',
      '--cached',
      '--no-color',
      '--no-ext-diff',
      '--no-textconv',
      '--no-renames',
      '-U3',
      '--src-prefix=a/',
      '--dst-prefix=b/',
      info.pristine,
      '--',
    ],
    undefined,
    index,
  );
}

/** A file of the pristine release, or undefined when the release has no such file. */
export async function readPristineFile(
  dir: string,
  info: WorkspaceInfo,
  path: string,
): Promise<Uint8Array | undefined> {
  const listed = await gitBytes(dir, ['ls-tree', '-z', info.pristine, '--', path]);
  if (listed.length === 0) return undefined;
  return new Uint8Array(await gitBytes(dir, ['cat-file', 'blob', `${info.pristine}:${path}`]));
}
