/**
 * scan, status, revert and recover as a user runs them: the built CLI on an
 * inline cpanm-shaped tree, human and --json output, exit codes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/sign/key-format.js';
import { runCli } from '../helpers/cli.js';
import { seededRandom } from '../helpers/minisign.js';
import { PROJECT_ROOT } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';
import { runApply } from '../helpers/tree-faults.js';
import { writeTree } from '../helpers/tree.js';

const DEMO = join(PROJECT_ROOT, 'test', 'fixtures', 'example', 'Acme-Demo-1.00', 'lib', 'Acme', 'Demo.pm');
const SIGNED = join(PROJECT_ROOT, 'test', 'fixtures', 'minisign', 'Acme-Demo-CVE-2099-0001.patch');
const KEY = join(PROJECT_ROOT, 'test', 'fixtures', 'minisign', 'test-only.pub');

function tree(): string {
  const root = join(tempDir(), 'local');
  writeTree(root, {
    'lib/perl5/Acme/Demo.pm': [readFileSync(DEMO, 'latin1'), 0o444],
    'lib/perl5/x86_64-linux-gnu-thread-multi/auto/Acme/Demo/.packlist': `${root}/lib/perl5/Acme/Demo.pm\n`,
  });
  return root;
}

describe('--help of the tree commands', () => {
  for (const command of ['scan', 'status', 'revert', 'recover']) {
    it(`${command} --help shows examples`, () => {
      const r = runCli([command, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Examples:');
      expect(r.stdout).toContain('--tree');
      expect(r.stdout).toContain('--json');
    });
  }
});

describe('cpansec-patch scan', () => {
  it('lists the installed dists, human and JSON', () => {
    const root = tree();
    const human = runCli(['scan', '--tree', root]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/Acme-Demo\s+1\.00\s+lib\/perl5\s+packlist/);
    const json = runCli(['scan', '--tree', root, '--json']);
    expect(json.json).toMatchObject({
      ok: true,
      command: 'scan',
      result: { count: 1, trees: [{ kind: 'install-base', dists: [{ dist: 'Acme-Demo', version: '1.00' }] }] },
    });
  });

  it('exits 6 for a tree that does not exist', () => {
    const r = runCli(['scan', '--tree', join(tempDir(), 'nope'), '--json']);
    expect([r.code, r.json.error?.code]).toEqual([6, 'FILE_NOT_FOUND']);
  });
});

describe('status, revert and recover after an apply', () => {
  it('shows the applied patch, reverts it, and has nothing to recover', () => {
    const root = tree();
    expect(runApply(['--tree', root, '--patch', SIGNED, '--key', KEY], {}).code).toBe(0);
    const st = runCli(['status', '--tree', root, '--no-repo']);
    expect(st.code).toBe(0);
    expect(st.stdout).toMatch(/1 patch\(es\) applied, 0 drifted/);
    expect(st.stdout).toMatch(/applied\s+Acme-Demo-CVE-2099-0001\s+Acme-Demo 1\.00 at lib\/perl5/);

    expect(runCli(['revert', 'No-Such-Patch', '--tree', root, '--json']).json.error?.code).toBe('PATCH_NOT_FOUND');
    const dry = runCli(['revert', 'Acme-Demo-CVE-2099-0001', '--tree', root, '--dry-run']);
    expect(dry.stdout).toContain('dry run: nothing written');
    const rv = runCli(['revert', 'Acme-Demo-CVE-2099-0001', '--tree', root, '--json']);
    expect(rv.json).toMatchObject({
      ok: true,
      result: { written: true, reverted: [{ patchId: 'Acme-Demo-CVE-2099-0001', files: [{ action: 'restore' }] }] },
    });
    expect(readFileSync(join(root, 'lib/perl5/Acme/Demo.pm'), 'latin1')).toBe(readFileSync(DEMO, 'latin1'));

    const rec = runCli(['recover', '--tree', root]);
    expect([rec.code, rec.stdout]).toEqual([0, `nothing to recover in ${root}\n`]);
  });

  it('revert --all on a tree with nothing applied does nothing and exits 0', () => {
    const r = runCli(['revert', '--all', '--tree', tree(), '--json']);
    expect([r.code, r.json.result]).toEqual([0, expect.objectContaining({ written: false, reverted: [] })]);
  });

  it('revert and recover need --tree (exit 2)', () => {
    expect(runCli(['revert', '--all', '--json']).json.error?.code).toBe('USAGE');
    expect(runCli(['recover']).code).toBe(2);
  });
});

describe('with a real repository (repo init/add/publish/revoke, a test key)', () => {
  it('status lists the patch as available, apply without --patch applies it, a revocation shows in status', async () => {
    const work = tempDir();
    // Any secret key will do (root and publisher): ours, from a fixed seed, unencrypted.
    const pair = await generateKeyPair(seededRandom('tree-commands repo'));
    const key = join(work, 'test.key');
    writeFileSync(key, pair.secretKeyFile);
    const keyId = pair.publicKey.keyIdHex;
    const repo = join(work, 'repo');
    const cli = (args: string[]): void => {
      const r = runCli(args);
      expect(r.code, r.stderr).toBe(0);
    };
    cli(['repo', 'init', repo, '--root-key', key, '--publisher-key', key, '-q']);
    const patch = join(work, 'Acme-Demo-CVE-2099-0001.patch');
    writeFileSync(patch, readFileSync(SIGNED));
    cli(['repo', 'add', patch, '--repo', repo, '--key', key, '-q']);
    cli(['repo', 'publish', '--repo', repo, '--key', key, '-q']);
    const root = tree();
    const source = [
      '--repo',
      repo,
      '--cache',
      join(work, 'cache'),
      '--trust-root',
      join(repo, 'metadata', '1.root.json'),
    ];

    const before = runCli(['status', '--tree', root, ...source, '--json']);
    expect(before.json.result).toMatchObject({
      trees: [{ available: [{ patchId: 'Acme-Demo-CVE-2099-0001', version: '1.00' }] }],
    });
    const applied = runApply(['--tree', root, ...source], {});
    expect(applied.json?.result).toMatchObject({
      written: true,
      patches: [{ source: 'repository', signedBy: keyId, installs: [{ outcome: 'applied' }] }],
    });

    // A --patch file with no --key is checked against that repository's publisher keys.
    cli(['sign', patch, '--key', key, '-q']);
    const other = tree();
    const named = runApply(['--tree', other, '--patch', patch, ...source], {});
    expect(named.json?.result).toMatchObject({ patches: [{ source: 'file', signedBy: keyId }] });
    const embedded = runApply(['--tree', tree(), '--patch', patch], {});
    expect(embedded.json?.error?.code).toBe('KEY_UNTRUSTED');

    cli(['repo', 'revoke', 'Acme-Demo-CVE-2099-0001', '--repo', repo, '--reason', 'test revocation', '-q']);
    cli(['repo', 'publish', '--repo', repo, '--key', key, '-q']);
    const after = runCli(['status', '--tree', root, ...source]);
    expect(after.stdout).toMatch(/1 revoked/);
    expect(after.stdout).toMatch(/REVOKED: test revocation/);
  });
});
