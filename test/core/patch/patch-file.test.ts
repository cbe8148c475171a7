/**
 * The patch file as a whole: header + free text + diff. Round trips are
 * checked on every real patch we can reach (the bundled example, the corpus'
 * Debian patches, CPANSec's published patches), and the format is checked to
 * stay usable by the tools people already have: GNU patch -p1, git apply and
 * quilt, run for real.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeUtf8 } from '../../../src/core/bytes.js';
import { formatHeader, getField, setField } from '../../../src/core/patch/header.js';
import {
  formatPatchFile,
  parsePatchFile,
  requireValidMetadata,
  validatePatchFile,
} from '../../../src/core/patch/patch-file.js';
import { listEntries, readExpected } from '../../conformance/corpus.js';
import { hasShared, PROJECT_ROOT, sharedPath } from '../../helpers/shared.js';
import { tempDir } from '../../helpers/tmp.js';

const EXAMPLE_DIR = join(PROJECT_ROOT, 'test', 'fixtures', 'example');
const EXAMPLE = join(EXAMPLE_DIR, 'Acme-Demo-CVE-2099-0001.patch');

function filesUnder(dir: string, match: (name: string) => boolean): string[] {
  return readdirSync(dir, { recursive: true })
    .map((n) => join(dir, String(n)))
    .filter((p) => statSync(p).isFile() && match(p));
}

const HEADER = [
  'Patch-Id: Example-CVE-2026-0001',
  'Distribution: Example-Dist',
  'Affected-Versions: >= 1.0, <= 1.2; == 2.0',
  'Fixed-Versions: 1.3',
  'Verified-Versions: 1.2',
  'CVE: CVE-2026-0001',
  'CPANSA: CPANSA-Example-Dist-2026-01',
  'Severity: medium',
  'Description: a one-line summary',
  ' A longer explanation.',
  'Author: Jane Doe <jane@example.org>',
  'Forwarded: no',
  'Last-Update: 2026-11-25',
  'X-Unknown-Field: kept',
  '',
].join('\n');

const DIFF = '--- a/lib/X.pm\n+++ b/lib/X.pm\n@@ -1 +1 @@\n-old\n+new\n';

describe('parsePatchFile', () => {
  it('reads the example patch and formats it back byte for byte', () => {
    const bytes = new Uint8Array(readFileSync(EXAMPLE));
    const file = parsePatchFile(bytes);
    expect(getField(file.header, 'Patch-Id')?.value).toBe('Acme-Demo-CVE-2099-0001');
    expect(file.diff.files.map((f) => f.type)).toEqual(['modify', 'create']);
    expect(formatPatchFile(file)).toEqual(bytes);
    expect(validatePatchFile(file).issues).toEqual([]);
  });

  it('keeps unknown fields and the untouched bytes when one field is edited', () => {
    const file = parsePatchFile(encodeUtf8(`${HEADER}\nfree text\n\n${DIFF}`));
    const edited = { ...file, header: setField(file.header, 'Forwarded', 'https://github.com/x/y/pull/1') };
    const text = new TextDecoder().decode(formatPatchFile(edited));
    expect(text).toBe(
      `${HEADER.replace('Forwarded: no', 'Forwarded: https://github.com/x/y/pull/1')}\nfree text\n\n${DIFF}`,
    );
    expect(formatHeader(edited.header)).toContain('X-Unknown-Field: kept');
  });

  it('keeps a latin1 mail header lossless', () => {
    const bytes = new Uint8Array([
      ...Buffer.from('From: Ren\xe9 <r@x>\nSubject: fix\n\n', 'latin1'),
      ...Buffer.from(DIFF),
    ]);
    const file = parsePatchFile(bytes);
    expect(file.headerEncoding).toBe('latin1');
    expect(formatPatchFile(file)).toEqual(bytes);
  });

  describe('when the header has several problems', () => {
    it('reports every one of them with its line', () => {
      const bad = HEADER.replace('CVE: CVE-2026-0001', 'CVE: CVE-26-1')
        .replace('Severity: medium', 'Severity: dire')
        .replace('Forwarded: no', 'Forwarded: maybe')
        .replace('Affected-Versions: >= 1.0, <= 1.2; == 2.0', 'Affected-Versions: >= 2, < 1')
        .replace('Last-Update: 2026-11-25\n', 'Last-Update: 2026-02-30\n')
        .replace('Distribution: Example-Dist', 'Distribution: Example::Dist');
      const { issues } = validatePatchFile(parsePatchFile(encodeUtf8(`${bad}\n${DIFF}`)));
      expect(issues.map((i) => [i.field, i.line])).toEqual([
        ['Distribution', 2],
        ['Affected-Versions', 3],
        ['CVE', 6],
        ['Severity', 8],
        ['Forwarded', 12],
        ['Last-Update', 13],
      ]);
      expect(() => requireValidMetadata(parsePatchFile(encodeUtf8(`${bad}\n${DIFF}`)), 'x.patch')).toThrowCode(
        'HEADER_INVALID',
      );
    });

    it('lists missing required fields unless it is a draft', () => {
      const file = parsePatchFile(encodeUtf8(`Patch-Id: Draft-1\nDescription: [TODO] say what it fixes\n\n${DIFF}`));
      const missing = validatePatchFile(file).issues.map((i) => i.field);
      expect(missing).toEqual(
        expect.arrayContaining(['Description', 'Distribution', 'Affected-Versions', 'Severity', 'CVE', 'Last-Update']),
      );
      expect(validatePatchFile(file, { draft: true }).issues).toEqual([]);
    });
  });
});

describe.skipIf(!hasShared('corpus'))('round trip on every real patch in ../shared', () => {
  const corpus = sharedPath('corpus');
  const published = sharedPath('cpansec-published', 'patches');
  // describe bodies run even when skipped: read the folders only when they are there.
  const files = existsSync(corpus)
    ? [
        ...listEntries(corpus).flatMap((entry) =>
          readExpected(corpus, entry).patches.map((p) => join(corpus, entry, p.path)),
        ),
        ...(existsSync(published) ? filesUnder(published, (p) => p.endsWith('.patch')) : []),
      ]
    : [];

  it('finds the corpus and the published patches', () => {
    expect(files.length).toBeGreaterThanOrEqual(150 + 39);
  });

  // Patches GNU patch 2.7.6 also rejects as malformed; we must refuse them too (PATCH_PARSE), not guess.
  const MALFORMED: Record<string, string> = {
    'cpansec-published/patches/C/Catalyst-Plugin-Authentication/0.10026/CVE-2009-10007-r1.patch':
      'hunk "@@ -30,9 +30,71 @@" has fewer lines than it declares; GNU patch: "malformed patch at line 82"',
  };

  it('parses every one and formats it back byte for byte', () => {
    const failures: string[] = [];
    for (const path of files) {
      const rel = relative(sharedPath(), path);
      const bytes = new Uint8Array(readFileSync(path));
      if (rel in MALFORMED) {
        expect(() => parsePatchFile(bytes), rel).toThrowCode('PATCH_PARSE');
        continue;
      }
      try {
        const back = formatPatchFile(parsePatchFile(bytes));
        if (Buffer.compare(Buffer.from(back), Buffer.from(bytes)) !== 0)
          failures.push(`${rel}: differs after the round trip`);
      } catch (err) {
        failures.push(`${rel}: ${(err as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

/** Applies `patch` (a file) to a copy of `tree` with each real tool; returns each resulting tree's files. */
function applyWithTools(tree: string, patch: string): Record<string, Record<string, string>> {
  const results: Record<string, Record<string, string>> = {};
  const snapshot = (dir: string): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const f of filesUnder(dir, (p) => !p.includes('/.pc/') && !p.includes('/patches/') && !p.includes('/.git/'))) {
      out[relative(dir, f)] = readFileSync(f, 'latin1');
    }
    return out;
  };
  const run = (cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): void => {
    const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stdout}${r.stderr}`);
  };
  const base = tempDir();
  for (const tool of ['patch', 'git', 'quilt']) {
    const dir = join(base, tool);
    cpSync(tree, dir, { recursive: true });
    if (tool === 'patch') run('patch', ['-p1', '--batch', '--no-backup-if-mismatch', '-i', patch], dir);
    if (tool === 'git') run('git', ['apply', '--whitespace=nowarn', patch], dir);
    if (tool === 'quilt') {
      mkdirSync(join(dir, 'patches'));
      cpSync(patch, join(dir, 'patches', 'fix.patch'));
      writeFileSync(join(dir, 'patches', 'series'), 'fix.patch\n');
      run('quilt', ['push', '-a', '--quiltrc', '/dev/null'], dir, { QUILT_PATCHES: 'patches' });
    }
    results[tool] = snapshot(dir);
  }
  return results;
}

const haveQuilt = spawnSync('quilt', ['--version']).status === 0;
if (!haveQuilt) console.warn('skipping the quilt checks: quilt is not installed (apt-get install quilt)');

describe.skipIf(!haveQuilt)('the format with the tools people already use', () => {
  it('the example applies identically with patch -p1, git apply and quilt', () => {
    const results = applyWithTools(join(EXAMPLE_DIR, 'Acme-Demo-1.00'), EXAMPLE);
    expect(results['patch']?.['t/open-magic.t']).toContain('a name ending in a pipe');
    expect(results['git']).toEqual(results['patch']);
    expect(results['quilt']).toEqual(results['patch']);
  });

  describe.skipIf(!hasShared('corpus', 'HTTP-Daemon-6.16'))('on a real distribution', () => {
    it('a corpus fix with our header in front applies identically with all three tools', async () => {
      const { readTarball } = await import('../../conformance/corpus.js');
      const entry = sharedPath('corpus', 'HTTP-Daemon-6.16');
      const tree = tempDir();
      for (const [path, f] of await readTarball(join(entry, 'HTTP-Daemon-6.16.tar.gz'))) {
        mkdirSync(join(tree, path, '..'), { recursive: true });
        writeFileSync(join(tree, path), Buffer.from(f.content, 'latin1'));
      }
      const expected = readExpected(sharedPath('corpus'), 'HTTP-Daemon-6.16');
      const debian = readFileSync(join(entry, expected.patches[0]?.path as string));
      // The Debian patch (git format-patch mail) kept intact below our header, as `import` will do.
      const ours = join(tempDir(), 'HTTP-Daemon-CVE-2026-8450.patch');
      writeFileSync(ours, Buffer.concat([Buffer.from(HEADER.replace(/Example-Dist/g, 'HTTP-Daemon') + '\n'), debian]));
      expect(validatePatchFile(parsePatchFile(new Uint8Array(readFileSync(ours)))).issues).toEqual([]);
      const results = applyWithTools(tree, ours);
      expect(results['patch']?.['lib/HTTP/Daemon.pm']).not.toBe(
        readFileSync(join(tree, 'lib/HTTP/Daemon.pm'), 'latin1'),
      );
      expect(results['git']).toEqual(results['patch']);
      expect(results['quilt']).toEqual(results['patch']);
    });
  });
});

describe('readPatchMetadata in draft mode', () => {
  it('reads fields holding [TODO] as absent instead of parsing them', () => {
    const text = `Patch-Id: Draft-1\nAffected-Versions: [TODO]\nVerified-Versions: [TODO]\nSeverity: [TODO]\nCVE: [TODO]\nDescription: [TODO] say what it fixes\n\n${DIFF}`;
    const file = parsePatchFile(encodeUtf8(text));
    const draft = validatePatchFile(file, { draft: true });
    expect(draft.issues).toEqual([]);
    expect(draft.metadata.affectedVersions).toBeUndefined();
    expect(draft.metadata.summary).toBe('[TODO] say what it fixes');
    const full = validatePatchFile(file).issues.map((i) => i.field);
    expect(full).toEqual(expect.arrayContaining(['Affected-Versions', 'Verified-Versions', 'Severity', 'CVE']));
  });
});
