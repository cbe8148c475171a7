/**
 * An independent check of what we publish: Debian's python3-securesystemslib
 * (encode_canonical, the reference canonical JSON of TUF) and python3-nacl
 * (libsodium) recompute every keyid and verify every signature of a
 * repository, including a rotated root and consistent-snapshot names.
 * tuf-js consuming our repositories is the client itself (every pull test).
 * Skipped, with the reason printed, when the Debian packages are missing.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { EMBEDDED_REPOSITORY, rotateKey } from '../../src/repo/index.js';
import { NOW, makeRepo, signer } from './helpers.js';

const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import securesystemslib.formats, nacl.signing'], { encoding: 'utf8' });
const available = probe.status === 0;
if (!available) {
  console.warn(
    'skipping the securesystemslib/PyNaCl interop tests: install python3-securesystemslib and python3-nacl (Debian)',
  );
}

const SCRIPT = `
import hashlib, json, os, re, sys
from securesystemslib.formats import encode_canonical
import nacl.signing
d = os.path.join(sys.argv[1], 'metadata')
def load(n):
    with open(os.path.join(d, n)) as f: return json.load(f)
def verify(md, root, role):
    keys, r = root['signed']['keys'], root['signed']['roles'][role]
    msg = encode_canonical(md['signed']).encode()
    good = 0
    for s in md['signatures']:
        if s['keyid'] in r['keyids']:
            nacl.signing.VerifyKey(bytes.fromhex(keys[s['keyid']]['keyval']['public'])).verify(msg, bytes.fromhex(s['sig']))
            good += 1
    assert good >= r['threshold'], (role, good)
checked = []
roots = sorted((int(n.split('.')[0]), n) for n in os.listdir(d) if re.match(r'^\\d+\\.root\\.json$', n))
prev = None
for v, n in roots:
    root = load(n)
    for kid, key in root['signed']['keys'].items():
        assert hashlib.sha256(encode_canonical(key).encode()).hexdigest() == kid, kid
    verify(root, root, 'root')
    if prev: verify(root, prev, 'root')
    prev = root
    checked.append(n)
for n in sorted(os.listdir(d)):
    m = re.match(r'^(\\d+\\.)?(timestamp|snapshot|targets)\\.json$', n)
    if m:
        verify(load(n), prev, m.group(2)); checked.append(n)
print(json.dumps(checked))
`;

function check(dir: string): string[] {
  const res = spawnSync(PYTHON, ['-c', SCRIPT, dir], { encoding: 'utf8' });
  expect(res.stderr).toBe('');
  expect(res.status).toBe(0);
  return JSON.parse(res.stdout) as string[];
}

describe.skipIf(!available)('interop with securesystemslib + PyNaCl', () => {
  it('recomputes the keyids and verifies every signature of the embedded repository', () => {
    expect(check(EMBEDDED_REPOSITORY)).toEqual(
      expect.arrayContaining(['1.root.json', 'timestamp.json', 'snapshot.json', 'targets.json']),
    );
  });

  it('does the same for a consistent-snapshot repository after a root rotation', async () => {
    const repo = await makeRepo({ consistent: true });
    await rotateKey({
      dir: repo.dir,
      role: 'root',
      newKey: await signer('root-2'),
      signers: [repo.root, repo.publisher],
      now: NOW,
    });
    const checked = check(repo.dir);
    expect(checked).toEqual(
      expect.arrayContaining(['1.root.json', '2.root.json', '3.targets.json', '3.snapshot.json', 'timestamp.json']),
    );
  });
});
