/**
 * "Is a fixed release on CPAN?" for `upstream status`: the mirror's
 * 02packages.details.txt.gz (which release of a distribution is indexed)
 * and the author directories' CHECKSUMS (every release still there, with
 * its upload day), through the download cache of src/net (revalidated with
 * If-Modified-Since, so a repeated status costs a 304 per file). Fetched
 * once per run and per author directory, and only when some patch needs it.
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { parseChecksums } from '../core/cpan/checksums.js';
import { findDistribution } from '../core/cpan/packages.js';
import { parseDistname } from '../core/dist/distname.js';
import { resolveLimits } from '../core/limits.js';
import { tryParseVersion } from '../core/version/cpan-version.js';
import { CpansecError, wrapError } from '../errors.js';
import { readFileLimited } from '../files/read.js';
import { download } from '../net/download.js';
import { DEFAULT_MIRROR } from './tarball-input.js';
import type { Checksums } from '../core/cpan/checksums.js';
import type { Release } from '../core/upstream/retire.js';

export interface CpanIndexOptions {
  mirror?: string;
  cache?: string;
  offline?: boolean;
  env?: Record<string, string | undefined>;
}

export class CpanReleases {
  private index: Promise<string> | undefined;
  private readonly checksums = new Map<string, Promise<Checksums | undefined>>();
  readonly mirror: string;
  /** Files fetched or revalidated (for the cost report). */
  fetched = 0;

  constructor(private readonly options: CpanIndexOptions) {
    const m = options.mirror ?? DEFAULT_MIRROR;
    this.mirror = m.endsWith('/') ? m : `${m}/`;
  }

  private async get(url: string, maxBytes: number): Promise<string | null> {
    const limits = resolveLimits();
    this.fetched++;
    const got = await download(url, {
      kind: 'revalidate',
      http: {
        maxBytes,
        idleTimeoutMs: limits.downloadIdleTimeoutMs,
        timeoutMs: limits.downloadTimeoutMs,
        maxRedirects: limits.maxRedirects,
      },
      ...(this.options.cache === undefined ? {} : { cacheDir: this.options.cache }),
      ...(this.options.offline === undefined ? {} : { offline: this.options.offline }),
      ...(this.options.env === undefined ? {} : { env: this.options.env }),
    });
    return got.path;
  }

  private async packages(): Promise<string> {
    const limits = resolveLimits();
    const url = `${this.mirror}modules/02packages.details.txt.gz`;
    const path = await this.get(url, limits.maxTarballBytes);
    if (path === null) {
      throw new CpansecError('NETWORK', `the mirror has no ${url}`, {
        hint: 'is --mirror the root of a CPAN mirror (with modules/ and authors/)?',
        details: { url },
      });
    }
    const compressed = await readFileLimited(path, limits.maxTarballBytes, '02packages.details.txt.gz');
    try {
      return (await promisify(gunzip)(compressed, { maxOutputLength: limits.maxIndexBytes })).toString('latin1');
    } catch (err) {
      throw wrapError(err, 'METADATA_INVALID', `${url} is not valid gzip (or too large)`);
    }
  }

  private async dirChecksums(dir: string): Promise<Checksums | undefined> {
    let found = this.checksums.get(dir);
    if (found === undefined) {
      found = (async () => {
        const limits = resolveLimits();
        const path = await this.get(`${this.mirror}authors/id/${dir}CHECKSUMS`, limits.maxChecksumsBytes);
        if (path === null) return undefined;
        const bytes = await readFileLimited(path, limits.maxChecksumsBytes, 'CHECKSUMS');
        return parseChecksums(Buffer.from(bytes).toString('latin1'), { maxEntries: limits.maxChecksumsEntries });
      })();
      this.checksums.set(dir, found);
    }
    return found;
  }

  /** Every release of `dist` the mirror has: the indexed one, and the others in its author directory. */
  async releasesOf(dist: string): Promise<{ indexed: Release[]; all: Release[] }> {
    this.index ??= this.packages();
    const entries = findDistribution(await this.index, dist);
    const indexed: Release[] = [];
    const all = new Map<string, Release>();
    for (const e of entries) {
      const version = parseDistname(e.path).version;
      if (version === undefined || tryParseVersion(version) === undefined) continue;
      const release = { version, path: e.path };
      indexed.push(release);
      all.set(e.path, release);
    }
    for (const dir of new Set(entries.map((e) => e.path.slice(0, e.path.lastIndexOf('/') + 1)))) {
      const sums = await this.dirChecksums(dir);
      for (const [name, entry] of sums ?? []) {
        const info = parseDistname(`${dir}${name}`);
        if (info.dist !== dist || info.version === undefined || info.maturity !== 'released') continue;
        if (tryParseVersion(info.version) === undefined) continue;
        const mtime = entry.fields['mtime'];
        const path = `${dir}${name}`;
        all.set(path, {
          version: info.version,
          path,
          ...(mtime && /^\d{4}-\d{2}-\d{2}$/.test(mtime) ? { uploaded: mtime } : {}),
        });
      }
    }
    return { indexed, all: [...all.values()] };
  }
}
