import { describe, expect, it } from 'vitest';
import * as lib from '../src/index.js';

describe('the public library API', () => {
  it('exports every command function and the core entry points', () => {
    for (const name of [
      'showPatch',
      'checkPatch',
      'applyPatchToDir',
      'parsePatchFile',
      'planPatch',
      'parseVersion',
      'parseDistname',
    ]) {
      expect(typeof (lib as Record<string, unknown>)[name]).toBe('function');
    }
  });
});
