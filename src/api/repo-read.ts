/**
 * Opening the repository `list`, `search` and `info` read: `--repo`, else
 * the configuration file's "repo", else the embedded patches/ (offline).
 * Always through openRepository (TUF metadata and minisign signatures
 * checked), with node:crypto's verifier.
 */
import { resolve } from 'node:path';
import { nodeBlake2b512, nodeEd25519 } from '../crypto/node-ed25519.js';
import { openRepository } from '../repo/index.js';
import { readConfig } from './config.js';
import type { PatchEntry, Repository, RevokedEntry } from '../repo/index.js';

export interface RepoReadOptions {
  /** A folder, https URL or git remote; default: the configuration file's, else the embedded repository. */
  repo?: string;
  /** This source's cache folder (as for pull). */
  cache?: string;
  /** Use the cached copy of a remote repository without contacting it. */
  offline?: boolean;
  trustRoot?: string;
  cwd?: string;
  env?: Record<string, string | undefined>;
  now?: number;
  onProgress?: (message: string) => void;
}

export interface OpenedRepository {
  repo: Repository;
  /** Where the repository came from: "--repo", "config", "embedded". */
  chosenBy: 'option' | 'config' | 'embedded';
  config: string | null;
}

/** @throws CpansecError CONFIG_INVALID, and openRepository's (REPO_*, METADATA_INVALID, NETWORK, ...) */
export async function openReadRepository(options: RepoReadOptions = {}): Promise<OpenedRepository> {
  const env = options.env ?? process.env;
  const config = await readConfig(env);
  const cwd = options.cwd ?? process.cwd();
  const source = options.repo ?? config.repo;
  const chosenBy = options.repo !== undefined ? 'option' : config.repo !== undefined ? 'config' : 'embedded';
  const repo = await openRepository({
    ...(source === undefined ? {} : { repo: source }),
    ...(options.cache === undefined ? {} : { cache: resolve(cwd, options.cache) }),
    ...(options.offline === undefined ? {} : { offline: options.offline }),
    ...(options.trustRoot === undefined ? {} : { trustRoot: resolve(cwd, options.trustRoot) }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    cwd,
    // The configuration's cache is a base folder, as CPANSEC_PATCH_CACHE is.
    env: config.cache === undefined ? env : { ...env, CPANSEC_PATCH_CACHE: config.cache },
    crypto: { verifier: nodeEd25519, hasher: nodeBlake2b512 },
  });
  return { repo, chosenBy, config: config.path };
}

/** What `list` and `search` show of a patch: its signed description, nothing read from the file. */
export interface PatchSummary {
  patchId: string;
  distribution: string;
  affectedVersions: string;
  fixedVersions: string[];
  cve: string[];
  cpansa: string[];
  severity: string;
  summary?: string;
  revision: number;
  appliedUpstream?: string;
  signer: string;
}

export function summarize(e: PatchEntry): PatchSummary {
  return {
    patchId: e.patchId,
    distribution: e.distribution,
    affectedVersions: e.affectedVersions,
    fixedVersions: e.fixedVersions,
    cve: e.cve,
    cpansa: e.cpansa,
    severity: e.severity,
    ...(e.summary === undefined ? {} : { summary: e.summary }),
    revision: e.revision,
    ...(e.appliedUpstream === undefined ? {} : { appliedUpstream: e.appliedUpstream }),
    signer: e.signer,
  };
}

export type { RevokedEntry };
