/**
 * The local cache of one repository source. Trusted state is a generation
 * folder, `gen-<id>/` (metadata/ as tuf-js keeps it, targets/, state.json);
 * the file `current` names the generation in force and is replaced
 * atomically. A pull works in a fresh `.work-<id>/` and becomes current only
 * when everything in it is verified, so a failed or interrupted pull leaves
 * the trusted state byte for byte as it was.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CpansecError } from '../errors.js';
import { writeFileAtomic } from '../files/atomic.js';
import { readInside } from './repo-fs.js';
import { cacheName } from './source.js';
import type { RepoSource } from './source.js';

export const CURRENT_FILE = 'current';
const GEN_RE = /^gen-[0-9a-f]{16}$/;

/** `${CPANSEC_PATCH_CACHE:-${XDG_CACHE_HOME:-~/.cache}/cpansec-patch}/repos/<name>` */
export function defaultCacheDir(source: RepoSource, env: Record<string, string | undefined>): string {
  const base =
    env['CPANSEC_PATCH_CACHE'] ||
    join(env['XDG_CACHE_HOME'] || join(env['HOME'] || homedir(), '.cache'), 'cpansec-patch');
  return join(base, 'repos', cacheName(source));
}

/** The generation in force, or undefined for an empty cache. */
export async function currentGeneration(cacheDir: string): Promise<string | undefined> {
  const bytes = await readInside(cacheDir, CURRENT_FILE, 256).catch((err: unknown) => {
    if (err instanceof CpansecError && err.code === 'FILE_NOT_FOUND') return undefined;
    throw err;
  });
  if (bytes === undefined) return undefined;
  const name = new TextDecoder().decode(bytes).trim();
  if (!GEN_RE.test(name))
    throw new CpansecError('CONFIG_INVALID', `${join(cacheDir, CURRENT_FILE)} is damaged`, {
      hint: `remove ${cacheDir} and pull again`,
    });
  return name;
}

export async function newWorkDir(cacheDir: string): Promise<string> {
  await mkdir(cacheDir, { recursive: true, mode: 0o755 });
  const dir = join(cacheDir, `.work-${randomBytes(8).toString('hex')}`);
  await mkdir(join(dir, 'metadata'), { recursive: true });
  await mkdir(join(dir, 'targets'), { recursive: true });
  await mkdir(join(dir, 'tmp'), { recursive: true });
  return dir;
}

/** Makes a verified work folder the current generation; removes older generations. */
export async function commitGeneration(cacheDir: string, workDir: string): Promise<string> {
  await rm(join(workDir, 'tmp'), { recursive: true, force: true });
  const name = `gen-${randomBytes(8).toString('hex')}`;
  await rename(workDir, join(cacheDir, name));
  await writeFileAtomic(join(cacheDir, CURRENT_FILE), new TextEncoder().encode(`${name}\n`));
  for (const entry of await readdir(cacheDir)) {
    const full = join(cacheDir, entry);
    if (GEN_RE.test(entry) && entry !== name) await rm(full, { recursive: true, force: true });
    else if (entry.startsWith('.work-')) {
      // Work folders of pulls that died; a pull running beside this one is younger than an hour.
      const mtime = await stat(full).then(
        (st) => st.mtimeMs,
        () => Date.now(),
      );
      if (Date.now() - mtime > 3_600_000) await rm(full, { recursive: true, force: true });
    }
  }
  return name;
}
