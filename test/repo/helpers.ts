/**
 * Shared pieces of the repository tests: deterministic test keys, test
 * patches in our format, a repository made with the library, a real HTTP
 * server on 127.0.0.1 that serves a folder (with per-path overrides for the
 * attacks and a request log), metadata re-signing for an attacker who holds
 * some keys, and a byte-for-byte picture of a cache's trusted state.
 */
import { createServer } from 'node:http';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { generateKeyPair } from '../../src/sign/key-format.js';
import { addPatch, initRepository, loadRepoState, publishRepository, repoSigner } from '../../src/repo/index.js';
import { signEnvelope } from '../../src/repo/keys.js';
import { formatMetadata, sha256Hex } from '../../src/repo/tuf-model.js';
import { seededRandom } from '../helpers/minisign.js';
import { tempDir } from '../helpers/tmp.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SecretKey } from '../../src/sign/key-format.js';
import type { RepoSigner } from '../../src/repo/index.js';

const keyCache = new Map<string, SecretKey>();
/** A deterministic, unencrypted test key (never a real key). */
export async function testKey(name: string): Promise<SecretKey> {
  let key = keyCache.get(name);
  if (key === undefined) {
    key = (await generateKeyPair(seededRandom(`repo-test/${name}`), { comment: `test key ${name}` })).secretKey;
    keyCache.set(name, key);
  }
  return key;
}

export async function signer(name: string): Promise<RepoSigner> {
  return repoSigner(await testKey(name));
}

export { patchText } from './patch-text.js';

/** Writes a patch file named after its id into a fresh folder; returns its path. */
import { patchText } from './patch-text.js';
import { listenOnLoopback } from '../helpers/loopback.js';

export function writePatch(dist: string, id: string, n: number, affected?: string): string {
  const dir = tempDir('cpansec-patch-src-');
  const path = join(dir, `${id}.patch`);
  writeFileSync(path, patchText(dist, id, n, affected));
  return path;
}

export interface TestRepo {
  dir: string;
  root: RepoSigner;
  publisher: RepoSigner;
  rootKey: SecretKey;
  publisherKey: SecretKey;
}

export const NOW = Date.now();

/** A repository with two patches for two distributions, published (targets v2). */
export async function makeRepo(
  options: { consistent?: boolean; publishers?: string[]; publisherThreshold?: number } = {},
): Promise<TestRepo> {
  const dir = join(tempDir('cpansec-repo-'), 'repo');
  const rootKey = await testKey('root');
  const publisherKey = await testKey('publisher');
  const pubs = [publisherKey, ...(await Promise.all((options.publishers ?? []).map(testKey)))];
  await initRepository({
    dir,
    rootKeys: [repoSigner(rootKey)],
    publisherKeys: pubs.map(repoSigner),
    consistentSnapshot: options.consistent === true,
    ...(options.publisherThreshold ? { publisherThreshold: options.publisherThreshold } : {}),
    now: NOW,
  });
  await addPatch({ dir, patch: writePatch('Foo-Bar', 'Foo-Bar-CVE-2099-1001', 1), key: publisherKey, now: NOW });
  await addPatch({ dir, patch: writePatch('Baz-Qux', 'Baz-Qux-CVE-2099-1002', 2), key: publisherKey, now: NOW });
  await publishRepository(await loadRepoState(dir), { signers: pubs.map(repoSigner), now: NOW });
  return { dir, root: repoSigner(rootKey), publisher: repoSigner(publisherKey), rootKey, publisherKey };
}

export async function publish(repo: TestRepo, signers: RepoSigner[] = [repo.publisher]): Promise<void> {
  await publishRepository(await loadRepoState(repo.dir), { signers, now: NOW });
}

export type Override = (path: string, req: IncomingMessage, res: ServerResponse) => boolean;

export interface TestServer {
  url: string;
  /** Paths requested, in order (relative to the server root). */
  log: string[];
  override: Override | undefined;
}

/** Serves `dir` on 127.0.0.1 (a real server; closed when the test ends). */
export async function serve(dir: string): Promise<TestServer> {
  const state: TestServer = { url: '', log: [], override: undefined };
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '');
    state.log.push(path);
    if (state.override?.(path, req, res)) return;
    try {
      const full = join(dir, path);
      if (relative(dir, full).startsWith('..') || !statSync(full).isFile()) throw new Error('no');
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(readFileSync(full));
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  state.url = `${(await listenOnLoopback(server)).origin}/`;
  return state;
}

/** Streams bytes forever (endless data): what an attacker's server does. */
export function endless(res: ServerResponse): true {
  res.writeHead(200);
  const chunk = Buffer.alloc(16 * 1024, 0x7b);
  const pump = (): void => {
    while (res.write(chunk)) {
      /* keep writing until the socket is full */
    }
    res.once('drain', pump);
  };
  res.on('close', () => res.removeAllListeners('drain'));
  pump();
  return true;
}

type Doc = {
  signed: Record<string, unknown> & { version: number; meta?: Record<string, unknown> };
  signatures: unknown[];
};
const read = (dir: string, name: string): Doc => JSON.parse(readFileSync(join(dir, 'metadata', name), 'utf8')) as Doc;

export interface Forgery {
  targets?: { signers: RepoSigner[]; edit?: (signed: Doc['signed']) => void } | { bytes: Uint8Array; version: number };
  snapshot?: { signers: RepoSigner[]; edit?: (signed: Doc['signed']) => void } | { bytes: Uint8Array; version: number };
  timestamp: { signers: RepoSigner[]; edit?: (signed: Doc['signed']) => void };
}

/**
 * Writes new metadata into a (non-consistent) repository folder as an attacker holding the
 * given keys would: each forged role gets version + 1 unless `edit` says otherwise, and the
 * referring metadata lists its real length and hash; `bytes` replays a file as it was.
 */
export function forge(dir: string, f: Forgery): void {
  const meta = (bytes: Uint8Array, version: number) => ({
    version,
    length: bytes.length,
    hashes: { sha256: sha256Hex(bytes) },
  });
  let targets: { bytes: Uint8Array; version: number } | undefined;
  if (f.targets !== undefined) {
    if ('bytes' in f.targets) targets = f.targets;
    else {
      const doc = read(dir, 'targets.json');
      doc.signed.version += 1;
      f.targets.edit?.(doc.signed);
      const bytes = formatMetadata(signEnvelope(doc.signed, f.targets.signers));
      targets = { bytes, version: doc.signed.version };
    }
    writeFileSync(join(dir, 'metadata', 'targets.json'), targets.bytes);
  }
  let snapshot: { bytes: Uint8Array; version: number } | undefined;
  if (f.snapshot !== undefined) {
    if ('bytes' in f.snapshot) snapshot = f.snapshot;
    else {
      const doc = read(dir, 'snapshot.json');
      doc.signed.version += 1;
      if (targets) doc.signed.meta = { 'targets.json': meta(targets.bytes, targets.version) };
      f.snapshot.edit?.(doc.signed);
      const bytes = formatMetadata(signEnvelope(doc.signed, f.snapshot.signers));
      snapshot = { bytes, version: doc.signed.version };
    }
    writeFileSync(join(dir, 'metadata', 'snapshot.json'), snapshot.bytes);
  }
  const doc = read(dir, 'timestamp.json');
  doc.signed.version += 1;
  if (snapshot) doc.signed.meta = { 'snapshot.json': meta(snapshot.bytes, snapshot.version) };
  f.timestamp.edit?.(doc.signed);
  writeFileSync(join(dir, 'metadata', 'timestamp.json'), formatMetadata(signEnvelope(doc.signed, f.timestamp.signers)));
}

/** Every file of a cache's trusted state (the pointer and the generation it names), as hex. */
export function cacheState(cacheDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[relative(cacheDir, full)] = readFileSync(full).toString('hex');
    }
  };
  let current: string;
  try {
    current = readFileSync(join(cacheDir, 'current'), 'utf8').trim();
  } catch {
    return out;
  }
  out['current'] = current;
  walk(join(cacheDir, current));
  return out;
}

export function copyFile(from: string, to: string): void {
  mkdirSync(join(to, '..'), { recursive: true });
  writeFileSync(to, readFileSync(from));
}
