/**
 * `cpansec-patch upstream status [<patch-id>…|--all]`: where each forwarded
 * fix stands — its pull request open, merged or declined (read with
 * conditional requests: an unchanged pull request costs a free 304), and
 * whether a release that contains the fix is on the CPAN mirror — and the
 * header changes that follow: Upstream-Status, and once a fixed release is
 * out, Applied-Upstream, Fixed-Versions and a bounded Affected-Versions
 * that retire the patch. Proposed by default; made (re-signed and
 * published) with --write and the publisher key.
 */
import { readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { chooseFixedRelease, planRetirement } from '../core/upstream/retire.js';
import { parsePullRequestUrl } from '../core/upstream/repo-url.js';
import { compareVersions } from '../core/version/cpan-version.js';
import { CpansecError } from '../errors.js';
import { defaultCacheDir } from '../net/download.js';
import { FileEtagStore } from '../upstream/etag-cache.js';
import { CpanReleases } from './upstream-cpan.js';
import { waitReporter, loadForwardPatch, redacting, setUpGitHub } from './upstream-source.js';
import { pullState, recordTracking, trackingFields } from './upstream-track.js';
import type { FieldEdit, PullState, Release } from '../core/upstream/retire.js';
import type { Redactor } from '../core/upstream/redact.js';
import type { ForwardPatch, GitHubSetup, UpstreamCommonOptions } from './upstream-source.js';
import type { TrackingOptions } from './upstream-track.js';

export interface UpstreamStatusOptions extends UpstreamCommonOptions, TrackingOptions {
  /** Patch-Ids of the repository working copy, or .patch files. */
  patches?: readonly string[];
  /** Every patch of the repository working copy. */
  all?: boolean;
  mirror?: string;
  /** Download cache (02packages, CHECKSUMS); the ETag memory sits beside it. */
  cache?: string;
  offline?: boolean;
  /** Make the proposed header changes (needs --key). */
  write?: boolean;
}

export type UpstreamState = 'not-forwarded' | 'forwarded' | PullState | 'fixed-upstream' | 'retired';

export interface PatchUpstreamStatus {
  patchId: string;
  distribution: string;
  state: UpstreamState;
  forwarded: string | undefined;
  pullRequest?: { number: number; url: string; state: PullState; mergedAt?: string; closedAt?: string };
  /** The first release on the mirror with the fix, and why we think so. */
  fixedRelease?: Release & { why: string };
  /** The newest release the mirror indexes. */
  indexed?: string;
  /** Header changes that record what was found. */
  proposed: FieldEdit[];
  written: boolean;
  changed: string[];
  note?: string;
}

export interface UpstreamStatusResult {
  repo: string | undefined;
  mirror: string;
  patches: PatchUpstreamStatus[];
  summary: Record<UpstreamState, number>;
  requests: { github: number; notModified: number; mirror: number };
  write: boolean;
}

async function listRepoPatches(repoDir: string): Promise<string[]> {
  const root = join(repoDir, 'patches');
  const dists = await readdir(root, { withFileTypes: true }).catch(() => {
    throw new CpansecError('FILE_NOT_FOUND', `${repoDir} has no patches/ folder`, {
      hint: 'run in a repository working copy, or pass --repo DIR',
      details: { repo: repoDir },
    });
  });
  const out: string[] = [];
  for (const d of dists.filter((e) => e.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const names = await readdir(join(root, d.name));
    // Paths, not ids: looking each id up again would list every distribution folder per patch.
    for (const n of names.filter((x) => x.endsWith('.patch') && !/^[0-9a-f]{64}\./.test(x)).sort()) {
      out.push(join(root, d.name, n));
    }
  }
  return out;
}

/**
 * @throws CpansecError USAGE (nothing named, --write without --key), PATCH_NOT_FOUND, GITHUB_*, NETWORK,
 *   METADATA_INVALID (the mirror's index)
 */
export async function upstreamStatus(options: UpstreamStatusOptions): Promise<UpstreamStatusResult> {
  let redact: Redactor = (s) => s;
  return redacting(
    () => redact,
    async () => {
      const env = options.env ?? process.env;
      const cache = options.cache ?? defaultCacheDir(env);
      const etags = await FileEtagStore.open(join(dirname(cache), 'github-etags.json'));
      const gh = await setUpGitHub({
        ...options,
        etags,
        onWait: waitReporter(options),
      });
      redact = gh.redact;
      try {
        return await statusWith(options, gh, cache);
      } finally {
        await etags.save();
      }
    },
  );
}

async function statusWith(
  options: UpstreamStatusOptions,
  gh: GitHubSetup,
  cache: string,
): Promise<UpstreamStatusResult> {
  const write = options.write === true;
  const keys = options.key === undefined ? [] : typeof options.key === 'string' ? [options.key] : [...options.key];
  if (write && keys.length === 0) {
    throw new CpansecError('USAGE', '--write needs the publisher key (--key) to re-sign the patches it changes');
  }
  const repoDir = resolve(options.cwd ?? process.cwd(), options.repo ?? '.');
  const named = options.all === true ? await listRepoPatches(repoDir) : [...(options.patches ?? [])];
  if (named.length === 0) {
    throw new CpansecError(
      'USAGE',
      options.all ? `no patches in ${repoDir}` : 'name patches (Patch-Ids or files), or pass --all',
    );
  }
  const cpan = new CpanReleases({
    ...(options.mirror === undefined ? {} : { mirror: options.mirror }),
    cache,
    ...(options.offline === undefined ? {} : { offline: options.offline }),
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  const patches: ForwardPatch[] = [];
  for (const id of named) patches.push(await loadForwardPatch(id, options));
  const pulls = patches.filter((p) => parsePullRequestUrl(p.metadata.forwarded ?? '', gh.hosts) !== undefined).length;
  if (pulls > 50 && gh.token !== undefined) {
    // Free to ask. Unchanged pull requests cost nothing (304), so this only warns.
    const limit = await gh.client.rateLimit();
    if (limit.remaining < pulls) {
      options.onWarning?.(
        `${pulls} pull requests to read and ${limit.remaining} requests left until ${limit.reset.toISOString()}; unchanged ones are free (ETags), others may wait for the reset`,
      );
    }
  }
  const out: PatchUpstreamStatus[] = [];
  let i = 0;
  for (const patch of patches) {
    options.onProgress?.(`upstream status ${++i}/${patches.length}: ${patch.patchId}`);
    out.push(await statusOf(patch, gh, cpan, { ...options, write, keys }));
  }
  const summary = Object.fromEntries(
    (['not-forwarded', 'forwarded', 'open', 'merged', 'declined', 'fixed-upstream', 'retired'] as const).map((s) => [
      s,
      out.filter((p) => p.state === s).length,
    ]),
  ) as Record<UpstreamState, number>;
  return {
    repo: options.all === true ? repoDir : undefined,
    mirror: cpan.mirror,
    patches: out,
    summary,
    requests: { github: gh.client.counts.sent, notModified: gh.client.counts.notModified, mirror: cpan.fetched },
    write,
  };
}

async function statusOf(
  patch: ForwardPatch,
  gh: GitHubSetup,
  cpan: CpanReleases,
  options: UpstreamStatusOptions & { write: boolean; keys: string[] },
): Promise<PatchUpstreamStatus> {
  const meta = patch.metadata;
  const forwarded = meta.forwarded;
  const base = { patchId: patch.patchId, distribution: patch.distribution, forwarded };
  const pr = parsePullRequestUrl(forwarded ?? '', gh.hosts);
  let state: UpstreamState =
    forwarded === undefined || forwarded === 'no' || forwarded === 'not-needed' ? 'not-forwarded' : 'forwarded';
  const proposed: FieldEdit[] = [];
  let pullRequest: PatchUpstreamStatus['pullRequest'];
  if (pr !== undefined) {
    const pull = await gh.client.getPull(pr.owner, pr.repo, pr.number);
    const s = pullState(pull);
    state = s;
    pullRequest = {
      number: pull.number,
      url: pull.htmlUrl,
      state: s,
      ...(pull.mergedAt ? { mergedAt: pull.mergedAt } : {}),
      ...(pull.closedAt ? { closedAt: pull.closedAt } : {}),
    };
    proposed.push(...trackingFields(pull).filter((f) => f.name !== 'Forwarded'));
  }
  const fixedVersions = meta.fixedVersions.map((v) => v.original);
  let fixedRelease: PatchUpstreamStatus['fixedRelease'];
  let indexed: string | undefined;
  if (state === 'merged' || fixedVersions.length > 0) {
    const releases = await cpan.releasesOf(patch.distribution);
    indexed = releases.indexed.map((r) => r.version).sort((a, b) => compareVersions(b, a))[0];
    const chosen = chooseFixedRelease({
      fixedVersions,
      verifiedVersions: meta.verifiedVersions.map((v) => v.original),
      affectedVersions: meta.affectedVersionsText,
      ...(pullRequest
        ? { pull: { state: pullRequest.state, ...(pullRequest.mergedAt ? { mergedAt: pullRequest.mergedAt } : {}) } }
        : {}),
      releases: releases.all,
    });
    if (chosen) {
      fixedRelease = { ...chosen.release, why: chosen.why };
      const retire = planRetirement(
        { affectedVersions: meta.affectedVersionsText, fixedVersions, appliedUpstream: meta.appliedUpstream },
        chosen.release.version,
      );
      state = retire.length === 0 ? 'retired' : 'fixed-upstream';
      proposed.push(...retire);
    }
  }
  const wanted = proposed.filter((f) => {
    const now = patch.file.header.fields.find((h) => h.name.toLowerCase() === f.name.toLowerCase())?.value.trim();
    return now !== f.value.trim();
  });
  let written = false;
  let changed: string[] = [];
  let note: string | undefined;
  if (options.write && wanted.length > 0) {
    const tracking = await recordTracking(patch, wanted, { ...options, key: options.keys });
    written = tracking.recorded;
    changed = tracking.changed;
    note = tracking.hint;
  }
  if (state === 'fixed-upstream' && fixedRelease) {
    note ??= `${patch.distribution} ${fixedRelease.version} is on CPAN with the fix: ${written ? 'the patch is retired' : 'retire the patch with --write'}; users are told to upgrade to ${fixedRelease.version}`;
  }
  return {
    ...base,
    state: written && state === 'fixed-upstream' ? 'retired' : state,
    ...(pullRequest ? { pullRequest } : {}),
    ...(fixedRelease ? { fixedRelease } : {}),
    ...(indexed ? { indexed } : {}),
    proposed: wanted,
    written,
    changed,
    ...(note ? { note } : {}),
  };
}
