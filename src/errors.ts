/**
 * The one error type of cpansec-patch. Every failure a user can meet is a
 * CpansecError whose `code` says what went wrong; the exit code is derived
 * from the code through EXIT_CODES (never passed in), so the table in
 * docs/cli.md and the behaviour cannot drift apart.
 */

/** Process exit codes. Stable: scripts depend on them (docs/cli.md). */
export const EXIT = {
  OK: 0,
  INTERNAL: 1,
  USAGE: 2,
  INPUT_INVALID: 3,
  TRUST: 4,
  CONFLICT: 5,
  NOT_FOUND: 6,
  UNSAFE: 7,
  ENVIRONMENT: 8,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * Every error code and the exit code it maps to. Grouped by exit code; a new
 * code is added here and documented in docs/cli.md in the same commit.
 */
export const EXIT_CODES = {
  // 1: a bug in cpansec-patch
  INTERNAL: EXIT.INTERNAL,
  // 2: the command line is wrong
  USAGE: EXIT.USAGE,
  // 3: an input is malformed or of a kind we do not support
  PATCH_PARSE: EXIT.INPUT_INVALID,
  PATCH_UNSUPPORTED: EXIT.INPUT_INVALID,
  HEADER_INVALID: EXIT.INPUT_INVALID,
  VERSION_INVALID: EXIT.INPUT_INVALID,
  RANGE_INVALID: EXIT.INPUT_INVALID,
  DISTNAME_INVALID: EXIT.INPUT_INVALID,
  TARBALL_INVALID: EXIT.INPUT_INVALID,
  TARBALL_UNSUPPORTED: EXIT.INPUT_INVALID,
  KEY_INVALID: EXIT.INPUT_INVALID,
  METADATA_INVALID: EXIT.INPUT_INVALID,
  CONFIG_INVALID: EXIT.INPUT_INVALID,
  UPSTREAM_UNSUPPORTED: EXIT.INPUT_INVALID,
  // 4: a signature, key or trust check failed
  SIGNATURE_INVALID: EXIT.TRUST,
  SIGNATURE_MALFORMED: EXIT.TRUST,
  SIGNATURE_MISMATCH: EXIT.TRUST,
  KEY_UNTRUSTED: EXIT.TRUST,
  KEY_PASSWORD: EXIT.TRUST,
  UNSIGNED: EXIT.TRUST,
  REPO_TRUST: EXIT.TRUST,
  REPO_ROLLBACK: EXIT.TRUST,
  REPO_EXPIRED: EXIT.TRUST,
  PATCH_REVOKED: EXIT.TRUST,
  CHECKSUM_MISMATCH: EXIT.TRUST,
  // 5: a patch does not apply to what is there
  PATCH_CONFLICT: EXIT.CONFLICT,
  PATCH_REVERSED: EXIT.CONFLICT,
  FILE_EXISTS: EXIT.CONFLICT,
  DRIFT: EXIT.CONFLICT,
  DIST_MISMATCH: EXIT.CONFLICT,
  TEST_FAILED: EXIT.CONFLICT,
  // 6: something named does not exist
  FILE_NOT_FOUND: EXIT.NOT_FOUND,
  PATCH_NOT_FOUND: EXIT.NOT_FOUND,
  DIST_NOT_FOUND: EXIT.NOT_FOUND,
  KEY_NOT_FOUND: EXIT.NOT_FOUND,
  NO_UPSTREAM: EXIT.NOT_FOUND,
  UPSTREAM_NOT_FOUND: EXIT.NOT_FOUND,
  // 7: input refused because following it would be unsafe
  UNSAFE_PATH: EXIT.UNSAFE,
  LIMIT_EXCEEDED: EXIT.UNSAFE,
  UNSAFE_ENTRY: EXIT.UNSAFE,
  SYMLINK_ESCAPE: EXIT.UNSAFE,
  // 8: the environment failed us (I/O, network, tools, locks)
  IO: EXIT.ENVIRONMENT,
  READ_ONLY: EXIT.ENVIRONMENT,
  LOCKED: EXIT.ENVIRONMENT,
  NETWORK: EXIT.ENVIRONMENT,
  TOOL_FAILED: EXIT.ENVIRONMENT,
  GITHUB: EXIT.ENVIRONMENT,
  GITHUB_AUTH: EXIT.ENVIRONMENT,
  GITHUB_SCOPE: EXIT.ENVIRONMENT,
  GITHUB_RATE_LIMIT: EXIT.ENVIRONMENT,
  UPSTREAM_ARCHIVED: EXIT.ENVIRONMENT,
} as const satisfies Record<string, ExitCode>;

export type ErrorCode = keyof typeof EXIT_CODES;

export interface CpansecErrorOptions {
  /** What the user can do about it, one or two sentences. */
  hint?: string;
  /** Machine-readable specifics (file, line, hunk, field path...). JSON-safe. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class CpansecError extends Error {
  override readonly name = 'CpansecError';
  readonly code: ErrorCode;
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: CpansecErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.exitCode = EXIT_CODES[code];
    this.hint = options.hint;
    this.details = options.details;
  }

  toJSON(): { code: ErrorCode; exitCode: number; message: string; hint?: string; details?: Record<string, unknown> } {
    return {
      code: this.code,
      exitCode: this.exitCode,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

export function isCpansecError(value: unknown): value is CpansecError {
  return value instanceof CpansecError;
}

/**
 * Wrap a foreign error (fs, zlib, network) at an adapter boundary. A
 * CpansecError passes through unchanged so the most specific code wins.
 */
export function wrapError(
  err: unknown,
  code: ErrorCode,
  message: string,
  options: Omit<CpansecErrorOptions, 'cause'> = {},
): CpansecError {
  if (err instanceof CpansecError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new CpansecError(code, `${message}: ${reason}`, { ...options, cause: err });
}

/**
 * Adds where-context (a file name) to an error from pure code that only saw
 * bytes. Keeps the code, hint and details; non-Cpansec errors are wrapped.
 */
export function inContext(
  err: unknown,
  where: string,
  fallback: ErrorCode,
  details: Record<string, unknown> = {},
): CpansecError {
  if (!(err instanceof CpansecError)) return wrapError(err, fallback, where, { details });
  return new CpansecError(err.code, `${where}: ${err.message}`, {
    ...(err.hint === undefined ? {} : { hint: err.hint }),
    details: { ...details, ...err.details },
    cause: err,
  });
}

/** For switch statements over discriminated unions: fails to compile when a case is missing. */
export function assertNever(value: never, what = 'value'): never {
  throw new CpansecError('INTERNAL', `unexpected ${what}: ${JSON.stringify(value)}`);
}
