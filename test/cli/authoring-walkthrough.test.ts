/**
 * docs/authoring.md's walkthrough, run as written: the sh block after the
 * "walkthrough" marker goes to bash in a fresh folder, with `cpansec-patch`
 * on PATH as the built CLI and the release tarball copied in from the
 * corpus. If the page and the tool disagree, this fails. Needs git, perl
 * and make (the `test` step builds the release).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { PROJECT_ROOT, hasShared, sharedPath } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';

const TOOLS = ['bash', 'perl', 'make', 'git'].every((t) => spawnSync(t, ['--version']).status === 0);
if (!TOOLS) console.warn('skipping the authoring walkthrough: it needs bash, perl, make and git');

function walkthrough(): string {
  const doc = readFileSync(join(PROJECT_ROOT, 'docs', 'authoring.md'), 'utf8');
  const at = doc.indexOf('<!-- walkthrough');
  const block = /```sh\n([\s\S]*?)```/.exec(doc.slice(at));
  if (at < 0 || !block) throw new Error('docs/authoring.md has no walkthrough block');
  return block[1] as string;
}

describe.skipIf(!TOOLS || !hasShared('corpus'))('docs/authoring.md walkthrough', () => {
  it('runs from new to publish, as written', () => {
    const work = tempDir('cpansec-walk-');
    const tarball = 'Config-IniFiles-3.000003.tar.gz';
    copyFileSync(sharedPath('corpus', 'Config-IniFiles-3.000003', tarball), join(work, tarball));
    mkdirSync(join(work, 'bin'));
    const shim = join(work, 'bin', 'cpansec-patch');
    writeFileSync(shim, `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`);
    chmodSync(shim, 0o755);
    const script = walkthrough();
    const out = execFileSync('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: work,
      env: {
        PATH: `${join(work, 'bin')}:${process.env['PATH'] ?? ''}`,
        HOME: work,
        TMPDIR: work,
        NO_COLOR: '1',
        CPANSEC_KEY_PASSWORD: '',
        GIT_AUTHOR_NAME: 'Jane Doe',
        GIT_AUTHOR_EMAIL: 'jane@example.org',
      },
      encoding: 'utf8',
      timeout: 240_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(out).toContain('PASS  Config-IniFiles-CVE-2026-11527 on Config-IniFiles 3.000003');
    expect(out).toContain('verified ');
    expect(out).toMatch(/signature\s+verified/);
    expect(
      existsSync(join(work, 'my-repo', 'patches', 'Config-IniFiles', 'Config-IniFiles-CVE-2026-11527.patch.minisig')),
    ).toBe(true);
    expect(existsSync(join(work, 'Config-IniFiles-3.000003.draft.patch'))).toBe(false);
  });
});
