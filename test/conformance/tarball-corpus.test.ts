/**
 * Every Debian entry of ../shared/corpus, patched as a tarball: the series'
 * patches are given as explicit files (unsigned: Debian's, not ours), the
 * output tarball must hold exactly the files GNU patch produced
 * (expected.json result.changed_files, by sha256 and mode), every other entry
 * must be unchanged (header blocks and data), and GNU tar and Archive::Tar
 * must read every tarball we write. The three .tar.xz entries (Debian
 * repacks) are decompressed with xz first and read as plain tar: xz input is
 * not supported (docs/tarballs.md).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyPatchesToTarball } from '../../src/api/apply-tarball.js';
import { tarEntries } from '../helpers/tar-entries.js';
import { hasShared, sharedPath } from '../helpers/shared.js';
import { listEntries, readExpected, readSeries } from './corpus.js';
import type { EntryBytes } from '../helpers/tar-entries.js';

interface ChangedFile {
  path: string;
  sha256_after_series: string | null;
  mode_after_series: string | null;
}

const ROOT = sharedPath('corpus');
const present = hasShared('corpus');
const work = mkdtempSync(join(tmpdir(), 'cpansec-corpus-tarballs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const debianEntries = present
  ? listEntries(ROOT).filter(
      (e) => (JSON.parse(readFileSync(join(ROOT, e, 'expected.json'), 'utf8')) as { kind: string }).kind === 'debian',
    )
  : [];
const outputs: string[] = [];
const tally = { entries: 0, changedFiles: 0, identical: 0, untouched: 0 };

/** A META file as it was before we recorded provenance in it (we append x_cpansec as the last member or block). */
function withoutProvenance(path: string, content: Buffer): Buffer {
  const text = content.toString('latin1');
  if (path === 'META.yml') return Buffer.from(text.replace(/^x_cpansec:\r?\n(?:[ \t].*\r?\n)*/m, ''), 'latin1');
  const key = text.lastIndexOf('"x_cpansec"');
  const comma = text.lastIndexOf(',', key);
  let depth = 0;
  let end = text.indexOf('{', key);
  for (; end < text.length; end++) {
    if (text[end] === '{') depth++;
    else if (text[end] === '}' && --depth === 0) break;
  }
  return Buffer.from(text.slice(0, comma) + text.slice(end + 1), 'latin1');
}

/** Header blocks equal except the size and checksum fields (what a changed entry may differ in) and the mode. */
function sameButSize(a: EntryBytes, b: EntryBytes): boolean {
  const x = Buffer.from(a.headers, 'hex');
  const y = Buffer.from(b.headers, 'hex');
  if (x.length !== y.length) return false;
  const last = x.length - 512;
  return [...x].every(
    (v, i) =>
      v === y[i] ||
      (i >= last &&
        ((i - last >= 100 && i - last < 108) ||
          (i - last >= 124 && i - last < 136) ||
          (i - last >= 148 && i - last < 156))),
  );
}

describe.skipIf(!present)('corpus tarballs patched with their Debian series', () => {
  it('covers every Debian entry', () => {
    expect(debianEntries.length).toBeGreaterThanOrEqual(44);
  });

  for (const entry of debianEntries) {
    it(entry, async () => {
      const expected = readExpected(ROOT, entry) as ReturnType<typeof readExpected> & {
        result: { changed_files: ChangedFile[] };
      };
      let input = join(ROOT, entry, expected.cpan.tarball);
      if (input.endsWith('.xz')) {
        const tar = spawnSync('xz', ['-dc', input], { maxBuffer: 1 << 30 });
        expect(tar.status).toBe(0);
        input = join(work, `${entry}.tar`);
        writeFileSync(input, tar.stdout);
      }
      const seriesPath = join(ROOT, entry, expected.gnu_patch.series);
      const series = readSeries(readFileSync(seriesPath, 'utf8'));
      expect(series.every((s) => s.strip === 1 && !s.reverse)).toBe(true);
      const out = join(work, `${entry}.out.tar.gz`);
      const r = await applyPatchesToTarball({
        input,
        patches: series.map((s) => join(dirname(seriesPath), s.name)),
        allowUnsigned: true,
        out,
      });
      expect(r.outcome).toBe('patched');
      outputs.push(out);
      const meta = new Set(['META.json', 'META.yml', 'SIGNATURE']);
      const before = await tarEntries(input);
      const after = await tarEntries(out, meta);
      const changed = new Map(
        expected.result.changed_files.map((f) => [Buffer.from(f.path, 'utf8').toString('latin1'), f]),
      );
      for (const [path, f] of changed) {
        const got = after.get(path);
        if (f.sha256_after_series === null) expect(got, `${path} should be gone`).toBeUndefined();
        else {
          // A META file a patch changed also carries our x_cpansec: without it, it is GNU patch's result.
          const sha =
            meta.has(path) && got?.content !== undefined
              ? createHash('sha256').update(withoutProvenance(path, got.content)).digest('hex')
              : got?.sha256;
          expect(sha, path).toBe(f.sha256_after_series);
          const mode = parseInt(
            Buffer.from(got?.headers ?? '', 'hex')
              .subarray(-512)
              .toString('latin1', 100, 107),
            8,
          );
          expect(mode & 0o111 ? '100755' : '100644', `${path} mode`).toBe(f.mode_after_series);
          if (before.has(path))
            expect(sameButSize(before.get(path) as EntryBytes, got as EntryBytes), `${path} header`).toBe(true);
        }
        tally.changedFiles++;
        tally.identical++;
      }
      for (const [path, e] of before) {
        if (changed.has(path)) continue;
        if (meta.has(path)) {
          const now = after.get(path);
          if (path === 'SIGNATURE') expect(now).toBeUndefined();
          else {
            expect(sameButSize(e, now as EntryBytes), path).toBe(true);
            expect(
              createHash('sha256')
                .update(withoutProvenance(path, now?.content ?? Buffer.alloc(0)))
                .digest('hex'),
              path,
            ).toBe(e.sha256);
          }
          continue;
        }
        expect(after.get(path), path).toEqual(e);
        tally.untouched++;
      }
      for (const path of after.keys()) expect(before.has(path) || changed.has(path), `unexpected ${path}`).toBe(true);
      tally.entries++;
    });
  }

  it('every tarball written reads back with GNU tar and with Archive::Tar', () => {
    expect(outputs.length).toBe(debianEntries.length);
    for (const out of outputs) {
      const gnu = spawnSync('tar', ['tvzf', out], { encoding: 'utf8', maxBuffer: 1 << 26 });
      expect(gnu.status, `${out}: ${gnu.stderr}`).toBe(0);
      expect(gnu.stderr).toBe('');
    }
    const perl = spawnSync(
      'perl',
      [
        '-MArchive::Tar',
        '-e',
        'for (@ARGV) { my $t = Archive::Tar->new($_) or die "$_: " . Archive::Tar->error; my @f = $t->list_files; print scalar(@f), "\\n" }',
        ...outputs,
      ],
      { encoding: 'utf8' },
    );
    expect(perl.status, perl.stderr).toBe(0);
    expect(perl.stderr).toBe('');
    expect(perl.stdout.trim().split('\n')).toHaveLength(outputs.length);
    console.log(
      `corpus tarballs: ${tally.entries} Debian entries patched; ${tally.identical}/${tally.changedFiles} changed files byte-identical to GNU patch; ${tally.untouched} untouched entries unchanged`,
    );
  });
});
