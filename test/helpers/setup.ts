import { expect } from 'vitest';
import { CpansecError } from '../../src/errors.js';
import type { ErrorCode } from '../../src/errors.js';

// Tests assert on error codes, never on message text (sigstore's toThrowWithCode habit).
expect.extend({
  toThrowCode(received: unknown, code: ErrorCode) {
    let thrown: unknown;
    try {
      if (typeof received === 'function') (received as () => unknown)();
      else thrown = new Error('toThrowCode expects a function');
    } catch (err) {
      thrown = err;
    }
    const pass = thrown instanceof CpansecError && thrown.code === code;
    const got =
      thrown instanceof CpansecError
        ? `CpansecError ${thrown.code}: ${thrown.message}`
        : thrown === undefined
          ? 'nothing thrown'
          : String(thrown);
    return {
      pass,
      message: () => `expected CpansecError with code ${code}${pass ? ' not' : ''} to be thrown, got ${got}`,
    };
  },
  async toRejectWithCode(received: unknown, code: ErrorCode) {
    let thrown: unknown;
    try {
      await (typeof received === 'function' ? (received as () => Promise<unknown>)() : received);
    } catch (err) {
      thrown = err;
    }
    const pass = thrown instanceof CpansecError && thrown.code === code;
    const got =
      thrown instanceof CpansecError
        ? `CpansecError ${thrown.code}: ${thrown.message}`
        : thrown === undefined
          ? 'nothing thrown'
          : String(thrown);
    return {
      pass,
      message: () => `expected rejection with CpansecError ${code}${pass ? ' not' : ''}, got ${got}`,
    };
  },
});

declare module 'vitest' {
  interface Assertion<T> {
    toThrowCode(code: ErrorCode): T;
    toRejectWithCode(code: ErrorCode): Promise<T>;
  }
}
