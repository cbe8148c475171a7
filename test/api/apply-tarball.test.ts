/**
 * applyPatchesToTarball end to end in-process: a tarball made with GNU tar
 * from the bundled example, the example patch signed with keys made by
 * `key generate`, and a repository made with the repository library.
 */
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPatchesToTarball } from '../../src/api/apply-tarball.js';
import { suffixedVersion } from '../../src/api/tarball-output.js';
import { generateKey } from '../../src/api/key.js';
import { signPatch } from '../../src/api/sign.js';
import { addPatch, initRepository, loadRepoState, publishRepository, repoSigner } from '../../src/repo/index.js';
import { CpansecError } from '../../src/errors.js';
import { makeDiff } from '../../src/core/patch/make.js';
import { PROJECT_ROOT } from '../helpers/shared.js';
import { tarEntries } from '../helpers/tar-entries.js';
import { expectReadableByTarTools } from '../helpers/tar-readers.js';
import { tempDir } from '../helpers/tmp.js';
import { testKey } from '../repo/helpers.js';
import type { ApplyTarballOptions } from '../../src/api/apply-tarball.js';
import type { PatchSource } from '../../src/api/patch-source.js';

const EXAMPLE = join(PROJECT_ROOT, 'test', 'fixtures', 'example');
const PATCH_NAME = 'Acme-Demo-CVE-2099-0001.patch';
const META_JSON =
  '{\n   "abstract" : "demo",\n   "meta-spec" : { "version" : 2 },\n   "name" : "Acme-Demo",\n   "version" : "1.00"\n}\n';
const META_YML = "---\nabstract: demo\nname: Acme-Demo\nversion: '1.00'\n";

let cache: string;
beforeAll(() => {
  // The repository cache and the download cache of every test go to a temp folder.
  cache = mkdtempSync(join(tmpdir(), 'cpansec-cache-'));
  process.env['CPANSEC_PATCH_CACHE'] = cache;
});
afterAll(() => rmSync(cache, { recursive: true, force: true }));

interface Setup {
  dir: string;
  tarball: string;
  patch: string;
  pub: string;
  key: string;
}

/** The example distribution as a .tar.gz made by GNU tar (with META and a SIGNATURE when asked), and the example patch signed. */
async function setup(options: { meta?: boolean; signature?: boolean; sign?: boolean } = {}): Promise<Setup> {
  const dir = tempDir();
  const tree = join(dir, 'src');
  cpSync(join(EXAMPLE, 'Acme-Demo-1.00'), join(tree, 'Acme-Demo-1.00'), { recursive: true });
  if (options.meta !== false) {
    writeFileSync(join(tree, 'Acme-Demo-1.00', 'META.json'), META_JSON);
    writeFileSync(join(tree, 'Acme-Demo-1.00', 'META.yml'), META_YML);
  }
  if (options.signature === true)
    writeFileSync(join(tree, 'Acme-Demo-1.00', 'SIGNATURE'), 'SHA256 ... (Module::Signature)\n');
  const tarball = join(dir, 'Acme-Demo-1.00.tar.gz');
  const tar = spawnSync('tar', [
    'czf',
    tarball,
    '--owner=0',
    '--group=0',
    '--mtime=2026-01-01 00:00Z',
    '--sort=name',
    '-C',
    tree,
    'Acme-Demo-1.00',
  ]);
  expect(tar.status).toBe(0);
  const patch = join(dir, PATCH_NAME);
  cpSync(join(EXAMPLE, PATCH_NAME), patch);
  await generateKey({ out: join(dir, 'publisher'), noPassword: true });
  if (options.sign !== false) await signPatch({ patch, key: join(dir, 'publisher.key'), timestamp: 1764115200 });
  return { dir, tarball, patch, pub: join(dir, 'publisher.pub'), key: join(dir, 'publisher.key') };
}

async function apply(s: Setup, extra: Partial<ApplyTarballOptions> = {}) {
  const r = await applyPatchesToTarball({ input: s.tarball, patches: [s.patch], keys: [s.pub], ...extra });
  if (r.written && r.output !== null) expectReadableByTarTools(r.output.path);
  return r;
}

function tarList(path: string): string[] {
  const run = spawnSync('tar', ['tzf', path], { encoding: 'utf8' });
  expect(run.status).toBe(0);
  return run.stdout.trim().split('\n');
}

function extract(path: string, member: string): string {
  return spawnSync('tar', ['xzOf', path, member], { encoding: 'utf8' }).stdout;
}

describe('applyPatchesToTarball', () => {
  describe('with a signed patch file', () => {
    it('writes <dist>+cpansec.tar.gz beside the input, patched, with provenance in META', async () => {
      const s = await setup();
      const r = await apply(s);
      const out = join(s.dir, 'Acme-Demo-1.00+cpansec.tar.gz');
      expect(r).toMatchObject({
        outcome: 'patched',
        written: true,
        dist: { name: 'Acme-Demo', version: '1.00', from: 'META.json' },
        output: { path: out },
        provenance: { metaJson: 'updated', metaYml: 'updated', signature: 'absent' },
        changes: [
          { path: 'lib/Acme/Demo.pm', change: 'modified' },
          { path: 't/open-magic.t', change: 'created' },
        ],
      });
      const keyId = r.patches[0]?.signer;
      expect(keyId).toMatch(/^[0-9A-F]{16}$/);
      expect(r.patches[0]?.files.map((f) => f.hunks.map((h) => h.status))).toEqual([['applied'], ['applied']]);
      expect(extract(out, 'Acme-Demo-1.00/lib/Acme/Demo.pm')).toContain("open(my $fh, '<', $path)");
      const meta = JSON.parse(extract(out, 'Acme-Demo-1.00/META.json'));
      expect(meta.x_cpansec).toMatchObject({
        patches: [{ id: 'Acme-Demo-CVE-2099-0001', signer: keyId, advisories: 'CVE-2099-0001' }],
        upstream_tarball: 'Acme-Demo-1.00.tar.gz',
        upstream_sha256: r.input.sha256,
      });
      expect(extract(out, 'Acme-Demo-1.00/META.yml')).toContain(`signer: '${keyId}'`);
      expect(r.output?.sha256).toBe(spawnSync('sha256sum', [out], { encoding: 'utf8' }).stdout.slice(0, 64));
    });

    it('is deterministic: the same input and patches give the same bytes', async () => {
      const s = await setup();
      const a = await apply(s, { out: join(s.dir, 'a.tar.gz') });
      const b = await apply(s, { out: join(s.dir, 'b.tar.gz') });
      expect(a.output?.sha256).toBe(b.output?.sha256);
      expect(Buffer.compare(readFileSync(join(s.dir, 'a.tar.gz')), readFileSync(join(s.dir, 'b.tar.gz')))).toBe(0);
    });

    it('leaves every entry the patches do not touch as it was, byte for byte, in order', async () => {
      const s = await setup();
      const r = await apply(s, { out: join(s.dir, 'o.tar.gz') });
      const before = await tarEntries(s.tarball);
      const after = await tarEntries(join(s.dir, 'o.tar.gz'));
      const changed = ['lib/Acme/Demo.pm', 'META.json', 'META.yml'];
      expect([...after.keys()]).toEqual([...before.keys(), 't/open-magic.t']);
      for (const [rel, e] of before) if (!changed.includes(rel)) expect(after.get(rel), rel).toEqual(e);
      for (const rel of changed) {
        // Same header blocks except size and checksum (bytes 124-135 and 148-155).
        const a = Buffer.from(before.get(rel)?.headers ?? '', 'hex');
        const b = Buffer.from(after.get(rel)?.headers ?? '', 'hex');
        const differ = [...a].map((x, i) => (x !== b[i] ? i : -1)).filter((i) => i >= 0);
        expect(
          differ.every((i) => (i >= 124 && i < 136) || (i >= 148 && i < 156)),
          rel,
        ).toBe(true);
      }
      expect(r.output?.entries).toBe(before.size + 1);
    });

    it('drops SIGNATURE (it no longer matches) and says so in META', async () => {
      const s = await setup({ signature: true });
      const r = await apply(s, { out: join(s.dir, 'o.tar.gz') });
      expect(r.provenance?.signature).toBe('removed');
      expect(tarList(join(s.dir, 'o.tar.gz'))).not.toContain('Acme-Demo-1.00/SIGNATURE');
      expect(JSON.parse(extract(join(s.dir, 'o.tar.gz'), 'Acme-Demo-1.00/META.json')).x_cpansec.signature).toMatch(
        /SIGNATURE .* removed/,
      );
    });

    it('says when there is no META to record provenance in, and reads the identity from the top directory', async () => {
      const s = await setup({ meta: false });
      const warnings: string[] = [];
      const r = await apply(s, { out: join(s.dir, 'o.tar.gz'), onWarning: (m) => warnings.push(m) });
      expect(r.dist).toEqual({ name: 'Acme-Demo', version: '1.00', from: 'top directory' });
      expect(r.provenance).toMatchObject({ metaJson: 'absent', metaYml: 'absent' });
      expect(warnings.join('\n')).toContain('no META.json or META.yml');
    });

    it('reports an already patched tarball and writes nothing', async () => {
      const s = await setup();
      await apply(s, { out: join(s.dir, 'o.tar.gz') });
      const again = await applyPatchesToTarball({
        input: join(s.dir, 'o.tar.gz'),
        patches: [s.patch],
        keys: [s.pub],
        out: join(s.dir, 'o2.tar.gz'),
      });
      expect(again).toMatchObject({ outcome: 'already-patched', written: false, output: null });
      expect(again.patches[0]?.outcome).toBe('already-applied');
      expect(existsSync(join(s.dir, 'o2.tar.gz'))).toBe(false);
    });

    it('patching a patched tarball keeps the earlier patches and the original upstream in x_cpansec', async () => {
      const s = await setup();
      const first = await apply(s, { out: join(s.dir, 'o1.tar.gz') });
      const second = join(s.dir, 'second.patch');
      const makefile = readFileSync(join(EXAMPLE, 'Acme-Demo-1.00', 'Makefile.PL'), 'latin1');
      writeFileSync(second, makeDiff('Makefile.PL', 'Makefile.PL', makefile, `${makefile}# second\n`), 'latin1');
      const r = await applyPatchesToTarball({
        input: join(s.dir, 'o1.tar.gz'),
        patches: [s.patch, second],
        keys: [s.pub],
        allowUnsigned: true,
        out: join(s.dir, 'o2.tar.gz'),
      });
      expect(r.patches.map((p) => p.outcome)).toEqual(['already-applied', 'clean']);
      const x = JSON.parse(extract(join(s.dir, 'o2.tar.gz'), 'Acme-Demo-1.00/META.json')).x_cpansec;
      expect(x.patches.map((p: { id: string }) => p.id)).toEqual(['Acme-Demo-CVE-2099-0001', 'second.patch']);
      expect(x.upstream_sha256).toBe(first.input.sha256);
      expect(x.upstream_tarball).toBe('Acme-Demo-1.00.tar.gz');
    });

    it('with dryRun, reports what it would write and writes nothing', async () => {
      const s = await setup();
      const r = await apply(s, { dryRun: true });
      expect(r).toMatchObject({
        outcome: 'patched',
        written: false,
        dryRun: true,
        output: { path: join(s.dir, 'Acme-Demo-1.00+cpansec.tar.gz') },
      });
      expect(readdirSync(s.dir).filter((n) => n.endsWith('.tar.gz'))).toEqual(['Acme-Demo-1.00.tar.gz']);
    });
  });

  describe('output names', () => {
    it('--out DIR keeps the input file name there (what a patching mirror needs)', async () => {
      const s = await setup();
      const outDir = tempDir();
      const r = await apply(s, { out: `${outDir}/` });
      expect(r.output?.path).toBe(join(outDir, 'Acme-Demo-1.00.tar.gz'));
    });
    it('never overwrites the input, unless --in-place', async () => {
      const s = await setup();
      await expect(apply(s, { out: s.tarball })).rejects.toSatisfy(
        (e: unknown) => e instanceof CpansecError && e.code === 'USAGE',
      );
      await expect(apply(s, { out: s.dir })).rejects.toSatisfy(
        (e: unknown) => e instanceof CpansecError && e.code === 'USAGE',
      );
      const before = readFileSync(s.tarball);
      const r = await apply(s, { inPlace: true });
      expect(r.output?.path).toBe(s.tarball);
      expect(Buffer.compare(before, readFileSync(s.tarball))).not.toBe(0);
      expect(readdirSync(s.dir).filter((n) => n.includes('.tmp'))).toEqual([]);
    });
    it('with a version suffix: the new version in META.json and META.yml, and in the name', async () => {
      const s = await setup();
      const r = await apply(s, { versionSuffix: '01' });
      expect(r.version).toEqual({ from: '1.00', to: '1.0001' });
      expect(r.output?.path).toBe(join(s.dir, 'Acme-Demo-1.0001.tar.gz'));
      const out = r.output?.path as string;
      expect(JSON.parse(extract(out, 'Acme-Demo-1.00/META.json'))).toMatchObject({
        version: '1.0001',
        x_cpansec: { upstream_version: '1.00' },
      });
      expect(extract(out, 'Acme-Demo-1.00/META.yml')).toContain("version: '1.0001'");
    });
  });

  describe('refusals (nothing is written)', () => {
    const code = (e: unknown): string | undefined => (e instanceof CpansecError ? e.code : String(e));
    it('an unsigned patch without allowUnsigned: UNSIGNED', async () => {
      const s = await setup({ sign: false });
      expect(code(await apply(s).catch((e) => e))).toBe('UNSIGNED');
    });
    it('an unsigned patch with allowUnsigned: applied, with a loud warning and "unsigned" in META', async () => {
      const s = await setup({ sign: false });
      const warnings: string[] = [];
      const r = await apply(s, {
        allowUnsigned: true,
        onWarning: (m) => warnings.push(m),
        out: join(s.dir, 'o.tar.gz'),
      });
      expect(r.patches[0]?.signer).toBeNull();
      expect(warnings.join('')).toContain('NOT SIGNED');
      expect(JSON.parse(extract(join(s.dir, 'o.tar.gz'), 'Acme-Demo-1.00/META.json')).x_cpansec.patches[0].signer).toBe(
        'unsigned',
      );
    });
    it('a tampered patch: SIGNATURE_INVALID, even with allowUnsigned', async () => {
      const s = await setup();
      appendFileSync(s.patch, '\n');
      expect(code(await apply(s, { allowUnsigned: true }).catch((e) => e))).toBe('SIGNATURE_INVALID');
    });
    it('a signature by a key we do not trust: KEY_UNTRUSTED', async () => {
      const s = await setup();
      await generateKey({ out: join(s.dir, 'other'), noPassword: true });
      expect(code(await apply(s, { keys: [join(s.dir, 'other.pub')] }).catch((e) => e))).toBe('KEY_UNTRUSTED');
    });
    it('a signed patch presented under another name: SIGNATURE_MISMATCH', async () => {
      const s = await setup();
      renameSync(s.patch, join(s.dir, 'other.patch'));
      renameSync(`${s.patch}.minisig`, join(s.dir, 'other.patch.minisig'));
      expect(code(await apply(s, { patches: [join(s.dir, 'other.patch')] }).catch((e) => e))).toBe(
        'SIGNATURE_MISMATCH',
      );
    });
    it('a patch whose Affected-Versions exclude the release: DIST_MISMATCH', async () => {
      const s = await setup({ sign: false });
      writeFileSync(
        s.patch,
        readFileSync(s.patch, 'utf8').replace('Affected-Versions: <= 1.00', 'Affected-Versions: >= 2.0'),
      );
      expect(code(await apply(s, { allowUnsigned: true }).catch((e) => e))).toBe('DIST_MISMATCH');
    });
    it('a bad version suffix: USAGE', () => {
      expect(() => suffixedVersion('1.00', '_01')).toThrow(CpansecError);
      expect(() => suffixedVersion('1.00', '-cpansec')).toThrow(CpansecError);
      expect(() => suffixedVersion('v1.2.3', '.0')).toThrow(CpansecError);
      expect(suffixedVersion('v1.2.3', '.1')).toBe('v1.2.3.1');
    });
    it('an input altered after the first pass: the output is built from the bytes that were checked', async () => {
      const s = await setup();
      const clean = await apply(s, { out: join(s.dir, 'clean.tar.gz') });
      const files = (await import('../../src/api/patch-source.js')).filePatchSource({
        files: [s.patch],
        keys: [s.pub],
      });
      let calls = 0;
      // A "repository" source whose second call (made after the first pass, because the file name
      // names another release than META does) replaces the tarball's bytes under us.
      const source: PatchSource = {
        kind: 'repository',
        async select(dist, version) {
          calls++;
          if (calls === 2) writeFileSync(s.tarball, Buffer.alloc(4096));
          return files.select(dist, version);
        },
      };
      renameSync(s.tarball, join(s.dir, 'Acme-Demo-0.99.tar.gz'));
      s.tarball = join(s.dir, 'Acme-Demo-0.99.tar.gz');
      const r = await applyPatchesToTarball({ input: s.tarball, source, out: join(s.dir, 'o.tar.gz') });
      expect(calls).toBe(2);
      const ours = await tarEntries(join(s.dir, 'o.tar.gz'));
      const theirs = await tarEntries(join(s.dir, 'clean.tar.gz'));
      for (const [rel, e] of theirs) if (!rel.startsWith('META')) expect(ours.get(rel), rel).toEqual(e);
      expect(r.input.sha256).toBe(clean.input.sha256);
      // (A tarball too large to keep in memory is read again; a changed file is then IO, see test/tarball/rewrite.test.ts.)
    });
  });

  describe('with the repository', () => {
    async function repository(s: Setup): Promise<{ dir: string; root: string }> {
      const dir = join(tempDir(), 'repo');
      const rootKey = await testKey('root');
      const publisherKey = await testKey('publisher');
      const now = Date.now();
      await initRepository({ dir, rootKeys: [repoSigner(rootKey)], publisherKeys: [repoSigner(publisherKey)], now });
      await addPatch({ dir, patch: s.patch, key: publisherKey, now });
      await publishRepository(await loadRepoState(dir), { signers: [repoSigner(publisherKey)], now });
      return { dir, root: join(dir, 'metadata', '1.root.json') };
    }

    it('applies the patches the repository lists for the release, verified by the repository keys', async () => {
      const s = await setup({ sign: false });
      const repo = await repository(s);
      const publisher = await testKey('publisher');
      const r = await applyPatchesToTarball({
        input: s.tarball,
        repository: { repo: repo.dir, trustRoot: readFileSync(repo.root) },
      });
      expect(r).toMatchObject({ outcome: 'patched', written: true, source: `repository ${repo.dir}` });
      expect(r.patches.map((p) => [p.id, p.signer])).toEqual([['Acme-Demo-CVE-2099-0001', publisher.keyIdHex]]);
    });

    it('reports a release no patch is for, with the reason, and writes nothing', async () => {
      const s = await setup({ sign: false });
      const repo = await repository(s);
      writeFileSync(join(s.dir, 'x'), '');
      const other = join(s.dir, 'Acme-Demo-1.01.tar.gz');
      const tree = join(s.dir, 'src');
      writeFileSync(join(tree, 'Acme-Demo-1.00', 'META.json'), META_JSON.replace('"1.00"', '"1.01"'));
      expect(spawnSync('tar', ['czf', other, '-C', tree, 'Acme-Demo-1.00']).status).toBe(0);
      const r = await applyPatchesToTarball({
        input: other,
        repository: { repo: repo.dir, trustRoot: readFileSync(repo.root) },
      });
      expect(r).toMatchObject({ outcome: 'nothing-to-do', written: false, output: null, dist: { version: '1.01' } });
      expect(r.reason).toMatch(/affects version 1\.01/);
    });

    it('trusts the repository publisher keys for --patch files when no --key is given', async () => {
      const s = await setup({ sign: false });
      const repo = await repository(s);
      const publisher = await testKey('publisher');
      // The patch as the repository holds it, with its signature.
      const target = join(repo.dir, 'patches', 'Acme-Demo');
      const r = await applyPatchesToTarball({
        input: s.tarball,
        patches: [join(target, PATCH_NAME)],
        repository: { repo: repo.dir, trustRoot: readFileSync(repo.root) },
        out: join(s.dir, 'o.tar.gz'),
      });
      expect(r.patches[0]?.signer).toBe(publisher.keyIdHex);
    });
  });
});
