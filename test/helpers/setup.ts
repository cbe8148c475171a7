import { expect } from 'vitest';
import { CpansecError } from '../../src/errors.js';
import { caught, describeThrown } from './errors.js';
import type { ErrorCode } from '../../src/errors.js';

// Tests assert on error codes, never on message text (sigstore's toThrowWithCode habit).
expect.extend({
  toThrowCode(received: unknown, code: ErrorCode) {
    const err =
      typeof received === 'function' ? caught(received as () => unknown) : new Error('toThrowCode expects a function');
    const pass = err instanceof CpansecError && err.code === code;
    return {
      pass,
      message: () => `expected CpansecError ${code}${pass ? ' not' : ''} to be thrown, got ${describeThrown(err)}`,
    };
  },
  async toRejectWithCode(received: unknown, code: ErrorCode) {
    let err: unknown;
    try {
      await (typeof received === 'function' ? (received as () => Promise<unknown>)() : received);
    } catch (e) {
      err = e;
    }
    const pass = err instanceof CpansecError && err.code === code;
    return {
      pass,
      message: () => `expected rejection with CpansecError ${code}${pass ? ' not' : ''}, got ${describeThrown(err)}`,
    };
  },
});

declare module 'vitest' {
  interface Assertion<T> {
    toThrowCode(code: ErrorCode): T;
    toRejectWithCode(code: ErrorCode): Promise<T>;
  }
}
