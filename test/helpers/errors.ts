import { CpansecError } from '../../src/errors.js';

/** What `f` throws (undefined when it returns). */
export function caught(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  return undefined;
}

/** The CpansecError `f` throws; fails the test on anything else, or on no throw. */
export function thrown(f: () => unknown): CpansecError {
  const err = caught(f);
  if (err instanceof CpansecError) return err;
  if (err === undefined) throw new Error('nothing thrown');
  throw err;
}

/** One line for a failed toThrowCode/toRejectWithCode. */
export function describeThrown(err: unknown): string {
  if (err instanceof CpansecError) return `CpansecError ${err.code}: ${err.message}`;
  return err === undefined ? 'nothing thrown' : String(err);
}
