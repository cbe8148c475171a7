/**
 * Finding release tarballs of a distribution on disk (`lint --tarballs DIR`,
 * e.g. a CPAN mini-mirror or ../shared/corpus): every `<Dist>-<Version>.tar.gz`
 * (.tgz, .tar; .tar.bz2 and .tar.xz are listed as unsupported) below the
 * given directories, named the CPAN::DistnameInfo way. Symbolic links are not
 * followed; the walk is bounded.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDistname } from '../core/dist/distname.js';
import { tryParseVersion } from '../core/version/cpan-version.js';
import { CpansecError } from '../errors.js';

export interface FoundTarball {
  path: string;
  file: string;
  version: string;
  supported: boolean;
}

const MAX_DEPTH = 8;
const MAX_ENTRIES = 200_000;

/** Every tarball of `dist` below `dirs`, sorted by path. */
export async function findReleaseTarballs(dirs: readonly string[], dist: string): Promise<FoundTarball[]> {
  const found: FoundTarball[] = [];
  let seen = 0;
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (depth === 0) {
        throw new CpansecError('FILE_NOT_FOUND', `tarball directory not found: ${dir}`, {
          details: { path: dir },
          cause: err,
        });
      }
      return;
    }
    for (const e of entries) {
      if (++seen > MAX_ENTRIES) {
        throw new CpansecError('LIMIT_EXCEEDED', `more than ${MAX_ENTRIES} entries below ${dirs.join(', ')}`);
      }
      const path = join(dir, e.name);
      if (e.isDirectory() && depth < MAX_DEPTH) await walk(path, depth + 1);
      if (!e.isFile() || !e.name.startsWith(`${dist}-`)) continue;
      let info;
      try {
        info = parseDistname(e.name, { allowXz: true });
      } catch {
        continue;
      }
      if (info.dist !== dist || info.version === undefined || tryParseVersion(info.version) === undefined) continue;
      const ext = info.extension ?? '';
      found.push({ path, file: e.name, version: info.version, supported: ['tar.gz', 'tgz'].includes(ext) });
    }
  };
  for (const d of dirs) await walk(d, 0);
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
