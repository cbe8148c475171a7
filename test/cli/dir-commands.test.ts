/**
 * End-to-end runs of the built CLI on the bundled example (a made-up dist and
 * a patch in our format), with the real GNU patch as the reference result.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, symlinkSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { PROJECT_ROOT } from '../helpers/shared.js';
import { copyToTemp, tempDir } from '../helpers/tmp.js';

const EXAMPLE = join(PROJECT_ROOT, 'test', 'fixtures', 'example');
const PATCH = join(EXAMPLE, 'Acme-Demo-CVE-2099-0001.patch');
const DIST = join(EXAMPLE, 'Acme-Demo-1.00');

function snapshotTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string, prefix: string): void => {
    for (const name of readdirSync(dir, { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${name.name}` : name.name;
      if (name.isDirectory()) walk(join(dir, name.name), rel);
      else out[rel] = readFileSync(join(dir, name.name), 'latin1');
    }
  };
  walk(root, '');
  return out;
}

describe('cpansec-patch show', () => {
  it('prints the header, the advisories and a diffstat', () => {
    const run = runCli(['show', PATCH]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Acme-Demo-CVE-2099-0001');
    expect(run.stdout).toContain('CVE-2099-0001');
    expect(run.stdout).toMatch(/2 file\(s\) changed, 13 insertion\(s\), 1 deletion\(s\)/);
  });

  it('prints one JSON document with --json', () => {
    const run = runCli(['show', PATCH, '--json']);
    expect(run.code).toBe(0);
    expect(run.json.ok).toBe(true);
    expect(run.json.command).toBe('show');
    expect(run.json.result).toMatchObject({
      format: 'git-diff',
      metadata: {
        patchId: 'Acme-Demo-CVE-2099-0001',
        distribution: 'Acme-Demo',
        affectedVersions: '<= 1.00',
        severity: 'high',
      },
      issues: [],
    });
  });

  describe('when the patch file does not exist', () => {
    it('exits 6 with FILE_NOT_FOUND in the JSON error', () => {
      const run = runCli(['show', join(tempDir(), 'nope.patch'), '--json']);
      expect(run.code).toBe(6);
      expect(run.json).toMatchObject({ ok: false, command: 'show', error: { code: 'FILE_NOT_FOUND', exitCode: 6 } });
    });
  });

  describe('when the file is not a patch', () => {
    it('exits 3 with PATCH_PARSE', () => {
      const f = join(tempDir(), 'x.patch');
      writeFileSync(f, 'just some text\n');
      const run = runCli(['show', f, '--json']);
      expect(run.code).toBe(3);
      expect(run.json.error?.code).toBe('PATCH_PARSE');
    });
  });
});

describe('cpansec-patch check', () => {
  it('reports every hunk and writes nothing', () => {
    const tree = copyToTemp(DIST);
    const before = snapshotTree(tree);
    const run = runCli(['check', PATCH, '--dir', tree, '--json']);
    expect(run.code).toBe(0);
    expect(run.json.result).toMatchObject({
      outcome: 'clean',
      files: [
        { path: 'lib/Acme/Demo.pm', change: 'modified' },
        { path: 't/open-magic.t', change: 'created' },
      ],
    });
    expect(snapshotTree(tree)).toEqual(before);
  });

  describe('when the target file differs from what the patch expects', () => {
    it('exits 5 with the per-hunk report in the error details', () => {
      const tree = copyToTemp(DIST);
      const pm = join(tree, 'lib/Acme/Demo.pm');
      writeFileSync(pm, readFileSync(pm, 'utf8').replace('open(my $fh, $path)', 'open(my $fh, $path) # changed'));
      const run = runCli(['check', PATCH, '--dir', tree, '--json']);
      expect(run.code).toBe(5);
      expect(run.json.error?.code).toBe('PATCH_CONFLICT');
      expect(JSON.stringify(run.json.error?.details)).toContain('"status":"failed"');
    });
  });
});

describe('cpansec-patch apply --dir', () => {
  it('produces exactly what GNU patch produces', () => {
    const ours = copyToTemp(DIST, 'ours');
    const gnu = copyToTemp(DIST, 'gnu');
    const run = runCli(['apply', PATCH, '--dir', ours]);
    expect(run.code).toBe(0);
    const res = spawnSync('patch', ['-p1', '--batch', '-i', PATCH], { cwd: gnu, encoding: 'utf8' });
    expect(res.status).toBe(0);
    expect(snapshotTree(ours)).toEqual(snapshotTree(gnu));
  });

  it('reports "already applied" the second time and changes nothing', () => {
    const tree = copyToTemp(DIST);
    expect(runCli(['apply', PATCH, '--dir', tree]).code).toBe(0);
    const after = snapshotTree(tree);
    const again = runCli(['apply', PATCH, '--dir', tree, '--json']);
    expect(again.code).toBe(0);
    expect(again.json.result).toMatchObject({ outcome: 'already-applied', written: false });
    expect(snapshotTree(tree)).toEqual(after);
  });

  it('undoes itself with --reverse', () => {
    const tree = copyToTemp(DIST);
    const before = snapshotTree(tree);
    expect(runCli(['apply', PATCH, '--dir', tree]).code).toBe(0);
    expect(runCli(['apply', PATCH, '--dir', tree, '--reverse']).code).toBe(0);
    expect(snapshotTree(tree)).toEqual(before);
  });

  it('writes nothing with --dry-run', () => {
    const tree = copyToTemp(DIST);
    const before = snapshotTree(tree);
    const run = runCli(['apply', PATCH, '--dir', tree, '--dry-run', '--json']);
    expect(run.code).toBe(0);
    expect(run.json.result).toMatchObject({ written: false, dryRun: true, outcome: 'clean' });
    expect(snapshotTree(tree)).toEqual(before);
  });

  describe('when one file of the patch does not apply', () => {
    it('changes no file at all', () => {
      const tree = copyToTemp(DIST);
      // The new test file already exists with other content: the creation fails, the .pm change must not land.
      writeFileSync(join(tree, 't/open-magic.t'), 'other\n');
      const before = snapshotTree(tree);
      const run = runCli(['apply', PATCH, '--dir', tree, '--json']);
      expect(run.code).toBe(5);
      expect(run.json.error?.code).toBe('FILE_EXISTS');
      expect(snapshotTree(tree)).toEqual(before);
    });
  });

  describe('when a directory on the way is a symbolic link', () => {
    it('refuses with exit 7 and writes nothing through the link', () => {
      const root = tempDir();
      const tree = join(root, 'tree');
      const outside = join(root, 'outside');
      mkdirSync(outside);
      spawnSync('cp', ['-r', DIST, tree]);
      spawnSync('mv', [join(tree, 't'), join(outside, 't')]);
      symlinkSync(join(outside, 't'), join(tree, 't'));
      const run = runCli(['apply', PATCH, '--dir', tree, '--json']);
      expect(run.code).toBe(7);
      expect(run.json.error?.code).toBe('SYMLINK_ESCAPE');
      expect(existsSync(join(outside, 't', 'open-magic.t'))).toBe(false);
    });
  });

  describe('when the patch names a path outside the tree', () => {
    it('refuses with exit 7 before reading anything', () => {
      const root = tempDir();
      const tree = join(root, 'tree');
      mkdirSync(tree);
      const evil = join(root, 'evil.patch');
      writeFileSync(evil, '--- /dev/null\n+++ b/../escaped.txt\n@@ -0,0 +1 @@\n+owned\n');
      const run = runCli(['apply', evil, '--dir', tree, '--json']);
      expect(run.code).toBe(7);
      expect(run.json.error?.code).toBe('UNSAFE_PATH');
      expect(existsSync(join(root, 'escaped.txt'))).toBe(false);
    });
  });

  describe('when the directory is not writable by the user', () => {
    it('exits 8 with READ_ONLY and changes nothing', () => {
      const tree = copyToTemp(DIST);
      // Readable by everyone (the run may drop to nobody), writable by no one but root.
      spawnSync('chmod', ['-R', 'a+rX,go-w', join(tree, '..')]);
      chmodSync(join(tree, 'lib/Acme'), 0o555);
      chmodSync(join(tree, 't'), 0o555);
      const before = snapshotTree(tree);
      const run = runCli(['apply', PATCH, '--dir', tree, '--json'], { asNobody: true });
      chmodSync(join(tree, 'lib/Acme'), 0o755);
      chmodSync(join(tree, 't'), 0o755);
      expect(run.code).toBe(8);
      expect(run.json.error?.code).toBe('READ_ONLY');
      expect(snapshotTree(tree)).toEqual(before);
    });
  });

  describe('without --dir', () => {
    it('is a usage error (exit 2)', () => {
      const run = runCli(['apply', PATCH, '--json']);
      expect(run.code).toBe(2);
      expect(run.json.error?.code).toBe('USAGE');
    });
  });
});

describe('when the reader of stdout goes away (`cpansec-patch … | head`)', () => {
  // `true` exits at once without reading, long before node has started: every write gets EPIPE.
  const piped = (args: string[]): { code: number; stderr: string } => {
    const quoted = [process.execPath, join(PROJECT_ROOT, 'bin', 'cpansec-patch.js'), ...args]
      .map((a) => `'${a}'`)
      .join(' ');
    const res = spawnSync('bash', ['-c', `${quoted} | true; exit "\${PIPESTATUS[0]}"`], { encoding: 'utf8' });
    return { code: res.status ?? -1, stderr: res.stderr };
  };

  it('--help exits 0 without a stack trace', () => {
    const run = piped(['upstream', 'status', '--help']);
    expect(run.stderr).not.toMatch(/EPIPE|Error|at /);
    expect(run.code).toBe(0);
  });

  it('a command that writes files still finishes its work, and exits with its own code', () => {
    const tree = copyToTemp(DIST);
    const gnu = copyToTemp(DIST, 'gnu');
    expect(spawnSync('patch', ['-p1', '--batch', '-i', PATCH], { cwd: gnu }).status).toBe(0);
    const run = piped(['apply', PATCH, '--dir', tree, '--json']);
    expect(run.stderr).not.toMatch(/EPIPE|Error/);
    expect(run.code).toBe(0);
    expect(snapshotTree(tree)).toEqual(snapshotTree(gnu));
    expect(piped(['apply', PATCH, '--dir', join(tree, 'missing')]).code).not.toBe(0);
  });
});
