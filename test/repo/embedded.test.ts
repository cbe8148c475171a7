/**
 * The project's own patches/ folder is a repository in our format, signed
 * with the development keys of ../shared/keys. Checked with public keys only,
 * through the same code as any repository; CI fails 30 days before any of
 * its metadata expires, so the re-publish (docs/repository-format.md) is
 * never forgotten.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EMBEDDED_REPOSITORY, openRepository, verifyRepository } from '../../src/repo/index.js';
import { parseExpires } from '../../src/repo/tuf-model.js';
import { tempDir } from '../helpers/tmp.js';
import { hasShared, sharedPath } from '../helpers/shared.js';

const DAY = 86_400_000;

describe('the embedded repository (patches/)', () => {
  it('verifies from its first root with public keys only, every problem reported', async () => {
    const result = await verifyRepository({ source: { kind: 'dir', dir: EMBEDDED_REPOSITORY, display: 'embedded' } });
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('stays valid for at least 30 more days (re-publish before it expires)', () => {
    const now = Date.now();
    for (const role of ['root', 'targets', 'snapshot', 'timestamp']) {
      const doc = JSON.parse(readFileSync(join(EMBEDDED_REPOSITORY, 'metadata', `${role}.json`), 'utf8')) as {
        signed: { expires: string };
      };
      const expires = parseExpires(doc.signed.expires) ?? 0;
      expect(expires - now, `${role} expires ${doc.signed.expires}`).toBeGreaterThan(30 * DAY);
    }
  });

  it('opens offline, through the TUF client and the file fetcher', async () => {
    const repo = await openRepository({ offline: true, cache: join(tempDir(), 'cache') });
    expect(repo.versions.root).toBeGreaterThanOrEqual(1);
    expect(repo.isRevoked('No-Such-Patch')).toBe(false);
    expect(repo.pull?.requests).toBeGreaterThan(0);
  });

  it('holds public keys only, and they are the shared development keys', () => {
    const names = readdirSync(join(EMBEDDED_REPOSITORY, 'keys'));
    expect(names.every((n) => n.endsWith('.pub'))).toBe(true);
    const all = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? all(join(dir, e.name)) : [e.name]));
    expect(all(EMBEDDED_REPOSITORY).filter((n) => n.endsWith('.key'))).toEqual([]);
    if (hasShared('keys')) {
      for (const who of ['root', 'publisher']) {
        const line = readFileSync(sharedPath('keys', `${who}.pub`), 'utf8').split('\n')[1] as string;
        const mine = names
          .filter((n) => n.startsWith(`${who}-`))
          .map((n) => readFileSync(join(EMBEDDED_REPOSITORY, 'keys', n), 'utf8'));
        expect(mine.some((text) => text.includes(line))).toBe(true);
      }
    }
  });
});
