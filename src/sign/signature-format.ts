/**
 * minisign signature files (`FILE.minisig`, research note §1.4), parsed with
 * the strict rules of minisign HEAD:
 *
 *   untrusted comment: <text>            (not signed by anything)
 *   base64("ED" or "Ed" | key id (8) | signature (64))
 *   trusted comment: <text>              (signed by the global signature)
 *   base64(global signature (64))        = Ed25519(signature | trusted comment bytes)
 *
 * Lines end with \n or \r\n; any other \r is refused; both comments must be
 * printable UTF-8 (TAB allowed); line lengths are minisign's fgets() buffers;
 * nothing may follow line 4 (minisign ignores such bytes, we refuse them: one
 * signature, one file). Every failure is SIGNATURE_MALFORMED.
 */
import { CpansecError } from '../errors.js';
import { decodeBase64, encodeBase64 } from './base64.js';
import { COMMENT_PREFIX, MAX_COMMENT_LINE, formatKeyId } from './key-format.js';
import { asciiString, decodePrintable, encodeUtf8, splitLines, startsWithAscii, toHex } from './text.js';
import type { TextLine } from './text.js';

export const TRUSTED_PREFIX = 'trusted comment: ';
/** minisign reads the trusted comment line with fgets(buf, 8192). */
export const MAX_TRUSTED_LINE = 8191;
/** Longest comments that still fit those lines with a "\n" (minisign refuses longer ones on signing). */
export const MAX_UNTRUSTED_COMMENT_BYTES = MAX_COMMENT_LINE - COMMENT_PREFIX.length - 1;
export const MAX_TRUSTED_COMMENT_BYTES = MAX_TRUSTED_LINE - TRUSTED_PREFIX.length - 1;
/** Upper bound on a valid file: the four lines at their longest with \r\n. */
export const MAX_SIGNATURE_FILE_BYTES = MAX_COMMENT_LINE + 102 + MAX_TRUSTED_LINE + 90;

/** "ED": Ed25519 over BLAKE2b-512 of the file (minisign's default since 0.10). "Ed": over the raw file (legacy). */
export type SignatureAlgorithm = 'ED' | 'Ed';

export interface MinisignSignature {
  algorithm: SignatureAlgorithm;
  keyId: Uint8Array;
  keyIdHex: string;
  signature: Uint8Array;
  /** Not covered by any signature: anyone can change it. Never show it as authenticated. */
  untrustedComment: string;
  trustedComment: string;
  /** The trusted comment's bytes exactly as in the file: what the global signature covers. */
  trustedCommentBytes: Uint8Array;
  globalSignature: Uint8Array;
}

function malformed(message: string, line?: number, hint?: string): CpansecError {
  return new CpansecError('SIGNATURE_MALFORMED', `signature file: ${message}`, {
    hint: hint ?? 'the file is not a minisign signature, or was damaged or altered; get it again from its source',
    ...(line === undefined ? {} : { details: { line } }),
  });
}

function commentLine(
  line: TextLine,
  prefix: string,
  maxRaw: number,
  name: string,
): { text: string; bytes: Uint8Array } {
  if (!startsWithAscii(line.bytes, prefix))
    throw malformed(`line ${line.number} must start with "${prefix}"`, line.number);
  if (!line.terminated) throw malformed(`line ${line.number} (${name}) does not end with a newline`, line.number);
  if (line.rawLength > maxRaw) {
    throw malformed(
      `line ${line.number} (${name}) is ${line.rawLength} bytes, over minisign's limit of ${maxRaw}`,
      line.number,
    );
  }
  const bytes = line.bytes.subarray(prefix.length);
  const text = decodePrintable(bytes);
  if (text === undefined) {
    throw malformed(
      `the ${name} is not printable UTF-8 (control characters other than TAB, DEL, C1 controls or invalid UTF-8)`,
      line.number,
      'minisign refuses such comments too: they can rewrite what a terminal shows',
    );
  }
  return { text, bytes };
}

function base64Line(line: TextLine, length: number, name: string): Uint8Array {
  const bytes = decodeBase64(asciiString(line.bytes));
  if (bytes === undefined || bytes.length !== length) {
    throw malformed(`line ${line.number} is not the canonical base64 of a ${length}-byte ${name}`, line.number);
  }
  return bytes;
}

/**
 * Parses a `.minisig` file.
 * @throws CpansecError SIGNATURE_MALFORMED
 */
export function parseSignature(input: Uint8Array | string): MinisignSignature {
  const bytes = typeof input === 'string' ? encodeUtf8(input) : input;
  if (bytes.length > MAX_SIGNATURE_FILE_BYTES)
    throw malformed(`${bytes.length} bytes is too large for a minisign signature`);
  const lines = splitLines(bytes, 'SIGNATURE_MALFORMED', 'signature file');
  if (lines.length < 4) {
    const missing = ['untrusted comment', 'signature', 'trusted comment', 'global signature'][lines.length];
    throw malformed(`line ${lines.length + 1} (${missing}) is missing: the file is truncated`, lines.length + 1);
  }
  if (lines.length > 4) throw malformed('there is data after line 4', 5);
  const [l1, l2, l3, l4] = lines as [TextLine, TextLine, TextLine, TextLine];
  const untrusted = commentLine(l1, COMMENT_PREFIX, MAX_COMMENT_LINE, 'untrusted comment');
  if (!l2.terminated) throw malformed('line 2 does not end with a newline', 2);
  const sig = base64Line(l2, 74, 'signature');
  const trusted = commentLine(l3, TRUSTED_PREFIX, MAX_TRUSTED_LINE, 'trusted comment');
  const globalSignature = base64Line(l4, 64, 'global signature');
  let algorithm: SignatureAlgorithm;
  if (sig[0] === 0x45 && sig[1] === 0x44) algorithm = 'ED';
  else if (sig[0] === 0x45 && sig[1] === 0x64) algorithm = 'Ed';
  // Shown as hex: these bytes are attacker-chosen and may be control characters.
  else throw malformed(`unsupported signature algorithm 0x${toHex(sig.subarray(0, 2))} (expected "ED", 0x4544)`, 2);
  const keyId = sig.slice(2, 10);
  return {
    algorithm,
    keyId,
    keyIdHex: formatKeyId(keyId),
    signature: sig.slice(10, 74),
    untrustedComment: untrusted.text,
    trustedComment: trusted.text,
    trustedCommentBytes: trusted.bytes.slice(),
    globalSignature,
  };
}

/** Checks a comment for writing; the same rules the parser applies. */
export function checkComment(text: string, maxBytes: number, name: string): Uint8Array {
  const bytes = encodeUtf8(text);
  if (decodePrintable(bytes) === undefined) {
    throw new CpansecError(
      'USAGE',
      `the ${name} must be one line of printable text (no newlines or control characters)`,
    );
  }
  if (bytes.length > maxBytes) {
    throw new CpansecError('USAGE', `the ${name} is ${bytes.length} bytes; minisign allows at most ${maxBytes}`);
  }
  return bytes;
}

/**
 * Formats a `.minisig` file as minisign writes it (\n endings, final newline).
 * @throws CpansecError USAGE (a comment that would not parse back)
 */
export function formatSignature(sig: Omit<MinisignSignature, 'keyIdHex' | 'trustedCommentBytes'>): string {
  checkComment(sig.untrustedComment, MAX_UNTRUSTED_COMMENT_BYTES, 'untrusted comment');
  checkComment(sig.trustedComment, MAX_TRUSTED_COMMENT_BYTES, 'trusted comment');
  const alg = sig.algorithm === 'ED' ? [0x45, 0x44] : [0x45, 0x64];
  const struct = Uint8Array.from([...alg, ...sig.keyId, ...sig.signature]);
  return (
    `${COMMENT_PREFIX}${sig.untrustedComment}\n${encodeBase64(struct)}\n` +
    `${TRUSTED_PREFIX}${sig.trustedComment}\n${encodeBase64(sig.globalSignature)}\n`
  );
}
