import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { TOOL_VERSION } from '../src/version.js';
import { PROJECT_ROOT } from './helpers/shared.js';

it('TOOL_VERSION equals the version in package.json', () => {
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
  expect(TOOL_VERSION).toBe(pkg.version);
});
