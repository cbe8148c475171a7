/**
 * `cpansec-patch repo verify [DIR|URL]`: every check a client makes, plus the
 * directory checks a client cannot make, with public keys only; every
 * problem is reported (src/repo/verify-repo.ts).
 */
import { nodeBlake2b512, nodeEd25519 } from '../crypto/node-ed25519.js';
import { CpansecError, EXIT_CODES } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { EMBEDDED_REPOSITORY, loadTrustRoot, resolveSource, verifyRepository } from '../repo/index.js';
import type { VerifyRepositoryResult } from '../repo/index.js';
export type { VerifyRepositoryResult } from '../repo/index.js';

export interface RepoVerifyOptions {
  /** Directory, http(s) URL or git remote; default the embedded repository. */
  repo?: string;
  /** Root to start from; default the repository's own 1.root.json. */
  trustRoot?: string;
  now?: number;
  onProgress?: (message: string) => void;
}

/** Returns the report when everything holds. @throws CpansecError (the first problem's code) with details.problems */
export async function repoVerify(options: RepoVerifyOptions): Promise<VerifyRepositoryResult> {
  const source = resolveSource(options.repo ?? EMBEDDED_REPOSITORY);
  const result = await verifyRepository({
    source: source.kind === 'embedded' ? { kind: 'dir', dir: source.dir, display: 'embedded' } : source,
    ...(options.trustRoot === undefined ? {} : { trustRoot: await loadTrustRoot(options.trustRoot) }),
    ...(options.now === undefined ? {} : { now: options.now }),
    crypto: { verifier: nodeEd25519, hasher: nodeBlake2b512 },
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  if (result.ok) return result;
  const first = result.problems[0];
  const code = first !== undefined && first.code in EXIT_CODES ? (first.code as ErrorCode) : 'REPO_TRUST';
  const lines = result.problems.map((p) => `  ${p.target}: ${p.message} (${p.code})`).join('\n');
  throw new CpansecError(code, `${result.source}: ${result.problems.length} problem(s):\n${lines}`, {
    hint: 'nothing in this repository should be trusted until these are fixed',
    details: { problems: result.problems, report: result },
  });
}
