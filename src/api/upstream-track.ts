/**
 * Recording where a forwarded fix stands in the patch itself: `Forwarded:`
 * (the pull request URL) and `Upstream-Status:` (submitted, merged or
 * declined, with the day), and once a fixed release is out the retirement
 * fields. The edit goes through the repository workflow: setField on the
 * working copy's patch, re-signed as `repo add --replace`, then `repo
 * publish` (repoEditPatch), and only with the publisher key (--key).
 */
import { formatUpstreamStatus, UPSTREAM_STATUS_FIELD } from '../core/upstream/retire.js';
import { repoEditPatch } from './repo-author.js';
import type { FieldEdit, PullState } from '../core/upstream/retire.js';
import type { PullInfo } from '../upstream/github.js';
import type { PasswordSource } from './key-files.js';
import type { ForwardPatch, UpstreamCommonOptions } from './upstream-source.js';

export interface TrackingOptions {
  /** Publisher secret key(s): record the result in the patch and re-sign (repo add --replace + publish). */
  key?: string | readonly string[];
  password?: PasswordSource;
  expires?: readonly string[];
}

export interface TrackingResult {
  /** The header fields that record the forward. */
  fields: FieldEdit[];
  recorded: boolean;
  changed: string[];
  hint?: string;
}

export function pullState(p: PullInfo): PullState {
  return p.state === 'open' ? 'open' : p.merged ? 'merged' : 'declined';
}

export function trackingFields(pull: PullInfo): FieldEdit[] {
  const state = pullState(pull);
  const when = state === 'merged' ? pull.mergedAt : state === 'declined' ? pull.closedAt : pull.createdAt;
  return [
    { name: 'Forwarded', value: pull.htmlUrl },
    { name: UPSTREAM_STATUS_FIELD, value: formatUpstreamStatus(state, when) },
  ];
}

/** Records the forward in the repository working copy (re-signed, published), when we may. */
export async function recordTracking(
  patch: ForwardPatch,
  fields: FieldEdit[],
  options: UpstreamCommonOptions & TrackingOptions & { dryRun?: boolean },
): Promise<TrackingResult> {
  if (options.dryRun === true) return { fields, recorded: false, changed: [], hint: 'dry run: nothing recorded' };
  if (patch.repoDir === undefined) {
    return {
      fields,
      recorded: false,
      changed: [],
      hint: `${patch.path} is not in a repository working copy (--repo): set these fields by hand`,
    };
  }
  const keys = options.key === undefined ? [] : typeof options.key === 'string' ? [options.key] : [...options.key];
  if (keys.length === 0) {
    return {
      fields,
      recorded: false,
      changed: [],
      hint: 'pass --key (the publisher key) to record this in the patch and re-sign it, or run the command again later with --key',
    };
  }
  const edit = await repoEditPatch({
    repo: patch.repoDir,
    patchId: patch.patchId,
    fields,
    after: 'Forwarded',
    key: keys,
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(options.expires === undefined ? {} : { expires: options.expires }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.onNote === undefined ? {} : { onNote: options.onNote }),
  });
  return { fields, recorded: true, changed: edit.changed };
}
