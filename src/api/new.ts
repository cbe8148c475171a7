/**
 * `cpansec-patch new <tarball | URL | Dist::Name@version> [--from FIX]`: a
 * workspace to write a fix in (docs/authoring.md). The release is unpacked
 * with the tarball mode's reader and entry policy into a new directory,
 * committed as the pristine tree of a git repository, and, with --from, an
 * upstream fix (a commit, a pull request, a patch file) is applied on top
 * and its authorship kept for the header. When the fix does not apply, the
 * workspace is still made and the fix is saved beside it for the author.
 */
import { lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { writeFileAtomic } from '../files/atomic.js';
import { prepareEmptyDir } from '../workspace/extract.js';
import { initWorkspace, writeWorkspaceInfo } from '../workspace/workspace.js';
import { applyDiffToDir } from './diff-to-dir.js';
import { readUpstreamPatch } from './fix-source.js';
import { resolveTarballInput } from './tarball-input.js';
import { unpackTarball } from './unpack.js';
import type { Limits } from '../core/limits.js';
import type { PatchOutcome } from '../core/patch/apply.js';
import type { WorkspaceFrom } from '../workspace/workspace.js';

export interface NewOptions {
  /** A tarball, an https URL, Dist::Name, Dist::Name@1.23 or Dist-Name-1.23. */
  input: string;
  /** The workspace directory (new or empty); default ./<Dist>-<Version>. */
  dir?: string;
  /** An upstream fix to start from: a patch file or the https address of a commit or pull request. */
  from?: string;
  /** Fetch github.com / gitlab.com addresses from this base instead. */
  baseUrl?: string;
  /** Fuzz allowed when applying the --from fix (default 0). */
  fuzz?: number;
  mirror?: string;
  cache?: string;
  offline?: boolean;
  cwd?: string;
  env?: Record<string, string | undefined>;
  limits?: Partial<Limits>;
  now?: number;
  onProgress?: (message: string) => void;
  onWarning?: (message: string) => void;
}

export interface NewResult {
  workspace: string;
  distribution: string;
  version: string;
  tarball: { given: string; file: string; path: string; sha256: string; size: number };
  pristine: string;
  files: number;
  from?: {
    source: string;
    origin?: string;
    author?: string;
    subject?: string;
    applied: boolean;
    outcome: PatchOutcome;
    skipped: string[];
    saved?: string;
    reason?: string;
  };
  next: string[];
}

/**
 * @throws CpansecError FILE_EXISTS (directory not empty), the tarball reader's refusals, the resolver's
 *   (DIST_NOT_FOUND, NETWORK, CHECKSUM_MISMATCH), and for --from: USAGE, FILE_NOT_FOUND, PATCH_PARSE, UNSAFE_PATH
 */
export async function newWorkspace(options: NewOptions): Promise<NewResult> {
  const cwd = options.cwd ?? process.cwd();
  const origin = await resolveTarballInput(options.input, {
    cwd,
    ...(options.mirror === undefined ? {} : { mirror: options.mirror }),
    ...(options.cache === undefined ? {} : { cacheDir: options.cache }),
    ...(options.offline === undefined ? {} : { offline: options.offline }),
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
  });
  // Read the fix first: a bad address should fail before anything is written.
  const fix =
    options.from === undefined
      ? undefined
      : await readUpstreamPatch(options.from, {
          cwd,
          ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
          ...(options.limits === undefined ? {} : { limits: options.limits }),
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        });
  const stem = origin.file.replace(/\.(tar\.gz|tgz|tar)$/, '');
  const dir = resolve(cwd, options.dir ?? stem);
  const existed = (await lstat(dir).catch(() => undefined)) !== undefined;
  await prepareEmptyDir(dir);
  try {
    const unpacked = await unpackTarball(origin.path, dir, {
      fileName: origin.file,
      ...(options.limits === undefined ? {} : { limits: options.limits }),
    });
    const now = new Date(options.now ?? Date.now()).toISOString();
    let info = await initWorkspace(
      dir,
      {
        format: 1,
        distribution: unpacked.dist.name,
        version: unpacked.dist.version,
        top: unpacked.top,
        tarball: { file: origin.file, sha256: unpacked.sha256, size: unpacked.size, source: origin.url ?? origin.path },
        created: now,
      },
      unpacked.files,
    );
    const result: NewResult = {
      workspace: dir,
      distribution: info.distribution,
      version: info.version,
      tarball: {
        given: options.input,
        file: origin.file,
        path: origin.path,
        sha256: unpacked.sha256,
        size: unpacked.size,
      },
      pristine: info.pristine,
      files: unpacked.written.files,
      next: [],
    };
    if (fix !== undefined) {
      const applied = await applyDiffToDir(dir, fix.file.diff, {
        fuzz: options.fuzz ?? 0,
        skipMissing: true,
        ...(options.limits === undefined ? {} : { limits: options.limits }),
      });
      const ok = applied.outcome !== 'fail';
      const record: WorkspaceFrom = {
        source: fix.source,
        ...(fix.origin === undefined ? {} : { origin: fix.origin }),
        ...(fix.header.author === undefined ? {} : { author: fix.header.author }),
        ...(fix.header.date === undefined ? {} : { date: fix.header.date }),
        ...(fix.header.subject === undefined ? {} : { subject: fix.header.subject }),
        ...(fix.header.body.length > 0 ? { body: fix.header.body } : {}),
        ...(fix.header.commit === undefined ? {} : { commit: fix.header.commit }),
        applied: ok && applied.outcome !== 'already-applied',
      };
      if (!ok) {
        // Kept outside the tree (a diff would otherwise pick it up), for `git apply --reject` or by hand.
        const saved = join(dir, '.git', 'cpansec', 'upstream.patch');
        await mkdir(join(dir, '.git', 'cpansec'), { recursive: true });
        await writeFileAtomic(saved, fix.bytes);
        record.saved = saved;
        record.reason = applied.failReasons.join(', ') || 'hunks-failed';
      }
      info = { ...info, from: record };
      await writeWorkspaceInfo(dir, info);
      result.from = {
        source: record.source,
        ...(record.origin === undefined ? {} : { origin: record.origin }),
        ...(record.author === undefined ? {} : { author: record.author }),
        ...(record.subject === undefined ? {} : { subject: record.subject }),
        applied: record.applied,
        outcome: applied.outcome,
        skipped: applied.skipped,
        ...(record.saved === undefined ? {} : { saved: record.saved }),
        ...(record.reason === undefined ? {} : { reason: record.reason }),
      };
    }
    const rel = basename(dir);
    result.next = [
      `# edit the files in ${rel}/ and add a regression test ${rel}/t/cpansec-<CVE>.t, then:`,
      `cpansec-patch diff --workspace ${rel} --draft`,
      `cpansec-patch test <the .patch diff wrote> --tarball ${origin.path}`,
    ];
    return result;
  } catch (err) {
    // A half-made workspace goes; the directory was missing or empty, so everything in it is ours.
    if (existed) {
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        await rm(join(dir, name), { recursive: true, force: true });
      }
    } else await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
