import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CpansecError, EXIT_CODES, inContext, wrapError } from '../src/errors.js';
import type { ErrorCode } from '../src/errors.js';
import { PROJECT_ROOT } from './helpers/shared.js';

describe('CpansecError', () => {
  it('takes its exit code from the table, never from the caller', () => {
    const err = new CpansecError('PATCH_CONFLICT', 'nope', { hint: 'try --fuzz', details: { file: 'x' } });
    expect(err.exitCode).toBe(5);
    expect(err.toJSON()).toEqual({
      code: 'PATCH_CONFLICT',
      exitCode: 5,
      message: 'nope',
      hint: 'try --fuzz',
      details: { file: 'x' },
    });
  });

  describe('wrapError', () => {
    it('keeps a CpansecError as it is', () => {
      const inner = new CpansecError('UNSAFE_PATH', 'bad');
      expect(wrapError(inner, 'IO', 'x')).toBe(inner);
    });
    it('wraps foreign errors with the given code and keeps the cause', () => {
      const cause = new Error('EACCES');
      const err = wrapError(cause, 'IO', 'cannot write');
      expect(err.code).toBe('IO');
      expect(err.message).toBe('cannot write: EACCES');
      expect(err.cause).toBe(cause);
    });
  });

  describe('inContext', () => {
    it('prefixes the message and merges details, keeping code and hint', () => {
      const err = inContext(
        new CpansecError('PATCH_PARSE', 'line 3: bad hunk', { hint: 'h', details: { line: 3 } }),
        'fix.patch',
        'IO',
        { file: 'fix.patch' },
      );
      expect(err).toMatchObject({
        code: 'PATCH_PARSE',
        message: 'fix.patch: line 3: bad hunk',
        hint: 'h',
        details: { file: 'fix.patch', line: 3 },
      });
    });
  });
});

describe('docs/cli.md exit code table', () => {
  it('lists every error code under its exit code, and nothing else', () => {
    const doc = readFileSync(join(PROJECT_ROOT, 'docs', 'cli.md'), 'utf8');
    const documented = new Map<string, number>();
    for (const row of doc.matchAll(/^\| (\d) \| [^|]+\| ([^|]*)\|$/gm)) {
      for (const code of (row[2] as string).matchAll(/`([A-Z_]+)`/g)) documented.set(code[1] as string, Number(row[1]));
    }
    const actual = new Map(Object.entries(EXIT_CODES) as [ErrorCode, number][]);
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(actual));
  });
});
