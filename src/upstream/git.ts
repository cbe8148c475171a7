/**
 * The git side of forwarding a fix, with simple-git: a scratch clone of the
 * upstream repository, a branch, the patch applied and committed (signed
 * when the user's git configuration signs commits), and a push.
 *
 * Hardening (security.md §4.3; the same stance as repo/git.ts):
 *   - every URL passes checkGitUrl (https, ssh, loopback http, file only
 *     when the user named it); refs and tags are checked before use and
 *     passed as full ref names, never where they could read as options;
 *   - -c protocol.ext.allow=never, protocol.file.allow=user, core.hooksPath
 *     =/dev/null (the upstream repository's hooks never run; ours neither),
 *     core.fsmonitor=false, core.symlinks=false (a link in the upstream tree
 *     checks out as a plain file), submodules off, no prompts;
 *   - a minimal environment: the user's HOME and global git configuration
 *     (identity, commit signing), SSH and GPG agents, proxies — nothing that
 *     makes git run an editor, pager or askpass;
 *   - the token travels as an `http.<origin>/.extraHeader` set through
 *     GIT_CONFIG_COUNT in the environment: never on a command line (which
 *     other users can read in ps) and never in a URL (which git prints), and
 *     only to the one origin the GitHub API named.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkGitUrl } from '../core/upstream/repo-url.js';
import { CpansecError } from '../errors.js';
import { REF_RE, checkRefName, gitClient } from './git-env.js';
import type { SimpleGit } from 'simple-git';
import type { Person } from '../core/upstream/compose.js';
import type { GitOptions } from './git-env.js';
export { checkRefName, gitIdentity } from './git-env.js';
export type { GitOptions } from './git-env.js';

export interface ApplyAttempt {
  ok: boolean;
  /** git's own words when it failed. */
  output: string;
}

/** A scratch clone of an upstream repository. */
export class UpstreamCheckout {
  private constructor(
    readonly dir: string,
    private readonly options: GitOptions,
  ) {}

  private git(withAuth = false): SimpleGit {
    return gitClient(this.dir, this.options, withAuth);
  }

  private failure(err: unknown, what: string, hint?: string): CpansecError {
    const r = this.options.redact;
    const msg = err instanceof Error ? err.message : String(err);
    // What the git server said decides the code: credentials refused, permission refused, or no answer.
    const [code, why] = /\b401\b|authentication failed|could not read username|terminal prompts disabled/i.test(msg)
      ? ([
          'GITHUB_AUTH',
          'the git server refused the credentials: check the token (GITHUB_TOKEN, GH_TOKEN, gh auth login)',
        ] as const)
      : /\b403\b|permission to .* denied|write access .* not granted/i.test(msg)
        ? ([
            'GITHUB_SCOPE',
            'the token may not push there: it needs the public_repo scope (classic) or Contents write access (fine-grained)',
          ] as const)
        : /could not read from remote|unable to access|could not resolve|connection|timed out/i.test(msg)
          ? (['NETWORK', hint] as const)
          : (['TOOL_FAILED', hint] as const);
    return new CpansecError(code, r(`git: ${what}: ${msg.trim()}`), {
      ...(why === undefined ? {} : { hint: r(why) }),
      details: { step: what },
    });
  }

  private async run(args: string[], what: string, options: { auth?: boolean; hint?: string } = {}): Promise<string> {
    try {
      return await this.git(options.auth === true).raw(args);
    } catch (err) {
      throw this.failure(err, what, options.hint);
    }
  }

  /**
   * Clones `url` into `dir` (empty or missing): all history and tags, blobs on demand where the
   * server supports it, no checkout yet.
   */
  static async clone(url: string, dir: string, options: GitOptions): Promise<UpstreamCheckout> {
    checkGitUrl(url, { allowFile: options.allowFile === true });
    const checkout = new UpstreamCheckout(dir, options);
    const parent = new UpstreamCheckout(join(dir, '..'), options);
    await parent.run(['clone', '--quiet', '--no-checkout', '--filter=blob:none', '--', url, dir], `clone ${url}`, {
      auth: true,
      hint: 'check that the repository exists and that you can reach it',
    });
    return checkout;
  }

  async tags(): Promise<string[]> {
    const out = await this.run(['tag', '--list'], 'list tags');
    return out.split('\n').filter((t) => t !== '' && REF_RE.test(t));
  }

  /** The commit a ref names, or undefined. */
  async commitOf(ref: string): Promise<string | undefined> {
    try {
      return (
        (await this.git().raw(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])).trim() ||
        undefined
      );
    } catch {
      return undefined;
    }
  }

  /** (Re)creates `branch` at `start` (a full ref or commit id) and checks it out. */
  async startBranch(branch: string, start: string): Promise<void> {
    checkRefName(branch, 'branch');
    await this.run(['checkout', '--quiet', '--force', '-B', branch, start], `check out ${start}`, { auth: true });
    await this.run(['clean', '-ffdxq'], 'clean the work tree');
  }

  /** `git apply --index` (with `--3way` when asked) of a patch file outside the work tree. */
  async apply(patchFile: string, threeWay: boolean): Promise<ApplyAttempt> {
    try {
      await this.git(true).raw([
        'apply',
        '--index',
        '--whitespace=nowarn',
        ...(threeWay ? ['--3way'] : []),
        '-p1',
        '--',
        patchFile,
      ]);
      return { ok: true, output: '' };
    } catch (err) {
      await this.git()
        .raw(['reset', '--quiet', '--hard'])
        .catch(() => undefined);
      return { ok: false, output: this.options.redact(err instanceof Error ? err.message : String(err)) };
    }
  }

  /** Stages everything the engine wrote (files under these paths, deletions included). */
  async stage(paths: readonly string[]): Promise<void> {
    await this.run(['add', '--all', '--', ...paths.map((p) => `:(literal)${p}`)], 'stage the patched files');
  }

  /** True when the index differs from HEAD. */
  async hasStagedChanges(): Promise<boolean> {
    try {
      await this.git().raw(['diff', '--cached', '--quiet']);
      return false;
    } catch {
      return true;
    }
  }

  /**
   * Commits the index with this author and message; signed when the user's configuration
   * says so (commit.gpgsign), never when `noSign` (dry runs).
   */
  async commit(message: string, author: Person, options: { noSign?: boolean } = {}): Promise<string> {
    const file = join(this.dir, '.git', 'CPANSEC_COMMIT_MSG');
    await writeFile(file, message);
    const who = `${author.name.replace(/[<>\n]/g, '')} <${(author.email ?? '').replace(/[<>\s]/g, '')}>`;
    await this.run(
      [
        'commit',
        '--quiet',
        '--no-verify',
        '--cleanup=verbatim',
        ...(options.noSign ? ['--no-gpg-sign'] : []),
        `--author=${who}`,
        '--file',
        file,
      ],
      'commit',
      {
        hint: 'git needs your identity (git config --global user.name / user.email) and, when commits are signed, a working signing key',
      },
    );
    return (await this.run(['rev-parse', 'HEAD'], 'read HEAD')).trim();
  }

  /** Cherry-picks `commit` onto HEAD (git's three-way merge); on conflict, aborts and names the files. */
  async cherryPick(
    commit: string,
    options: { noSign?: boolean } = {},
  ): Promise<{ ok: true; commit: string } | { ok: false; conflicts: string[] }> {
    try {
      await this.git(true).raw(['cherry-pick', ...(options.noSign ? ['--no-gpg-sign'] : []), commit]);
      return { ok: true, commit: (await this.run(['rev-parse', 'HEAD'], 'read HEAD')).trim() };
    } catch {
      const unmerged = await this.git()
        .raw(['diff', '--name-only', '--diff-filter=U'])
        .catch(() => '');
      await this.git()
        .raw(['cherry-pick', '--abort'])
        .catch(() => undefined);
      await this.git()
        .raw(['reset', '--quiet', '--hard'])
        .catch(() => undefined);
      return { ok: false, conflicts: unmerged.split('\n').filter((l) => l !== '') };
    }
  }

  /** `git diff --stat` between two commits. */
  async diffStat(from: string, to: string): Promise<string> {
    return (await this.run(['diff', '--stat=80', from, to, '--'], 'diff --stat')).replace(/\s+$/, '');
  }

  /** The tree and first parent of a commit. */
  async treeAndParent(commit: string): Promise<{ tree: string; parent: string | undefined }> {
    const out = (await this.run(['show', '-s', '--format=%T %P', commit, '--'], 'read a commit')).trim().split(/\s+/);
    return { tree: out[0] as string, parent: out[1] };
  }

  /** Whether a commit carries a signature (a gpgsig header: GPG, SSH or X.509). */
  async isSigned(commit: string): Promise<boolean> {
    const raw = await this.run(['cat-file', 'commit', commit], 'read a commit');
    const head = raw.slice(0, raw.indexOf('\n\n'));
    return /^gpgsig /m.test(head);
  }

  /** Whether the user's configuration signs commits. */
  async signsCommits(): Promise<boolean> {
    try {
      return (await this.git().raw(['config', '--bool', '--get', 'commit.gpgsign'])).trim() === 'true';
    } catch {
      return false;
    }
  }

  /** "Name <email>" of the committer git will use, or undefined. */
  async committer(): Promise<string | undefined> {
    try {
      const ident = (await this.git().raw(['var', 'GIT_COMMITTER_IDENT'])).trim();
      const m = /^(.*? <[^>]*>)/.exec(ident);
      return m?.[1];
    } catch {
      return undefined;
    }
  }

  /** The commit a branch points at on a remote, or undefined when there is no such branch. */
  async remoteBranch(url: string, branch: string): Promise<string | undefined> {
    checkGitUrl(url, { allowFile: this.options.allowFile === true });
    checkRefName(branch, 'branch');
    const out = await this.run(['ls-remote', '--', url, `refs/heads/${branch}`], `ls-remote ${url}`, { auth: true });
    const sha = out
      .split('\n')
      .find((l) => l.endsWith(`\trefs/heads/${branch}`))
      ?.split('\t')[0];
    return sha !== undefined && /^[0-9a-f]{40,64}$/.test(sha) ? sha : undefined;
  }

  /** Fetches one branch of a remote (to compare it with what we would push). */
  async fetchBranch(url: string, branch: string): Promise<void> {
    checkGitUrl(url, { allowFile: this.options.allowFile === true });
    checkRefName(branch, 'branch');
    await this.run(['fetch', '--quiet', '--no-tags', '--', url, `refs/heads/${branch}`], `fetch ${branch}`, {
      auth: true,
    });
  }

  /**
   * Pushes `commit` to `refs/heads/<branch>` of `url`, replacing the branch only when it still
   * is at `expected` (undefined: only when it does not exist yet).
   */
  async push(url: string, branch: string, commit: string, expected: string | undefined): Promise<void> {
    checkGitUrl(url, { allowFile: this.options.allowFile === true });
    checkRefName(branch, 'branch');
    await this.run(
      [
        'push',
        '--quiet',
        '--porcelain',
        `--force-with-lease=refs/heads/${branch}:${expected ?? ''}`,
        '--',
        url,
        `${commit}:refs/heads/${branch}`,
      ],
      `push ${branch}`,
      {
        auth: true,
        hint: 'check that the token may push there (scope public_repo or repo), or that the branch was not changed meanwhile',
      },
    );
  }
}
