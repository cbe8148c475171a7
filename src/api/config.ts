/**
 * The user's configuration file (docs/cli.md, "Configuration"):
 * `${XDG_CONFIG_HOME:-~/.config}/cpansec-patch/config.json`, or the file
 * CPANSEC_PATCH_CONFIG names, holding `{ "repo": "...", "cache": "..." }`:
 * the repository `list`, `search` and `info` read by default (a folder, an
 * https URL or a git remote) and the cache base (as CPANSEC_PATCH_CACHE).
 * A missing default file is no configuration; anything malformed is
 * CONFIG_INVALID, never silently ignored.
 */
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { CpansecError } from '../errors.js';
import { readFileLimited } from '../files/read.js';

export interface CpansecConfig {
  /** The file read, or null when there is none. */
  path: string | null;
  repo?: string;
  cache?: string;
}

const MAX_CONFIG_BYTES = 64 * 1024;
const KEYS = new Set(['repo', 'cache']);

export function configPath(env: Record<string, string | undefined>): { path: string; explicit: boolean } {
  const named = env['CPANSEC_PATCH_CONFIG'];
  if (named !== undefined && named !== '') return { path: resolve(named), explicit: true };
  const base = env['XDG_CONFIG_HOME'] || join(env['HOME'] || homedir(), '.config');
  return { path: join(base, 'cpansec-patch', 'config.json'), explicit: false };
}

function invalid(path: string, message: string): CpansecError {
  return new CpansecError('CONFIG_INVALID', `${path}: ${message}`, {
    hint: 'the file is JSON: { "repo": "<folder, https URL or git remote>", "cache": "<folder>" }',
    details: { path },
  });
}

/** Relative folders in the file are relative to the file; URLs and remotes are kept as written. */
function locate(value: string, base: string): string {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value) || /^[^/]+@[^/:]+:/.test(value) || isAbsolute(value)) return value;
  return resolve(base, value);
}

/**
 * @throws CpansecError CONFIG_INVALID (not JSON, not an object, unknown keys, wrong types),
 *   FILE_NOT_FOUND (CPANSEC_PATCH_CONFIG names a file that does not exist)
 */
export async function readConfig(env: Record<string, string | undefined> = process.env): Promise<CpansecConfig> {
  const { path, explicit } = configPath(env);
  let bytes: Uint8Array;
  try {
    bytes = await readFileLimited(path, MAX_CONFIG_BYTES, 'configuration file');
  } catch (err) {
    if (err instanceof CpansecError && err.code === 'FILE_NOT_FOUND' && !explicit) return { path: null };
    if (err instanceof CpansecError && err.code === 'LIMIT_EXCEEDED') throw invalid(path, 'too large');
    throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw invalid(path, `not JSON (${(err as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(path, 'not a JSON object');
  const o = value as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !KEYS.has(k));
  if (unknown.length > 0) throw invalid(path, `unknown key(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')}`);
  const out: CpansecConfig = { path };
  for (const key of ['repo', 'cache'] as const) {
    const v = o[key];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.trim() === '') throw invalid(path, `"${key}" must be a non-empty string`);
    out[key] = locate(v, dirname(path));
  }
  return out;
}
