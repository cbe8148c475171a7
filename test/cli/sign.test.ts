/**
 * End-to-end runs of the built CLI: key generate/show, sign, verify, with
 * --json, exit codes (docs/signing.md), and minisign as the outside judge.
 */
import { copyFileSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKey } from '../../src/api/key.js';
import { runCli } from '../helpers/cli.js';
import { MINISIGN_FIXTURES, hasMinisign, minisign } from '../helpers/minisign.js';
import { PROJECT_ROOT } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';

const NAME = 'Acme-Demo-CVE-2099-0001.patch';
const EXAMPLE = join(PROJECT_ROOT, 'test', 'fixtures', 'example', NAME);
/** No password in the environment unless a test sets one. */
const ENV = { CPANSEC_KEY_PASSWORD: '' };

function workDir(): { dir: string; patch: string } {
  const dir = tempDir();
  const patch = join(dir, NAME);
  copyFileSync(EXAMPLE, patch);
  return { dir, patch };
}

/** A key pair made with the CLI (no password); returns the path prefix. */
function cliKey(dir: string): string {
  const out = join(dir, 'publisher');
  const run = runCli(['key', 'generate', '--out', out, '--no-password', '--json'], { env: ENV });
  expect(run.code, run.stderr).toBe(0);
  return out;
}

describe('cpansec-patch key generate', () => {
  it('--no-password writes both files and prints one JSON document', () => {
    const { dir } = workDir();
    const out = join(dir, 'k');
    const run = runCli(['key', 'generate', '--out', out, '--no-password', '--json'], { env: ENV });
    expect(run.code).toBe(0);
    expect(run.json).toMatchObject({
      ok: true,
      command: 'key generate',
      result: { encrypted: false, publicKeyFile: `${out}.pub` },
    });
    expect(statSync(`${out}.key`).mode & 0o777).toBe(0o600);
  });

  it('prints a human summary that says the key is not encrypted', () => {
    const { dir } = workDir();
    const run = runCli(['key', 'generate', '--out', join(dir, 'k'), '--no-password'], { env: ENV });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/generated key [0-9A-F]{16}/);
    expect(run.stdout).toContain('NOT encrypted');
  });

  it("--password-file encrypts with minisign's scrypt limits and notes the slow step on stderr", () => {
    const { dir } = workDir();
    writeFileSync(join(dir, 'pw'), 'a long passphrase\n');
    const run = runCli(['key', 'generate', '--out', join(dir, 'k'), '--password-file', join(dir, 'pw')], { env: ENV });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('deriving key (scrypt)…');
    const show = runCli(['key', 'show', join(dir, 'k.key'), '--json']);
    expect(show.json.result).toMatchObject({ encrypted: true, keyId: null, kdf: { N: 1048576, r: 8, p: 1 } });
  }, 60_000);

  it('without a password source and no terminal: exit 4, KEY_PASSWORD', () => {
    const { dir } = workDir();
    const run = runCli(['key', 'generate', '--out', join(dir, 'k'), '--json'], { env: ENV });
    expect(run.code).toBe(4);
    expect(run.json.error).toMatchObject({ code: 'KEY_PASSWORD' });
  });

  it('refuses to replace existing keys: exit 5, FILE_EXISTS', () => {
    const { dir } = workDir();
    const out = cliKey(dir);
    const run = runCli(['key', 'generate', '--out', out, '--no-password', '--json'], { env: ENV });
    expect(run.code).toBe(5);
    expect(run.json.error).toMatchObject({ code: 'FILE_EXISTS' });
  });

  it('--no-password with --password-file, or no --out: exit 2', () => {
    const { dir } = workDir();
    writeFileSync(join(dir, 'pw'), 'x');
    expect(
      runCli(['key', 'generate', '--out', join(dir, 'k'), '--no-password', '--password-file', join(dir, 'pw')]).code,
    ).toBe(2);
    expect(runCli(['key', 'generate', '--no-password']).code).toBe(2);
  });
});

describe('cpansec-patch key show', () => {
  it('shows a public key as text and as JSON', () => {
    const pub = join(MINISIGN_FIXTURES, 'test-only.pub');
    const text = runCli(['key', 'show', pub]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('public key A8C9836BB81FD0D5');
    const json = runCli(['key', 'show', pub, '--json']);
    expect(json.json).toMatchObject({
      ok: true,
      command: 'key show',
      result: { kind: 'public', keyId: 'A8C9836BB81FD0D5' },
    });
  });

  it('exit 6 for a missing key, 3 for a file that is not a key', () => {
    expect(runCli(['key', 'show', join(tempDir(), 'x.pub'), '--json']).json.error).toMatchObject({
      code: 'KEY_NOT_FOUND',
      exitCode: 6,
    });
    const run = runCli(['key', 'show', join(MINISIGN_FIXTURES, 'message.txt'), '--json']);
    expect(run.code).toBe(3);
    expect(run.json.error).toMatchObject({ code: 'KEY_INVALID' });
  });
});

describe('cpansec-patch sign and verify', () => {
  it('sign, then verify: exit 0, with the signed identity in the JSON result', () => {
    const { dir, patch } = workDir();
    const out = cliKey(dir);
    const sign = runCli(['sign', patch, '--key', `${out}.key`, '--json'], { env: ENV });
    expect(sign.code, sign.stderr).toBe(0);
    expect(sign.json).toMatchObject({
      ok: true,
      command: 'sign',
      result: {
        signature: `${patch}.minisig`,
        algorithm: 'ED',
        signed: { patchId: 'Acme-Demo-CVE-2099-0001', dist: 'Acme-Demo', file: NAME },
      },
    });
    const verify = runCli(['verify', patch, '--key', `${out}.pub`, '--json']);
    expect(verify.code).toBe(0);
    expect(verify.json).toMatchObject({
      ok: true,
      command: 'verify',
      result: {
        verified: true,
        keyFile: `${out}.pub`,
        signed: { patchId: 'Acme-Demo-CVE-2099-0001', dist: 'Acme-Demo' },
      },
    });
  });

  it.skipIf(!hasMinisign())('what the CLI signs, minisign -V verifies', () => {
    const { dir, patch } = workDir();
    const out = cliKey(dir);
    expect(runCli(['sign', patch, '--key', `${out}.key`], { env: ENV }).code).toBe(0);
    const run = minisign(['-V', '-p', `${out}.pub`, '-m', patch]);
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain('patch-id:Acme-Demo-CVE-2099-0001\tdist:Acme-Demo');
  });

  it('the human verify output shows authenticated data only, never the untrusted comment', () => {
    const { dir, patch } = workDir();
    const out = cliKey(dir);
    runCli(['sign', patch, '--key', `${out}.key`, '--comment', 'UNTRUSTED-MARKER'], { env: ENV });
    const run = runCli(['verify', patch, '--key', `${out}.pub`]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('verified');
    expect(run.stdout).toContain('Acme-Demo-CVE-2099-0001');
    expect(run.stdout + run.stderr).not.toContain('UNTRUSTED-MARKER');
  });

  describe('verify failures exit 4 (6 for a named signature file that is missing)', () => {
    interface Case {
      dir: string;
      patch: string;
      pub: string;
    }
    const cases: [string, string, number, (c: Case) => string[]][] = [
      [
        'a tampered patch',
        'SIGNATURE_INVALID',
        4,
        (c) => {
          writeFileSync(c.patch, `${readFileSync(c.patch, 'utf8')}\n`);
          return ['--key', c.pub];
        },
      ],
      ['another key', 'KEY_UNTRUSTED', 4, () => ['--key', join(MINISIGN_FIXTURES, 'test-only.pub')]],
      [
        'a malformed signature',
        'SIGNATURE_MALFORMED',
        4,
        (c) => {
          writeFileSync(`${c.patch}.minisig`, readFileSync(`${c.patch}.minisig`, 'utf8').slice(0, 120));
          return ['--key', c.pub];
        },
      ],
      [
        'no <patch>.minisig',
        'UNSIGNED',
        4,
        (c) => {
          rmSync(`${c.patch}.minisig`);
          return ['--key', c.pub];
        },
      ],
      [
        'a named signature file that is missing',
        'FILE_NOT_FOUND',
        6,
        (c) => ['--key', c.pub, '--signature', join(c.dir, 'absent.minisig')],
      ],
    ];
    it.each(cases)('%s: %s, exit %i', (_what, code, exit, prepare) => {
      const { dir, patch } = workDir();
      const out = cliKey(dir);
      expect(runCli(['sign', patch, '--key', `${out}.key`], { env: ENV }).code).toBe(0);
      const run = runCli(['verify', patch, ...prepare({ dir, patch, pub: `${out}.pub` }), '--json']);
      expect(run.code, run.stdout).toBe(exit);
      expect(run.json).toMatchObject({ ok: false, command: 'verify', error: { code, exitCode: exit } });
    });

    it('a tampered patch, as text: the message says so on stderr', () => {
      const { dir, patch } = workDir();
      const out = cliKey(dir);
      runCli(['sign', patch, '--key', `${out}.key`], { env: ENV });
      writeFileSync(patch, readFileSync(patch, 'utf8').replace('three', 'two'));
      const run = runCli(['verify', patch, '--key', `${out}.pub`]);
      expect(run.code).toBe(4);
      expect(run.stderr).toContain('tampered file');
      expect(run.stdout).toBe('');
    });
  });

  it('verify without --key: exit 2', () => {
    const { patch } = workDir();
    expect(runCli(['verify', patch, '--json']).json.error).toMatchObject({ code: 'USAGE', exitCode: 2 });
  });

  describe('with a password-protected key', () => {
    async function encrypted(dir: string): Promise<string> {
      // Made through the API with low scrypt limits so the test is fast; the CLI reads any limits.
      const out = join(dir, 'enc');
      await generateKey({ out, password: 'open sesame', opslimit: 32768, memlimit: 1 << 20 });
      return `${out}.key`;
    }

    it('--password-file FILE', async () => {
      const { dir, patch } = workDir();
      const key = await encrypted(dir);
      writeFileSync(join(dir, 'pw'), 'open sesame\n');
      const run = runCli(['sign', patch, '--key', key, '--password-file', join(dir, 'pw')], { env: ENV });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain('deriving key (scrypt)…');
    });

    it('CPANSEC_KEY_PASSWORD', async () => {
      const { dir, patch } = workDir();
      const key = await encrypted(dir);
      expect(
        runCli(['sign', patch, '--key', key, '--json'], { env: { CPANSEC_KEY_PASSWORD: 'open sesame' } }).code,
      ).toBe(0);
    });

    it('a wrong password, or none and no terminal: exit 4, KEY_PASSWORD', async () => {
      const { dir, patch } = workDir();
      const key = await encrypted(dir);
      const wrong = runCli(['sign', patch, '--key', key, '--json'], { env: { CPANSEC_KEY_PASSWORD: 'open says me' } });
      expect(wrong.json.error).toMatchObject({ code: 'KEY_PASSWORD', exitCode: 4 });
      const none = runCli(['sign', patch, '--key', key, '--json'], { env: ENV });
      expect(none.json.error).toMatchObject({ code: 'KEY_PASSWORD', exitCode: 4 });
    });
  });

  it('sign a patch without Patch-Id: exit 3, HEADER_INVALID', () => {
    const { dir, patch } = workDir();
    const out = cliKey(dir);
    writeFileSync(patch, readFileSync(patch, 'utf8').replace(/^Patch-Id: .*\n/m, ''));
    const run = runCli(['sign', patch, '--key', `${out}.key`, '--json'], { env: ENV });
    expect(run.code).toBe(3);
    expect(run.json.error).toMatchObject({ code: 'HEADER_INVALID' });
  });
});

describe('help', () => {
  it.each([['key'], ['key', 'generate'], ['key', 'show'], ['sign'], ['verify']])(
    '%s --help shows examples',
    (...cmd) => {
      const run = runCli([...cmd, '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('Examples:');
    },
  );

  it('lists key, sign and verify', () => {
    const run = runCli(['--help']);
    for (const c of ['key', 'sign', 'verify']) expect(run.stdout).toMatch(new RegExp(`^\\s+${c}\\b`, 'm'));
  });
});
