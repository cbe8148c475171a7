/**
 * From what the user typed to a local tarball: an existing file as it is; a
 * URL downloaded (through the cache); a module or distribution name looked up
 * in the mirror's 02packages.details.txt.gz, then downloaded. Every download
 * from an authors/id/ directory is checked against that directory's
 * CHECKSUMS when the mirror has one (CPAN.pm's check, which cpanm makes only
 * with --verify): a mismatch or a file missing from it is refused.
 */
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { checkAgainstChecksums, parseChecksums } from '../core/cpan/checksums.js';
import { TARBALL_EXTENSIONS, parseDistRequest, tarballFileName } from '../core/cpan/input.js';
import { checkAuthorPath, findDistribution, findPackage } from '../core/cpan/packages.js';
import { parseDistname } from '../core/dist/distname.js';
import { resolveLimits } from '../core/limits.js';
import { compareVersions, tryParseVersion } from '../core/version/cpan-version.js';
import { CpansecError, wrapError } from '../errors.js';
import { readFileLimited } from '../files/read.js';
import type { Limits } from '../core/limits.js';
import type { Checksums } from '../core/cpan/checksums.js';
import type { PackageEntry } from '../core/cpan/packages.js';
import type { Downloaded } from '../net/download.js';

export const DEFAULT_MIRROR = 'https://www.cpan.org/';

export interface TarballOrigin {
  /** How the input was read: a local file, a URL, or a name resolved through the mirror. */
  kind: 'file' | 'url' | 'module' | 'dist';
  given: string;
  /** The local file to read (the input itself, or the cached download). */
  path: string;
  /** The tarball's file name. */
  file: string;
  url?: string;
  /** The path below authors/id/ (A/AU/AUTHOR/Dist-1.0.tar.gz), when known. */
  cpanPath?: string;
  /** 'verified': CHECKSUMS lists it with this sha256; 'absent': the directory has no CHECKSUMS. */
  checksums: 'verified' | 'absent' | 'not-applicable';
  download?: 'network' | 'cache' | 'file';
}

export interface ResolveInputOptions {
  mirror?: string;
  cacheDir?: string;
  offline?: boolean;
  cwd?: string;
  env?: Record<string, string | undefined>;
  limits?: Partial<Limits>;
  onProgress?: (message: string) => void;
  onWarning?: (message: string) => void;
}

function httpOptions(limits: Readonly<Limits>, maxBytes: number, what: string, onProgress?: (m: string) => void) {
  return {
    maxBytes,
    idleTimeoutMs: limits.downloadIdleTimeoutMs,
    timeoutMs: limits.downloadTimeoutMs,
    maxRedirects: limits.maxRedirects,
    ...(onProgress === undefined
      ? {}
      : {
          onProgress: (got: number, total: number | undefined) =>
            onProgress(`downloading ${what}: ${mib(got)}${total === undefined ? '' : ` of ${mib(total)}`}`),
        }),
  };
}

function mib(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`;
}

function mirrorBase(mirror: string): string {
  return mirror.endsWith('/') ? mirror : `${mirror}/`;
}

class Fetcher {
  readonly limits: Readonly<Limits>;
  constructor(readonly options: ResolveInputOptions) {
    this.limits = resolveLimits(options.limits);
  }

  async get(url: string, kind: 'immutable' | 'revalidate', maxBytes: number, what: string): Promise<Downloaded> {
    // The HTTP client (node:https, TLS) loads only for URLs and names, not for local files.
    const { download } = await import('../net/download.js');
    return download(url, {
      kind,
      http: httpOptions(this.limits, maxBytes, what, this.options.onProgress),
      ...(this.options.cacheDir === undefined ? {} : { cacheDir: this.options.cacheDir }),
      ...(this.options.offline === undefined ? {} : { offline: this.options.offline }),
      ...(this.options.env === undefined ? {} : { env: this.options.env }),
    });
  }

  /** The mirror's package index, decompressed and bounded. */
  async packages(mirror: string): Promise<string> {
    const url = `${mirrorBase(mirror)}modules/02packages.details.txt.gz`;
    const got = await this.get(url, 'revalidate', this.limits.maxTarballBytes, '02packages.details.txt.gz');
    if (got.path === null) {
      throw new CpansecError('NETWORK', `the mirror has no ${url}`, {
        hint: 'is --mirror the root of a CPAN mirror (with modules/ and authors/)?',
        details: { url },
      });
    }
    const compressed = await readFileLimited(got.path, this.limits.maxTarballBytes, '02packages.details.txt.gz');
    try {
      const text = await promisify(gunzip)(compressed, { maxOutputLength: this.limits.maxIndexBytes });
      return text.toString('latin1');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new CpansecError('LIMIT_EXCEEDED', `${url} expands beyond ${this.limits.maxIndexBytes} bytes`, {
          details: { url, limit: this.limits.maxIndexBytes },
        });
      }
      throw wrapError(err, 'METADATA_INVALID', `${url} is not valid gzip`);
    }
  }

  /** An author directory's CHECKSUMS, or undefined when it has none. */
  async checksums(dirUrl: string): Promise<Checksums | undefined> {
    const got = await this.get(`${dirUrl}CHECKSUMS`, 'revalidate', this.limits.maxChecksumsBytes, 'CHECKSUMS');
    if (got.path === null) return undefined;
    const bytes = await readFileLimited(got.path, this.limits.maxChecksumsBytes, 'CHECKSUMS');
    return parseChecksums(Buffer.from(bytes).toString('latin1'), { maxEntries: this.limits.maxChecksumsEntries });
  }
}

/** The authors/id path of a URL on a CPAN mirror, or undefined. */
function cpanPathOf(url: string): string | undefined {
  const m = /\/authors\/id\/(.+)$/.exec(new URL(url).pathname);
  if (m === null) return undefined;
  try {
    return checkAuthorPath(decodeURIComponent(m[1] as string));
  } catch {
    return undefined;
  }
}

/**
 * Checks a download against its directory's CHECKSUMS.
 * @throws CpansecError CHECKSUM_MISMATCH (exit 4)
 */
async function verifyChecksums(
  fetcher: Fetcher,
  url: string,
  got: Downloaded,
  cpanPath: string | undefined,
): Promise<'verified' | 'absent'> {
  const dirUrl = url.slice(0, url.lastIndexOf('/') + 1);
  const file = basename(new URL(url).pathname);
  const checksums = await fetcher.checksums(dirUrl);
  if (checksums === undefined) {
    fetcher.options.onWarning?.(`${dirUrl} has no CHECKSUMS: the download is checked by TLS only`);
    return 'absent';
  }
  const authorDir = cpanPath?.split('/').slice(0, -1).join('/');
  const verdict = checkAgainstChecksums(checksums, {
    name: file,
    sha256: got.sha256,
    size: got.size,
    ...(authorDir === undefined ? {} : { authorDir }),
  });
  if (verdict.status === 'verified') return 'verified';
  const what =
    verdict.status === 'missing-entry'
      ? `${file} is not listed (with a sha256) in ${dirUrl}CHECKSUMS`
      : `${file}: ${verdict.field} is ${verdict.actual}, CHECKSUMS says ${verdict.expected}`;
  throw new CpansecError('CHECKSUM_MISMATCH', `${what}; the tarball was refused`, {
    hint: 'the mirror serves a file that differs from its own checksums: try another --mirror, and report it if it persists',
    details: {
      url,
      file,
      reason: verdict.status,
      ...(verdict.status === 'mismatch'
        ? { field: verdict.field, expected: verdict.expected, actual: verdict.actual }
        : {}),
    },
  });
}

function notFound(message: string, hint: string, details: Record<string, unknown>): CpansecError {
  return new CpansecError('DIST_NOT_FOUND', message, { hint, details });
}

/** Picks the tarball of `dist` at `version` (or the newest indexed one), looking in the authors' CHECKSUMS for releases the index no longer lists. */
async function chooseRelease(
  fetcher: Fetcher,
  mirror: string,
  dist: string,
  version: string | undefined,
  indexed: PackageEntry[],
  given: string,
): Promise<string> {
  if (indexed.length === 0) {
    throw notFound(
      `${given}: ${dist} is not in the mirror's index (02packages.details.txt)`,
      'check the spelling (Dist-Name or Module::Name), or pass the tarball URL',
      {
        dist,
      },
    );
  }
  const paths = [...new Set(indexed.map((e) => e.path))];
  if (version === undefined) {
    return paths.sort((a, b) => compareLoose(parseDistname(b).version, parseDistname(a).version))[0] as string;
  }
  const exact = paths.find((p) => parseDistname(p).version === version);
  if (exact !== undefined) return exact;
  // PAUSE indexes only the newest release; older ones stay in the author's directory until deleted.
  for (const dir of [...new Set(paths.map((p) => p.slice(0, p.lastIndexOf('/') + 1)))]) {
    const checksums = await fetcher.checksums(`${mirrorBase(mirror)}authors/id/${dir}`);
    for (const ext of TARBALL_EXTENSIONS) {
      const name = tarballFileName(dist, version, ext);
      if (checksums?.has(name)) return checkAuthorPath(`${dir}${name}`);
    }
  }
  const versions = paths.map((p) => parseDistname(p).version).join(', ');
  throw notFound(
    `${given}: version ${version} of ${dist} is not on the mirror (the index lists ${versions}, and the author's directory has no ${tarballFileName(dist, version)})`,
    'old releases live on BackPAN: pass the tarball URL, e.g. https://backpan.perl.org/authors/id/…',
    { dist, version, indexed: paths },
  );
}

function compareLoose(a: string | undefined, b: string | undefined): number {
  const va = a === undefined ? undefined : tryParseVersion(a.replace(/-TRIAL\d*$/, ''));
  const vb = b === undefined ? undefined : tryParseVersion(b.replace(/-TRIAL\d*$/, ''));
  if (va === undefined || vb === undefined) return va === undefined ? (vb === undefined ? 0 : -1) : 1;
  return compareVersions(va, vb);
}

/**
 * @throws CpansecError FILE_NOT_FOUND (no such file and not a name), DIST_NOT_FOUND, CHECKSUM_MISMATCH,
 *   NETWORK, LIMIT_EXCEEDED, METADATA_INVALID, VERSION_INVALID, USAGE
 */
export async function resolveTarballInput(given: string, options: ResolveInputOptions = {}): Promise<TarballOrigin> {
  const path = resolve(options.cwd ?? process.cwd(), given);
  const st = await stat(path).catch(() => undefined);
  if (st !== undefined) {
    if (!st.isFile()) throw new CpansecError('USAGE', `${given} is not a file`, { details: { path: given } });
    return { kind: 'file', given, path, file: basename(path), checksums: 'not-applicable' };
  }
  const request = parseDistRequest(given);
  if (request === undefined) {
    throw new CpansecError('FILE_NOT_FOUND', `tarball not found: ${given}`, {
      hint: 'give a tarball path, an https:// URL, or a name such as Dist::Name, Dist::Name@1.23 or Dist-Name-1.23',
      details: { path: given },
    });
  }
  const fetcher = new Fetcher(options);
  const mirror = options.mirror ?? DEFAULT_MIRROR;
  let url: string;
  let cpanPath: string | undefined;
  if (request.kind === 'url') {
    url = request.url;
    cpanPath = cpanPathOf(url);
  } else {
    const index = await fetcher.packages(mirror);
    let indexed: PackageEntry[];
    let dist: string;
    if (request.kind === 'module') {
      const entry = findPackage(index, request.module);
      if (entry === undefined) {
        throw notFound(
          `${request.module} is not in the mirror's index (02packages.details.txt)`,
          'check the module name, or name the distribution (Dist-Name-1.23)',
          {
            module: request.module,
          },
        );
      }
      dist = parseDistname(entry.path).dist ?? request.module.replace(/::/g, '-');
      indexed = [entry];
    } else {
      dist = request.dist;
      indexed = findDistribution(index, dist);
    }
    cpanPath = await chooseRelease(fetcher, mirror, dist, request.version, indexed, given);
    url = `${mirrorBase(mirror)}authors/id/${cpanPath}`;
  }
  const got = await fetcher.get(url, 'immutable', fetcher.limits.maxTarballBytes, basename(new URL(url).pathname));
  if (got.path === null) {
    throw notFound(`${url} does not exist (HTTP 404)`, 'check the URL or the mirror', { url });
  }
  const checksums = cpanPath !== undefined ? await verifyChecksums(fetcher, url, got, cpanPath) : 'not-applicable';
  return {
    kind: request.kind,
    given,
    path: got.path,
    file: basename(new URL(url).pathname),
    url,
    ...(cpanPath === undefined ? {} : { cpanPath }),
    checksums,
    download: got.from,
  };
}
