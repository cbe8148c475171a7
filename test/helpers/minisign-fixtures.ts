/**
 * Keys and signatures made by the real minisign at test time, by the commands
 * of test/fixtures/minisign/PROVENANCE.md: no secret key is committed. Built
 * lazily, once per test file, in temp folders removed after that file's tests
 * (vitest ends its worker processes with SIGTERM, so an 'exit' handler would
 * never run). Call these only when hasMinisign() is true.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { minisign } from './minisign.js';
import { PROJECT_ROOT } from './shared.js';

/** A key pair made by minisign -G. */
export interface MinisignKey {
  /** The `.pub` file. */
  pub: string;
  /** The secret key file. */
  key: string;
  /** The key id as the `.pub` comment shows it, in 16 digits (minisign 0.11 drops leading zeros). */
  keyId: string;
  /** Line 2 of the `.pub` file (what minisign -P takes). */
  publicKey: string;
}

/** The unencrypted pair of PROVENANCE.md (`minisign -G -W`), what it signed, and minisign's signatures. */
export interface MinisignFixtures extends MinisignKey {
  /** message.txt and its ED (`message.txt.minisig`) and legacy (`message.txt.legacy.minisig`) signatures. */
  message: string;
  messageSig: string;
  legacySig: string;
  /** A copy of the example patch and minisign's signature of it with our trusted comment. */
  patch: string;
  patchSig: string;
}

/** The password-protected pair of PROVENANCE.md, at minisign's default scrypt limits (1 GiB). */
export interface MinisignEncryptedKey extends MinisignKey {
  password: string;
}

const PATCH_NAME = 'Acme-Demo-CVE-2099-0001.patch';
const MESSAGE = 'A test message for cpansec-patch.\nIt ends with a newline.\n';
const ENC_PASSWORD = 'test password, never use';
const TS = 'timestamp:1764115200';

const dirs: string[] = [];
let fixtures: MinisignFixtures | undefined;
let encrypted: MinisignEncryptedKey | undefined;

// Registered on the importing test file (this module is loaded anew for each).
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  fixtures = undefined;
  encrypted = undefined;
});

function fixtureDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cpansec-minisign-'));
  dirs.push(dir);
  return dir;
}

function run(dir: string, args: string[], input?: string): void {
  const r = minisign(args, { cwd: dir, ...(input === undefined ? {} : { input }) });
  if (r.code !== 0) throw new Error(`minisign ${args.join(' ')} failed (exit ${r.code}): ${r.out}`);
}

/** Reads what minisign wrote in a `.pub` file, without our parser (the tests compare it with ours). */
function readKey(dir: string, name: string): MinisignKey {
  const pub = join(dir, `${name}.pub`);
  const text = readFileSync(pub, 'utf8');
  const m = /^untrusted comment: minisign public key ([0-9A-F]{1,16})\n([A-Za-z0-9+/=]+)\n$/.exec(text);
  if (m === null) throw new Error(`unexpected ${pub} from minisign:\n${text}`);
  return { pub, key: join(dir, `${name}.key`), keyId: (m[1] as string).padStart(16, '0'), publicKey: m[2] as string };
}

/** The test-only key pair and signatures of PROVENANCE.md, made by the exact commands written there. */
export function minisignFixtures(): MinisignFixtures {
  if (fixtures !== undefined) return fixtures;
  const dir = fixtureDir();
  copyFileSync(join(PROJECT_ROOT, 'test', 'fixtures', 'example', PATCH_NAME), join(dir, PATCH_NAME));
  writeFileSync(join(dir, 'message.txt'), MESSAGE);
  run(dir, [
    '-G',
    '-W',
    '-p',
    'test-only.pub',
    '-s',
    'test-only.key',
    '-c',
    'TEST KEY ONLY, published on purpose (cpansec-patch fixtures): never trust it',
  ]);
  const sign = (extra: string[], comment: string, trusted: string): void =>
    run(dir, ['-S', ...extra, '-s', 'test-only.key', '-c', comment, '-t', trusted]);
  sign(
    ['-m', 'message.txt', '-x', 'message.txt.minisig'],
    'signature from test-only.key (ED)',
    `${TS}\tfile:message.txt\thashed`,
  );
  sign(
    ['-l', '-m', 'message.txt', '-x', 'message.txt.legacy.minisig'],
    'signature from test-only.key (legacy Ed)',
    `${TS}\tfile:message.txt`,
  );
  sign(
    ['-m', PATCH_NAME],
    'signature from test-only.key',
    `${TS}\tfile:${PATCH_NAME}\tpatch-id:Acme-Demo-CVE-2099-0001\tdist:Acme-Demo\thashed`,
  );
  fixtures = {
    ...readKey(dir, 'test-only'),
    message: join(dir, 'message.txt'),
    messageSig: join(dir, 'message.txt.minisig'),
    legacySig: join(dir, 'message.txt.legacy.minisig'),
    patch: join(dir, PATCH_NAME),
    patchSig: join(dir, `${PATCH_NAME}.minisig`),
  };
  return fixtures;
}

/**
 * The password-protected test-only-enc pair of PROVENANCE.md. Slow (scrypt at
 * 1 GiB, a few seconds): call it only in the test that needs it.
 */
export function minisignEncryptedKey(): MinisignEncryptedKey {
  if (encrypted !== undefined) return encrypted;
  const dir = fixtureDir();
  run(
    dir,
    [
      '-G',
      '-p',
      'test-only-enc.pub',
      '-s',
      'test-only-enc.key',
      '-c',
      `TEST KEY ONLY (encrypted; password: ${ENC_PASSWORD})`,
    ],
    `${ENC_PASSWORD}\n${ENC_PASSWORD}\n`,
  );
  encrypted = { ...readKey(dir, 'test-only-enc'), password: ENC_PASSWORD };
  return encrypted;
}
