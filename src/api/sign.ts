/**
 * `cpansec-patch sign <patch> --key KEY`: writes `<patch>.minisig`, a
 * minisign signature whose trusted comment binds it to this patch (file
 * name, Patch-Id, Distribution; docs/signing.md).
 */
import { lstat } from 'node:fs/promises';
import { basename } from 'node:path';
import { validatePatchFile } from '../core/patch/patch-file.js';
import { nodeBlake2b512 } from '../crypto/node-ed25519.js';
import { CpansecError } from '../errors.js';
import { writeFileAtomic } from '../files/atomic.js';
import { signFile } from '../sign/sign.js';
import { formatPatchTrustedComment } from '../sign/trusted-comment.js';
import { openSecretKey } from './key-files.js';
import { loadPatch } from './load-patch.js';
import type { Limits } from '../core/limits.js';
import type { PasswordSource } from './key-files.js';

export interface SignPatchOptions {
  /** The patch file. */
  patch: string;
  /** The secret key file (minisign format; from `key generate` or `minisign -G`). */
  key: string;
  /** Used only when the key is encrypted. */
  password?: PasswordSource;
  /** Where to write the signature; default `<patch>.minisig`. */
  output?: string;
  /** The untrusted comment (line 1; not signed). */
  untrustedComment?: string;
  /** Unix time to record; default now. */
  timestamp?: number;
  limits?: Partial<Limits>;
  onNote?: (message: string) => void;
}

export interface SignPatchResult {
  patch: string;
  signature: string;
  keyId: string;
  algorithm: 'ED';
  /** The exact trusted comment that was signed. */
  trustedComment: string;
  signed: { timestamp: number; file: string; patchId: string; dist: string };
  /** True when an existing signature file was replaced. */
  replaced: boolean;
  warnings: string[];
}

/**
 * @throws CpansecError FILE_NOT_FOUND, PATCH_PARSE, HEADER_INVALID (no Patch-Id or Distribution),
 *   KEY_NOT_FOUND, KEY_INVALID, KEY_PASSWORD, IO, READ_ONLY
 */
export async function signPatch(options: SignPatchOptions): Promise<SignPatchResult> {
  const loaded = await loadPatch(options.patch, options.limits);
  const { metadata, issues } = validatePatchFile(loaded.file, { draft: true });
  const identity = issues.filter(
    (i) => i.severity === 'error' && (i.field === 'Patch-Id' || i.field === 'Distribution'),
  );
  const missing = [
    ...(metadata.patchId === undefined ? ['Patch-Id'] : []),
    ...(metadata.distribution === undefined ? ['Distribution'] : []),
  ];
  if (
    identity.length > 0 ||
    missing.length > 0 ||
    metadata.patchId === undefined ||
    metadata.distribution === undefined
  ) {
    const lines = [...missing.map((f) => `${f} is missing`), ...identity.map((i) => `line ${i.line}: ${i.message}`)];
    throw new CpansecError('HEADER_INVALID', `${options.patch}: cannot sign: ${lines.join('; ')}`, {
      hint: 'a signature names the patch by its Patch-Id and Distribution header fields; add them (docs/patch-format.md)',
      details: { file: options.patch, missing, issues: identity },
    });
  }
  const file = basename(options.patch);
  const warnings: string[] = [];
  if (file !== `${metadata.patchId}.patch`) {
    warnings.push(`the file is named ${file}, not ${metadata.patchId}.patch; the signature binds the name ${file}`);
  }
  const headerErrors = issues.filter((i) => i.severity === 'error').length;
  if (headerErrors > 0)
    warnings.push(`the header has ${headerErrors} problem(s); run "cpansec-patch show" to see them`);

  const key = await openSecretKey(options.key, options.password, options.onNote);
  const signed = {
    timestamp: options.timestamp ?? Math.floor(Date.now() / 1000),
    file,
    patchId: metadata.patchId,
    dist: metadata.distribution,
  };
  const trustedComment = formatPatchTrustedComment(signed);
  const result = signFile(loaded.bytes, key, trustedComment, options.untrustedComment, { hasher: nodeBlake2b512 });
  const output = options.output ?? `${options.patch}.minisig`;
  const replaced = await lstat(output).then(
    () => true,
    () => false,
  );
  await writeFileAtomic(output, new TextEncoder().encode(result.text), 0o644);
  return {
    patch: options.patch,
    signature: output,
    keyId: key.keyIdHex,
    algorithm: 'ED',
    trustedComment,
    signed,
    replaced,
    warnings,
  };
}
