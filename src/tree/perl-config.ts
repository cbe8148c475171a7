/**
 * The running perl's install locations, for the default trees of `scan` and
 * `status`. This runs the system perl with -V only: it prints Config values
 * and loads no module from any tree. The environment is emptied of every
 * variable that could make perl load code (PERL5OPT=-M…, PERL5LIB, PERLLIB,
 * PERL5DB), so an installed tree never runs because we asked about it.
 */
import { execFile } from 'node:child_process';
import { CpansecError } from '../errors.js';

export const PERL_CONFIG_KEYS = [
  'installsitelib',
  'installsitearch',
  'installsitebin',
  'installsitescript',
  'installvendorlib',
  'installvendorarch',
  'installvendorbin',
  'installvendorscript',
  'archname',
  'version',
] as const;

export type PerlConfig = Partial<Record<(typeof PERL_CONFIG_KEYS)[number], string>>;

export function parsePerlV(text: string): PerlConfig {
  const out: PerlConfig = {};
  for (const m of text.matchAll(/^(\w+)='([^'\n]*)';$/gm)) {
    const key = m[1] as (typeof PERL_CONFIG_KEYS)[number];
    if ((PERL_CONFIG_KEYS as readonly string[]).includes(key) && m[2] !== '' && m[2] !== 'undef') out[key] = m[2];
  }
  return out;
}

/** @throws CpansecError TOOL_FAILED when perl cannot be run */
export async function readPerlConfig(perl = 'perl'): Promise<PerlConfig> {
  const args = PERL_CONFIG_KEYS.map((k) => `-V:${k}`);
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C' };
  const text = await new Promise<string>((resolve, reject) => {
    execFile(perl, args, { env, timeout: 10_000, maxBuffer: 1024 * 1024 }, (err, stdout) => {
      if (err) {
        reject(
          new CpansecError('TOOL_FAILED', `cannot ask perl for its install directories: ${err.message}`, {
            hint: 'name the trees with --tree DIR, or put perl on PATH',
            cause: err,
          }),
        );
      } else resolve(stdout);
    });
  });
  return parsePerlV(text);
}
