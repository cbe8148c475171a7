/**
 * `import` on the whole copy of CPANSec's published patches
 * (../shared/cpansec-published, index.json records every file's style and,
 * for the four with a tarball, what GNU patch did). Converted into a
 * temporary repository: these are CPANSec's patches, not the project's.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkHeader } from '../../src/api/header-check.js';
import { importPatches } from '../../src/api/import.js';
import { checkPatchOnTarball } from '../../src/api/release-check.js';
import { binaryToBytes } from '../../src/core/bytes.js';
import { planPatch } from '../../src/core/patch/apply.js';
import { parsePatchFile } from '../../src/core/patch/patch-file.js';
import { addPatch, verifyRepository } from '../../src/repo/index.js';
import { makeRepo, NOW } from '../repo/helpers.js';
import { hasShared, sharedPath } from '../helpers/shared.js';
import type { ImportResult } from '../../src/api/import.js';

const PUBLISHED = hasShared('cpansec-published');
const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

interface Indexed {
  path: string;
  dist: string;
  version: string;
  cve: string;
  header_style: string;
  tarball: string | null;
  gnu_patch: { outcome: string; files: { path: string; sha256_after: string | null; changed: boolean }[] } | null;
}
interface Sequence {
  dist: string;
  version: string;
  tarball: string;
  order: string[];
  steps: { path: string; outcome: string }[];
  files: { path: string; sha256_after: string | null }[];
}

describe.skipIf(!PUBLISHED)("importPatches on CPANSec's published patches", () => {
  const index = PUBLISHED
    ? (JSON.parse(readFileSync(sharedPath('cpansec-published', 'index.json'), 'utf8')) as {
        patches: Indexed[];
        sequences: Sequence[];
      })
    : { patches: [], sequences: [] };

  async function run(recount: boolean): Promise<{
    repo: string;
    result: ImportResult;
    publisherKey: Awaited<ReturnType<typeof makeRepo>>['publisherKey'];
  }> {
    const repo = await makeRepo();
    const result = await importPatches({
      source: sharedPath('cpansec-published'),
      into: repo.dir,
      recount,
      now: Date.parse('2026-11-26T00:00:00Z'),
    });
    return { repo: repo.dir, result, publisherKey: repo.publisherKey };
  }

  it('converts every file, in all five header styles; the one with a stale hunk count is converted with its diff refused', async () => {
    const { repo, result } = await run(false);
    expect(result).toMatchObject({
      found: index.patches.length,
      converted: index.patches.length,
      refused: 1,
      recounted: 0,
      skipped: [],
    });
    const refused = result.patches.filter((p) => p.diff === 'refused');
    expect(refused.map((p) => [p.source, p.refusal?.code])).toEqual([
      ['C/Catalyst-Plugin-Authentication/0.10026/CVE-2009-10007-r1.patch', 'PATCH_PARSE'],
    ]);
    const styles = new Map(index.patches.map((p) => [p.path.replace(/^patches\//, ''), p.header_style]));
    for (const p of result.patches) expect(p.style, p.source).toBe(styles.get(p.source));
    expect(readdirSync(join(repo, 'drafts')).length).toBe(new Set(index.patches.map((p) => p.dist)).size);
  });

  it('keeps each original file byte for byte below the header, and fills the header from the path and the text', async () => {
    const { result } = await run(false);
    for (const p of result.patches) {
      const original = readFileSync(sharedPath('cpansec-published', 'patches', p.source));
      const draft = readFileSync(p.draft as string);
      expect(sha256(draft.subarray(draft.length - original.length)), p.source).toBe(sha256(original));
      const text = draft.toString('utf8');
      expect(text).toMatch(
        new RegExp(
          `^Patch-Id: ${p.patchId}\nDistribution: ${p.distribution}\nAffected-Versions: == ${p.version.replace(/\./g, '\\.')}\nVerified-Versions: \\[TODO\\]\nCVE: ${p.cve}\nSeverity: \\[TODO\\]\n`,
        ),
      );
      expect(text).toContain(`Origin: vendor, https://security.metacpan.org/patches/${p.source}\n`);
      if (p.diff !== 'refused') {
        const file = parsePatchFile(draft);
        const check = checkHeader(file, p.draft as string, { draft: true });
        expect(
          check.problems.filter((q) => q.severity === 'error'),
          p.source,
        ).toEqual([]);
        expect(check.todo).toEqual(expect.arrayContaining(['Verified-Versions', 'Severity', 'Forwarded']));
      }
    }
  });

  it('names the author from From:/Author: lines, and says when the text names another CVE than the path', async () => {
    const { result } = await run(false);
    const byId = new Map(result.patches.map((p) => [p.patchId, p]));
    const cjx = byId.get('Cpanel-JSON-XS-CVE-2025-40929');
    expect(cjx?.warnings).toEqual(['the text also names CVE-2025-40928']);
    const draft = readFileSync(byId.get('Dancer-Plugin-Auth-Google-CVE-2026-13410')?.draft as string, 'utf8');
    expect(draft).toContain('Author: Robert Rothenberg <rrwo@cpansec.org>\n');
    expect(draft).toContain('Description: Change SSL_verify_mode to be enabled\n');
    expect(byId.has('HTML-Bare-CVE-2026-57073-0.02') && byId.has('HTML-Bare-CVE-2026-57073-0.03')).toBe(true);
  });

  it('with --recount, repairs the stale hunk count and records the repair in the description', async () => {
    const { result } = await run(true);
    expect(result).toMatchObject({ refused: 0, recounted: 1 });
    const p = result.patches.find((q) => q.diff === 'recounted');
    expect(p?.repairs).toEqual([
      {
        line: 11,
        from: '@@ -30,9 +30,71 @@ sub set_authenticated {',
        to: '@@ -30,9 +30,70 @@ sub set_authenticated {',
      },
    ]);
    const draft = readFileSync(p?.draft as string, 'utf8');
    expect(draft).toContain('Imported with --recount: line 11');
    expect(parsePatchFile(Buffer.from(draft)).diff.files[0]?.hunks).toHaveLength(2);
  });

  it('applies every draft that has a tarball exactly as GNU patch did (index.json)', async () => {
    const { result } = await run(false);
    const byPath = new Map(result.patches.map((p) => [`patches/${p.source}`, p]));
    const withTarball = index.patches.filter((p) => p.tarball !== null && p.gnu_patch !== null);
    expect(withTarball.length).toBeGreaterThanOrEqual(4);
    for (const p of withTarball) {
      const draft = byPath.get(p.path);
      const file = parsePatchFile(readFileSync(draft?.draft as string));
      const check = await checkPatchOnTarball(file.diff, sharedPath('cpansec-published', p.tarball as string));
      expect(check.outcome, p.path).toBe(p.gnu_patch?.outcome);
      for (const f of p.gnu_patch?.files ?? []) {
        const entry = check.changes.get(f.path) ?? check.original.get(f.path);
        const got = entry === undefined || entry === null ? null : sha256(binaryToBytes(entry.content));
        expect(got, `${p.path}: ${f.path}`).toBe(f.sha256_after);
      }
    }
  });

  it('applies the drafts one after another as GNU patch did (index.json sequences)', async () => {
    const { result } = await run(false);
    const byName = new Map(result.patches.map((p) => [p.source, p]));
    for (const seq of index.sequences) {
      let files = new Map<string, { content: string; mode?: string }>();
      let first = true;
      for (const [i, name] of seq.order.entries()) {
        const draft = byName.get(name.replace(/^patches\//, ''));
        const file = parsePatchFile(readFileSync(draft?.draft as string));
        if (first) {
          const check = await checkPatchOnTarball(file.diff, sharedPath('cpansec-published', seq.tarball));
          expect(check.outcome).toBe(seq.steps[i]?.outcome);
          files = new Map(check.original);
          for (const [k, v] of check.changes) if (v !== null) files.set(k, v);
          first = false;
        } else {
          const plan = planPatch(file.diff, files);
          expect(plan.outcome, name).toBe(seq.steps[i]?.outcome);
          for (const [k, v] of plan.changes) if (v !== null) files.set(k, v);
        }
      }
      expect(seq.files.length).toBeGreaterThan(0);
      for (const f of seq.files) {
        const entry = files.get(f.path);
        expect(
          entry === undefined ? null : sha256(binaryToBytes(entry.content)),
          `${seq.order.join(' then ')}: ${f.path}`,
        ).toBe(f.sha256_after);
      }
    }
  });

  it('leaves drafts unsignable: repo add refuses their [TODO] fields (HEADER_INVALID); clients and verify ignore drafts/', async () => {
    const { repo, result, publisherKey } = await run(false);
    const verified = await verifyRepository({ source: { kind: 'dir', dir: repo, display: repo } });
    expect(verified.problems).toEqual([]);
    const draft = result.patches.find((p) => p.patchId === 'XML-Bare-CVE-2026-13401')?.draft as string;
    await expect(addPatch({ dir: repo, patch: draft, key: publisherKey, now: NOW })).toRejectWithCode('HEADER_INVALID');
  });

  it('does not overwrite drafts without --replace, and refuses a target that is not a repository', async () => {
    const { repo } = await run(false);
    const again = await importPatches({ source: sharedPath('cpansec-published'), into: repo });
    expect(again.converted).toBe(0);
    expect(again.skipped.length).toBe(index.patches.length);
    await expect(
      importPatches({ source: sharedPath('cpansec-published'), into: sharedPath('cpansec-published') }),
    ).toRejectWithCode('USAGE');
  });
});
